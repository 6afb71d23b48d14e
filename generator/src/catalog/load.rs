//! Reads detection catalogues (FITS) into the detections table: column-name mapping, types,
//! descriptions, and the row checks (identifiers, positions, duplicates).

use super::describe::describe;
use crate::error::{Error, Result};
use crate::fits::FitsTable;
use crate::fits::layout::BinColumn;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use xcat_core::{Column, ColumnData, DataType, Field, StrColumn, Table, Validity};

/// Columns every detection catalogue must have, and what they are needed for.
pub const REQUIRED: [(&str, &str); 4] = [
    ("SRCID", "grouping detections into sources"),
    ("OBS_ID", "grouping detections into observations"),
    ("RA", "positions and sky tiles"),
    ("DEC", "positions and sky tiles"),
];

/// Maps names found in a file to canonical (4XMM, upper-case) names.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    /// lower-case name in file → canonical name.
    by_file_name: HashMap<String, String>,
}

impl ColumnMap {
    /// From `[columns]` of xcat.toml (canonical → name in file).
    pub fn new(mapping: &BTreeMap<String, String>) -> Self {
        ColumnMap {
            by_file_name: mapping
                .iter()
                .map(|(canonical, file)| {
                    (file.to_ascii_lowercase(), canonical.to_ascii_uppercase())
                })
                .collect(),
        }
    }

    /// Canonical name of a file column: the mapped name, else the name upper-cased.
    pub fn canonical(&self, file_name: &str) -> String {
        self.by_file_name
            .get(&file_name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| file_name.to_ascii_uppercase())
    }

    /// The file's name for a canonical column, if the mapping names one.
    pub fn file_name_of(&self, canonical: &str) -> Option<&str> {
        self.by_file_name
            .iter()
            .find(|(_, c)| c.eq_ignore_ascii_case(canonical))
            .map(|(f, _)| f.as_str())
    }
}

fn kind_ok(col: &BinColumn, canonical: &str) -> std::result::Result<(), &'static str> {
    let t = col.dtype();
    match canonical {
        "SRCID" | "DETID" => match t {
            Some(d) if d.is_integer() => Ok(()),
            _ => Err("an integer column (FITS K or J)"),
        },
        "RA" | "DEC" => match t {
            Some(d) if d.is_numeric() => Ok(()),
            _ => Err("a numeric column in degrees (FITS D or E)"),
        },
        "OBS_ID" => match t {
            Some(DataType::Str) => Ok(()),
            Some(d) if d.is_integer() => Ok(()),
            _ => Err("a string (10A) or integer column"),
        },
        _ => Ok(()),
    }
}

/// Checks that the file has a column of a type fit for canonical column `canonical`; a missing
/// one is an error when `required`.
pub(super) fn check_column(
    ft: &FitsTable,
    map: &ColumnMap,
    canonical: &str,
    needed_for: &'static str,
    required: bool,
) -> Result<()> {
    let file_name = map.file_name_of(canonical).unwrap_or(canonical);
    match ft.column(file_name) {
        None if !required => Ok(()),
        None => Err(Error::MissingColumn {
            path: ft.path().to_path_buf(),
            hdu: ft.hdu,
            column: canonical.to_string(),
            needed_for,
        }),
        Some(col) => kind_ok(col, canonical).map_err(|expected| Error::WrongType {
            path: ft.path().to_path_buf(),
            hdu: ft.hdu,
            column: col.name.clone(),
            found: col
                .dtype()
                .map_or_else(|| "unsupported".to_string(), |t| t.to_string()),
            tform: col.tform.clone(),
            expected,
        }),
    }
}

/// Reads one detection catalogue into a table with canonical column names, descriptions and
/// UCDs, and checks it. Returns the table and warnings.
pub fn read_detections(
    mut ft: FitsTable,
    map: &ColumnMap,
    progress: &dyn Fn(usize),
) -> Result<(Table, Vec<String>)> {
    let path = &ft.path().to_path_buf();
    for (canonical, needed_for) in REQUIRED {
        check_column(&ft, map, canonical, needed_for, true)?;
    }
    check_column(&ft, map, "DETID", "", false)?;
    let (mut table, mut warnings) = read_columns(&mut ft, map, progress)?;
    let rows = table.rows();
    if table.column("DETID").is_none() {
        warnings.push(format!(
            "{}: no DETID column; detections are numbered by row",
            path.display()
        ));
        let ids: Vec<i64> = (1..=rows as i64).collect();
        table
            .push(
                Field::new("DETID", DataType::I64),
                Column::from_data(ColumnData::I64(ids)),
            )
            .expect("same row count");
    }
    check_rows(path, ft.hdu, &table)?;
    Ok((table, warnings))
}

