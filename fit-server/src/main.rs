//! `xcat-fit`: fit X-ray spectra from the command line or serve fits over HTTP.

use clap::Parser;

fn main() {
    let cli = xcat_fit::cli::Cli::parse();
    if let Err(e) = xcat_fit::cli::main_with(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}
