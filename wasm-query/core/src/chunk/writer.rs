//! Writes a table as the data folder of the query engine: tiles, tile chunks, column segments
//! with zone maps, key indexes, the name table and the manifest. Pure: it returns the files'
//! paths and bytes, and the caller stores them (the generator gzips and writes them).

use super::{
    FORMAT_VERSION, FileKind, FileRef, IndexKeys, IndexPage, IndexPageEntry, KeyIndex, LinkIndex,
    LinkPage, Manifest, SegmentEntry, TileChunk, TileEntry, encode, hash, tiling, zone,
};
use crate::column::Column;
use crate::names::NameTable;
use crate::query::eval::cmp_text;
use crate::table::Table;
use crate::value::Value;
use std::collections::BTreeMap;

/// Layout choices.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteOptions {
    /// Right ascension column (degrees).
    pub ra_column: String,
    /// Declination column (degrees).
    pub dec_column: String,
    /// Most rows in a tile unless it is at `max_order`.
    pub tile_budget: usize,
    /// Deepest tile order.
    pub max_order: u8,
    /// Rows per column segment.
    pub segment_rows: usize,
    /// Columns copied into tile chunks besides the position (those that exist).
    pub tile_columns: Vec<String>,
    /// Columns shown by default (those that exist).
    pub default_columns: Vec<String>,
    /// Columns with a key index (those that exist).
    pub index_columns: Vec<String>,
    /// Keys per index page.
    pub index_page_keys: usize,
    /// Radius of a bare-target query, degrees.
    pub default_radius_deg: f64,
}

impl Default for WriteOptions {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let display = s(&[
            "SRCID",
            "IAUNAME",
            "SC_RA",
            "SC_DEC",
            "SC_POSERR",
            "SC_DET_ML",
            "SC_EP_8_FLUX",
            "N_DETECTIONS",
        ]);
        WriteOptions {
            ra_column: "SC_RA".into(),
            dec_column: "SC_DEC".into(),
            tile_budget: 512,
            max_order: 13,
            segment_rows: 32_768,
            tile_columns: display.clone(),
            default_columns: display,
            index_columns: s(&["SRCID", "IAUNAME"]),
            index_page_keys: 4096,
            default_radius_deg: 10.0 / 60.0,
        }
    }
}

/// Keys of another table that name rows of this one, for a link index: `keys[i]` belongs to
/// the row whose `target` column holds `targets[i]` (DETID → SRCID of its source).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedKeys {
    /// Name of the key in queries (`DETID`).
    pub key: String,
    /// Integer column of this table the keys map to (`SRCID`).
    pub target: String,
    /// The keys.
    pub keys: Vec<i64>,
    /// Target value of each key.
    pub targets: Vec<i64>,
}

/// One output file.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenFile {
    /// Path relative to the data folder.
    pub path: String,
    /// Bytes as stored (after the caller's compression).
    pub bytes: Vec<u8>,
}

/// Everything [`write_catalogue`] produced.
#[derive(Debug, Clone)]
pub struct Written {
    /// The manifest.
    pub manifest: Manifest,
    /// Path of the manifest file (`manifest.<hash>.bin`).
    pub manifest_path: String,
    /// Every file, the manifest last; identical chunks appear once.
    pub files: Vec<WrittenFile>,
}

/// Why a table cannot be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriteError {
    /// The position columns are missing or not numeric.
    #[error(
        "the table has no numeric position column {0}; set the position columns of the query engine"
    )]
    NoPosition(String),
    /// More rows than the format holds.
    #[error("{0} rows are more than the 4294967295 the chunk format holds")]
    TooManyRows(usize),
}

struct Files<'a> {
    compress: &'a dyn Fn(&[u8]) -> Vec<u8>,
    out: BTreeMap<u64, WrittenFile>,
}

impl Files<'_> {
    fn add(&mut self, bytes: Vec<u8>) -> FileRef {
        let h = hash::content_hash(&bytes);
        let len = bytes.len() as u32;
        let stored = (self.compress)(&bytes);
        let f = FileRef {
            hash: h,
            len,
            stored: stored.len() as u32,
        };
        self.out.entry(h).or_insert_with(|| WrittenFile {
            path: f.path(),
            bytes: stored,
        });
        f
    }
}

