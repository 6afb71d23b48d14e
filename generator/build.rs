//! Rebuilds the crate when a file of the embedded default theme changes (the theme folder is
//! embedded with `include_dir!`, which cargo does not track by itself), and warns when the
//! browser query module is not there to embed (`xcat build` then refuses to write a query page).

fn main() {
    println!("cargo:rerun-if-changed=../themes/default");
    println!("cargo:rerun-if-changed=build.rs");
    let module = std::path::Path::new("../themes/default/static/wasm/xcat_wasm_bg.wasm");
    if !module.is_file() {
        println!(
            "cargo:warning=xcat is compiled without the browser query module (themes/default/static/wasm/ is empty): `xcat build` will refuse to write sites with a query page. Build with `make build`, or run scripts/build-wasm.sh and scripts/vendor.sh before cargo."
        );
    }
}
