//! The catalogue as static files for the in-browser query engine: HEALPix tiles, column
//! segments, key indexes and the manifest that lists them.
//!
//! Layout (all numbers for the sources table, one row per source):
//!
//! * **Tile order.** Rows are sorted by their HEALPix NESTED index (Górski et al. 2005,
//!   ApJ 622, 759) at [`HASH_DEPTH`]; a cell of the sky becomes a tile when it holds at most a
//!   row budget of sources or reaches the deepest tile order ([`tiling`]); consecutive sibling
//!   cells join into one tile while their rows fit the budget (fewer, fuller tiles keep the
//!   manifest small). Each tile is a contiguous range of rows.
//! * **Tile chunks.** One file per tile holding, column-major, the position and default
//!   display columns of its rows: a cone fetches only the tiles it overlaps.
//! * **Column segments.** One file per column and per block of [`Manifest::segment_rows`] rows
//!   (in tile order), each with a zone map (min, max, null count) in the manifest: a full-sky
//!   predicate fetches only the columns it references and skips segments whose zone map proves
//!   that no row can match.
//! * **Key indexes.** Sorted (key, row) pages for SRCID and IAUNAME: `srcid IN {…}` reads a few
//!   pages instead of scanning.
//! * **Link indexes.** Sorted (key, target) pages for keys of another table that name rows of
//!   this one: DETID → the SRCID of the source that has the detection, so `detid IN {…}`
//!   becomes `srcid IN {…}` after reading a few pages.
//! * **Manifest.** Format version, schema, tiles, zone maps, indexes and the content hash and
//!   length of every file.
//!
//! Every file is bincode 2 after an 8-byte header (magic `XCAT`, [`FORMAT_VERSION`], kind) and
//! is named by the hash of its bytes ([`hash::content_hash`]), so CDNs can cache it forever.
//! [`decode`] checks length, hash, header and row counts before trusting anything, with a size
//! limit on every allocation, and returns [`ChunkError`] on any mismatch: untrusted bytes never
//! panic.

pub mod engine;
pub mod gather;
pub mod hash;
pub mod tiling;
pub mod writer;
mod zone;

#[cfg(test)]
mod tests;

use crate::column::Column;
use crate::schema::Schema;
use crate::value::Value;
use serde::{Deserialize, Serialize};

pub use engine::{
    Engine, EngineError, Execution, Explain, Need, Plan, QueryResult, RunOptions, Step,
};
pub use writer::{
    LinkedKeys, WriteOptions, Written, WrittenFile, write_catalogue, write_catalogue_linked,
};

/// Version of the file format; files of another version are rejected.
pub const FORMAT_VERSION: u16 = 2;

/// Depth of the HEALPix index rows are sorted by (cells of about 0.2″).
pub const HASH_DEPTH: u8 = 20;

/// Largest decoded file accepted (bytes).
pub const MAX_FILE_BYTES: usize = 256 << 20;

const MAGIC: &[u8; 4] = b"XCAT";

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum FileKind {
    /// The manifest.
    Manifest = 1,
    /// The columns of one tile.
    Tile = 2,
    /// One column over a block of rows.
    Segment = 3,
    /// A page of a key index.
    IndexPage = 4,
    /// The object-name table.
    Names = 5,
    /// A page of a link index.
    LinkPage = 6,
}

impl FileKind {
    fn from_byte(b: u8) -> Option<FileKind> {
        Some(match b {
            1 => FileKind::Manifest,
            2 => FileKind::Tile,
            3 => FileKind::Segment,
            4 => FileKind::IndexPage,
            5 => FileKind::Names,
            6 => FileKind::LinkPage,
            _ => return None,
        })
    }

    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Manifest => "manifest",
            FileKind::Tile => "tile chunk",
            FileKind::Segment => "column segment",
            FileKind::IndexPage => "index page",
            FileKind::Names => "name table",
            FileKind::LinkPage => "link index page",
        }
    }
}

