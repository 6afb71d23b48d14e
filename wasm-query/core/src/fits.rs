//! A table as a FITS file (FITS Standard 4.0, Pence et al. 2010, A&A 524, A42; §7.3 binary
//! tables): an empty primary HDU and one BINTABLE extension, for exporting query results.
//!
//! Types map to TFORM `L` (logical), `B`, `I`, `J`, `K` (integers), `E`, `D` (floats) and
//! `nA` (strings, `n` = the longest value, at least 1). Integer nulls are written as the
//! column's TNULLn value (`B`: 255, `I`/`J`/`K`: the type's smallest value; a column whose
//! real values include the sentinel is widened to the next integer type); float nulls are
//! NaN; logical nulls are the byte 0 (FITS "undefined"); string nulls are blank. Strings are
//! ASCII (other characters become `?`) padded with blanks. Units go to TUNITn. Every header
//! card is exactly 80 characters and both header and data are padded to 2880-byte blocks.

use crate::column::Column;
use crate::schema::DataType;
use crate::table::Table;

/// Checks the headers of an uncompressed FITS file of `len` bytes read from `f`, HDU after
/// HDU, before a FITS library reads it: BITPIX, NAXIS, NAXISn and (for tables) TFIELDS within
/// the standard's limits. cfitsio sizes its column descriptions from TFIELDS and NAXISn before
/// checking them, so a damaged header asking for millions of columns takes gigabytes. Returns
/// the first problem with its HDU (from 1). A file that ends inside a header is one; one that
/// ends inside the data is left to the readers, which name the rows missing.
pub fn check_headers<F: std::io::Read + std::io::Seek>(
    f: &mut F,
    len: u64,
) -> std::io::Result<Option<(usize, String)>> {
    use std::io::SeekFrom;
    let mut pos = 0u64;
    let mut block = [0u8; 2880];
    for hdu in 1.. {
        if pos >= len {
            break;
        }
        let mut keys: std::collections::HashMap<String, String> = Default::default();
        // The names of the header's first cards, in order: the mandatory keywords have
        // fixed places (FITS 4.0 §4.4.1), where readers such as cfitsio take them from.
        let mut order: Vec<String> = Vec::new();
        let mut ended = false;
        // Headers of more than 1,000 blocks (36,000 cards) are not catalogues.
        for _ in 0..1000 {
            if f.read_exact(&mut block).is_err() {
                return Ok(Some((
                    hdu,
                    "the file ends inside this header (no END card): it is truncated or damaged"
                        .into(),
                )));
            }
            pos += 2880;
            for card in block.chunks(80) {
                let name = String::from_utf8_lossy(&card[..8]).trim().to_string();
                if name == "END" {
                    ended = true;
                    break;
                }
                if order.len() < 1010 {
                    order.push(name.clone());
                }
                if card[8..10] == *b"= " {
                    let value = String::from_utf8_lossy(&card[10..]);
                    let value = value.split('/').next().unwrap_or("").trim().to_string();
                    keys.entry(name).or_insert(value);
                }
            }
            if ended {
                break;
            }
        }
        if !ended {
            return Ok(Some((
                hdu,
                "a header with no END card in 1,000 blocks".into(),
            )));
        }
        let int = |k: &str| keys.get(k).and_then(|v| v.parse::<i64>().ok());
        // The mandatory keywords in their places: SIMPLE or XTENSION, BITPIX, NAXIS,
        // NAXIS1…n, then for an extension PCOUNT, GCOUNT and for a table TFIELDS.
        let first = if hdu == 1 { "SIMPLE" } else { "XTENSION" };
        let mut want: Vec<String> = vec![first.into(), "BITPIX".into(), "NAXIS".into()];
        let naxis_declared = int("NAXIS").unwrap_or(0).clamp(0, 999);
        want.extend((1..=naxis_declared).map(|i| format!("NAXIS{i}")));
        if hdu > 1 {
            want.extend(["PCOUNT".into(), "GCOUNT".into()]);
            let table = keys.get("XTENSION").is_some_and(|v| v.contains("TABLE"));
            if table {
                want.push("TFIELDS".into());
            }
        }
        if let Some((k, w)) = want
            .iter()
            .enumerate()
            .find(|(k, w)| order.get(*k) != Some(*w))
        {
            return Ok(Some((
                hdu,
                format!(
                    "card {} is {:?} where the mandatory keyword {w} belongs (the header is damaged)",
                    k + 1,
                    order.get(k).map_or("nothing", String::as_str)
                ),
            )));
        }
        // Their values are integers (FITS 4.0 §4.4.1): cfitsio read a PCOUNT of
        // `(    255344` and went on to size its column descriptions from garbage (found by
        // fuzzing `ogip`).
        for k in want.iter().skip(1) {
            match int(k) {
                Some(v) if v >= 0 || k == "BITPIX" => {}
                _ => {
                    return Ok(Some((
                        hdu,
                        format!(
                            "{k} = {:?} is not a non-negative integer (the header is damaged)",
                            keys.get(k).map_or("", String::as_str)
                        ),
                    )));
                }
            }
        }
        let bitpix = int("BITPIX").unwrap_or(0);
        if ![8, 16, 32, 64, -32, -64].contains(&bitpix) {
            return Ok(Some((
                hdu,
                format!(
                    "BITPIX = {:?} is not one of 8, 16, 32, 64, -32, -64",
                    keys.get("BITPIX")
                ),
            )));
        }
        let naxis = int("NAXIS").unwrap_or(-1);
        if !(0..=999).contains(&naxis) {
            return Ok(Some((hdu, format!("NAXIS = {naxis} is outside 0–999"))));
        }
        let xtension = keys
            .get("XTENSION")
            .map(|v| v.trim_matches(['\'', ' ']).to_string());
        if xtension.as_deref() == Some("BINTABLE") || xtension.as_deref() == Some("TABLE") {
            let tfields = int("TFIELDS").unwrap_or(-1);
            if !(0..=999).contains(&tfields) {
                return Ok(Some((hdu, format!("TFIELDS = {tfields} is outside 0–999"))));
            }
        }
        let mut size: u64 = if naxis == 0 { 0 } else { 1 };
        for i in 1..=naxis {
            let n = int(&format!("NAXIS{i}")).unwrap_or(-1);
            if n < 0 {
                return Ok(Some((hdu, format!("NAXIS{i} is missing or negative"))));
            }
            size = size.saturating_mul(n as u64);
        }
        let pcount = int("PCOUNT").unwrap_or(0).max(0) as u64;
        let gcount = int("GCOUNT").unwrap_or(1).max(1) as u64;
        let bytes = (bitpix.unsigned_abs() / 8)
            .saturating_mul(gcount)
            .saturating_mul(size.saturating_add(pcount));
        pos = pos.saturating_add(bytes.div_ceil(2880).saturating_mul(2880));
        if f.seek(SeekFrom::Start(pos)).is_err() {
            break;
        }
    }
    Ok(None)
}

