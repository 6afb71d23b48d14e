//! The Virtual Observatory products of the site, written through the [`Output`] so rebuilds
//! keep unchanged files and delete stale ones:
//!
//! - `moc/catalogue.fits` and `moc/catalogue.json`: the coverage of the whole catalogue
//!   (IVOA MOC 2.0 FITS and the JSON Aladin reads);
//! - `observation/<OBS_ID>/moc.fits` and `moc.json`: the coverage of each observation;
//! - `hips/`: the catalogue as an IVOA HiPS 1.0 catalogue (see [`crate::vo::hips`]).

use super::output::Output;
use crate::catalog::Catalogue;
use crate::error::Result;
use crate::vo::hips;
use crate::vo::moc::{self, SkyMoc};
use std::time::Instant;

/// Folder of the catalogue's coverage maps.
pub const MOC_DIR: &str = "moc/";
/// Folder of the HiPS catalogue.
pub const HIPS_DIR: &str = "hips/";

/// The coverage maps of a catalogue.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// One MOC per observation, in row order of the observations table.
    pub observations: Vec<SkyMoc>,
    /// Their union.
    pub catalogue: SkyMoc,
}

impl Coverage {
    /// The footprints of the observations of `cat` and their union.
    pub fn new(cat: &Catalogue) -> Self {
        let observations = moc::observation_mocs(cat);
        let catalogue = moc::union(observations.clone());
        Coverage {
            observations,
            catalogue,
        }
    }
}

/// What writing the sky products produced and how long it took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkyReport {
    /// Files of the HiPS tree.
    pub hips_files: usize,
    /// Bytes of the HiPS tree.
    pub hips_bytes: u64,
    /// Deepest HiPS order.
    pub hips_order: u8,
    /// MOC files (catalogue and observations).
    pub moc_files: usize,
    /// Milliseconds spent computing the MOCs.
    pub moc_ms: u64,
    /// Milliseconds spent building and writing the HiPS tree and the catalogue MOC files.
    pub hips_ms: u64,
}

/// Path of an observation's MOC beside its page: `observation/<OBS_ID>/moc.<ext>`.
pub fn observation_moc_path(page_path: &str, ext: &str) -> String {
    format!("{}moc.{ext}", page_path.trim_end_matches("index.html"))
}

/// Writes an observation's MOC as FITS and JSON beside its page.
pub fn write_observation_moc(
    output: &Output,
    page_path: &str,
    obs_id: &str,
    m: &SkyMoc,
) -> Result<()> {
    output.write(
        &observation_moc_path(page_path, "fits"),
        &moc::to_fits(m, &format!("xcat-observation-{obs_id}")),
    )?;
    output.write(&observation_moc_path(page_path, "json"), &moc::to_json(m))
}

/// Writes the catalogue MOC (`moc/`) and the HiPS catalogue (`hips/`); `title` names the
/// HiPS catalogue. Adds the counts and timings to `report`.
pub fn write_catalogue_products(
    output: &Output,
    cat: &Catalogue,
    title: &str,
    coverage: &Coverage,
    report: &mut SkyReport,
) -> Result<()> {
    let t0 = Instant::now();
    output.write(
        &format!("{MOC_DIR}catalogue.fits"),
        &moc::to_fits(&coverage.catalogue, "xcat-catalogue"),
    )?;
    output.write(
        &format!("{MOC_DIR}catalogue.json"),
        &moc::to_json(&coverage.catalogue),
    )?;
    report.moc_files += 2;
    let (mut files, mut bytes) = (0usize, 0u64);
    let sink = |path: &str, b: &[u8]| -> Result<()> {
        files += 1;
        bytes += b.len() as u64;
        output.write(&format!("{HIPS_DIR}{path}"), b)
    };
    let summary = hips::write(cat, title, &coverage.catalogue, sink)?;
    report.hips_files = files;
    report.hips_bytes = bytes;
    report.hips_order = summary.max_order;
    report.hips_ms = t0.elapsed().as_millis() as u64;
    Ok(())
}
