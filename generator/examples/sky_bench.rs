//! Times the sky products of a build on their own: the observations' coverage maps, their
//! union, and writing the catalogue MOC, every observation's MOC and the HiPS catalogue
//! through the site's output folder. For catalogues too large to build a whole site from on
//! the machine at hand (a DR14-size site holds some 20 GB of pages).
//!
//! ```sh
//! xcat demo-catalogue --out /tmp/sky/demo.fits --sources 700000
//! cargo build --release -p xcat --example sky_bench
//! /usr/bin/time -v target/release/examples/sky_bench /tmp/sky/demo.fits /tmp/sky/out
//! ```

use std::path::PathBuf;
use std::time::Instant;
use xcat::catalog::{Catalogue, Quiet};
use xcat::site::output::Output;
use xcat::site::sky::{self, Coverage, SkyReport};

/// Peak resident memory of this process so far, MB (Linux `VmHWM`).
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(fits), Some(out)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: sky_bench <catalogue.fits> <output folder>");
    };
    let (fits, out) = (
        PathBuf::from(fits),
        std::path::absolute(PathBuf::from(out))?,
    );
    let t = Instant::now();
    let cat = Catalogue::load(&xcat::Config::default(), &[fits], &Quiet)?;
    println!(
        "loaded {} sources, {} observations in {:.2} s; peak memory {:.0} MB",
        cat.sources.rows(),
        cat.observations.rows(),
        t.elapsed().as_secs_f64(),
        peak_mb()
    );
    let t = Instant::now();
    let coverage = Coverage::new(&cat);
    let moc_s = t.elapsed().as_secs_f64();
    let output = Output::new(&out)?;
    let t = Instant::now();
    let obs_id = cat.observations.column("OBS_ID");
    for (i, m) in coverage.observations.iter().enumerate() {
        let id = obs_id.and_then(|c| c.str(i)).unwrap_or("unknown");
        sky::write_observation_moc(&output, &format!("observation/{id}/index.html"), id, m)?;
    }
    let obs_s = t.elapsed().as_secs_f64();
    let mut report = SkyReport::default();
    sky::write_catalogue_products(&output, &cat, "bench", &coverage, &mut report)?;
    let t = Instant::now();
    let counts = output.commit()?;
    println!(
        "coverage maps (observations and union): {moc_s:.2} s; {} observation MOC files written in {obs_s:.2} s",
        2 * coverage.observations.len()
    );
    println!(
        "HiPS catalogue and catalogue MOC: {} files, {} bytes, deepest order {}, built and staged in {:.2} s; moved into place in {:.2} s",
        report.hips_files,
        report.hips_bytes,
        report.hips_order,
        report.hips_ms as f64 / 1e3,
        t.elapsed().as_secs_f64()
    );
    println!(
        "catalogue MOC area {:.1} deg²; output: {} files, {} bytes; peak memory {:.0} MB",
        xcat::vo::moc::area_deg2(&coverage.catalogue),
        counts.produced,
        counts.bytes,
        peak_mb()
    );
    Ok(())
}
