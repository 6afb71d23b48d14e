//! The data files of the site for the in-browser query engine, under `data/` of the output:
//! the sources table (one row per source, derived and joined columns included) as HEALPix
//! tiles, column segments, key indexes and the DETID → SRCID link index (`detid IN {…}`
//! finds the sources of detections) ([`xcat_core::chunk`], which the browser module
//! reads with the same code), the object-name table ([`crate::names`]), the manifest
//! `data/manifest.<hash>.bin`, and `data/manifest.txt` naming it (the only file whose name
//! does not change with its content). Every chunk is stored gzip-compressed; browsers inflate
//! it with their built-in `DecompressionStream`.

use crate::catalog::{Catalogue, roles};
use crate::config::Config;
use crate::error::{Error, Result};
use flate2::Compression;
use flate2::write::GzEncoder;
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;
use xcat_core::Table;
use xcat_core::chunk::{LinkedKeys, WriteOptions, write_catalogue_linked};

/// What [`write`] produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataReport {
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Path of the manifest relative to the output folder (`data/manifest.<hash>.bin`), empty
    /// when no manifest is written.
    pub manifest: String,
}

/// Gzip with a fixed header (no file name, time 0), so equal bytes give equal files.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 64),
        Compression::new(6),
    );
    // Writing into a Vec cannot fail.
    e.write_all(bytes).expect("in-memory gzip");
    e.finish().expect("in-memory gzip")
}

/// Layout of the site's chunks: the default display columns in tile chunks (by the names the
/// catalogue's layout gives them, see [`roles`]), indexes on SRCID and IAUNAME, the configured
/// default cone radius.
pub fn options(config: &Config, sources: &Table) -> WriteOptions {
    let defaults = WriteOptions::default();
    let display: Vec<String> = [
        &["SRCID"][..],
        &["IAUNAME"],
        roles::RA,
        roles::DEC,
        roles::POSERR,
        roles::DET_ML,
        roles::FLUX,
        &["N_DETECTIONS"],
    ]
    .iter()
    .map(|c| roles::pick(sources, c).to_string())
    .collect();
    WriteOptions {
        default_radius_deg: config.site.default_radius_arcmin / 60.0,
        ra_column: roles::pick(sources, roles::RA).into(),
        dec_column: roles::pick(sources, roles::DEC).into(),
        tile_columns: display.clone(),
        default_columns: display,
        ..defaults
    }
}

/// Writes the query-engine data of `cat` into `out/data/`.
pub fn write(config: &Config, cat: &Catalogue, out: &Path) -> Result<DataReport> {
    let (names, _skipped) = crate::names::build(config)?;
    let links = detid_link(cat).into_iter().collect::<Vec<_>>();
    let written =
        write_catalogue_linked(&cat.sources, Some(&names), &links, &options(config, &cat.sources), &gzip)
            .map_err(|e| Error::Config {
                path: config.file.clone().unwrap_or_default(),
                detail: format!("cannot write the query engine's data: {e}"),
                hint: "the sources need positions in degrees (SC_RA and SC_DEC, or RA and DEC of a stacked catalogue)".into(),
            })?;
    let dir = out.join("data");
    let dirs = [dir.clone(), dir.join("chunks")];
    for d in &dirs {
        std::fs::create_dir_all(d).map_err(|e| Error::output(d, e))?;
    }
    written.files.par_iter().try_for_each(|f| {
        let p = dir.join(&f.path);
        std::fs::write(&p, &f.bytes).map_err(|e| Error::output(&p, e))
    })?;
    let pointer = dir.join("manifest.txt");
    std::fs::write(&pointer, format!("{}\n", written.manifest_path))
        .map_err(|e| Error::output(&pointer, e))?;
    Ok(DataReport {
        files: written.files.len() + 1,
        bytes: written.files.iter().map(|f| f.bytes.len() as u64).sum(),
        manifest: format!("data/{}", written.manifest_path),
    })
}

/// DETID → SRCID of every detection that has both.
fn detid_link(cat: &Catalogue) -> Option<LinkedKeys> {
    let detid = cat.detections.column("DETID")?;
    let srcid = cat.detections.column("SRCID")?;
    let (keys, targets) = (0..cat.detections.rows())
        .filter_map(|i| Some((detid.i64(i)?, srcid.i64(i)?)))
        .unzip();
    Some(LinkedKeys {
        key: "DETID".into(),
        target: "SRCID".into(),
        keys,
        targets,
    })
}
