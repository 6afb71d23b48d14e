//! The catalogue model: three tables — measurements (the detections of a 4XMM detection
//! catalogue; detections and upper limits of a stacked catalogue), sources (by SRCID) and
//! observations (by OBS_ID) — built from the catalogue file, plus the optional inputs of
//! `xcat.toml` (slim source catalogue, observation list, extra-column tables).

pub mod crossmatch;
pub mod describe;
pub mod extra;
pub mod group;
pub mod layout_4xmm;
pub mod layout_5xmm;
pub mod load;
pub mod roles;
pub mod stacked;

pub use group::Groups;
pub use load::ColumnMap;

use crate::config::{Config, HduSpec, JoinKey};
use crate::error::{Error, Result};
use crate::fits::{FitsTable, HduSelector};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use xcat_core::Table;

/// How the rows of a catalogue file are organised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One row per detection, sources by SRCID (4XMM-DR9…DR14, 3XMM).
    #[serde(alias = "4xmm", alias = "3xmm")]
    Detections,
    /// One summary row per source plus one row per source × observation, detections and
    /// upper limits (5XMM-DR15, 4XMM-DR11s…DR14s).
    #[serde(alias = "5xmm")]
    Stacked,
}

impl Layout {
    /// The layout of an open table: stacked when it has N_OBS or N_CONTRIB, or when its
    /// header names a stacked release (`CATALOG`, `EXTNAME`, …); else detections.
    pub fn detect(ft: &mut FitsTable, map: &ColumnMap) -> crate::error::Result<Layout> {
        if stacked::has_stacked_columns(ft, map) {
            return Ok(Layout::Stacked);
        }
        for key in [
            "CATALOG", "CATNAME", "CAT_NAME", "CATVERS", "EXTNAME", "TITLE",
        ] {
            if ft
                .key(key)?
                .is_some_and(|v| stacked::names_stacked_release(&v))
            {
                return Ok(Layout::Stacked);
            }
        }
        Ok(Layout::Detections)
    }

    /// Name in `xcat.toml` and messages.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Detections => "detections",
            Layout::Stacked => "stacked",
        }
    }
}

/// The whole catalogue in memory.
#[derive(Debug)]
pub struct Catalogue {
    /// Layout of the catalogue file.
    pub layout: Layout,
    /// The measurements, in input order: one row per detection of a detection catalogue, one
    /// row per source × observation (a detection or an upper limit, see `DETECTED`) of a stacked
    /// catalogue.
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
    /// The column that told detections from upper limits (stacked catalogues), if any.
    pub detection_marker: Option<&'static str>,
    /// HDU of the catalogue table in its file (0 = primary).
    pub hdu: usize,
    /// Every measurement column of the file, loaded or not, in file order (empty when all
    /// were loaded: then the schema of `detections` says it).
    pub detection_fields: Vec<xcat_core::Field>,
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
    /// Loads the catalogue file(s) and every optional input of `config`.
    pub fn load(config: &Config, files: &[PathBuf], progress: &dyn Progress) -> Result<Self> {
        Self::load_with(config, files, progress, None)
    }

    /// Loads like [`load`](Self::load); of a stacked catalogue's measurements only the columns
    /// `keep` accepts (canonical names) are read — with those the model itself needs — while
    /// [`Catalogue::detection_fields`] still describes every column (for a site build, whose
    /// pages show a few measurement columns: the rest would only take memory).
    pub fn load_with(
        config: &Config,
        files: &[PathBuf],
        progress: &dyn Progress,
        keep: Option<&dyn Fn(&str) -> bool>,
    ) -> Result<Self> {
        let map = ColumnMap::new(&config.columns);
        let hdu = match &config.catalog.hdu {
            None => HduSelector::FirstTable,
            Some(HduSpec::Index(i)) => HduSelector::Index(*i),
            Some(HduSpec::Name(n)) => HduSelector::Name(n.clone()),
        };
        if files.is_empty() {
            return Err(Error::Config {
                path: config.file.clone().unwrap_or_default(),
                detail: "no detection catalogue given".into(),
                hint: "set catalog.detections in xcat.toml or pass --catalog FILE".into(),
            });
        }
        let mut first = FitsTable::open(&files[0], &hdu)?;
        let hdu_number = first.hdu;
        let layout = match config.catalog.layout {
            Some(l) => l,
            None => Layout::detect(&mut first, &map)?,
        };
        let mut cat = match layout {
            Layout::Detections => {
                Self::load_detections(config, files, first, &hdu, &map, progress)?
            }
            Layout::Stacked => Self::load_stacked(config, files, first, &map, progress, keep)?,
        };
        cat.hdu = hdu_number;
        cat.join_inputs(config)?;
        Ok(cat)
    }

