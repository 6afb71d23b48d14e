//! The CSV download of a source's detections (RFC 4180, header line of column names), inline
//! in the source page as a `data:` URL so that it works without JavaScript. It carries the
//! [`EXPORT_COLUMNS`] that exist in the catalogue, plus any extra detection columns: the same
//! columns as the detections of the source's `source.vot` and `source.json` (see
//! [`super::api`]).

use super::format::{Unreserved, percent_encode};
use xcat_core::Table;
#[cfg(test)]
use xcat_core::Value;

/// Detection columns of the per-source downloads (the identifiers, position, fluxes, rates,
/// likelihoods, hardness ratios, extent, variability and quality of each detection; of a
/// stacked catalogue also whether the row is a detection or an upper limit); the query page
/// exports any other column.
pub const EXPORT_COLUMNS: &[&str] = &[
    "DETID",
    "SRCID",
    "IAUNAME",
    "SRC_NUM",
    "PPS_SRCNUM",
    "OBS_ID",
    "DETECTED",
    "EP_FLUX",
    "EP_FLUX_ERR",
    "EP_DET_ML",
    "REVOLUT",
    "MJD_START",
    "MJD_STOP",
    "RA",
    "DEC",
    "POSERR",
    "LII",
    "BII",
    "RADEC_ERR",
    "SYSERRCC",
    "EP_1_FLUX",
    "EP_1_FLUX_ERR",
    "EP_2_FLUX",
    "EP_2_FLUX_ERR",
    "EP_3_FLUX",
    "EP_3_FLUX_ERR",
    "EP_4_FLUX",
    "EP_4_FLUX_ERR",
    "EP_5_FLUX",
    "EP_5_FLUX_ERR",
    "EP_8_FLUX",
    "EP_8_FLUX_ERR",
    "EP_9_FLUX",
    "EP_9_FLUX_ERR",
    "PN_8_FLUX",
    "PN_8_FLUX_ERR",
    "M1_8_FLUX",
    "M1_8_FLUX_ERR",
    "M2_8_FLUX",
    "M2_8_FLUX_ERR",
    "EP_8_RATE",
    "EP_8_RATE_ERR",
    "EP_8_CTS",
    "EP_8_CTS_ERR",
    "EP_8_DET_ML",
    "EP_EXTENT",
    "EP_EXTENT_ERR",
    "EP_EXTENT_ML",
    "EP_HR1",
    "EP_HR1_ERR",
    "EP_HR2",
    "EP_HR2_ERR",
    "EP_HR3",
    "EP_HR3_ERR",
    "EP_HR4",
    "EP_HR4_ERR",
    "PN_ONTIME",
    "M1_ONTIME",
    "M2_ONTIME",
    "EP_OFFAX",
    "DIST_NN",
    "SUM_FLAG",
    "EP_FLAG",
    "TSERIES",
    "SPECTRA",
    "EP_CHI2PROB",
    "VAR_FLAG",
];

/// Indices of the exported columns of `t`.
pub fn columns(t: &Table, extra: &[String]) -> Vec<usize> {
    let s = t.schema();
    let mut v: Vec<usize> = EXPORT_COLUMNS
        .iter()
        .filter_map(|n| s.position(n))
        .collect();
    for e in extra {
        if let Some(n) = e.strip_prefix("detections.")
            && let Some(i) = s.position(n)
            && !v.contains(&i)
        {
            v.push(i);
        }
    }
    v
}

/// Writes cell `r` of column `c` as CSV text: empty for null (and NaN), `true`/`false`,
/// integers in full, floats in the shorter of plain and
/// exponent notation that reads back exactly (single-precision columns as single precision).
fn push_cell(o: &mut String, c: &xcat_core::Column, r: usize) {
    use std::fmt::Write;
    use xcat_core::ColumnData as D;
    if c.is_null(r) {
        return;
    }
    // The shortest text that reads back as the same number (Ryū), in exponent form for very
    // small and very large magnitudes (`5.2144703e-16`, `19923.582`); whole numbers without
    // the `.0` (`35594`).
    fn float<T: ryu::Float>(o: &mut String, x: T) {
        let mut b = ryu::Buffer::new();
        let text = b.format_finite(x);
        o.push_str(text.strip_suffix(".0").unwrap_or(text));
    }
    let _ = match c.data() {
        D::Bool(v) => {
            o.push_str(if v[r] { "true" } else { "false" });
            Ok(())
        }
        D::U8(v) => write!(o, "{}", v[r]),
        D::I16(v) => write!(o, "{}", v[r]),
        D::I32(v) => write!(o, "{}", v[r]),
        D::I64(v) => write!(o, "{}", v[r]),
        D::F32(v) => {
            if v[r].is_finite() {
                float(o, v[r]);
            }
            Ok(())
        }
        D::F64(v) => {
            if v[r].is_finite() {
                float(o, v[r]);
            }
            Ok(())
        }
        D::Str(v) => {
            let t = v.get(r);
            if t.contains([',', '"', '\n', '\r']) {
                o.push('"');
                o.push_str(&t.replace('"', "\"\""));
                o.push('"');
            } else {
                o.push_str(t);
            }
            Ok(())
        }
    };
}

