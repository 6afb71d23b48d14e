//! Writes a [`Table`] as a FITS binary table: one TFORM per storage type (strings as `nA` with
//! the field's width), TNULL = the most negative value for integers, NaN for null floats and
//! byte 0 for undefined logicals — the conventions of the 4XMM catalogue files.
//!
//! The file is written beside its destination and renamed into place, so a failed write never
//! leaves a half-written catalogue.

use super::raw::CFits;
use crate::error::{Error, Result};
use std::path::Path;
use xcat_core::{ColumnData, DataType, Table};

/// TFORM of a field.
pub fn tform(dtype: DataType, width: u16) -> String {
    match dtype {
        DataType::Str => format!("{}A", width.max(1)),
        t => t.fits_code().to_string(),
    }
}

fn byte_width(dtype: DataType, width: u16) -> usize {
    match dtype {
        DataType::Bool | DataType::U8 => 1,
        DataType::I16 => 2,
        DataType::I32 | DataType::F32 => 4,
        DataType::I64 | DataType::F64 => 8,
        DataType::Str => usize::from(width.max(1)),
    }
}

/// A binary table being written: created beside its destination, appended to block by
/// block, renamed into place by [`TableWriter::finish`]. Dropped unfinished, it leaves nothing.
#[derive(Debug)]
pub struct TableWriter {
    file: Option<CFits>,
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
    rows: usize,
    row_len: usize,
}

/// One column to create: name, TFORM, unit, and TNULL for integers.
pub type ColumnSpec<'a> = (&'a str, &'a str, &'a str, Option<i64>);

impl TableWriter {
    /// Creates the file with an empty binary-table HDU 1 named `extname`.
    pub fn create(
        path: &Path,
        extname: &str,
        columns: &[ColumnSpec],
        keys: &[(&str, &str)],
    ) -> Result<Self> {
        let tmp = path.with_extension("fits.partial");
        let _ = std::fs::remove_file(&tmp);
        let mut w = TableWriter {
            file: None,
            tmp,
            path: path.to_path_buf(),
            rows: 0,
            row_len: 0,
        };
        let mut f = CFits::create(&w.tmp).map_err(|e| w.fail(e))?;
        let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let forms: Vec<&str> = columns.iter().map(|c| c.1).collect();
        let units: Vec<&str> = columns.iter().map(|c| c.2).collect();
        f.create_bintable(extname, &names, &forms, &units)
            .map_err(|e| w.fail(e))?;
        for (i, c) in columns.iter().enumerate() {
            if let Some(v) = c.3 {
                f.write_key_int(&format!("TNULL{}", i + 1), v, "")
                    .map_err(|e| w.fail(e))?;
            }
        }
        for (k, v) in keys {
            f.write_key_str(k, v, "").map_err(|e| w.fail(e))?;
        }
        w.row_len = forms
            .iter()
            .map(|t| super::layout::parse_tform(t).map(|x| x.2).unwrap_or(0))
            .sum();
        w.file = Some(f);
        Ok(w)
    }

    fn fail(&self, e: super::raw::CfitsioError) -> Error {
        Error::Fits {
            path: self.path.clone(),
            detail: format!("writing failed: {e}"),
            hint: "check free disk space and permissions of the output folder".into(),
        }
    }

    /// Bytes per row.
    pub fn row_len(&self) -> usize {
        self.row_len
    }

    /// Appends whole rows of big-endian FITS bytes.
    pub fn append(&mut self, bytes: &[u8]) -> Result<()> {
        debug_assert_eq!(bytes.len() % self.row_len.max(1), 0);
        let first = self.rows;
        let r = self
            .file
            .as_mut()
            .expect("open until finish")
            .write_rows(first, bytes);
        r.map_err(|e| self.fail(e))?;
        self.rows += bytes.len() / self.row_len.max(1);
        Ok(())
    }

    /// Closes the file and moves it to its destination.
    pub fn finish(mut self) -> Result<usize> {
        let f = self.file.take().expect("open until finish");
        f.close().map_err(|e| self.fail(e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::output(&self.path, e))?;
        Ok(self.rows)
    }
}

impl Drop for TableWriter {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// TNULL written for an integer type.
pub fn tnull(dtype: DataType) -> Option<i64> {
    match dtype {
        DataType::I16 => Some(i64::from(i16::MIN)),
        DataType::I32 => Some(i64::from(i32::MIN)),
        DataType::I64 => Some(i64::MIN),
        _ => None,
    }
}

/// Writes `table` as binary-table HDU 1 (named `extname`) of a new FITS file at `path`,
/// replacing any existing file. `keys` are extra string keywords for that HDU.
pub fn write_table(path: &Path, extname: &str, table: &Table, keys: &[(&str, &str)]) -> Result<()> {
    let fields = table.schema().fields();
    let tforms: Vec<String> = fields.iter().map(|f| tform(f.dtype, f.width)).collect();
    let widths: Vec<usize> = fields
        .iter()
        .map(|f| byte_width(f.dtype, f.width))
        .collect();
    let specs: Vec<ColumnSpec> = fields
        .iter()
        .zip(&tforms)
        .map(|(f, t)| (f.name.as_str(), t.as_str(), f.unit.as_str(), tnull(f.dtype)))
        .collect();
    let mut w = TableWriter::create(path, extname, &specs, keys)?;
    let row_len = w.row_len();
    let block_rows = ((8 << 20) / row_len.max(1)).max(1);
    let mut buf = Vec::with_capacity(block_rows * row_len);
    let mut first = 0;
    while first < table.rows() {
        let n = block_rows.min(table.rows() - first);
        buf.clear();
        buf.resize(n * row_len, 0);
        let mut off = 0;
        for (c, width) in table.columns().iter().zip(&widths) {
            for r in 0..n {
                encode(
                    c,
                    first + r,
                    &mut buf[r * row_len + off..r * row_len + off + width],
                );
            }
            off += width;
        }
        w.append(&buf)?;
        first += n;
    }
    w.finish().map(|_| ())
}

fn encode(c: &xcat_core::Column, i: usize, dst: &mut [u8]) {
    let null = c.is_null(i);
    match c.data() {
        ColumnData::Bool(v) => {
            dst[0] = if null {
                0
            } else if v[i] {
                b'T'
            } else {
                b'F'
            }
        }
        ColumnData::U8(v) => dst[0] = v[i],
        ColumnData::I16(v) => {
            dst.copy_from_slice(&(if null { i16::MIN } else { v[i] }).to_be_bytes())
        }
        ColumnData::I32(v) => {
            dst.copy_from_slice(&(if null { i32::MIN } else { v[i] }).to_be_bytes())
        }
        ColumnData::I64(v) => {
            dst.copy_from_slice(&(if null { i64::MIN } else { v[i] }).to_be_bytes())
        }
        ColumnData::F32(v) => {
            dst.copy_from_slice(&(if null { f32::NAN } else { v[i] }).to_be_bytes())
        }
        ColumnData::F64(v) => {
            dst.copy_from_slice(&(if null { f64::NAN } else { v[i] }).to_be_bytes())
        }
        ColumnData::Str(v) => {
            dst.fill(b' ');
            if !null {
                let s = v.get(i).as_bytes();
                let n = s.len().min(dst.len());
                dst[..n].copy_from_slice(&s[..n]);
            }
        }
    }
}
