//! Reads a FITS binary table into a typed, column-major [`Table`] with real nulls: integer
//! TNULL values, NaN floats and undefined logicals (byte 0) all become nulls.
//!
//! Rows are read in blocks of raw bytes and decoded big-endian here, columns in parallel.

use super::layout::{BinColumn, Decode, parse_tform};
use super::raw::{CFits, CfitsioError, HduKind};
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use xcat_core::{Column, ColumnData, DataType, Field, Table, Validity};

/// Which HDU holds the table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HduSelector {
    /// The first binary-table extension.
    #[default]
    FirstTable,
    /// By number, 0 = primary.
    Index(usize),
    /// By EXTNAME, ignoring case.
    Name(String),
}

/// An open binary table: header facts, ready to read rows.
#[derive(Debug)]
pub struct FitsTable {
    path: PathBuf,
    file: CFits,
    /// HDU number (0 = primary).
    pub hdu: usize,
    /// EXTNAME, empty if absent.
    pub extname: String,
    /// NAXIS2.
    pub rows: usize,
    /// NAXIS1.
    pub row_len: usize,
    /// Fields in file order.
    pub columns: Vec<BinColumn>,
}

fn fits_err(path: &Path, detail: String, hint: &str) -> Error {
    Error::Fits {
        path: path.to_path_buf(),
        detail,
        hint: hint.to_string(),
    }
}

/// Checks that `path` exists and starts like FITS (or gzip, which cfitsio unpacks).
fn check_magic(path: &Path) -> Result<bool> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut head = [0u8; 80];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    if n >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        return Ok(true);
    }
    if n < 30 || !head.starts_with(b"SIMPLE  =") {
        let shown: String = head[..n.min(20)]
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        let detail = if n == 0 {
            "the file is empty".to_string()
        } else {
            format!("it starts with {shown:?} instead of the FITS card \"SIMPLE  =\"")
        };
        return Err(Error::NotFits {
            path: path.to_path_buf(),
            detail,
        });
    }
    Ok(false)
}

impl FitsTable {
    /// Opens `path` and reads the header of the selected binary table.
    pub fn open(path: &Path, which: &HduSelector) -> Result<Self> {
        let gzipped = check_magic(path)?;
        let cf = |e: CfitsioError| {
            fits_err(
                path,
                format!("cfitsio cannot read the file: {e}"),
                "the file may be damaged or truncated; download it again",
            )
        };
        if !gzipped
            && let Some((hdu, problem)) = std::fs::File::open(path)
                .and_then(|mut f| {
                    let len = f.metadata()?.len();
                    xcat_core::fits::check_headers(&mut f, len)
                })
                .map_err(|e| Error::io(path, e))?
        {
            return Err(fits_err(
                path,
                format!("HDU {hdu}: {problem}"),
                "the file is damaged, or not a FITS file; download it again",
            ));
        }
        let mut file = CFits::open(path).map_err(cf)?;
        let n = file.num_hdus().map_err(cf)?;
        let mut chosen = None;
        for i in 0..n {
            let kind = file.move_to(i).map_err(cf)?;
            let name = file.key("EXTNAME").map_err(cf)?.unwrap_or_default();
            let hit = match which {
                HduSelector::FirstTable => kind == HduKind::BinTable,
                HduSelector::Index(k) => *k == i,
                HduSelector::Name(s) => name.eq_ignore_ascii_case(s),
            };
            if hit {
                if kind != HduKind::BinTable {
                    return Err(fits_err(
                        path,
                        format!("HDU {i} ({name}) is not a binary table"),
                        "select the HDU holding the catalogue with `hdu` in xcat.toml",
                    ));
                }
                chosen = Some((i, name));
                break;
            }
        }
        let Some((hdu, extname)) = chosen else {
            return Err(fits_err(
                path,
                match which {
                    HduSelector::FirstTable => format!("none of its {n} HDUs is a binary table"),
                    HduSelector::Index(k) => format!("HDU {k} does not exist (the file has {n})"),
                    HduSelector::Name(s) => format!("no HDU is called {s:?}"),
                },
                "the catalogue must be a FITS binary table (BINTABLE)",
            ));
        };
        let mut t = FitsTable {
            path: path.to_path_buf(),
            file,
            hdu,
            extname,
            rows: 0,
            row_len: 0,
            columns: Vec::new(),
        };
        t.read_header(gzipped)?;
        Ok(t)
    }

