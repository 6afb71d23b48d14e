//! Downloads of a source's detections: CSV (RFC 4180, header line of column names) and
//! VOTable 1.4 (TABLEDATA, with each column's unit, UCD and description). Both carry the
//! [`EXPORT_COLUMNS`] that exist in the catalogue, plus any extra detection columns.

use super::format::xml_escape;
#[cfg(test)]
use xcat_core::Value;
use xcat_core::{DataType, Table};

/// Detection columns of the per-source downloads (the identifiers, position, fluxes, rates,
/// likelihoods, hardness ratios, extent, variability and quality of each detection); the
/// query page exports any other column.
pub const EXPORT_COLUMNS: &[&str] = &[
    "DETID",
    "SRCID",
    "IAUNAME",
    "SRC_NUM",
    "OBS_ID",
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

/// Writes cell `r` of column `c` as text: empty for null (and NaN), `true`/`false` (or
/// VOTable's `T`/`F` with `votable`), integers in full, floats in the shorter of plain and
/// exponent notation that reads back exactly (single-precision columns as single precision).
fn push_cell(o: &mut String, c: &xcat_core::Column, r: usize, votable: bool) {
    use std::fmt::Write;
    use xcat_core::ColumnData as D;
    if c.is_null(r) {
        return;
    }
    fn float<T: std::fmt::Display + std::fmt::LowerExp>(o: &mut String, x: T) {
        let start = o.len();
        let _ = write!(o, "{x}");
        if o.len() - start > 8 {
            let plain = o.split_off(start);
            let _ = write!(o, "{x:e}");
            if o.len() - start >= plain.len() {
                o.truncate(start);
                o.push_str(&plain);
            }
        }
    }
    let _ = match c.data() {
        D::Bool(v) => {
            o.push_str(match (v[r], votable) {
                (true, true) => "T",
                (false, true) => "F",
                (true, false) => "true",
                (false, false) => "false",
            });
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
            if votable {
                o.push_str(&xml_escape(t));
            } else if t.contains([',', '"', '\n', '\r']) {
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

fn votable_type(d: DataType) -> &'static str {
    match d {
        DataType::Bool => "boolean",
        DataType::U8 => "unsignedByte",
        DataType::I16 => "short",
        DataType::I32 => "int",
        DataType::I64 => "long",
        DataType::F32 => "float",
        DataType::F64 => "double",
        DataType::Str => "char",
    }
}

/// The downloads of a table's rows: the columns and everything about them that is the same
/// for every download, prepared once.
#[derive(Debug, Clone)]
pub struct Exporter {
    cols: Vec<usize>,
    csv_header: String,
    vot_fields: String,
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
        let mut v = String::new();
        for &c in &cols {
            let f = s.field(c);
            v.push_str(&format!(
                "<FIELD name=\"{}\" datatype=\"{}\"",
                xml_escape(&f.name),
                votable_type(f.dtype)
            ));
            if f.dtype == DataType::Str {
                v.push_str(" arraysize=\"*\"");
            }
            if !f.unit.is_empty() {
                v.push_str(&format!(" unit=\"{}\"", xml_escape(&f.unit)));
            }
            if !f.ucd.is_empty() {
                v.push_str(&format!(" ucd=\"{}\"", xml_escape(&f.ucd)));
            }
            v.push_str(&format!(
                "><DESCRIPTION>{}</DESCRIPTION></FIELD>\n",
                xml_escape(&f.description)
            ));
        }
        Exporter {
            cols,
            csv_header,
            vot_fields: v,
        }
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
                push_cell(&mut o, t.column_at(c), r as usize, false);
            }
            o.push_str("\r\n");
        }
        o.into_bytes()
    }

    /// VOTable 1.4 (TABLEDATA) of `rows` of `t`; `name` names the table.
    pub fn votable(&self, t: &Table, rows: &[u32], name: &str, description: &str) -> Vec<u8> {
        let mut o = String::with_capacity(self.vot_fields.len() + 512 + rows.len() * 1024);
        o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n<RESOURCE type=\"results\">\n");
        o.push_str(&format!(
            "<TABLE name=\"{}\">\n<DESCRIPTION>{}</DESCRIPTION>\n",
            xml_escape(name),
            xml_escape(description)
        ));
        o.push_str(&self.vot_fields);
        o.push_str("<DATA><TABLEDATA>\n");
        for &r in rows {
            o.push_str("<TR>");
            for &c in &self.cols {
                o.push_str("<TD>");
                push_cell(&mut o, t.column_at(c), r as usize, true);
                o.push_str("</TD>");
            }
            o.push_str("</TR>\n");
        }
        o.push_str("</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n");
        o.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcat_core::{Column, ColumnData, Field};

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
    fn votable_parses_with_nulls_and_escapes() {
        let t = table();
        let e = Exporter::new(&t, vec![0, 1, 2, 3, 4]);
        let v = String::from_utf8(e.votable(&t, &[0, 1], "t<1>", "d & e")).unwrap();
        let doc = roxmltree::Document::parse(&v).unwrap();
        let tds: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("TD"))
            .map(|n| n.text().unwrap_or(""))
            .collect();
        assert_eq!(
            tds,
            [
                "1",
                "7.36196e-15",
                "0.3",
                "a,\"b\"",
                "T",
                "2",
                "",
                "",
                "<x>",
                "F"
            ]
        );
        let flux = doc
            .descendants()
            .find(|n| n.has_tag_name("FIELD") && n.attribute("name") == Some("FLUX"))
            .unwrap();
        assert_eq!(flux.attribute("unit"), Some("erg/cm**2/s"));
    }
}
