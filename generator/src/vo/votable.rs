//! VOTable 1.4 documents (Ochsenbein et al., IVOA Recommendation 2019) in the TABLEDATA
//! serialisation, and the same cells as JSON: the static data files beside the pages and,
//! later, the answers of the VO server.
//!
//! Each column is a `FIELD` with its datatype, VOUnit ([`vo_unit`]), UCD1+ and description;
//! positions refer to an ICRS `COOSYS`; an empty `TD` is a null (VOTable 1.4 §6), as are NaN
//! floats. Numbers are written as the shortest text that reads back to the stored value
//! (single-precision columns as single precision), so a file never shows float noise such as
//! `1.756394624710083` for the float32 `1.7563946`.

use crate::site::format::xml_escape_to;
use xcat_core::schema::vo_unit;
use xcat_core::{Column, ColumnData, DataType, Field, Table};

/// The namespace of VOTable 1.4 documents (unchanged since 1.3).
pub const NAMESPACE: &str = "http://www.ivoa.net/xml/VOTable/v1.3";
/// The media type of VOTable documents.
pub const MEDIA_TYPE: &str = "application/x-votable+xml";
/// `ID` of the ICRS coordinate system that position fields refer to.
const ICRS: &str = "icrs";

/// One cell of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// No value.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A single-precision float, written in single precision.
    F32(f32),
    /// A double-precision float.
    F64(f64),
    /// Text.
    Str(&'a str),
}

impl<'a> Cell<'a> {
    /// Cell `r` of column `c`.
    #[inline]
    pub fn of(c: &'a Column, r: usize) -> Self {
        if c.is_null(r) {
            return Cell::Null;
        }
        match c.data() {
            ColumnData::Bool(v) => Cell::Bool(v[r]),
            ColumnData::U8(v) => Cell::Int(i64::from(v[r])),
            ColumnData::I16(v) => Cell::Int(i64::from(v[r])),
            ColumnData::I32(v) => Cell::Int(i64::from(v[r])),
            ColumnData::I64(v) => Cell::Int(v[r]),
            ColumnData::F32(v) => Cell::F32(v[r]),
            ColumnData::F64(v) => Cell::F64(v[r]),
            ColumnData::Str(v) => Cell::Str(v.get(r)),
        }
    }

    /// An optional float.
    pub fn f64(v: Option<f64>) -> Self {
        v.map_or(Cell::Null, Cell::F64)
    }
}

/// The shortest text that reads back as `x` (Ryū), without a trailing `.0`; `None` for NaN
/// and infinities.
fn number<T: ryu::Float + Copy>(x: T, finite: bool, out: &mut String) -> bool {
    if !finite {
        return false;
    }
    let mut b = ryu::Buffer::new();
    let text = b.format_finite(x);
    out.push_str(text.strip_suffix(".0").unwrap_or(text));
    true
}

/// Appends `c` as the text of a `TD` (escaped; empty for a null).
pub fn push_td(out: &mut String, c: Cell) {
    use std::fmt::Write;
    match c {
        Cell::Null => {}
        Cell::Bool(b) => out.push(if b { 'T' } else { 'F' }),
        Cell::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Cell::F32(x) => {
            number(x, x.is_finite(), out);
        }
        Cell::F64(x) => {
            number(x, x.is_finite(), out);
        }
        Cell::Str(s) => push_escaped(out, s),
    }
}

/// Appends `s` escaped for XML text or an attribute value.
pub fn push_escaped(out: &mut String, s: &str) {
    let _ = xml_escape_to(s, &mut |part: &str| {
        out.push_str(part);
        Ok::<(), std::convert::Infallible>(())
    });
}

/// Appends `c` as a JSON value (`null` for nulls, NaN and infinities).
pub fn push_json(out: &mut String, c: Cell) {
    use std::fmt::Write;
    match c {
        Cell::Null => out.push_str("null"),
        Cell::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Cell::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Cell::F32(x) => {
            if !number(x, x.is_finite(), out) {
                out.push_str("null");
            }
        }
        Cell::F64(x) => {
            if !number(x, x.is_finite(), out) {
                out.push_str("null");
            }
        }
        Cell::Str(s) => push_json_str(out, s),
    }
}

/// Appends `s` as a JSON string.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            // `<` as `\u003c`: a JSON file can then be inlined in HTML without ending a script.
            b'<' => "\\u003c",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if esc.is_empty() {
            use std::fmt::Write;
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(esc);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// A column of a VOTable: everything its `FIELD` element says.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// Name.
    pub name: String,
    /// VOTable datatype (`double`, `char`, `unicodeChar`, …).
    pub datatype: &'static str,
    /// Unit, VOUnit syntax; empty when dimensionless.
    pub unit: String,
    /// UCD1+; empty when unknown.
    pub ucd: String,
    /// Description.
    pub description: String,
}

impl FieldSpec {
    /// A column without unit, UCD or description.
    pub fn new(name: impl Into<String>, datatype: &'static str) -> Self {
        FieldSpec {
            name: name.into(),
            datatype,
            unit: String::new(),
            ucd: String::new(),
            description: String::new(),
        }
    }