    /// The value of header keyword `name` of the table's HDU (strings without their quotes).
    pub fn key(&mut self, name: &str) -> Result<Option<String>> {
        let (path, hdu) = (self.path.clone(), self.hdu);
        self.file.key(name).map_err(|e| {
            fits_err(
                &path,
                format!("HDU {hdu}: cannot read keyword {name}: {e}"),
                "the header may be damaged",
            )
        })
    }

    fn int_key(&mut self, name: &str) -> Result<Option<i64>> {
        match self.key(name)? {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                fits_err(
                    &self.path,
                    format!("HDU {}: keyword {name} = {v:?} is not an integer", self.hdu),
                    "the header is not valid FITS",
                )
            }),
        }
    }

    fn float_key(&mut self, name: &str) -> Result<Option<f64>> {
        match self.key(name)? {
            None => Ok(None),
            Some(v) => v
                .trim()
                .replace(['D', 'd'], "E")
                .parse::<f64>()
                .map(Some)
                .map_err(|_| {
                    fits_err(
                        &self.path,
                        format!("HDU {}: keyword {name} = {v:?} is not a number", self.hdu),
                        "the header is not valid FITS",
                    )
                }),
        }
    }

    fn read_header(&mut self, gzipped: bool) -> Result<()> {
        let hdu = self.hdu;
        let need = |v: Option<i64>, k: &str, path: &Path| {
            v.ok_or_else(|| {
                fits_err(
                    path,
                    format!("HDU {hdu}: required keyword {k} is missing"),
                    "the header is not valid FITS",
                )
            })
        };
        let path = self.path.clone();
        self.row_len = need(self.int_key("NAXIS1")?, "NAXIS1", &path)? as usize;
        self.rows = need(self.int_key("NAXIS2")?, "NAXIS2", &path)? as usize;
        let tfields = need(self.int_key("TFIELDS")?, "TFIELDS", &path)? as usize;
        let mut offset = 0;
        for i in 1..=tfields {
            let name = self
                .key(&format!("TTYPE{i}"))?
                .unwrap_or_else(|| format!("COL{i}"));
            let tform = self.key(&format!("TFORM{i}"))?.ok_or_else(|| {
                fits_err(
                    &path,
                    format!("HDU {hdu}: TFORM{i} ({name}) is missing"),
                    "the header is not valid FITS",
                )
            })?;
            let (repeat, code, width) = parse_tform(&tform).map_err(|e| {
                fits_err(
                    &path,
                    format!("HDU {hdu}, column {name}: {e}"),
                    "the header is not valid FITS",
                )
            })?;
            let col = BinColumn {
                unit: self.key(&format!("TUNIT{i}"))?.unwrap_or_default(),
                tnull: self.int_key(&format!("TNULL{i}"))?,
                tscal: self.float_key(&format!("TSCAL{i}"))?.unwrap_or(1.0),
                tzero: self.float_key(&format!("TZERO{i}"))?.unwrap_or(0.0),
                name: name.trim().to_string(),
                tform,
                code,
                repeat,
                offset,
                width,
            };
            offset += width;
            self.columns.push(col);
        }
        if offset != self.row_len {
            return Err(fits_err(
                &path,
                format!(
                    "HDU {hdu}: the TFORMs add up to {offset} bytes per row but NAXIS1 = {}",
                    self.row_len
                ),
                "the header is not valid FITS",
            ));
        }
        if !gzipped {
            let (_, start, _) = self.file.addresses().map_err(|e| {
                fits_err(&path, format!("HDU {hdu}: {e}"), "the file may be damaged")
            })?;
            let size = std::fs::metadata(&path)
                .map_err(|e| Error::io(&path, e))?
                .len();
            let needed = start + (self.rows * self.row_len) as u64;
            if size < needed {
                let complete = (size.saturating_sub(start)) / self.row_len.max(1) as u64;
                return Err(fits_err(
                    &path,
                    format!(
                        "truncated: HDU {hdu} declares {} rows of {} bytes ({needed} bytes up to the end of the table) but the file has only {size} bytes; rows after {complete} are missing",
                        self.rows, self.row_len
                    ),
                    "the file was cut short (interrupted download or copy?); fetch it again",
                ));
            }
        }
        Ok(())
    }

    /// Field called `name` (ignoring case).
    pub fn column(&self, name: &str) -> Option<&BinColumn> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads every selected column into a table. Fields the model cannot hold (vectors,
    /// bit arrays, variable-length arrays) are skipped with a warning. `progress` is called
    /// with the number of rows read so far.
    pub fn read(
        &mut self,
        select: &dyn Fn(&BinColumn) -> bool,
        progress: &dyn Fn(usize),
    ) -> Result<(Table, Vec<String>)> {
        let s = self.read_routed(select, None, progress)?;
        Ok((s.first, s.warnings))
    }

    /// Reads every selected column like [`read`](Self::read), each row into the first table
    /// when `to_first` holds for its bytes, else into the second, in one pass: the two
    /// tables are never held together with a table of all rows.
    /// `select` chooses the columns of the first table, `select_second` those of the second.
    pub fn read_split(
        &mut self,
        select: &dyn Fn(&BinColumn) -> bool,
        select_second: &dyn Fn(&BinColumn) -> bool,
        to_first: &(dyn Fn(&[u8]) -> bool + Sync),
        progress: &dyn Fn(usize),
    ) -> Result<Split> {
        self.read_routed(select, Some((select_second, to_first)), progress)
    }

    /// An empty table with the columns the model can hold (for their fields).
    pub fn header_table(&self) -> Table {
        let mut t = Table::with_rows(0);
        for c in &self.columns {
            if let Decode::Unsupported = c.decode() {
                continue;
            }
            let (f, col) = Sink::new(c.clone(), c.decode(), 0).finish(0);
            t.push(f, col).expect("empty columns");
        }
        t
    }

    fn read_routed(
        &mut self,
        select: &dyn Fn(&BinColumn) -> bool,
        split: Option<Route<'_>>,
        progress: &dyn Fn(usize),
    ) -> Result<Split> {
        let route = split.map(|s| s.1);
        let rows = self.rows;
        let mut warnings = Vec::new();
        let mut sinks: Vec<Sink> = Vec::new();
        let mut second: Vec<Sink> = Vec::new();
        for c in &self.columns {
            let (a, b) = (select(c), split.is_some_and(|s| (s.0)(c)));
            if !a && !b {
                continue;
            }
            match c.decode() {
                Decode::Unsupported => warnings.push(format!(
                    "{} HDU {}: column {} (TFORM {}) is not a scalar and was skipped",
                    self.path.display(),
                    self.hdu,
                    c.name,
                    c.tform
                )),
                decode => {
                    // Room for every row on both sides: pages never written cost no memory.
                    if a {
                        sinks.push(Sink::new(c.clone(), decode, rows));
                    }
                    if b {
                        second.push(Sink::new(c.clone(), decode, rows));
                    }
                }
            }
        }
        let row_len = self.row_len;
        let block_rows = (8 << 20) / row_len.max(1) + 1;
        let mut buf = vec![0u8; block_rows.min(rows.max(1)) * row_len];
        let (mut buf_a, mut buf_b) = (Vec::new(), Vec::new());
        let (mut rows_a, mut rows_b) = (Vec::new(), Vec::new());
        let mut first = 0;
        while first < rows {
            let n = block_rows.min(rows - first);
            let block = &mut buf[..n * row_len];
            self.file.read_rows(first, block).map_err(|e| {
                fits_err(
                    &self.path,
                    format!(
                        "HDU {}: reading rows {}–{} failed: {e}",
                        self.hdu,
                        first + 1,
                        first + n
                    ),
                    "the file may be truncated or damaged; fetch it again",
                )
            })?;
            let block = &*block;
            match route {
                None => sinks
                    .par_iter_mut()
                    .for_each(|s| s.decode(block, first, n, row_len)),
                Some(to_first) => {
                    let (base_a, base_b) = (rows_a.len(), rows_b.len());
                    buf_a.clear();
                    buf_b.clear();
                    for (r, row) in block.chunks_exact(row_len).enumerate() {
                        if to_first(row) {
                            buf_a.extend_from_slice(row);
                            rows_a.push(first + r);
                        } else {
                            buf_b.extend_from_slice(row);
                            rows_b.push(first + r);
                        }
                    }
                    let (na, nb) = (rows_a.len() - base_a, rows_b.len() - base_b);
                    let (a, b) = (&buf_a[..], &buf_b[..]);
                    sinks
                        .par_iter_mut()
                        .map(|s| (s, a, base_a, na))
                        .chain(second.par_iter_mut().map(|s| (s, b, base_b, nb)))
                        .for_each(|(s, blk, base, k)| s.decode(blk, base, k, row_len));
                }
            }
            first += n;
            progress(first);
        }
        // FITS text is ASCII (UTF-8 is read too): other bytes are damage, not names to show.
        for (list, file_rows) in [(&sinks, &rows_a), (&second, &rows_b)] {
            if let Some(s) = list.iter().find(|s| s.bad_text.is_some()) {
                let (r, bytes) = s.bad_text.as_ref().expect("found");
                let row = if route.is_some() { file_rows[*r] } else { *r };
                return Err(Error::BadValue {
                    path: self.path.clone(),
                    hdu: self.hdu,
                    column: s.col.name.clone(),
                    row: row + 1,
                    value: format!("{:?}", String::from_utf8_lossy(bytes)),
                    range: "text (ASCII, as FITS has it, or UTF-8)",
                    hint: "the file is damaged or was written by a tool that does not follow the FITS standard; fetch or write it again",
                });
            }
        }
        let table = |sinks: Vec<Sink>, n: usize| {
            let mut t = Table::with_rows(n);
            for s in sinks {
                let (field, column) = s.finish(n);
                t.push(field, column)
                    .expect("every sink holds the rows sent to it");
            }
            t
        };
        let n_a = if route.is_some() { rows_a.len() } else { rows };
        Ok(Split {
            first: table(sinks, n_a),
            second: table(second, rows_b.len()),
            first_rows: rows_a,
            second_rows: rows_b,
            warnings,
        })
    }
}

