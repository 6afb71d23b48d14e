//! The built-in demo catalogue: a deterministic, synthetic catalogue in the exact 4XMM
//! detection-catalogue layout (same 336 columns, names, types, units and null conventions),
//! with fields on famous X-ray targets plus random fields, overlapping pointings, realistic
//! distributions, a ULX-candidate table for the galaxy fields and a name table of the targets.
//!
//! Every field draws from its own random stream, so fields are simulated in parallel and the
//! output is byte-identical for the same seed and size whatever the number of threads.

pub mod columns;
pub mod events;
pub mod field;
pub mod rng;
pub mod stacked;
pub mod targets;

use crate::error::{Error, Result};
use crate::fits::TableWriter;
use field::{FieldPlan, Ulx};
use rayon::prelude::*;
use rng::Rng;
use std::path::{Path, PathBuf};

/// Number of sources of the default demo catalogue.
pub const DEFAULT_SOURCES: u32 = 3000;
/// Seed of the default demo catalogue.
pub const DEFAULT_SEED: u64 = 4;

/// The catalogue layout the demo is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoLayout {
    /// The 4XMM detection catalogue (336 columns, one row per detection).
    #[default]
    FourXmm,
    /// The 5XMM-DR15 stacked catalogue (summary rows and observation rows with upper limits).
    FiveXmm,
}

impl DemoLayout {
    /// IAU-name prefix of the release.
    pub fn prefix(self) -> &'static str {
        match self {
            DemoLayout::FourXmm => "4XMM",
            DemoLayout::FiveXmm => "5XMM",
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Exact number of sources.
    pub sources: u32,
    /// Random seed: the same seed describes the same sky in both layouts.
    pub seed: u64,
    /// IAU-name prefix.
    pub prefix: String,
    /// Layout of the file.
    pub layout: DemoLayout,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            sources: DEFAULT_SOURCES,
            seed: DEFAULT_SEED,
            prefix: "4XMM".into(),
            layout: DemoLayout::FourXmm,
        }
    }
}

/// Files written by [`write`].
#[derive(Debug, Clone)]
pub struct DemoFiles {
    /// The detection catalogue (FITS).
    pub catalogue: PathBuf,
    /// ULX candidates (`srcid,is_ulx,ulx_host,ulx_log_lx`).
    pub ulx: PathBuf,
    /// Target names (`name,ra,dec`).
    pub names: PathBuf,
    /// Detections written (4XMM), or observation-specific rows (5XMM: detections and upper
    /// limits).
    pub detections: usize,
    /// Sources written.
    pub sources: u32,
}

/// Lays out the fields: the famous targets first, then random fields, until `sources` sources.
/// The fields, their pointings and their first sources are the same in both layouts: the
/// 5XMM layout adds fainter sources of its own to each field (drawn from other streams).
pub fn plan(opts: &DemoOptions) -> Vec<FieldPlan> {
    let mut rng = Rng::new(opts.seed, u64::MAX);
    let mut plans = Vec::new();
    let (mut total, mut pointings) = (0u32, 0u64);
    let mut k = 0usize;
    while total < opts.sources {
        let (ra, dec, target, np, mut n) = match targets::TARGETS.get(k) {
            Some(t) => {
                let n = match t.kind {
                    targets::Kind::Deep => 140 + rng.poisson(40.0) as u32,
                    _ => 70 + rng.poisson(40.0) as u32,
                };
                (t.ra, t.dec, Some(*t), t.pointings, n)
            }
            None => {
                let ra = rng.range(0.0, 360.0);
                let dec = rng.range(-1.0, 1.0).asin().to_degrees();
                let np = match rng.f64() {
                    x if x < 0.6 => 1,
                    x if x < 0.9 => 2,
                    _ => 3,
                };
                (ra, dec, None, np, 45 + rng.poisson(30.0) as u32)
            }
        };
        let room = opts.sources - total;
        n = n.min(room).max(1);
        let mut field = FieldPlan {
            index: k as u64,
            ra,
            dec,
            target,
            pointings: np,
            first_pointing: pointings,
            sources: n,
            faint_sources: 0,
            extra_pointings: 0,
        };
        if opts.layout == DemoLayout::FiveXmm {
            // The stacked release finds more, fainter sources where a field is observed more.
            field.extra_pointings = stacked::extra_pointings(&field, opts.seed);
            field.faint_sources =
                stacked::faint_sources(n, np + field.extra_pointings).min(room - n);
        }
        total += n + field.faint_sources;
        plans.push(field);
        pointings += u64::from(np);
        k += 1;
    }
    plans
}

/// The number of 5XMM-layout sources (`--layout 5xmm --sources N`) that covers the same
/// fields as the 4XMM-layout demo of `sources` and `seed`: the stacked release finds more,
/// fainter sources in each field, so a two-release site of one sky needs more of them.
pub fn stacked_sources_for(sources: u32, seed: u64) -> u32 {
    let four = plan(&DemoOptions {
        sources,
        seed,
        ..DemoOptions::default()
    });
    let five = plan(&DemoOptions {
        sources: sources.saturating_mul(8),
        seed,
        layout: DemoLayout::FiveXmm,
        ..DemoOptions::default()
    });
    five.iter()
        .zip(&four)
        .map(|(f, g)| g.sources + f.faint_sources)
        .sum()
}

fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let stem = out
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.strip_suffix(".gz").unwrap_or(&stem);
    let stem = stem
        .strip_suffix(".fits")
        .or_else(|| stem.strip_suffix(".fit"))
        .unwrap_or(stem);
    out.with_file_name(format!("{stem}-{suffix}"))
}