/// Bytes of a FITS block.
pub const BLOCK: usize = 2880;

/// One 80-character header card: `KEYWORD = value / comment` with the value as given (already
/// formatted) and the whole line cut to 80 characters.
fn card(out: &mut Vec<u8>, keyword: &str, value: &str, comment: &str) {
    let mut line = format!("{keyword:<8}= {value:>20}");
    if !comment.is_empty() {
        line.push_str(" / ");
        line.push_str(comment);
    }
    raw_card(out, &line);
}

fn raw_card(out: &mut Vec<u8>, line: &str) {
    let bytes: Vec<u8> = line.bytes().map(ascii).take(80).collect();
    out.extend_from_slice(&bytes);
    out.resize(out.len() + 80 - bytes.len(), b' ');
}

/// A printable ASCII byte (FITS headers and `A` columns hold ASCII text 0x20–0x7E).
fn ascii(b: u8) -> u8 {
    if (0x20..0x7f).contains(&b) { b } else { b'?' }
}

/// A FITS string value: quoted, quotes doubled, at least 8 characters inside the quotes, cut
/// so the card stays within 80 characters.
fn string_value(s: &str) -> String {
    let clean: String = s.bytes().map(|b| ascii(b) as char).collect();
    let mut inner = String::new();
    for c in clean.chars() {
        let add = if c == '\'' { 2 } else { 1 };
        if inner.len() + add > 68 {
            break;
        }
        inner.push(c);
        if c == '\'' {
            inner.push('\'');
        }
    }
    format!("'{inner:<8}'")
}

fn string_card(out: &mut Vec<u8>, keyword: &str, value: &str, comment: &str) {
    let v = string_value(value);
    let mut line = format!("{keyword:<8}= {v:<20}");
    if !comment.is_empty() {
        line.push_str(" / ");
        line.push_str(comment);
    }
    raw_card(out, &line);
}

fn pad(out: &mut Vec<u8>, fill: u8) {
    let n = out.len().div_ceil(BLOCK) * BLOCK;
    out.resize(n, fill);
}