/// A file of the data folder: its content hash, decoded length and stored (compressed) length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileRef {
    /// [`hash::content_hash`] of the decoded bytes.
    pub hash: u64,
    /// Decoded length in bytes.
    pub len: u32,
    /// Length as stored on the server (gzip), for cost estimates and statistics.
    pub stored: u32,
}

impl FileRef {
    /// Path relative to the data folder: `chunks/<hash>.bin`.
    pub fn path(&self) -> String {
        format!("chunks/{}.bin", hash::hex(self.hash))
    }
}

/// One tile: a HEALPix NESTED cell and its rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileEntry {
    /// HEALPix order (depth) of the cell.
    pub order: u8,
    /// NESTED index of the (first) cell at `order`.
    pub ipix: u64,
    /// Consecutive sibling cells at `order` from `ipix` that make up the tile (1 or more).
    pub cells: u32,
    /// First row (tile order).
    pub start: u32,
    /// Number of rows.
    pub rows: u32,
    /// The tile chunk.
    pub file: FileRef,
}

/// Minimum, maximum and null count of a column over a block of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneMap {
    /// Smallest non-null value (`Null` when every row is null). Strings: smallest ignoring
    /// ASCII case.
    pub min: Value,
    /// Largest non-null value.
    pub max: Value,
    /// Null (and NaN) rows.
    pub nulls: u32,
}

/// One column over rows `i * segment_rows ..`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentEntry {
    /// The segment file.
    pub file: FileRef,
    /// Its zone map.
    pub zone: ZoneMap,
}

/// A sorted index on one column: pages of (key, row) pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyIndex {
    /// Indexed column as the schema spells it.
    pub column: String,
    /// Pages in key order; `first` is the smallest key of the page (strings lower-cased).
    pub pages: Vec<IndexPageEntry>,
}

/// One page of a [`KeyIndex`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexPageEntry {
    /// Smallest key on the page.
    pub first: Value,
    /// The page file.
    pub file: FileRef,
}

/// An index from the integer keys of another table to values of a column of this one
/// (DETID → SRCID).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkIndex {
    /// The key as queries name it (`DETID`); not a column of the schema.
    pub key: String,
    /// The schema column whose values the keys map to (`SRCID`).
    pub target: String,
    /// Pages in key order; `first` is the smallest key of the page.
    pub pages: Vec<IndexPageEntry>,
}

/// The body of a link index page: sorted keys (first key, then differences) and the target
/// value of each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkPage {
    /// Keys, delta-encoded like [`IndexKeys::Int`].
    pub keys: Vec<i64>,
    /// Target value of each key.
    pub targets: Vec<i64>,
}

impl LinkPage {
    /// The keys, un-delta-encoded (wrapping: corrupt pages cannot overflow-panic).
    pub fn keys(&self) -> Vec<i64> {
        IndexPage {
            keys: IndexKeys::Int(self.keys.clone()),
            rows: Vec::new(),
        }
        .int_keys()
    }
}

/// The entry point of the data folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] of the writer.
    pub version: u16,
    /// Queryable columns.
    pub schema: Schema,
    /// Number of rows.
    pub rows: u32,
    /// Right ascension column (degrees) the tiles are built on.
    pub ra_column: String,
    /// Declination column (degrees).
    pub dec_column: String,
    /// Deepest HEALPix order of a tile.
    pub max_order: u8,
    /// Tiles in tile order (ascending NESTED index ranges).
    pub tiles: Vec<TileEntry>,
    /// Columns stored in tile chunks, in chunk order.
    pub tile_columns: Vec<String>,
    /// Rows per column segment.
    pub segment_rows: u32,
    /// Segments of each schema column (same order as the schema).
    pub segments: Vec<Vec<SegmentEntry>>,
    /// Key indexes.
    pub indexes: Vec<KeyIndex>,
    /// Link indexes (keys of other tables).
    pub links: Vec<LinkIndex>,
    /// Columns shown by default.
    pub default_columns: Vec<String>,
    /// Radius of a bare-target query, degrees.
    pub default_radius_deg: f64,
    /// The object-name table, when the site has one.
    pub names: Option<FileRef>,
}

