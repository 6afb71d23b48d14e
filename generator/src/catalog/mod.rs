//! The catalogue model: three tables — detections, sources (by SRCID) and observations
//! (by OBS_ID) — built from the 4XMM detection catalogue, plus the optional inputs of
//! `xcat.toml` (slim source catalogue, observation list, extra-column tables).

pub mod describe;
pub mod extra;
pub mod group;
pub mod layout_4xmm;
pub mod load;

pub use group::Groups;
pub use load::ColumnMap;

use crate::config::{Config, HduSpec, JoinKey};
use crate::error::{Error, Result};
use crate::fits::HduSelector;
use std::path::PathBuf;
use xcat_core::Table;

/// The whole catalogue in memory.
#[derive(Debug)]
pub struct Catalogue {
    /// One row per detection, in input order.
    pub detections: Table,
    /// One row per source, ordered by SRCID.
    pub sources: Table,
    /// One row per observation, ordered by OBS_ID.
    pub observations: Table,
    /// Detection rows of each source row.
    pub source_detections: Groups,
    /// Detection rows of each observation row.
    pub observation_detections: Groups,
    /// Non-fatal findings, for the user.
    pub warnings: Vec<String>,
    /// Columns joined from extra-column tables (`is_ulx`, …), as `TABLE.COLUMN`.
    pub extra_columns: Vec<String>,
}

/// Callbacks for progress reporting while loading.
pub trait Progress {
    /// A step starts; `total` is its size in rows when known.
    fn start(&self, what: &str, total: Option<usize>);
    /// Rows done in the current step.
    fn advance(&self, done: usize);
    /// The step finished.
    fn finish(&self);
}

/// Progress that reports nothing.
#[derive(Debug, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: Option<usize>) {}
    fn advance(&self, _: usize) {}
    fn finish(&self) {}
}

impl Catalogue {
    /// Loads the detection catalogue file(s) and every optional input of `config`.
    pub fn load(config: &Config, files: &[PathBuf], progress: &dyn Progress) -> Result<Self> {
        let map = ColumnMap::new(&config.columns);
        let hdu = match &config.catalog.hdu {
            None => HduSelector::FirstTable,
            Some(HduSpec::Index(i)) => HduSelector::Index(*i),
            Some(HduSpec::Name(n)) => HduSelector::Name(n.clone()),
        };
        let mut warnings = Vec::new();
        let mut detections: Option<Table> = None;
        if files.is_empty() {
            return Err(Error::Config {
                path: config.file.clone().unwrap_or_default(),
                detail: "no detection catalogue given".into(),
                hint: "set catalog.detections in xcat.toml or pass --catalog FILE".into(),
            });
        }
        for f in files {
            progress.start(&format!("reading {}", f.display()), None);
            let (t, w) = load::read_detections(f, &hdu, &map, &|n| progress.advance(n))?;
            progress.finish();
            warnings.extend(w);
            detections = Some(match detections {
                None => t,
                Some(a) => load::concat(a, t, f)?,
            });
        }
        let detections = detections.expect("at least one file");
        if files.len() > 1 {
            check_unique_detids(&detections, files)?;
        }
        progress.start("grouping sources and observations", None);
        let g = group::group(&detections, &config.catalog.iau_prefix);
        progress.finish();
        warnings.extend(g.warnings);
        let mut cat = Catalogue {
            detections,
            sources: g.sources,
            observations: g.observations,
            source_detections: g.source_detections,
            observation_detections: g.observation_detections,
            warnings,
            extra_columns: Vec::new(),
        };
        cat.join_inputs(config)?;
        Ok(cat)
    }

    fn join_inputs(&mut self, config: &Config) -> Result<()> {
        if let Some(p) = &config.catalog.sources {
            let p = config.resolve(p);
            let t = extra::read_table(&p)?;
            let w = extra::join(
                &mut self.sources,
                &t,
                "SRCID",
                &p,
                &extra::JoinOptions::default(),
            )?;
            self.warnings.extend(w);
        }
        if let Some(p) = &config.catalog.observations {
            let p = config.resolve(p);
            let t = extra::read_table(&p)?;
            let w = extra::join(
                &mut self.observations,
                &t,
                "OBS_ID",
                &p,
                &extra::JoinOptions::default(),
            )?;
            self.warnings.extend(w);
        }
        for x in &config.extra {
            let p = config.resolve(&x.file);
            let t = extra::read_table(&p)?;
            let opts = extra::JoinOptions {
                columns: &x.columns,
                missing: x.missing.as_deref(),
                descriptions: Some(&x.descriptions),
            };
            let (target, label) = match x.key {
                JoinKey::Srcid | JoinKey::Iauname => (&mut self.sources, "sources"),
                JoinKey::Detid => (&mut self.detections, "detections"),
            };
            let before = target.schema().len();
            let w = extra::join(target, &t, x.key.column(), &p, &opts)?;
            self.extra_columns.extend(
                target.schema().fields()[before..]
                    .iter()
                    .map(|f| format!("{label}.{}", f.name)),
            );
            self.warnings.extend(w);
        }
        Ok(())
    }
}

fn check_unique_detids(t: &Table, files: &[PathBuf]) -> Result<()> {
    let c = t.column("DETID").expect("present");
    let mut ids: Vec<(i64, usize)> = (0..t.rows())
        .filter_map(|i| c.i64(i).map(|v| (v, i)))
        .collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::DuplicateDetid {
            path: files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" + ")
                .into(),
            hdu: 1,
            detid: w[0].0,
            first: w[0].1.min(w[1].1) + 1,
            second: w[0].1.max(w[1].1) + 1,
        });
    }
    Ok(())
}