/// How one column is stored.
enum Layout {
    Logical,
    Int { code: char, bytes: usize, null: i64 },
    F32,
    F64,
    Text(usize),
}

impl Layout {
    fn width(&self) -> usize {
        match self {
            Layout::Logical => 1,
            Layout::Int { bytes, .. } => *bytes,
            Layout::F32 => 4,
            Layout::F64 => 8,
            Layout::Text(n) => *n,
        }
    }

    fn tform(&self) -> String {
        match self {
            Layout::Logical => "L".into(),
            Layout::Int { code, .. } => code.to_string(),
            Layout::F32 => "E".into(),
            Layout::F64 => "D".into(),
            Layout::Text(n) => format!("{n}A"),
        }
    }
}

/// Integer layouts from narrowest to widest: (TFORM, bytes, null sentinel, range).
const INTS: [(char, usize, i64, i64, i64); 4] = [
    ('B', 1, 255, 0, 255),
    ('I', 2, i16::MIN as i64, i16::MIN as i64, i16::MAX as i64),
    ('J', 4, i32::MIN as i64, i32::MIN as i64, i32::MAX as i64),
    ('K', 8, i64::MIN, i64::MIN, i64::MAX),
];

fn layout(c: &Column) -> Layout {
    let start = match c.dtype() {
        DataType::Bool => return Layout::Logical,
        DataType::F32 => return Layout::F32,
        DataType::F64 => return Layout::F64,
        DataType::Str => {
            let n = (0..c.len())
                .filter_map(|i| c.str(i))
                .map(str::len)
                .max()
                .unwrap_or(0);
            return Layout::Text(n.max(1));
        }
        DataType::U8 => 0,
        DataType::I16 => 1,
        DataType::I32 => 2,
        DataType::I64 => 3,
    };
    let has_nulls = c.null_count() > 0;
    let values: Vec<i64> = (0..c.len()).filter_map(|i| c.i64(i)).collect();
    // The narrowest type from the column's own that holds every value and, with nulls, a
    // sentinel no value uses (a column of i64 using i64::MIN keeps it: nothing is wider).
    for (k, &(code, bytes, null, lo, hi)) in INTS.iter().enumerate().skip(start) {
        let fits = values.iter().all(|&v| v >= lo && v <= hi);
        let free = !has_nulls || values.iter().all(|&v| v != null);
        if fits && (free || k == INTS.len() - 1) {
            return Layout::Int { code, bytes, null };
        }
    }
    Layout::Int {
        code: 'K',
        bytes: 8,
        null: i64::MIN,
    }
}

fn write_value(out: &mut Vec<u8>, c: &Column, i: usize, l: &Layout) {
    match l {
        Layout::Logical => out.push(match c.bool(i) {
            Some(true) => b'T',
            Some(false) => b'F',
            None => 0,
        }),
        Layout::Int { bytes, null, .. } => {
            let v = c.i64(i).unwrap_or(*null);
            match bytes {
                1 => out.push(v as u8),
                2 => out.extend_from_slice(&(v as i16).to_be_bytes()),
                4 => out.extend_from_slice(&(v as i32).to_be_bytes()),
                _ => out.extend_from_slice(&v.to_be_bytes()),
            }
        }
        Layout::F32 => {
            let v = c.f64(i).map_or(f32::NAN, |x| x as f32);
            out.extend_from_slice(&v.to_be_bytes());
        }
        Layout::F64 => out.extend_from_slice(&c.f64(i).unwrap_or(f64::NAN).to_be_bytes()),
        Layout::Text(n) => {
            let s = c.str(i).unwrap_or("");
            let start = out.len();
            out.extend(s.bytes().map(ascii).take(*n));
            out.resize(start + n, b' ');
        }
    }
}

