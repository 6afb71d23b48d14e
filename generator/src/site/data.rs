//! The data files of the site for the in-browser query engine: the tiled catalogue chunks,
//! the manifest and the name table, under `data/` of the output.

use crate::catalog::Catalogue;
use crate::config::Config;
use crate::error::Result;
use std::path::Path;

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

/// Writes the query-engine data of `cat` into `out` (the site's output folder being built).
pub fn write(_config: &Config, _cat: &Catalogue, _out: &Path) -> Result<DataReport> {
    Ok(DataReport::default())
}