    /// Sets the unit (VOUnit syntax).
    pub fn unit(mut self, unit: &str) -> Self {
        self.unit = unit.into();
        self
    }

    /// Sets the UCD.
    pub fn ucd(mut self, ucd: &str) -> Self {
        self.ucd = ucd.into();
        self
    }

    /// Sets the description.
    pub fn describe(mut self, description: &str) -> Self {
        self.description = description.into();
        self
    }

    /// The column `f` of a table, whose values are `c`: strings that are not all ASCII are
    /// `unicodeChar`, units are converted to VOUnits.
    pub fn of(f: &Field, c: &Column) -> Self {
        let datatype = match f.dtype {
            DataType::Str => match c.data() {
                ColumnData::Str(v) if v.iter().any(|s| !s.is_ascii()) => "unicodeChar",
                _ => "char",
            },
            d => datatype(d),
        };
        FieldSpec {
            name: f.name.clone(),
            datatype,
            unit: if f.unit.trim().is_empty() {
                String::new()
            } else {
                vo_unit(&f.unit)
            },
            ucd: f.ucd.clone(),
            description: f.description.clone(),
        }
    }

    /// The fields of columns `cols` of `t`.
    pub fn of_table(t: &Table, cols: &[usize]) -> Vec<Self> {
        cols.iter()
            .map(|&c| FieldSpec::of(t.schema().field(c), t.column_at(c)))
            .collect()
    }

    /// Whether the column is an equatorial position (it refers to the ICRS `COOSYS`).
    fn equatorial(&self) -> bool {
        self.ucd
            .split(';')
            .any(|w| w == "pos.eq.ra" || w == "pos.eq.dec")
    }

    /// The `FIELD` element; without its description unless `describe`.
    pub fn xml(&self, out: &mut String, describe: bool) {
        out.push_str("<FIELD name=\"");
        push_escaped(out, &self.name);
        out.push_str("\" datatype=\"");
        out.push_str(self.datatype);
        out.push('"');
        if matches!(self.datatype, "char" | "unicodeChar") {
            out.push_str(" arraysize=\"*\"");
        }
        if self.equatorial() {
            out.push_str(" ref=\"");
            out.push_str(ICRS);
            out.push('"');
        }
        for (attr, v) in [("unit", &self.unit), ("ucd", &self.ucd)] {
            if !v.is_empty() {
                out.push(' ');
                out.push_str(attr);
                out.push_str("=\"");
                push_escaped(out, v);
                out.push('"');
            }
        }
        if self.description.is_empty() || !describe {
            out.push_str("/>\n");
        } else {
            out.push_str("><DESCRIPTION>");
            push_escaped(out, &self.description);
            out.push_str("</DESCRIPTION></FIELD>\n");
        }
    }
}

/// The VOTable datatype of a column type.
pub fn datatype(d: DataType) -> &'static str {
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

/// The `FIELD` elements of `fields`, made once and written into many tables.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    xml: String,
    len: usize,
}

impl Fields {
    /// Prepares `fields`.
    pub fn new(fields: &[FieldSpec]) -> Self {
        Self::make(fields, true)
    }

    /// Prepares `fields` without their descriptions: for files written by the hundred
    /// thousand, whose columns are described once elsewhere.
    pub fn terse(fields: &[FieldSpec]) -> Self {
        Self::make(fields, false)
    }