/// The body of a tile chunk: `tile_columns` of the tile's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileChunk {
    /// Columns, in [`Manifest::tile_columns`] order.
    pub columns: Vec<Column>,
}

/// The keys of an index page: integers delta-encoded, strings lower-cased.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum IndexKeys {
    /// First key, then differences to the previous key.
    Int(Vec<i64>),
    /// Lower-cased strings.
    Str(Vec<String>),
}

/// The body of an index page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexPage {
    /// Sorted keys.
    pub keys: IndexKeys,
    /// Row (tile order) of each key.
    pub rows: Vec<u32>,
}

impl IndexPage {
    /// Integer keys, un-delta-encoded (wrapping, so corrupt pages cannot overflow-panic).
    pub fn int_keys(&self) -> Vec<i64> {
        match &self.keys {
            IndexKeys::Int(d) => {
                let mut acc = 0i64;
                d.iter()
                    .enumerate()
                    .map(|(i, &x)| {
                        acc = if i == 0 { x } else { acc.wrapping_add(x) };
                        acc
                    })
                    .collect()
            }
            IndexKeys::Str(_) => Vec::new(),
        }
    }
}

/// Why a data file was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChunkError {
    /// Length differs from the manifest's.
    #[error(
        "{what} {file} is {got} bytes but the manifest says {want}; the site's data is out of date or damaged — reload the page, or rebuild the site"
    )]
    Length {
        /// Kind of file.
        what: &'static str,
        /// File path.
        file: String,
        /// Bytes received.
        got: usize,
        /// Bytes expected.
        want: usize,
    },
    /// Content hash differs from the manifest's.
    #[error(
        "{what} {file} has content hash {got} but {want} was expected; the file is corrupt or from another build — reload the page, or rebuild the site"
    )]
    Hash {
        /// Kind of file.
        what: &'static str,
        /// File path.
        file: String,
        /// Hash of the bytes received.
        got: String,
        /// Hash expected.
        want: String,
    },
    /// Not an xcat data file, or of another format version or kind.
    #[error("{file} is not an xcat {what} of format version {FORMAT_VERSION}: {detail}")]
    Header {
        /// Kind of file expected.
        what: &'static str,
        /// File path.
        file: String,
        /// What was found.
        detail: String,
    },
    /// The body does not decode, or its contents disagree with the manifest.
    #[error("{what} {file} is malformed: {detail}")]
    Body {
        /// Kind of file.
        what: &'static str,
        /// File path.
        file: String,
        /// What is wrong.
        detail: String,
    },
}

/// Header + bincode body of a data file.
pub fn encode<T: Serialize>(kind: FileKind, body: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(kind as u8);
    out.push(0);
    // Serialising plain data into a Vec cannot fail.
    let body = bincode::serde::encode_to_vec(body, bincode::config::standard())
        .expect("in-memory bincode encoding");
    out.extend_from_slice(&body);
    out
}