/// `table` as a FITS file with one binary-table extension named `extname`; `comments` become
/// COMMENT cards (cut into 72-character pieces), e.g. the query that produced the table.
pub fn write_table(table: &Table, extname: &str, comments: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 * BLOCK + table.rows() * 64);
    card(&mut out, "SIMPLE", "T", "conforms to FITS Standard 4.0");
    card(&mut out, "BITPIX", "8", "");
    card(&mut out, "NAXIS", "0", "no data in the primary HDU");
    card(&mut out, "EXTEND", "T", "");
    raw_card(&mut out, "END");
    pad(&mut out, b' ');

    let layouts: Vec<Layout> = table.columns().iter().map(layout).collect();
    let row_bytes: usize = layouts.iter().map(Layout::width).sum();
    string_card(&mut out, "XTENSION", "BINTABLE", "binary table extension");
    card(&mut out, "BITPIX", "8", "");
    card(&mut out, "NAXIS", "2", "");
    card(&mut out, "NAXIS1", &row_bytes.to_string(), "bytes per row");
    card(&mut out, "NAXIS2", &table.rows().to_string(), "rows");
    card(&mut out, "PCOUNT", "0", "");
    card(&mut out, "GCOUNT", "1", "");
    card(&mut out, "TFIELDS", &layouts.len().to_string(), "columns");
    for (k, (f, l)) in table.schema().fields().iter().zip(&layouts).enumerate() {
        let n = k + 1;
        string_card(&mut out, &format!("TTYPE{n}"), &f.name, "");
        string_card(&mut out, &format!("TFORM{n}"), &l.tform(), "");
        if !f.unit.is_empty() {
            string_card(&mut out, &format!("TUNIT{n}"), &f.unit, "");
        }
        if let Layout::Int { null, .. } = l {
            card(
                &mut out,
                &format!("TNULL{n}"),
                &null.to_string(),
                "null value",
            );
        }
    }
    string_card(&mut out, "EXTNAME", extname, "");
    for c in comments {
        let clean: Vec<u8> = c.bytes().map(ascii).collect();
        for piece in clean.chunks(72) {
            raw_card(
                &mut out,
                &format!("COMMENT {}", String::from_utf8_lossy(piece)),
            );
        }
    }
    raw_card(&mut out, "END");
    pad(&mut out, b' ');

    for i in 0..table.rows() {
        for (c, l) in table.columns().iter().zip(&layouts) {
            write_value(&mut out, c, i, l);
        }
    }
    pad(&mut out, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column::ColumnData;
    use crate::schema::Field;
    use crate::value::Value;

    fn cards(bytes: &[u8]) -> Vec<String> {
        bytes
            .chunks(80)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn header_cards_and_blocks() {
        let mut t = Table::with_rows(2);
        let mut f = Field::new("FLUX", DataType::F64);
        f.unit = "erg/cm**2/s".into();
        t.push(f, Column::from_data(ColumnData::F64(vec![1.5, 2.5])))
            .unwrap();
        let b = write_table(&t, "RESULT", &["q = 'x'"]);
        assert_eq!(b.len() % BLOCK, 0);
        assert_eq!(b.len(), 3 * BLOCK, "primary header, table header, data");
        let c = cards(&b[BLOCK..2 * BLOCK]);
        assert_eq!(
            c[0],
            format!(
                "{:<80}",
                "XTENSION= 'BINTABLE'           / binary table extension"
            )
        );
        assert!(c.contains(&format!("{:<80}", "TUNIT1  = 'erg/cm**2/s'")));
        assert!(c.contains(&format!("{:<80}", "TFORM1  = 'D       '")));
        assert!(c.contains(&format!("{:<80}", "COMMENT q = 'x'")));
        assert!(c.iter().any(|l| l.trim_end() == "END"));
        assert_eq!(&b[2 * BLOCK..2 * BLOCK + 8], &1.5f64.to_be_bytes());
    }

    #[test]
    fn integer_nulls_use_a_free_sentinel() {
        let with_null = |dtype, v: &[Value]| {
            let mut t = Table::with_rows(v.len());
            t.push(Field::new("X", dtype), Column::from_values(dtype, v))
                .unwrap();
            t
        };
        let t = with_null(DataType::U8, &[Value::Int(3), Value::Null]);
        let l = layout(t.column_at(0));
        assert_eq!((l.tform(), l.width()), ("B".to_string(), 1));
        // 255 is a real value: widened to I with TNULL -32768.
        let t = with_null(DataType::U8, &[Value::Int(255), Value::Null]);
        assert_eq!(layout(t.column_at(0)).tform(), "I");
        let b = write_table(&t, "R", &[]);
        let c = cards(&b[BLOCK..2 * BLOCK]);
        assert!(
            c.iter()
                .any(|l| l.starts_with("TNULL1  =               -32768"))
        );
        assert_eq!(&b[2 * BLOCK..2 * BLOCK + 4], &[0, 255, 0x80, 0]);
    }

    #[test]
    fn long_strings_stay_within_a_card() {
        let s = "a".repeat(100);
        let v = string_value(&s);
        assert_eq!(v.len(), 70);
        let v = string_value("it's");
        assert_eq!(v, "'it''s   '");
    }
}
