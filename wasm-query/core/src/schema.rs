//! Table schemas: the name, storage type, unit, UCD and description of every column.
//!
//! Column names keep the spelling of the catalogue (`SC_DET_ML`) and are looked up
//! case-insensitively, as the query language treats them.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// Storage type of a column, mirroring the FITS binary-table scalar types (FITS 4.0 §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataType {
    /// FITS `L`: true, false or undefined.
    Bool,
    /// FITS `B`: unsigned byte.
    U8,
    /// FITS `I`: 16-bit integer.
    I16,
    /// FITS `J`: 32-bit integer.
    I32,
    /// FITS `K`: 64-bit integer.
    I64,
    /// FITS `E`: single precision.
    F32,
    /// FITS `D`: double precision.
    F64,
    /// FITS `nA`: character string.
    Str,
}

impl DataType {
    /// Whether values of this type compare as numbers.
    pub fn is_numeric(self) -> bool {
        !matches!(self, DataType::Bool | DataType::Str)
    }

    /// Whether values of this type are integers.
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            DataType::U8 | DataType::I16 | DataType::I32 | DataType::I64
        )
    }

    /// Short lower-case name used in documentation and error messages.
    pub fn name(self) -> &'static str {
        match self {
            DataType::Bool => "boolean",
            DataType::U8 => "uint8",
            DataType::I16 => "int16",
            DataType::I32 => "int32",
            DataType::I64 => "int64",
            DataType::F32 => "float32",
            DataType::F64 => "float64",
            DataType::Str => "string",
        }
    }

    /// The FITS TFORM letter of this type (strings need a repeat count in front).
    pub fn fits_code(self) -> char {
        match self {
            DataType::Bool => 'L',
            DataType::U8 => 'B',
            DataType::I16 => 'I',
            DataType::I32 => 'J',
            DataType::I64 => 'K',
            DataType::F32 => 'E',
            DataType::F64 => 'D',
            DataType::Str => 'A',
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Description of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Name as spelled by the catalogue (upper case for 4XMM).
    pub name: String,
    /// Storage type.
    pub dtype: DataType,
    /// Unit string in the catalogue's convention (`erg/cm**2/s`), empty when dimensionless.
    pub unit: String,
    /// IVOA UCD 1+ word(s), empty when unknown.
    pub ucd: String,
    /// One-sentence human description, empty when unknown.
    pub description: String,
    /// Width in characters for strings (FITS `nA`), 0 otherwise.
    pub width: u16,
}

impl Field {
    /// A field with no unit, UCD or description.
    pub fn new(name: impl Into<String>, dtype: DataType) -> Self {
        Field {
            name: name.into(),
            dtype,
            unit: String::new(),
            ucd: String::new(),
            description: String::new(),
            width: 0,
        }
    }

    /// Sets the unit.
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = unit.into();
        self
    }

    /// Sets the UCD.
    pub fn with_ucd(mut self, ucd: impl Into<String>) -> Self {
        self.ucd = ucd.into();
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the string width.
    pub fn with_width(mut self, width: u16) -> Self {
        self.width = width;
        self
    }
}

/// An ordered list of fields with case-insensitive lookup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<Field>", into = "Vec<Field>")]
pub struct Schema {
    fields: Vec<Field>,
    /// Positions by lower-case name.
    index: HashMap<String, usize>,
    /// Positions by the name as written: most lookups, answered without lower-casing.
    exact: HashMap<String, usize>,
}

impl From<Vec<Field>> for Schema {
    fn from(fields: Vec<Field>) -> Self {
        let mut schema = Schema::default();
        for f in fields {
            schema.push(f);
        }
        schema
    }
}

impl From<Schema> for Vec<Field> {
    fn from(schema: Schema) -> Self {
        schema.fields
    }
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a field; a field whose name (ignoring case) already exists replaces it in place.
    pub fn push(&mut self, field: Field) -> usize {
        let key = field.name.to_ascii_lowercase();
        if let Some(&i) = self.index.get(&key) {
            self.exact.remove(&self.fields[i].name);
            self.exact.insert(field.name.clone(), i);
            self.fields[i] = field;
            i
        } else {
            let i = self.fields.len();
            self.exact.insert(field.name.clone(), i);
            self.fields.push(field);
            self.index.insert(key, i);
            i
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Field at position `i`.
    pub fn field(&self, i: usize) -> &Field {
        &self.fields[i]
    }

    /// Position of the field called `name`, ignoring case.
    pub fn position(&self, name: &str) -> Option<usize> {
        match self.exact.get(name) {
            Some(&i) => Some(i),
            None => self.index.get(&name.to_ascii_lowercase()).copied(),
        }
    }

    /// The field called `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.position(name).map(|i| &self.fields[i])
    }

    /// Up to `max` known names closest to `name` (Levenshtein distance, ignoring case), for
    /// "did you mean" hints.
    pub fn suggest(&self, name: &str, max: usize) -> Vec<&str> {
        let wanted = name.to_ascii_lowercase();
        let limit = (wanted.len() / 3).max(2);
        let mut scored: Vec<(usize, &str)> = self
            .fields
            .iter()
            .map(|f| {
                (
                    edit_distance(&wanted, &f.name.to_ascii_lowercase()),
                    f.name.as_str(),
                )
            })
            .filter(|(d, _)| *d <= limit)
            .collect();
        scored.sort();
        scored.into_iter().take(max).map(|(_, n)| n).collect()
    }
}

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A FITS/OGIP unit string (`erg/cm**2/s`, `count/s`, `arcsec`) in the IVOA VOUnit syntax
/// VOTable 1.4 asks for (`mW.m**-2`, `count.s**-1`): products joined by `.`, every divisor as
/// a negative power. VOUnit 1.0 deprecates the erg: a flux in erg cm⁻² s⁻¹ is the same number
/// in mW m⁻² (VizieR's unit for X-ray fluxes) and a luminosity in erg s⁻¹ in 10⁻⁷ W. The
/// revolution counter's `orbit` is no unit and is dropped. Strings it does not recognise are
/// kept as they are.
pub fn vo_unit(unit: &str) -> String {
    let terms = match vo_terms(unit) {
        Some(t) => t,
        None if unit.trim() == "orbit" => return String::new(),
        None => return unit.to_string(),
    };
    let mut sorted: Vec<(&str, i32)> = terms.iter().map(|(n, p)| (n.as_str(), *p)).collect();
    sorted.sort_unstable();
    match sorted[..] {
        [("cm", -2), ("erg", 1), ("s", -1)] => return "mW.m**-2".into(),
        [("erg", 1), ("s", -1)] => return "10-7W".into(),
        _ => {}
    }
    terms
        .iter()
        .map(|(n, p)| {
            if *p == 1 {
                n.clone()
            } else {
                format!("{n}**{p}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The factors of a unit string with their powers, `None` when it is not a product and
/// quotient of plain unit names.
fn vo_terms(unit: &str) -> Option<Vec<(String, i32)>> {
    let mut terms = Vec::new();
    for (k, part) in unit.trim().split('/').enumerate() {
        let sign = if k == 0 { 1 } else { -1 };
        // Products: `.`, a space or a single `*`.
        let part = part.replace("**", "^");
        for factor in part.split(['.', ' ', '*']).filter(|f| !f.is_empty()) {
            let (name, power) = match factor.split_once('^') {
                Some((n, p)) => (n, p.trim_matches(['(', ')']).parse::<i32>().ok()?),
                None => (factor, 1),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) || name == "orbit"
            {
                return None;
            }
            terms.push((name.to_string(), sign * power));
        }
    }
    (!terms.is_empty()).then_some(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Schema {
        Schema::from(vec![
            Field::new("SRCID", DataType::I64),
            Field::new("SC_DET_ML", DataType::F32),
            Field::new("IAUNAME", DataType::Str).with_width(21),
        ])
    }

    #[test]
    fn lookup_ignores_case() {
        let s = demo();
        assert_eq!(s.position("sc_det_ml"), Some(1));
        assert_eq!(s.get("IauName").unwrap().width, 21);
        assert!(s.get("ra").is_none());
    }

    #[test]
    fn push_replaces_same_name() {
        let mut s = demo();
        let i = s.push(Field::new("srcid", DataType::I32));
        assert_eq!(i, 0);
        assert_eq!(s.len(), 3);
        assert_eq!(s.field(0).dtype, DataType::I32);
        // The replaced field's name as written no longer finds anything stale.
        assert_eq!(s.position("SRCID"), Some(0));
        assert_eq!(s.position("srcid"), Some(0));
        assert_eq!(s.get("SRCID").unwrap().dtype, DataType::I32);
    }

    #[test]
    fn suggestions_rank_by_distance() {
        let s = demo();
        assert_eq!(s.suggest("sc_det_m", 3), vec!["SC_DET_ML"]);
        assert_eq!(s.suggest("srcdi", 3), vec!["SRCID"]);
        assert!(s.suggest("completely_unrelated", 3).is_empty());
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn serde_round_trip_rebuilds_index() {
        let s = demo();
        let json = serde_json_like(&s);
        assert_eq!(json.position("iauname"), Some(2));
    }

    // Round trip through the serde data model without an extra dependency.
    fn serde_json_like(s: &Schema) -> Schema {
        let v: Vec<Field> = s.clone().into();
        Schema::from(v)
    }

    #[test]
    fn units_are_written_in_vounit_syntax() {
        // IVOA VOUnit 1.0 §2 (astropy's "vounit" format reads each without a warning);
        // 1 erg cm⁻² s⁻¹ = 10⁻⁷ J / (10⁻⁴ m² s) = 10⁻³ W m⁻² exactly.
        for (fits, vo) in [
            ("erg/cm**2/s", "mW.m**-2"),
            ("erg/s/cm**2", "mW.m**-2"),
            ("erg.cm**-2.s**-1", "mW.m**-2"),
            ("count/s", "count.s**-1"),
            ("erg/s", "10-7W"),
            ("orbit", ""),
            ("count/pixel", "count.pixel**-1"),
            ("arcsec", "arcsec"),
            ("deg", "deg"),
            ("cm**-2", "cm**-2"),
            ("10**22/cm**2", "10**22/cm**2"),
            ("", ""),
        ] {
            assert_eq!(vo_unit(fits), vo, "{fits}");
        }
    }
}