/// Checks `bytes` against `file` (length and hash) and the header, then decodes the body with a
/// size limit.
pub fn decode<T: serde::de::DeserializeOwned>(
    kind: FileKind,
    path: &str,
    file: Option<&FileRef>,
    bytes: &[u8],
) -> Result<T, ChunkError> {
    let what = kind.name();
    if let Some(f) = file {
        if bytes.len() != f.len as usize {
            return Err(ChunkError::Length {
                what,
                file: path.into(),
                got: bytes.len(),
                want: f.len as usize,
            });
        }
        let got = hash::content_hash(bytes);
        if got != f.hash {
            return Err(ChunkError::Hash {
                what,
                file: path.into(),
                got: hash::hex(got),
                want: hash::hex(f.hash),
            });
        }
    }
    let header = |detail: String| ChunkError::Header {
        what,
        file: path.into(),
        detail,
    };
    if bytes.len() < 8 || &bytes[..4] != MAGIC {
        return Err(header("it does not start with XCAT".into()));
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != FORMAT_VERSION {
        return Err(header(format!(
            "it has format version {version}; rebuild the site with this xcat version"
        )));
    }
    match FileKind::from_byte(bytes[6]) {
        Some(k) if k == kind => {}
        Some(k) => return Err(header(format!("it is a {}", k.name()))),
        None => return Err(header(format!("unknown kind {}", bytes[6]))),
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(header(format!(
            "it is {} bytes, more than the limit of {MAX_FILE_BYTES}",
            bytes.len()
        )));
    }
    let config = bincode::config::standard().with_limit::<MAX_FILE_BYTES>();
    let (value, used) =
        bincode::serde::decode_from_slice(&bytes[8..], config).map_err(|e| ChunkError::Body {
            what,
            file: path.into(),
            detail: e.to_string(),
        })?;
    if used != bytes.len() - 8 {
        return Err(ChunkError::Body {
            what,
            file: path.into(),
            detail: format!("{} trailing bytes", bytes.len() - 8 - used),
        });
    }
    Ok(value)
}

/// Decodes a manifest whose file name carries `hash` (hex, from `manifest.<hash>.bin`).
pub fn decode_manifest(path: &str, bytes: &[u8]) -> Result<Manifest, ChunkError> {
    let want = path
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_prefix("manifest."))
        .and_then(|n| n.strip_suffix(".bin"))
        .and_then(hash::parse_hex);
    let file = want.map(|hash| FileRef {
        hash,
        len: bytes.len() as u32,
        stored: 0,
    });
    let m: Manifest = decode(FileKind::Manifest, path, file.as_ref(), bytes)?;
    check_manifest(&m).map_err(|detail| ChunkError::Body {
        what: "manifest",
        file: path.into(),
        detail,
    })?;
    Ok(m)
}

/// Consistency of a decoded manifest: everything the engine indexes by is in range.
fn check_manifest(m: &Manifest) -> Result<(), String> {
    if m.segments.len() != m.schema.len() {
        return Err(format!(
            "{} segment lists for {} columns",
            m.segments.len(),
            m.schema.len()
        ));
    }
    if m.segment_rows == 0 {
        return Err("segment_rows is 0".into());
    }
    let want = m.rows.div_ceil(m.segment_rows) as usize;
    if let Some((i, s)) = m.segments.iter().enumerate().find(|(_, s)| s.len() != want) {
        return Err(format!(
            "column {} has {} segments, not {want}",
            m.schema.field(i).name,
            s.len()
        ));
    }
    let mut next = 0u64;
    for t in &m.tiles {
        if u64::from(t.start) != next || t.order > m.max_order || m.max_order > tiling::MAX_ORDER {
            return Err(format!("tile {}/{} is out of order", t.order, t.ipix));
        }
        next += u64::from(t.rows);
    }
    if next != u64::from(m.rows) {
        return Err(format!("tiles hold {next} rows, not {}", m.rows));
    }
    for c in m
        .tile_columns
        .iter()
        .chain(&m.default_columns)
        .chain([&m.ra_column, &m.dec_column])
        .chain(m.indexes.iter().map(|i| &i.column))
        .chain(m.links.iter().map(|l| &l.target))
    {
        if m.schema.get(c).is_none() {
            return Err(format!("column {c} is not in the schema"));
        }
    }
    if let Some(l) = m.links.iter().find(|l| {
        !m.schema
            .get(&l.target)
            .is_some_and(|f| f.dtype.is_integer())
    }) {
        return Err(format!(
            "link {} targets non-integer column {}",
            l.key, l.target
        ));
    }
    if !(m.default_radius_deg > 0.0 && m.default_radius_deg <= 180.0) {
        return Err(format!("default radius {} deg", m.default_radius_deg));
    }
    Ok(())
}

/// Checks that a decoded column holds `rows` rows of `field`'s type and is internally
/// consistent.
fn check_column(c: &Column, dtype: crate::DataType, rows: usize) -> Result<(), String> {
    if c.dtype() != dtype {
        return Err(format!("a column is {} but should be {}", c.dtype(), dtype));
    }
    if c.len() != rows {
        return Err(format!("a column has {} rows, not {rows}", c.len()));
    }
    c.check().map_err(|e| e.to_string())
}
