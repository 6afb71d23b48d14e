//! Rebuilds the crate when a file of the embedded default theme changes (the theme folder is
//! embedded with `include_dir!`, which cargo does not track by itself).

fn main() {
    println!("cargo:rerun-if-changed=../themes/default");
    println!("cargo:rerun-if-changed=build.rs");
}