fn existing(table: &Table, names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if let Some(f) = table.schema().get(n)
            && !out.contains(&f.name)
        {
            out.push(f.name.clone());
        }
    }
    out
}

fn slice(col: &Column, start: usize, end: usize) -> Column {
    col.take(&(start..end).collect::<Vec<_>>())
}

/// Writes `table` (rows in any order) and the optional name table; `compress` turns a file's
/// bytes into its stored form (identity, or gzip for the browser's DecompressionStream).
pub fn write_catalogue(
    table: &Table,
    names: Option<&NameTable>,
    opts: &WriteOptions,
    compress: &dyn Fn(&[u8]) -> Vec<u8>,
) -> Result<Written, WriteError> {
    write_catalogue_linked(table, names, &[], opts, compress)
}

/// [`write_catalogue`] with link indexes (keys of other tables, such as DETID). Links whose
/// target is not an integer column of `table` are left out; keys whose target value is not in
/// the table are kept (they match nothing).
pub fn write_catalogue_linked(
    table: &Table,
    names: Option<&NameTable>,
    links: &[LinkedKeys],
    opts: &WriteOptions,
    compress: &dyn Fn(&[u8]) -> Vec<u8>,
) -> Result<Written, WriteError> {
    if u32::try_from(table.rows()).is_err() {
        return Err(WriteError::TooManyRows(table.rows()));
    }
    let numeric = |name: &str| {
        table
            .schema()
            .get(name)
            .filter(|f| f.dtype.is_numeric())
            .map(|f| f.name.clone())
            .ok_or_else(|| WriteError::NoPosition(name.to_string()))
    };
    let ra_name = numeric(&opts.ra_column)?;
    let dec_name = numeric(&opts.dec_column)?;
    let (ra_col, dec_col) = (
        table.column(&ra_name).expect("checked"),
        table.column(&dec_name).expect("checked"),
    );
    let pos = |c: &Column| -> Vec<f64> {
        (0..table.rows())
            .map(|i| c.f64(i).unwrap_or(f64::NAN))
            .collect()
    };
    let tiling = tiling::build(
        &pos(ra_col),
        &pos(dec_col),
        opts.tile_budget,
        opts.max_order,
    );
    // Columns in tile order, one at a time (a sorted copy of the whole table would double the
    // memory of a big catalogue).
    let sorted = |c: &Column| c.take(&tiling.order);
    let rows = table.rows();
    let mut files = Files {
        compress,
        out: BTreeMap::new(),
    };

    let mut tile_columns = vec![ra_name.clone(), dec_name.clone()];
    for c in existing(table, &opts.tile_columns) {
        if !tile_columns.contains(&c) {
            tile_columns.push(c);
        }
    }
    let tile_sorted: Vec<Column> = tile_columns
        .iter()
        .map(|n| sorted(table.column(n).expect("exists")))
        .collect();
    let tiles: Vec<TileEntry> = tiling
        .cells
        .iter()
        .map(|c| {
            let chunk = TileChunk {
                columns: tile_sorted
                    .iter()
                    .map(|col| slice(col, c.start, c.start + c.rows))
                    .collect(),
            };
            TileEntry {
                order: c.order,
                ipix: c.ipix,
                cells: c.cells,
                start: c.start as u32,
                rows: c.rows as u32,
                file: files.add(encode(FileKind::Tile, &chunk)),
            }
        })
        .collect();

    drop(tile_sorted);
    let seg = opts.segment_rows.max(1);
    let segments: Vec<Vec<SegmentEntry>> = table
        .columns()
        .iter()
        .map(|unsorted| {
            let col = &sorted(unsorted);
            (0..rows.div_ceil(seg))
                .map(|k| {
                    let (a, b) = (k * seg, ((k + 1) * seg).min(rows));
                    let part = slice(col, a, b);
                    SegmentEntry {
                        zone: zone::zone_of(col, a, b),
                        file: files.add(encode(FileKind::Segment, &part)),
                    }
                })
                .collect()
        })
        .collect();

    let indexes = existing(table, &opts.index_columns)
        .into_iter()
        .filter_map(|name| {
            write_index(
                &name,
                &sorted(table.column(&name)?),
                opts.index_page_keys,
                &mut files,
            )
        })
        .collect();

    let links = links
        .iter()
        .filter_map(|l| write_link(table, l, opts.index_page_keys, &mut files))
        .collect();
    let names = names.map(|n| files.add(encode(FileKind::Names, n)));
    let manifest = Manifest {
        version: FORMAT_VERSION,
        schema: table.schema().clone(),
        rows: table.rows() as u32,
        ra_column: ra_name,
        dec_column: dec_name,
        max_order: opts.max_order.min(tiling::MAX_ORDER),
        tiles,
        tile_columns,
        segment_rows: seg as u32,
        segments,
        indexes,
        links,
        default_columns: existing(table, &opts.default_columns),
        default_radius_deg: opts.default_radius_deg,
        names,
    };
    let bytes = encode(FileKind::Manifest, &manifest);
    let manifest_path = format!("manifest.{}.bin", hash::hex(hash::content_hash(&bytes)));
    let mut out: Vec<WrittenFile> = files.out.into_values().collect();
    out.push(WrittenFile {
        path: manifest_path.clone(),
        bytes: compress(&bytes),
    });
    Ok(Written {
        manifest,
        manifest_path,
        files: out,
    })
}

