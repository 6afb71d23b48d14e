//! OGIP file readers: PHA type I spectra, ARFs and RMFs, and the checked FITS table access they
//! share (also used for event lists).
//!
//! Formats follow the OGIP memos: OGIP/92-007 (spectral files, PHA) and CAL/GEN/92-002
//! (response matrices and ancillary response files, with the 92-002a addendum).

mod arf;
pub mod fits;
mod pha;
mod rmf;

use std::path::PathBuf;

pub use arf::Arf;
pub use pha::Pha;
pub use rmf::{Ebounds, Rmf};

/// A problem reading or matching OGIP files; every variant names the file involved.
#[derive(Debug, thiserror::Error)]
pub enum OgipError {
    /// The file could not be opened as FITS.
    #[error("cannot open {path}: {message}")]
    Open { path: PathBuf, message: String },
    /// No HDU of the expected kind.
    #[error("{path} has no HDU with {wanted}")]
    MissingHdu { path: PathBuf, wanted: String },
    /// A required column is absent.
    #[error("column {column} missing from HDU {hdu} of {path} ({why})")]
    MissingColumn {
        path: PathBuf,
        hdu: String,
        column: String,
        why: String,
    },
    /// A required keyword is absent.
    #[error("keyword {keyword} missing from HDU {hdu} of {path} ({why})")]
    MissingKeyword {
        path: PathBuf,
        hdu: String,
        keyword: String,
        why: String,
    },
    /// cfitsio reported an error.
    #[error("reading HDU {hdu}{} of {path}: {message}", column.as_ref().map(|c| format!(" column {c}")).unwrap_or_default())]
    Fits {
        path: PathBuf,
        hdu: String,
        column: Option<String>,
        message: String,
    },
    /// The content breaks the format's rules.
    #[error("HDU {hdu} of {path}: {message}")]
    Invalid {
        path: PathBuf,
        hdu: String,
        message: String,
    },
    /// Two files do not fit together (grids, channel counts).
    #[error("{0}")]
    Mismatch(String),
    /// A file the spectrum needs is not known.
    #[error("{0}")]
    MissingFile(String),
}