    fn make(fields: &[FieldSpec], describe: bool) -> Self {
        let mut xml = String::new();
        for f in fields {
            f.xml(&mut xml, describe);
        }
        Fields {
            xml,
            len: fields.len(),
        }
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A VOTable document being written: one `RESOURCE` of type `results` holding any number of
/// tables.
#[derive(Debug)]
pub struct Writer {
    out: String,
    in_table: bool,
}

impl Writer {
    /// Starts a document described by `description`, with `infos` (name, value) as `INFO`
    /// elements of its resource.
    pub fn new(description: &str, infos: &[(&str, &str)]) -> Self {
        let mut out = String::with_capacity(4096);
        out.push_str(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VOTABLE version=\"1.4\" xmlns=\"",
        );
        out.push_str(NAMESPACE);
        out.push_str("\">\n<RESOURCE type=\"results\">\n<DESCRIPTION>");
        push_escaped(&mut out, description);
        out.push_str("</DESCRIPTION>\n");
        for (name, value) in infos {
            out.push_str("<INFO name=\"");
            push_escaped(&mut out, name);
            out.push_str("\" value=\"");
            push_escaped(&mut out, value);
            out.push_str("\"/>\n");
        }
        out.push_str("<COOSYS ID=\"");
        out.push_str(ICRS);
        out.push_str("\" system=\"ICRS\"/>\n");
        Writer {
            out,
            in_table: false,
        }
    }

    /// Starts table `name` with columns `fields`; rows follow with [`Writer::row`].
    pub fn table(&mut self, name: &str, description: &str, fields: &Fields) {
        self.table_with_link(name, description, fields, None);
    }

    /// [`Writer::table`] with a `LINK` to the documentation of its columns (`href`).
    pub fn table_with_link(
        &mut self,
        name: &str,
        description: &str,
        fields: &Fields,
        doc: Option<&str>,
    ) {
        self.end_table();
        self.out.push_str("<TABLE name=\"");
        push_escaped(&mut self.out, name);
        self.out.push_str("\">\n");
        if !description.is_empty() {
            self.out.push_str("<DESCRIPTION>");
            push_escaped(&mut self.out, description);
            self.out.push_str("</DESCRIPTION>\n");
        }
        self.out.push_str(&fields.xml);
        if let Some(href) = doc {
            self.out.push_str("<LINK content-role=\"doc\" href=\"");
            push_escaped(&mut self.out, href);
            self.out.push_str("\"/>\n");
        }
        self.out.push_str("<DATA><TABLEDATA>\n");
        self.in_table = true;
    }

    /// Appends a row of the current table.
    pub fn row<'c>(&mut self, cells: impl IntoIterator<Item = Cell<'c>>) {
        self.out.push_str("<TR>");
        for c in cells {
            self.out.push_str("<TD>");
            push_td(&mut self.out, c);
            self.out.push_str("</TD>");
        }
        self.out.push_str("</TR>\n");
    }

    /// Appends row `r` of columns `cols` of `t`.
    pub fn table_row(&mut self, t: &Table, cols: &[usize], r: usize) {
        self.row(cols.iter().map(|&c| Cell::of(t.column_at(c), r)));
    }

    fn end_table(&mut self) {
        if self.in_table {
            self.out.push_str("</TABLEDATA></DATA>\n</TABLE>\n");
            self.in_table = false;
        }
    }

    /// The finished document.
    pub fn finish(mut self) -> String {
        self.end_table();
        self.out.push_str("</RESOURCE>\n</VOTABLE>\n");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcat_core::Value;

    fn table() -> Table {
        let fields = [
            Field::new("ID", DataType::I64),
            Field::new("RA", DataType::F64)
                .with_unit("deg")
                .with_ucd("pos.eq.ra;meta.main"),
            Field::new("FLUX", DataType::F32).with_unit("erg/cm**2/s"),
            Field::new("NAME", DataType::Str).with_description("a <name> & more"),
            Field::new("OK", DataType::Bool),
        ];
        let cols = [
            Column::from_data(ColumnData::I64(vec![1, 2])),
            Column::from_data(ColumnData::F64(vec![10.5, f64::NAN])),
            Column::from_data(ColumnData::F32(vec![1.756_394_6, f32::NAN])),
            Column::from_values(
                DataType::Str,
                &[Value::Str("a<\"b\">".into()), Value::Str("é".into())],
            ),
            Column::from_values(DataType::Bool, &[Value::Bool(true), Value::Null]),
        ];
        let mut t = Table::with_rows(2);
        for (f, c) in fields.into_iter().zip(cols) {
            t.push(f, c).unwrap();
        }
        t
    }

    #[test]
    fn votable_is_well_formed_with_units_ucds_coosys_and_nulls() {
        let t = table();
        let cols: Vec<usize> = (0..5).collect();
        let fields = Fields::new(&FieldSpec::of_table(&t, &cols));
        let mut w = Writer::new("test & check", &[("release", "4XMM-DR14")]);
        w.table("rows", "two rows", &fields);
        for r in 0..2 {
            w.table_row(&t, &cols, r);
        }
        let xml = w.finish();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.attribute("version"), Some("1.4"));
        let field = |name: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name("FIELD") && n.attribute("name") == Some(name))
                .unwrap()
        };
        assert_eq!(field("RA").attribute("ref"), Some("icrs"));
        assert_eq!(field("FLUX").attribute("unit"), Some("mW.m**-2"));
        assert_eq!(field("FLUX").attribute("ref"), None);
        // A column with a non-ASCII value is unicodeChar.
        assert_eq!(field("NAME").attribute("datatype"), Some("unicodeChar"));
        let tds: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("TD"))
            .map(|n| n.text().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            tds,
            [
                "1",
                "10.5",
                "1.7563946",
                "a<\"b\">",
                "T",
                "2",
                "",
                "",
                "é",
                ""
            ]
        );
    }

    #[test]
    fn json_cells_are_exact_escaped_and_null_for_nan() {
        let mut o = String::new();
        for c in [
            Cell::F32(1.756_394_6),
            Cell::F64(f64::INFINITY),
            Cell::Int(-3),
            Cell::Str("a\"\\\n\u{1}</script>"),
            Cell::Bool(false),
            Cell::Null,
        ] {
            push_json(&mut o, c);
            o.push(',');
        }
        assert_eq!(
            o,
            "1.7563946,null,-3,\"a\\\"\\\\\\n\\u0001\\u003c/script>\",false,null,"
        );
        let v: serde_json::Value =
            serde_json::from_str(&format!("[{}]", &o[..o.len() - 1])).unwrap();
        assert_eq!(v[3], "a\"\\\n\u{1}</script>");
        assert_eq!(v[0].as_f64().unwrap() as f32, 1.756_394_6);
    }
}