/// Reads every column of an open catalogue table under its canonical name, with the
/// description and UCD of known columns; integer OBS_IDs become the archive's 10-digit strings.
pub fn read_columns(
    ft: &mut FitsTable,
    map: &ColumnMap,
    progress: &dyn Fn(usize),
) -> Result<(Table, Vec<String>)> {
    let (raw, mut warnings) = ft.read(&|_| true, progress)?;
    let table = canonical(raw, map, ft.path(), &mut warnings);
    Ok((table, warnings))
}

/// A table read from a catalogue file with canonical column names, the description and UCD
/// of known columns, and integer OBS_IDs as the archive's 10-digit strings.
pub fn canonical(raw: Table, map: &ColumnMap, path: &Path, warnings: &mut Vec<String>) -> Table {
    let rows = raw.rows();
    let (fields, columns) = raw.into_parts();
    let mut table = Table::with_rows(rows);
    for (mut field, mut column) in fields.into_iter().zip(columns) {
        field.name = map.canonical(&field.name);
        if field.name == "OBS_ID" && column.dtype() != DataType::Str {
            column = obs_id_strings(&column);
            field.dtype = DataType::Str;
            field.width = 10;
        }
        if let Some((description, ucd)) = describe(&field.name) {
            field.description = description;
            field.ucd = ucd.to_string();
        }
        if table.schema().get(&field.name).is_some() {
            warnings.push(format!(
                "{}: two columns map to {}; the later one is used",
                path.display(),
                field.name
            ));
        }
        table.push(field, column).expect("same row count");
    }
    table
}

/// Integer OBS_IDs (some exports) → the 10-digit strings of the XMM archive.
fn obs_id_strings(c: &Column) -> Column {
    let mut s = StrColumn::with_capacity(c.len(), 10);
    let mut validity = Validity::all_valid(c.len());
    for i in 0..c.len() {
        match c.i64(i) {
            Some(v) => s.push(&format!("{v:010}")),
            None => {
                s.push("");
                validity.set(i, false);
            }
        }
    }
    Column::new(ColumnData::Str(s), validity)
}

/// Where a table came from, to name a bad cell in an error.
#[derive(Debug, Clone, Copy)]
pub(super) struct Origin<'a> {
    /// File.
    pub path: &'a Path,
    /// HDU number.
    pub hdu: usize,
    /// File row (0-based) of each table row, when the table holds only some of the file's rows.
    pub rows: Option<&'a [usize]>,
}

impl Origin<'_> {
    /// File row (0-based) of table row `row`.
    pub fn file_row(&self, row: usize) -> usize {
        self.rows.map_or(row, |r| r[row])
    }

    /// The error for cell (`column`, 0-based `row`) holding `value`.
    pub fn bad(
        &self,
        column: &str,
        row: usize,
        value: String,
        range: &'static str,
        hint: &'static str,
    ) -> Error {
        Error::BadValue {
            path: self.path.to_path_buf(),
            hdu: self.hdu,
            column: column.to_string(),
            row: self.file_row(row) + 1,
            value,
            range,
            hint,
        }
    }
}

/// RA and DEC (where the table has them) of `rows` are ICRS degrees on the sky.
pub(super) fn check_positions(
    at: Origin<'_>,
    t: &Table,
    rows: impl Iterator<Item = usize>,
) -> Result<()> {
    let checks = [
        (
            "RA",
            0.0..=360.0,
            "[0, 360] degrees",
            "positions must be ICRS degrees; is the column in hours or radians?",
        ),
        (
            "DEC",
            -90.0..=90.0,
            "[-90, 90] degrees",
            "positions must be ICRS degrees; is the column in radians?",
        ),
    ];
    let columns: Vec<_> = checks
        .iter()
        .filter_map(|c| t.column(c.0).map(|col| (col, c)))
        .collect();
    for i in rows {
        for (col, (name, range, text, hint)) in &columns {
            match col.f64(i) {
                Some(x) if range.contains(&x) => {}
                v => {
                    let v = v.map_or("null".into(), |x| x.to_string());
                    return Err(at.bad(name, i, v, text, hint));
                }
            }
        }
    }
    Ok(())
}

