//! Errors about the user's inputs: each names the file, and where it applies the HDU, column
//! and row (1-based, as FITS tools count), and says what to do about it.

use std::path::PathBuf;

/// A problem with an input file or the configuration. The CLI exits with code 2 on these.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}\n  hint: check the path (relative paths in xcat.toml are relative to that file)", path.display())]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file does not start like a FITS file.
    #[error("{} is not a FITS file: {detail}\n  hint: give the 4XMM detection catalogue as FITS (.fits, .fits.gz); CSV is accepted only for extra-column tables", path.display())]
    NotFits {
        /// File.
        path: PathBuf,
        /// What was found.
        detail: String,
    },
    /// A structural problem in a FITS file (truncated, no table, unsupported form).
    #[error("{}: {detail}\n  hint: {hint}", path.display())]
    Fits {
        /// File.
        path: PathBuf,
        /// What is wrong, with HDU and row where known.
        detail: String,
        /// What to do.
        hint: String,
    },
    /// A column the catalogue needs is absent.
    #[error("column {column} missing from HDU {hdu} of {} (needed for {needed_for})\n  hint: if the file calls it otherwise, map it in xcat.toml: [columns] {column} = \"NAME_IN_FILE\"", path.display())]
    MissingColumn {
        /// File.
        path: PathBuf,
        /// HDU number (0 = primary).
        hdu: usize,
        /// Canonical column name.
        column: String,
        /// Why it is required.
        needed_for: &'static str,
    },
    /// A column has a type that cannot hold what the catalogue needs.
    #[error("column {column} in HDU {hdu} of {} has type {found} (TFORM {tform}) but must be {expected}\n  hint: check the column mapping in xcat.toml, or convert the column", path.display())]
    WrongType {
        /// File.
        path: PathBuf,
        /// HDU number.
        hdu: usize,
        /// Column name.
        column: String,
        /// Type found.
        found: String,
        /// TFORM found.
        tform: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// Two rows share a DETID.
    #[error("duplicate DETID {detid} in HDU {hdu} of {}: rows {first} and {second}\n  hint: each detection must appear once; was the same catalogue given twice or concatenated with an overlapping release?", path.display())]
    DuplicateDetid {
        /// File.
        path: PathBuf,
        /// HDU number.
        hdu: usize,
        /// The repeated identifier.
        detid: i64,
        /// First row (1-based).
        first: usize,
        /// Second row (1-based).
        second: usize,
    },
    /// Two summary rows of a stacked catalogue share a SRCID.
    #[error("two summary rows for SRCID {srcid} in HDU {hdu} of {}: rows {first} and {second}\n  hint: a stacked catalogue has one summary row (N_OBS set) per source; were two releases or two copies of a selection concatenated?", path.display())]
    DuplicateSource {
        /// File.
        path: PathBuf,
        /// HDU number.
        hdu: usize,
        /// The repeated identifier.
        srcid: i64,
        /// First row (1-based).
        first: usize,
        /// Second row (1-based).
        second: usize,
    },
    /// A value is outside its physical range, or null where a value is required.
    #[error("column {column}, row {row} of HDU {hdu} in {}: {value} is outside {range}\n  hint: {hint}", path.display())]
    BadValue {
        /// File.
        path: PathBuf,
        /// HDU number.
        hdu: usize,
        /// Column name.
        column: String,
        /// Row (1-based).
        row: usize,
        /// The value as text.
        value: String,
        /// The accepted range.
        range: &'static str,
        /// What to do.
        hint: &'static str,
    },
    /// A problem in a text table (CSV) such as an extra-column table.
    #[error("{}, line {line}: {detail}\n  hint: {hint}", path.display())]
    Csv {
        /// File.
        path: PathBuf,
        /// Line (1-based, header = 1), 0 when not tied to a line.
        line: usize,
        /// What is wrong.
        detail: String,
        /// What to do.
        hint: String,
    },
    /// The configuration file is invalid.
    #[error("{}: {detail}\n  hint: {hint}", path.display())]
    Config {
        /// Config file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
        /// What to do.
        hint: String,
    },
    /// The output could not be written.
    #[error("cannot write {}: {source}\n  hint: is the disk full, or the folder read-only? A site already in the output folder is left as it was", path.display())]
    Output {
        /// File or directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A Markdown file of the content folder is invalid.
    #[error("{}: {detail}", path.display())]
    Content {
        /// Markdown file.
        path: PathBuf,
        /// What is wrong and what to do.
        detail: String,
    },
    /// The program lacks a part the site needs.
    #[error("{detail}\n  hint: {hint}")]
    Incomplete {
        /// What is missing.
        detail: String,
        /// What to do.
        hint: String,
    },
    /// A HATS catalogue could not be written.
    #[error("writing the HATS catalogue {dir}/ failed: {detail}\n  hint: {hint}")]
    Hats {
        /// Its folder in the output.
        dir: String,
        /// Cause.
        detail: String,
        /// What to do.
        hint: String,
    },
    /// A template or page failed to render.
    #[error("rendering {what} failed: {detail}")]
    Render {
        /// Page or template.
        what: String,
        /// Cause chain.
        detail: String,
    },
}

/// Result with the generator's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An output error on `path`.
    pub fn output(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Output {
            path: path.into(),
            source,
        }
    }
}