fn write_index(
    name: &str,
    col: &Column,
    page_keys: usize,
    files: &mut Files<'_>,
) -> Option<KeyIndex> {
    let page_keys = page_keys.max(1);
    let pages = match col.dtype() {
        d if d.is_integer() => {
            let mut keys: Vec<(i64, u32)> = (0..col.len())
                .filter_map(|i| col.i64(i).map(|k| (k, i as u32)))
                .collect();
            keys.sort_unstable();
            keys.chunks(page_keys)
                .map(|p| {
                    let mut prev = 0i64;
                    let deltas = p
                        .iter()
                        .enumerate()
                        .map(|(i, &(k, _))| {
                            let d = if i == 0 { k } else { k.wrapping_sub(prev) };
                            prev = k;
                            d
                        })
                        .collect();
                    let page = IndexPage {
                        keys: IndexKeys::Int(deltas),
                        rows: p.iter().map(|&(_, r)| r).collect(),
                    };
                    IndexPageEntry {
                        first: Value::Int(p[0].0),
                        file: files.add(encode(FileKind::IndexPage, &page)),
                    }
                })
                .collect()
        }
        crate::DataType::Str => {
            let mut keys: Vec<(String, u32)> = (0..col.len())
                .filter_map(|i| col.str(i).map(|k| (k.to_ascii_lowercase(), i as u32)))
                .collect();
            keys.sort_unstable_by(|a, b| cmp_text(&a.0, &b.0).then(a.cmp(b)));
            keys.chunks(page_keys)
                .map(|p| {
                    let page = IndexPage {
                        keys: IndexKeys::Str(p.iter().map(|(k, _)| k.clone()).collect()),
                        rows: p.iter().map(|&(_, r)| r).collect(),
                    };
                    IndexPageEntry {
                        first: Value::Str(p[0].0.clone()),
                        file: files.add(encode(FileKind::IndexPage, &page)),
                    }
                })
                .collect()
        }
        _ => return None,
    };
    Some(KeyIndex {
        column: name.to_string(),
        pages,
    })
}

fn write_link(
    table: &Table,
    link: &LinkedKeys,
    page_keys: usize,
    files: &mut Files<'_>,
) -> Option<LinkIndex> {
    let target = table.schema().get(&link.target)?;
    if !target.dtype.is_integer() {
        return None;
    }
    let mut pairs: Vec<(i64, i64)> = link
        .keys
        .iter()
        .copied()
        .zip(link.targets.iter().copied())
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let pages = pairs
        .chunks(page_keys.max(1))
        .map(|p| {
            let mut prev = 0i64;
            let keys = p
                .iter()
                .enumerate()
                .map(|(i, &(k, _))| {
                    let d = if i == 0 { k } else { k.wrapping_sub(prev) };
                    prev = k;
                    d
                })
                .collect();
            let page = LinkPage {
                keys,
                targets: p.iter().map(|&(_, t)| t).collect(),
            };
            IndexPageEntry {
                first: Value::Int(p[0].0),
                file: files.add(encode(FileKind::LinkPage, &page)),
            }
        })
        .collect();
    Some(LinkIndex {
        key: link.key.clone(),
        target: target.name.clone(),
        pages,
    })
}
