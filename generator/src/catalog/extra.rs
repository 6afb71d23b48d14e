//! Tables joined onto the catalogue by a key: extra columns (`is_ulx`, …), a slim source
//! catalogue and an observation list. Inputs are CSV (a header line, comma-separated, types
//! inferred per column) or FITS binary tables.

use crate::error::{Error, Result};
use crate::fits::{FitsTable, HduSelector};
use std::collections::HashMap;
use std::path::Path;
use xcat_core::{Column, ColumnBuilder, DataType, Field, Table, Value};

/// Largest cell of an extra table, bytes: its values are shown on source pages and shipped to
/// every browser that queries the column.
const MAX_CELL_BYTES: usize = 4096;

/// Reads a CSV or FITS table (by content: FITS files start with `SIMPLE`, gzip is FITS).
pub fn read_table(path: &Path) -> Result<Table> {
    let head = {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut b = [0u8; 9];
        let n = f.read(&mut b).map_err(|e| Error::io(path, e))?;
        b[..n].to_vec()
    };
    if head.starts_with(b"SIMPLE") || head.starts_with(&[0x1f, 0x8b]) {
        let mut t = FitsTable::open(path, &HduSelector::FirstTable)?;
        Ok(t.read(&|_| true, &|_| {})?.0)
    } else {
        read_csv(path)
    }
}

/// Type of a CSV cell, or `None` for empty.
fn cell_type(s: &str) -> Option<DataType> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    // Identifiers with leading zeros (OBS_IDs such as 0112220101) stay text.
    let zero_padded = s.len() > 1 && s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit());
    if parse_bool(s).is_some() {
        Some(DataType::Bool)
    } else if zero_padded {
        Some(DataType::Str)
    } else if s.parse::<i64>().is_ok() {
        Some(DataType::I64)
    } else if s.parse::<f64>().is_ok() {
        Some(DataType::F64)
    } else {
        Some(DataType::Str)
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" => Some(true),
        "false" | "f" => Some(false),
        _ => None,
    }
}

/// Widest type that holds both.
fn unify(a: Option<DataType>, b: Option<DataType>) -> Option<DataType> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) if x == y => Some(x),
        (Some(DataType::I64), Some(DataType::F64)) | (Some(DataType::F64), Some(DataType::I64)) => {
            Some(DataType::F64)
        }
        _ => Some(DataType::Str),
    }
}

/// Parses a cell as `dtype`; empty is null.
pub fn parse_cell(s: &str, dtype: DataType) -> Value {
    let s = s.trim();
    if s.is_empty() {
        return Value::Null;
    }
    match dtype {
        DataType::Bool => parse_bool(s).map_or(Value::Null, Value::Bool),
        DataType::Str => Value::Str(s.to_string()),
        t if t.is_integer() => s.parse().map_or(Value::Null, Value::Int),
        _ => s.parse().map_or(Value::Null, Value::Float),
    }
}

fn read_csv(path: &Path) -> Result<Table> {
    let csv_err = |line: usize, detail: String| Error::Csv {
        path: path.to_path_buf(),
        line,
        detail,
        hint: "the table must be comma-separated with one header line naming the columns".into(),
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| csv_err(0, e.to_string()))?;
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| csv_err(1, e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows: Vec<csv::StringRecord> = Vec::new();
    for (k, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| csv_err(k + 2, e.to_string()))?;
        if let Some((c, cell)) = rec
            .iter()
            .enumerate()
            .find(|(_, v)| v.len() > MAX_CELL_BYTES)
        {
            return Err(csv_err(
                k + 2,
                format!(
                    "column {} holds {} bytes; a cell is at most {MAX_CELL_BYTES} (is a closing quote missing?)",
                    headers.get(c).map_or("?", String::as_str),
                    cell.len()
                ),
            ));
        }
        rows.push(rec);
    }
    let mut t = Table::with_rows(rows.len());
    for (c, name) in headers.iter().enumerate() {
        let dtype = rows
            .iter()
            .map(|r| cell_type(r.get(c).unwrap_or("")))
            .fold(None, unify)
            .unwrap_or(DataType::Str);
        let mut b = ColumnBuilder::new(dtype, rows.len());
        for r in &rows {
            b.push(&parse_cell(r.get(c).unwrap_or(""), dtype));
        }
        t.push(Field::new(name.to_ascii_uppercase(), dtype), b.finish())
            .expect("one value per row");
    }
    Ok(t)
}

/// Key of a row as text (integers in decimal, strings trimmed), `None` when null.
fn key_text(c: &Column, i: usize) -> Option<String> {
    match c.value(i) {
        Value::Null => None,
        Value::Str(s) => Some(s.trim().to_string()),
        v => Some(v.to_string()),
    }
}

/// Options of a join.
#[derive(Debug, Clone, Default)]
pub struct JoinOptions<'a> {
    /// Columns to take (empty = all but the key).
    pub columns: &'a [String],
    /// Value of boolean (flag) columns for target rows the table does not list; other
    /// columns of such rows are null.
    pub missing: Option<&'a str>,
    /// Descriptions by column name.
    pub descriptions: Option<&'a std::collections::BTreeMap<String, String>>,
}