    fn load_detections(
        config: &Config,
        files: &[PathBuf],
        first: FitsTable,
        hdu: &HduSelector,
        map: &ColumnMap,
        progress: &dyn Progress,
    ) -> Result<Self> {
        let mut warnings = Vec::new();
        let mut detections: Option<Table> = None;
        let mut first = Some(first);
        for f in files {
            progress.start(&format!("reading {}", f.display()), None);
            let ft = match first.take() {
                Some(ft) => ft,
                None => FitsTable::open(f, hdu)?,
            };
            let (t, w) = load::read_detections(ft, map, &|n| progress.advance(n))?;
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
        Ok(Self::from_grouping(
            Layout::Detections,
            detections,
            g,
            warnings,
            None,
        ))
    }

    /// The catalogue of measurements `detections` grouped by `g`.
    fn from_grouping(
        layout: Layout,
        detections: Table,
        g: group::Grouping,
        mut warnings: Vec<String>,
        detection_marker: Option<&'static str>,
    ) -> Self {
        warnings.extend(g.warnings);
        Catalogue {
            layout,
            detections,
            sources: g.sources,
            observations: g.observations,
            source_detections: g.source_detections,
            observation_detections: g.observation_detections,
            warnings,
            extra_columns: Vec::new(),
            detection_marker,
            hdu: 1,
            detection_fields: Vec::new(),
        }
    }

    fn load_stacked(
        config: &Config,
        files: &[PathBuf],
        mut ft: FitsTable,
        map: &ColumnMap,
        progress: &dyn Progress,
        keep: Option<&dyn Fn(&str) -> bool>,
    ) -> Result<Self> {
        if files.len() > 1 {
            return Err(Error::Config {
                path: config.file.clone().unwrap_or_default(),
                detail: format!(
                    "{} files given for a stacked catalogue ({}); a stacked catalogue is read from one file",
                    files.len(),
                    files[0].display()
                ),
                hint: "join the parts first (e.g. `stilts tcat`), or build each release separately"
                    .into(),
            });
        }
        progress.start(&format!("reading {}", files[0].display()), None);
        let s = stacked::read(&mut ft, map, keep, &|n| progress.advance(n))?;
        progress.finish();
        progress.start("grouping measurements by source and observation", None);
        let g = group::group_stacked(
            s.sources,
            &s.measurements,
            &s.source_of,
            &config.catalog.iau_prefix,
        );
        progress.finish();
        let mut cat = Self::from_grouping(
            Layout::Stacked,
            s.measurements,
            g,
            s.warnings,
            s.detection_marker,
        );
        cat.detection_fields = s.fields;
        Ok(cat)
    }

    /// Checks that the catalogue has what a site needs beyond what `xcat check` describes:
    /// source positions. `file` names the catalogue in the error.
    pub fn check_buildable(&self, file: &Path) -> Result<()> {
        let missing: Vec<&str> = [roles::RA, roles::DEC]
            .iter()
            .filter(|c| roles::find(&self.sources, c).is_none())
            .map(|c| c[c.len() - 1])
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::Fits {
            path: file.to_path_buf(),
            detail: format!(
                "HDU {}: the sources have no positions: column{} {} missing (a site needs them for the pages, sky tiles and cone searches)",
                self.hdu,
                if missing.len() > 1 { "s" } else { "" },
                missing.join(" and ")
            ),
            hint: "export the catalogue with its position columns (RA and DEC in degrees; SC_RA and SC_DEC in a 4XMM detection catalogue), or map other names in xcat.toml: [columns] RA = \"NAME_IN_FILE\"; `xcat check` describes the file as it is".into(),
        })
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
