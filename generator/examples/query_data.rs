//! Writes only the query engine's data files (`data/` of a site: manifest, chunks, name
//! table) for a configuration, without rendering any page. Used by `scripts/bench-diagrams.sh`
//! to put a DR14-scale catalogue behind an already built site without writing a page per
//! source. Usage: `cargo run --release -p xcat --example query_data -- CONFIG OUT`.

use std::path::PathBuf;
use xcat::catalog::{Catalogue, Progress};
use xcat::config::Config;

struct Quiet;

impl Progress for Quiet {
    fn start(&self, _what: &str, _total: Option<usize>) {}
    fn advance(&self, _done: usize) {}
    fn finish(&self) {}
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [config, out] = args.as_slice() else {
        anyhow::bail!("usage: query_data CONFIG OUT (writes OUT/data/)");
    };
    let cfg = Config::load(&PathBuf::from(config))?;
    let files: Vec<PathBuf> = cfg
        .catalog
        .detections
        .iter()
        .map(|p| cfg.resolve(p))
        .collect();
    let t0 = std::time::Instant::now();
    let cat = Catalogue::load(&cfg, &files, &Quiet)?;
    let t1 = std::time::Instant::now();
    let report = xcat::site::data::write(&cfg, &cat, &PathBuf::from(out))?;
    eprintln!(
        "{} sources loaded in {:.1} s; query data: {} files, {:.1} MB in {:.1} s ({})",
        cat.sources.rows(),
        (t1 - t0).as_secs_f64(),
        report.files,
        report.bytes as f64 / 1e6,
        t1.elapsed().as_secs_f64(),
        report.manifest
    );
    Ok(())
}