/// Writes the demo catalogue to `out` and, beside it, `<stem>-ulx.csv` and `<stem>-names.csv`.
/// `progress` is called with (sources done, sources in total).
pub fn write(out: &Path, opts: &DemoOptions, progress: &dyn Fn(u64, u64)) -> Result<DemoFiles> {
    if opts.sources == 0 {
        return Err(Error::Config {
            path: out.to_path_buf(),
            detail: "--sources 0: a catalogue needs at least one source".into(),
            hint: "pass --sources 1 or more".into(),
        });
    }
    let plans = plan(opts);
    if opts.layout == DemoLayout::FiveXmm {
        return write_stacked(out, opts, &plans, progress);
    }
    let layout = columns::Layout::fourxmm();
    let mut w = writer(out, &layout, opts, &[])?;
    let mut ulx: Vec<Ulx> = Vec::new();
    let mut done = 0u64;
    let mut detections = 0;
    for batch in plans.chunks(64) {
        let outputs: Vec<field::FieldOutput> = batch
            .par_iter()
            .map(|p| field::simulate(p, opts.seed, &layout, &opts.prefix))
            .collect();
        for o in outputs {
            w.append(&o.rows)?;
            detections += o.n_rows;
            ulx.extend(o.ulx);
        }
        done += batch.iter().map(|p| u64::from(p.sources)).sum::<u64>();
        progress(done, u64::from(opts.sources));
    }
    w.finish()?;
    side_files(out, ulx, detections, opts)
}

/// The FITS writer of a demo catalogue in `layout`, its header saying what it is.
fn writer(
    out: &Path,
    layout: &columns::Layout,
    opts: &DemoOptions,
    keys: &[(&str, &str)],
) -> Result<TableWriter> {
    let seed_text = opts.seed.to_string();
    let mut all = vec![("TELESCOP", "XMM")];
    all.extend_from_slice(keys);
    all.push((
        "ORIGIN",
        "xcat demo-catalogue: synthetic data, not observations",
    ));
    all.push(("CATSEED", &seed_text));
    TableWriter::create(out, "SRCLIST", &layout.specs(), &all)
}

/// Writes the ULX and name tables beside `out`.
fn side_files(
    out: &Path,
    mut ulx: Vec<Ulx>,
    detections: usize,
    opts: &DemoOptions,
) -> Result<DemoFiles> {
    ulx.sort_by_key(|u| u.srcid);
    let mut csv = String::from("srcid,is_ulx,ulx_host,ulx_log_lx\n");
    for u in &ulx {
        csv.push_str(&format!("{},true,{},{:.2}\n", u.srcid, u.host, u.log_lx));
    }
    let files = DemoFiles {
        catalogue: out.to_path_buf(),
        ulx: sibling(out, "ulx.csv"),
        names: sibling(out, "names.csv"),
        detections,
        sources: opts.sources,
    };
    std::fs::write(&files.ulx, csv).map_err(|e| Error::output(&files.ulx, e))?;
    std::fs::write(&files.names, targets::names_csv())
        .map_err(|e| Error::output(&files.names, e))?;
    Ok(files)
}

/// The demo in the 5XMM-DR15 stacked layout (see [`stacked`]).
fn write_stacked(
    out: &Path,
    opts: &DemoOptions,
    plans: &[FieldPlan],
    progress: &dyn Fn(u64, u64),
) -> Result<DemoFiles> {
    let (l4, l5) = (columns::Layout::fourxmm(), columns::Layout::fivexmm());
    let mut w = writer(
        out,
        &l5,
        opts,
        &[("CATALOG", "5XMM-DR15 layout (synthetic demo)")],
    )?;
    // Extra observations are numbered across fields in plan order.
    let firsts: Vec<u64> = plans
        .iter()
        .scan(0u64, |next, p| {
            let first = *next;
            *next += u64::from(p.extra_pointings);
            Some(first)
        })
        .collect();
    let (mut ulx, mut rows, mut done) = (Vec::new(), 0usize, 0u64);
    for (batch, first) in plans.chunks(64).zip(firsts.chunks(64)) {
        let outputs: Vec<stacked::StackedOutput> = batch
            .par_iter()
            .zip(first)
            .map(|(p, &f)| stacked::simulate(p, opts.seed, &l4, &l5, &opts.prefix, f))
            .collect();
        for o in outputs {
            w.append(&o.rows)?;
            rows += o.measurements;
            ulx.extend(o.ulx);
        }
        done += batch
            .iter()
            .map(|p| u64::from(p.sources + p.faint_sources))
            .sum::<u64>();
        progress(done, u64::from(opts.sources));
    }
    w.finish()?;
    side_files(out, ulx, rows, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_reaches_the_exact_size_and_starts_with_targets() {
        let opts = DemoOptions {
            sources: 6000,
            ..Default::default()
        };
        let p = plan(&opts);
        assert_eq!(p.iter().map(|f| f.sources).sum::<u32>(), 6000);
        assert_eq!(p[0].target.unwrap().name, "M31");
        assert!(p.iter().any(|f| f.target.is_none()), "random fields too");
        assert_eq!(plan(&opts).len(), p.len(), "deterministic");
    }

    #[test]
    fn siblings() {
        assert_eq!(
            sibling(Path::new("/x/demo.fits"), "ulx.csv"),
            PathBuf::from("/x/demo-ulx.csv")
        );
        assert_eq!(
            sibling(Path::new("cat.fits.gz"), "names.csv"),
            PathBuf::from("cat-names.csv")
        );
    }
}