/// The downloads of a table's rows: the columns and everything about them that is the same
/// for every download, prepared once.
#[derive(Debug, Clone)]
pub struct Exporter {
    cols: Vec<usize>,
    csv_header: String,
}

impl Exporter {
    /// Downloads of table `t`, columns `cols`.
    pub fn new(t: &Table, cols: Vec<usize>) -> Self {
        let s = t.schema();
        let mut csv_header = String::new();
        for (k, &c) in cols.iter().enumerate() {
            if k > 0 {
                csv_header.push(',');
            }
            csv_header.push_str(&s.field(c).name);
        }
        csv_header.push_str("\r\n");
        Exporter { cols, csv_header }
    }

    /// CSV (RFC 4180: CRLF line ends, a header line, quotes only where needed) of `rows` of
    /// `t`.
    pub fn csv(&self, t: &Table, rows: &[u32]) -> Vec<u8> {
        let mut o = String::with_capacity(self.csv_header.len() * (rows.len() + 1) * 2);
        o.push_str(&self.csv_header);
        for &r in rows {
            for (k, &c) in self.cols.iter().enumerate() {
                if k > 0 {
                    o.push(',');
                }
                push_cell(&mut o, t.column_at(c), r as usize);
            }
            o.push_str("\r\n");
        }
        o.into_bytes()
    }
}

/// A `data:` URL of `bytes` with media type `mime`: bytes other than letters, digits and
/// `-._~,:;=+*!()/@$` are percent-encoded, so the URL needs no escaping in an HTML attribute.
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    const DATA: Unreserved = Unreserved::new(b"-._~,:;=+*!()/@$");
    format!("data:{mime},{}", percent_encode(bytes, &DATA))
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcat_core::{Column, ColumnData, DataType, Field};

    fn table() -> Table {
        let fields = [
            Field::new("ID", DataType::I64),
            Field::new("FLUX", DataType::F64).with_unit("erg/cm**2/s"),
            Field::new("HR", DataType::F32),
            Field::new("NAME", DataType::Str),
            Field::new("OK", DataType::Bool),
        ];
        let cols = [
            Column::from_data(ColumnData::I64(vec![1, 2])),
            Column::from_values(DataType::F64, &[Value::Float(7.36196e-15), Value::Null]),
            Column::from_data(ColumnData::F32(vec![0.3, f32::NAN])),
            Column::from_values(
                DataType::Str,
                &[Value::Str("a,\"b\"".into()), Value::Str("<x>".into())],
            ),
            Column::from_data(ColumnData::Bool(vec![true, false])),
        ];
        let mut t = Table::with_rows(2);
        for (f, c) in fields.into_iter().zip(cols) {
            t.push(f, c).unwrap();
        }
        t
    }

    #[test]
    fn csv_cells_are_short_exact_and_quoted_where_needed() {
        let t = table();
        let e = Exporter::new(&t, vec![0, 1, 2, 3, 4]);
        let csv = String::from_utf8(e.csv(&t, &[0, 1])).unwrap();
        assert_eq!(
            csv,
            "ID,FLUX,HR,NAME,OK\r\n1,7.36196e-15,0.3,\"a,\"\"b\"\"\",true\r\n2,,,<x>,false\r\n"
        );
        let back: f64 = "7.36196e-15".parse().unwrap();
        assert_eq!(back, 7.36196e-15);
    }

    #[test]
    fn csv_floats_are_shortest_and_read_back_exactly() {
        let xs = [35594.0f32, 0.0, -2.5, 5.2144703e-16, 19923.582, 3.4e38];
        let f = [Field::new("X", DataType::F32)];
        let mut t = Table::with_rows(xs.len());
        t.push(
            f[0].clone(),
            Column::from_data(ColumnData::F32(xs.to_vec())),
        )
        .unwrap();
        let e = Exporter::new(&t, vec![0]);
        let rows: Vec<u32> = (0..xs.len() as u32).collect();
        let csv = String::from_utf8(e.csv(&t, &rows)).unwrap();
        let cells: Vec<&str> = csv
            .split("\r\n")
            .skip(1)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            cells,
            ["35594", "0", "-2.5", "5.2144703e-16", "19923.582", "3.4e38"]
        );
        for (c, x) in cells.iter().zip(xs) {
            assert_eq!(c.parse::<f32>().unwrap(), x, "{c} reads back");
        }
    }

    #[test]
    fn data_urls_read_back_and_need_no_html_escaping() {
        let csv = "ID,NAME\r\n1,\"a, <b> & 'c' #1 100%\"\r\n2,é\r\n";
        let url = data_url("text/csv;charset=utf-8", csv.as_bytes());
        assert!(url.starts_with("data:text/csv;charset=utf-8,ID,NAME%0D%0A1,"));
        assert!(!url.contains(['"', '\'', '<', '>', '&', '#', ' ', '\r', '\n']));
        let body = &url[url.find(',').unwrap() + 1..];
        assert_eq!(super::super::format::percent_decode(body).unwrap(), csv);
    }
}
