//! Downloads of a source's detections: CSV (RFC 4180, header line of column names) and
//! VOTable 1.4 (TABLEDATA, with each column's unit, UCD and description). Both carry the
//! [`EXPORT_COLUMNS`] that exist in the catalogue, plus any extra detection columns.

use super::format::xml_escape;
use xcat_core::{DataType, Table, Value};

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

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Float(f) if !f.is_finite() => String::new(),
        v => v.to_string(),
    }
}

/// CSV of `rows` of `t`, columns `cols`.
pub fn csv(t: &Table, rows: &[u32], cols: &[usize]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let s = t.schema();
    let _ = w.write_record(cols.iter().map(|&c| s.field(c).name.as_str()));
    for &r in rows {
        let _ = w.write_record(
            cols.iter()
                .map(|&c| text(&t.column_at(c).value(r as usize))),
        );
    }
    w.into_inner().unwrap_or_default()
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

/// VOTable 1.4 of `rows` of `t`, columns `cols`; `name` names the table.
pub fn votable(t: &Table, rows: &[u32], cols: &[usize], name: &str, description: &str) -> Vec<u8> {
    let s = t.schema();
    let mut o = String::with_capacity(4096 + rows.len() * cols.len() * 16);
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n<RESOURCE type=\"results\">\n");
    o.push_str(&format!(
        "<TABLE name=\"{}\">\n<DESCRIPTION>{}</DESCRIPTION>\n",
        xml_escape(name),
        xml_escape(description)
    ));
    for &c in cols {
        let f = s.field(c);
        o.push_str(&format!(
            "<FIELD name=\"{}\" datatype=\"{}\"",
            xml_escape(&f.name),
            votable_type(f.dtype)
        ));
        if f.dtype == DataType::Str {
            o.push_str(" arraysize=\"*\"");
        }
        if !f.unit.is_empty() {
            o.push_str(&format!(" unit=\"{}\"", xml_escape(&f.unit)));
        }
        if !f.ucd.is_empty() {
            o.push_str(&format!(" ucd=\"{}\"", xml_escape(&f.ucd)));
        }
        o.push_str(&format!(
            "><DESCRIPTION>{}</DESCRIPTION></FIELD>\n",
            xml_escape(&f.description)
        ));
    }
    o.push_str("<DATA><TABLEDATA>\n");
    for &r in rows {
        o.push_str("<TR>");
        for &c in cols {
            let v = t.column_at(c).value(r as usize);
            o.push_str("<TD>");
            o.push_str(&xml_escape(&match v {
                Value::Bool(b) => if b { "T" } else { "F" }.to_string(),
                v => text(&v),
            }));
            o.push_str("</TD>");
        }
        o.push_str("</TR>\n");
    }
    o.push_str("</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n");
    o.into_bytes()
}