/// How [`FitsTable::read_split`] sends rows: the columns of the second table, and whether a
/// row (its bytes) goes to the first.
type Route<'a> = (
    &'a dyn Fn(&BinColumn) -> bool,
    &'a (dyn Fn(&[u8]) -> bool + Sync),
);

/// The rows of a table read in two parts ([`FitsTable::read_split`]).
#[derive(Debug)]
pub struct Split {
    /// The rows sent to the first table.
    pub first: Table,
    /// The others.
    pub second: Table,
    /// File row (0-based) of each row of `first` (empty when nothing was routed).
    pub first_rows: Vec<usize>,
    /// File row (0-based) of each row of `second`.
    pub second_rows: Vec<usize>,
    /// Columns skipped, as in [`FitsTable::read`].
    pub warnings: Vec<String>,
}

/// Decoder and storage of one column.
struct Sink {
    col: BinColumn,
    decode: Decode,
    data: ColumnData,
    validity: Validity,
    /// The first row (of this sink) whose text is not UTF-8, with its bytes.
    bad_text: Option<(usize, Vec<u8>)>,
}

macro_rules! be {
    ($t:ty, $b:expr) => {
        <$t>::from_be_bytes($b.try_into().expect("field width matches the type"))
    };
}

impl Sink {
    fn new(col: BinColumn, decode: Decode, rows: usize) -> Self {
        let dtype = col.dtype().expect("supported column");
        Sink {
            data: ColumnData::with_capacity(dtype, rows, col.width),
            validity: Validity::all_valid(rows),
            col,
            decode,
            bad_text: None,
        }
    }

