//! Times the HATS step of a build alone on a catalogue file (every measurement column read, as
//! a build that writes HATS reads them), writing into a fresh folder, and reports its time,
//! files and bytes: for catalogues whose whole site would not fit the disk.
//!
//! `cargo run --release -p xcat --example hats_bench -- CATALOGUE.fits OUT_DIR`

use xcat::catalog::{Catalogue, Quiet};
use xcat::config::Config;
use xcat::site::output::Output;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: hats_bench CATALOGUE.fits OUT_DIR");
        std::process::exit(2);
    };
    let config = Config::default();
    let t0 = std::time::Instant::now();
    let cat = Catalogue::load(&config, &[file.into()], &Quiet).expect("catalogue");
    let read = t0.elapsed().as_secs_f64();
    let output = Output::new(std::path::Path::new(&out)).expect("output folder");
    let r = xcat::site::hats::write(&config, &cat, "", "benchmark", &output, &Quiet).expect("HATS");
    let counts = output.commit().expect("commit");
    println!(
        "read {read:.1} s ({} measurement rows × {} columns, {} sources); HATS {:.2} s: sources {} partitions (orders 0–{}), margin {} rows; detections {} partitions, margin {} rows; {} files, {:.1} MB",
        cat.detections.rows(),
        cat.detections.schema().len(),
        cat.sources.rows(),
        r.seconds,
        r.sources.partitions,
        r.sources.max_order,
        r.sources.margin_rows,
        r.detections.partitions,
        r.detections.margin_rows,
        counts.produced,
        counts.bytes as f64 / 1e6
    );
}
