fn main() {
    eprintln!("xcat-fit: not built yet");
    std::process::exit(2);
}