    fn decode(&mut self, block: &[u8], base: usize, n: usize, row_len: usize) {
        let (off, w) = (self.col.offset, self.col.width);
        let field = |r: usize| &block[r * row_len + off..r * row_len + off + w];
        let tnull = self.col.tnull;
        let validity = &mut self.validity;
        let mut null_if = |r: usize, is_null: bool| {
            if is_null {
                validity.set(base + r, false);
            }
        };
        match (&mut self.data, self.decode) {
            (ColumnData::Str(v), _) => {
                for r in 0..n {
                    let b = field(r);
                    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                    let s = String::from_utf8_lossy(&b[..end]);
                    if self.bad_text.is_none() && std::str::from_utf8(&b[..end]).is_err() {
                        self.bad_text = Some((base + r, b[..end].to_vec()));
                    }
                    v.push(s.trim_end());
                }
            }
            (ColumnData::Bool(v), _) => {
                for r in 0..n {
                    let b = field(r)[0];
                    null_if(r, b != b'T' && b != b'F');
                    v.push(b == b'T');
                }
            }
            (ColumnData::F32(v), Decode::Plain(_)) => {
                for r in 0..n {
                    let x = be!(f32, field(r));
                    null_if(r, x.is_nan());
                    v.push(x);
                }
            }
            (ColumnData::F64(v), Decode::Plain(_)) => {
                for r in 0..n {
                    let x = be!(f64, field(r));
                    null_if(r, x.is_nan());
                    v.push(x);
                }
            }
            (ColumnData::F64(v), Decode::Scaled) => {
                let (s, z) = (self.col.tscal, self.col.tzero);
                for r in 0..n {
                    let b = field(r);
                    let (raw, is_null) = match self.col.code {
                        'B' => (f64::from(b[0]), tnull == Some(i64::from(b[0]))),
                        'I' => {
                            let x = be!(i16, b);
                            (f64::from(x), tnull == Some(i64::from(x)))
                        }
                        'J' => {
                            let x = be!(i32, b);
                            (f64::from(x), tnull == Some(i64::from(x)))
                        }
                        'K' => {
                            let x = be!(i64, b);
                            (x as f64, tnull == Some(x))
                        }
                        'E' => (f64::from(be!(f32, b)), false),
                        _ => (be!(f64, b), false),
                    };
                    let x = if is_null { f64::NAN } else { raw * s + z };
                    null_if(r, x.is_nan());
                    v.push(x);
                }
            }
            (data, decode) => {
                let shift = match decode {
                    Decode::Offset(_, k) => k,
                    _ => 0,
                };
                for r in 0..n {
                    let b = field(r);
                    let raw: i64 = match self.col.code {
                        'B' => i64::from(b[0]),
                        'I' => i64::from(be!(i16, b)),
                        'J' => i64::from(be!(i32, b)),
                        _ => be!(i64, b),
                    };
                    let is_null = tnull == Some(raw);
                    null_if(r, is_null);
                    let x = if is_null { 0 } else { raw + shift };
                    match data {
                        ColumnData::U8(v) => v.push(x as u8),
                        ColumnData::I16(v) => v.push(x as i16),
                        ColumnData::I32(v) => v.push(x as i32),
                        ColumnData::I64(v) => v.push(x),
                        _ => unreachable!("integer sinks only"),
                    }
                }
            }
        }
    }

    /// The column of the `rows` rows decoded.
    fn finish(mut self, rows: usize) -> (Field, Column) {
        self.validity.truncate(rows);
        let dtype = self.data.dtype();
        let mut field = Field::new(self.col.name.clone(), dtype).with_unit(self.col.unit.clone());
        if dtype == DataType::Str {
            field = field.with_width(self.col.repeat.min(u16::MAX as usize) as u16);
        }
        (field, Column::new(self.data, self.validity))
    }
}
