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

/// Writes `table` as binary-table HDU 1 (named `extname`) of a new FITS file at `path`,
/// replacing any existing file. `keys` are extra string keywords for that HDU.
pub fn write_table(path: &Path, extname: &str, table: &Table, keys: &[(&str, &str)]) -> Result<()> {
    let fields = table.schema().fields();
    let tforms: Vec<String> = fields.iter().map(|f| tform(f.dtype, f.width)).collect();
    let widths: Vec<usize> = fields.iter().map(|f| byte_width(f.dtype, f.width)).collect();
    let row_len: usize = widths.iter().sum();
    let tmp = path.with_extension("fits.partial");
    let _ = std::fs::remove_file(&tmp);
    let fail = |e: super::raw::CfitsioError| Error::Fits {
        path: path.to_path_buf(),
        detail: format!("writing failed: {e}"),
        hint: "check free disk space and permissions of the output folder".into(),
    };
    let result = (|| -> Result<()> {
        let mut f = CFits::create(&tmp).map_err(fail)?;
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        let forms: Vec<&str> = tforms.iter().map(String::as_str).collect();
        let units: Vec<&str> = fields.iter().map(|f| f.unit.as_str()).collect();
        f.create_bintable(extname, &names, &forms, &units).map_err(fail)?;
        for (i, field) in fields.iter().enumerate() {
            let tnull = match field.dtype {
                DataType::I16 => Some(i64::from(i16::MIN)),
                DataType::I32 => Some(i64::from(i32::MIN)),
                DataType::I64 => Some(i64::MIN),
                _ => None,
            };
            if let Some(v) = tnull {
                f.write_key_int(&format!("TNULL{}", i + 1), v, "").map_err(fail)?;
            }
        }
        for (k, v) in keys {
            f.write_key_str(k, v, "").map_err(fail)?;
        }
        let block_rows = ((8 << 20) / row_len.max(1)).max(1);
        let mut buf = Vec::with_capacity(block_rows * row_len);
        let mut first = 0;
        while first < table.rows() {
            let n = block_rows.min(table.rows() - first);
            buf.clear();
            buf.resize(n * row_len, 0);
            let mut off = 0;
            for (c, w) in table.columns().iter().zip(&widths) {
                for r in 0..n {
                    let dst = &mut buf[r * row_len + off..r * row_len + off + w];
                    encode(c, first + r, dst);
                }
                off += w;
            }
            f.write_rows(first, &buf).map_err(fail)?;
            first += n;
        }
        f.close().map_err(fail)
    })();
    match result {
        Ok(()) => std::fs::rename(&tmp, path).map_err(|e| Error::output(path, e)),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn encode(c: &xcat_core::Column, i: usize, dst: &mut [u8]) {
    let null = c.is_null(i);
    match c.data() {
        ColumnData::Bool(v) => dst[0] = if null { 0 } else if v[i] { b'T' } else { b'F' },
        ColumnData::U8(v) => dst[0] = v[i],
        ColumnData::I16(v) => dst.copy_from_slice(&(if null { i16::MIN } else { v[i] }).to_be_bytes()),
        ColumnData::I32(v) => dst.copy_from_slice(&(if null { i32::MIN } else { v[i] }).to_be_bytes()),
        ColumnData::I64(v) => dst.copy_from_slice(&(if null { i64::MIN } else { v[i] }).to_be_bytes()),
        ColumnData::F32(v) => dst.copy_from_slice(&(if null { f32::NAN } else { v[i] }).to_be_bytes()),
        ColumnData::F64(v) => dst.copy_from_slice(&(if null { f64::NAN } else { v[i] }).to_be_bytes()),
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
