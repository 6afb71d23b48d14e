//! HATS catalogues of xcat tables: HEALPix-partitioned Parquet as the `hats` library and LSDB
//! read them (Hierarchical Adaptive Tiling Scheme, IVOA note 2025). A catalogue is leaves
//! `dataset/Norder=K/Dir=D/Npix=N.parquet` with the int64 `_healpix_29` index first and rows
//! sorted by it, `dataset/_metadata` and `_common_metadata`, `partition_info.csv` and
//! `hats.properties`; a margin catalogue holds, for each partition, the rows of the others near
//! its edges; a collection ties a catalogue to its margins. No file I/O here: every file goes to
//! the caller's sink (a site build's atomic output, or a folder), bytes the same on every run.

pub mod catalog;
pub mod leaf;
pub mod partition;
pub mod properties;

pub use catalog::{Catalog, Options, Written, write_catalog, write_collection};
pub use partition::{Pixel, healpix29};

/// Why a HATS catalogue could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Parquet writer failed (an unsupported value, or an internal error).
    #[error("Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// A row's position cannot be placed on the sky (the message names the table, row,
    /// columns and values).
    #[error("{0}; a HATS catalogue needs a position for every row")]
    Position(String),
    /// The table is larger than one write handles.
    #[error("{table} has {rows} rows; one HATS catalogue is written from at most 4,294,967,295")]
    TooManyRows {
        /// Catalogue name.
        table: String,
        /// Its rows.
        rows: usize,
    },
    /// The position columns are missing or not numbers.
    #[error("{table} has no numeric column {column} for the HATS position")]
    Column {
        /// Catalogue name.
        table: String,
        /// The missing column.
        column: String,
    },
    /// The sink refused a file.
    #[error("cannot write {path}: {message}")]
    Write {
        /// Path of the file.
        path: String,
        /// Why.
        message: String,
    },
}

/// Where the files go: called with a path relative to the collection's parent folder and the
/// file's bytes; may be called from several threads at once.
pub type Sink<'a> = dyn Fn(&str, &[u8]) -> Result<(), String> + Sync + 'a;