/// Every row has a SRCID.
pub(super) fn check_srcids(at: Origin<'_>, t: &Table, hint: &'static str) -> Result<()> {
    let srcid = t.column("SRCID").expect("checked");
    match (0..t.rows()).find(|&i| srcid.is_null(i)) {
        Some(i) => Err(at.bad("SRCID", i, "null".into(), "non-null identifiers", hint)),
        None => Ok(()),
    }
}

/// Identifiers present and unique, positions on the sky.
fn check_rows(path: &Path, hdu: usize, t: &Table) -> Result<()> {
    let at = Origin {
        path,
        hdu,
        rows: None,
    };
    let bad = |column: &str, row: usize, value: String, range: &'static str, hint: &'static str| {
        at.bad(column, row, value, range, hint)
    };
    check_positions(at, t, 0..t.rows())?;
    check_srcids(at, t, "every detection must belong to a source")?;
    let detid = t.column("DETID").expect("present or generated");
    let mut ids: Vec<(i64, usize)> = Vec::with_capacity(t.rows());
    for i in 0..t.rows() {
        match detid.i64(i) {
            Some(v) => ids.push((v, i)),
            None => {
                return Err(bad(
                    "DETID",
                    i,
                    "null".into(),
                    "non-null identifiers",
                    "every detection needs a DETID",
                ));
            }
        }
    }
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0].0 == w[1].0) {
        let (a, b) = (w[0].1.min(w[1].1), w[0].1.max(w[1].1));
        return Err(Error::DuplicateDetid {
            path: path.to_path_buf(),
            hdu,
            detid: w[0].0,
            first: a + 1,
            second: b + 1,
        });
    }
    Ok(())
}

/// Appends the rows of `b` to `a`; both must have the same columns and types.
pub fn concat(a: Table, b: Table, b_path: &Path) -> Result<Table> {
    let rows = a.rows() + b.rows();
    let (fields, columns) = a.into_parts();
    let mut out = Table::with_rows(rows);
    for (f, c) in fields.into_iter().zip(columns) {
        let other = b.column(&f.name).filter(|o| o.dtype() == c.dtype()).ok_or_else(|| Error::Fits {
            path: b_path.to_path_buf(),
            detail: format!("column {} ({}) is missing or has another type than in the first catalogue file", f.name, f.dtype),
            hint: "catalogue files given together must share one layout".into(),
        })?;
        let joined = append(&c, other);
        out.push(f, joined).expect("row counts add up");
    }
    Ok(out)
}

fn append(a: &Column, b: &Column) -> Column {
    let n = a.len() + b.len();
    let mut validity = Validity::all_valid(n);
    for i in 0..a.len() {
        validity.set(i, !a.is_null(i));
    }
    for i in 0..b.len() {
        validity.set(a.len() + i, !b.is_null(i));
    }
    let data = match (a.data(), b.data()) {
        (ColumnData::Bool(x), ColumnData::Bool(y)) => ColumnData::Bool([&x[..], y].concat()),
        (ColumnData::U8(x), ColumnData::U8(y)) => ColumnData::U8([&x[..], y].concat()),
        (ColumnData::I16(x), ColumnData::I16(y)) => ColumnData::I16([&x[..], y].concat()),
        (ColumnData::I32(x), ColumnData::I32(y)) => ColumnData::I32([&x[..], y].concat()),
        (ColumnData::I64(x), ColumnData::I64(y)) => ColumnData::I64([&x[..], y].concat()),
        (ColumnData::F32(x), ColumnData::F32(y)) => ColumnData::F32([&x[..], y].concat()),
        (ColumnData::F64(x), ColumnData::F64(y)) => ColumnData::F64([&x[..], y].concat()),
        (ColumnData::Str(x), ColumnData::Str(y)) => {
            ColumnData::Str(x.iter().chain(y.iter()).collect())
        }
        _ => unreachable!("types checked by the caller"),
    };
    Column::new(data, validity)
}