/// Adds the columns of `extra` to `target`, matching `key` in both (ignoring case of column
/// names). Returns warnings (unmatched keys). Duplicate keys in `extra` are an error.
pub fn join(
    target: &mut Table,
    extra: &Table,
    key: &str,
    path: &Path,
    opts: &JoinOptions,
) -> Result<Vec<String>> {
    let missing_key = |what: &str| Error::Csv {
        path: path.to_path_buf(),
        line: 1,
        detail: format!("no column {key} {what}"),
        hint: format!("the join key column must be called {key} (any case)"),
    };
    let ek = extra
        .column(key)
        .ok_or_else(|| missing_key("in this table"))?;
    let tk = target
        .column(key)
        .ok_or_else(|| missing_key("in the catalogue"))?;
    let mut row_of: HashMap<String, usize> = HashMap::with_capacity(extra.rows());
    for i in 0..extra.rows() {
        let Some(k) = key_text(ek, i) else { continue };
        if let Some(prev) = row_of.insert(k.clone(), i) {
            return Err(Error::Csv {
                path: path.to_path_buf(),
                line: i + 2,
                detail: format!("{key} {k} appears twice (rows {} and {})", prev + 1, i + 1),
                hint: "each key may appear once in a joined table".into(),
            });
        }
    }
    let matches: Vec<Option<usize>> = (0..target.rows())
        .map(|i| key_text(tk, i).and_then(|k| row_of.get(&k).copied()))
        .collect();
    let matched = matches.iter().flatten().count();
    let mut warnings = Vec::new();
    if matched < row_of.len() {
        warnings.push(format!(
            "{}: {} of its {} rows match no {key} of the catalogue",
            path.display(),
            row_of.len() - matched,
            row_of.len()
        ));
    }
    for (field, col) in extra.schema().fields().iter().zip(extra.columns()) {
        if field.name.eq_ignore_ascii_case(key) {
            continue;
        }
        if !opts.columns.is_empty()
            && !opts
                .columns
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&field.name))
        {
            continue;
        }
        let fill = match opts.missing {
            Some(m) if field.dtype == DataType::Bool => parse_cell(m, field.dtype),
            _ => Value::Null,
        };
        let mut b = ColumnBuilder::new(field.dtype, target.rows());
        for m in &matches {
            match m {
                Some(r) => b.push(&col.value(*r)),
                None => b.push(&fill),
            }
        }
        let mut f = field.clone();
        if let Some(d) = opts
            .descriptions
            .and_then(|d| d.iter().find(|(k, _)| k.eq_ignore_ascii_case(&f.name)))
        {
            f.description = d.1.clone();
        } else if f.description.is_empty() {
            f.description = format!(
                "Joined from {} by {key}.",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
        }
        target
            .push(f, b.finish())
            .expect("one value per target row");
    }
    for c in opts.columns {
        if extra.column(c).is_none() {
            return Err(Error::Csv {
                path: path.to_path_buf(),
                line: 1,
                detail: format!("column {c} is listed in xcat.toml but not in the table"),
                hint: format!(
                    "the table has: {}",
                    extra
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcat_core::ColumnData;

    #[test]
    fn csv_types_are_inferred_and_joined() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ulx.csv");
        std::fs::write(
            &p,
            "srcid,is_ulx,score,note\n3,true,1,a\n5,false,2.5,\n99,true,,x\n",
        )
        .unwrap();
        let extra = read_table(&p).unwrap();
        assert_eq!(extra.schema().get("is_ulx").unwrap().dtype, DataType::Bool);
        assert_eq!(extra.schema().get("score").unwrap().dtype, DataType::F64);
        assert_eq!(extra.schema().get("srcid").unwrap().dtype, DataType::I64);
        let mut t = Table::with_rows(3);
        t.push(
            Field::new("SRCID", DataType::I64),
            Column::from_data(ColumnData::I64(vec![3, 4, 5])),
        )
        .unwrap();
        let warnings = join(
            &mut t,
            &extra,
            "SRCID",
            &p,
            &JoinOptions {
                missing: Some("false"),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(t.value("is_ulx", 0), Value::Bool(true));
        assert_eq!(
            t.value("is_ulx", 1),
            Value::Bool(false),
            "missing = false fills unlisted rows"
        );
        assert_eq!(t.value("score", 2), Value::Float(2.5));
        assert_eq!(t.value("note", 1), Value::Null);
        assert_eq!(warnings.len(), 1, "srcid 99 matches nothing: {warnings:?}");
    }

    #[test]
    fn duplicate_keys_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "srcid,v\n1,2\n1,3\n").unwrap();
        let extra = read_table(&p).unwrap();
        let mut t = Table::with_rows(1);
        t.push(
            Field::new("SRCID", DataType::I64),
            Column::from_data(ColumnData::I64(vec![1])),
        )
        .unwrap();
        let e = join(&mut t, &extra, "SRCID", &p, &JoinOptions::default()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("line 3") && text.contains("SRCID 1 appears twice"),
            "{text}"
        );
    }
}
