//! Object names: lookup keys, IAU designations, name tables and the resolver interface.
//!
//! Names are compared by a normalised key that ignores case, spaces and underscores, spells
//! Messier's catalogue as `m`, and drops leading zeros from the number of well-known
//! catalogues, so `M82`, `M 82`, `Messier 82` and `messier82` are one key, as are `NGC 3034`,
//! `NGC3034` and `ngc 03034`.
//!
//! IAU designations such as `4XMM J132652.4-472736` (IAU Recommendations for Nomenclature,
//! "Specifications concerning designations") carry their own, truncated, position: they are
//! recognised here and decoded to the centre of the cell of positions that truncate to them.
//!
//! A [`NameTable`] is the compact offline resolver the generator builds for the site (key →
//! canonical display name and position); [`Resolver`] abstracts it so that queries can also be
//! resolved by a network service.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Catalogues whose numbers are compared without leading zeros (`NGC 0224` = `NGC 224`).
const NUMBERED_CATALOGUES: [&str; 9] =
    ["m", "ngc", "ic", "ugc", "pgc", "mrk", "arp", "abell", "hd"];

/// The lookup key of an object name (see the module documentation).
pub fn name_key(name: &str) -> String {
    let mut key: String = name
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    if let Some(rest) = key.strip_prefix("messier")
        && rest.starts_with(|c: char| c.is_ascii_digit())
    {
        key = format!("m{rest}");
    }
    let letters = key
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(key.len());
    if NUMBERED_CATALOGUES.contains(&&key[..letters]) {
        let rest = &key[letters..];
        let trimmed = rest.trim_start_matches('0');
        if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
            key = format!("{}{trimmed}", &key[..letters]);
        }
    }
    key
}

/// Whether `text` is a designation in one of the well-known numbered catalogues (`M 82`,
/// `NGC 5139`, `IC 342`, `Messier 31`), which a query may give on its own as a target.
pub fn is_catalogue_designation(text: &str) -> bool {
    let key = name_key(text);
    let letters = key
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(key.len());
    if !NUMBERED_CATALOGUES.contains(&&key[..letters]) {
        return false;
    }
    let rest = &key[letters..];
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    // At most one trailing letter (NGC 5194A) after the number.
    digits > 0 && rest.len() - digits <= 1 && rest[digits..].chars().all(|c| c.is_ascii_lowercase())
}

/// An IAU designation `PREFIX JHHMMSS.s±DDMMSS` decoded to a position.
#[derive(Debug, Clone, PartialEq)]
pub struct IauDesignation {
    /// Catalogue acronym as typed, e.g. `4XMM`.
    pub prefix: String,
    /// Right ascension in degrees: the centre of the truncation cell.
    pub ra: f64,
    /// Declination in degrees: the centre of the truncation cell.
    pub dec: f64,
    /// Half the size of the truncation cell in declination, degrees (the largest offset of the
    /// true position from the decoded one, along Dec).
    pub dec_uncertainty: f64,
}

/// Reads a sexagesimal number `DDMMSS[.s…]` (exactly two digits for each of the first two
/// parts) as (units, truncation step in the same units).
fn read_truncated_sexagesimal(text: &str) -> Option<(f64, f64)> {
    let b = text.as_bytes();
    if b.len() < 6 || !b[..6].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let whole: u32 = text[..2].parse().ok()?;
    let minutes: u32 = text[2..4].parse().ok()?;
    let seconds: f64 = text[4..].parse().ok()?;
    let decimals = match text[6..].strip_prefix('.') {
        Some(frac) if !frac.is_empty() && frac.bytes().all(|c| c.is_ascii_digit()) => frac.len(),
        Some(_) => return None,
        None if text.len() == 6 => 0,
        None => return None,
    };
    if minutes >= 60 || seconds >= 60.0 {
        return None;
    }
    let step = 10f64.powi(-(decimals.min(9) as i32)) / 3600.0;
    Some((
        f64::from(whole) + f64::from(minutes) / 60.0 + seconds / 3600.0,
        step,
    ))
}

/// Recognises an IAU designation with a `J` (J2000) sexagesimal position, such as
/// `4XMM J132652.4-472736` or `3XMMJ004244.3+411608`.
pub fn parse_iau_designation(text: &str) -> Option<IauDesignation> {
    let t = text.trim();
    let j = t.rfind(['J', 'j'])?;
    let prefix = t[..j].trim_end();
    if prefix.is_empty()
        || !prefix.chars().all(|c| c.is_ascii_alphanumeric())
        || !prefix.chars().any(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let position = &t[j + 1..];
    let sign_at = position.find(['+', '-'])?;
    let (ra_text, dec_text) = (&position[..sign_at], &position[sign_at + 1..]);
    let negative = position.as_bytes()[sign_at] == b'-';
    let (hours, ra_step) = read_truncated_sexagesimal(ra_text)?;
    let (deg, dec_step) = read_truncated_sexagesimal(dec_text)?;
    let ra_hours = hours + ra_step / 2.0;
    let dec_abs = deg + dec_step / 2.0;
    if ra_hours >= 24.0 || dec_abs > 90.0 {
        return None;
    }
    Some(IauDesignation {
        prefix: prefix.to_string(),
        ra: ra_hours * 15.0,
        dec: if negative { -dec_abs } else { dec_abs },
        dec_uncertainty: dec_step / 2.0,
    })
}

/// An IAU designation written as catalogues store it, `PREFIX JHHMMSS.s±DDMMSS`: one space
/// after the prefix (upper case; `default_prefix` when none is typed), none inside the
/// position. `None` when `text` is not a designation (`4xmm j132652.4 -472736` and
/// `J132652.4-472736` with the default `4XMM` both give `4XMM J132652.4-472736`).
pub fn canonical_designation(text: &str, default_prefix: &str) -> Option<String> {
    let t = text.trim();
    let j = t.rfind(['J', 'j'])?;
    let typed = t[..j].trim();
    let prefix = if typed.is_empty() {
        default_prefix
    } else {
        typed
    };
    let position: String = t[j + 1..].chars().filter(|c| !c.is_whitespace()).collect();
    if !position.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let canonical = format!("{} J{position}", prefix.to_ascii_uppercase());
    parse_iau_designation(&canonical).map(|_| canonical)
}

/// Turns object names into positions. The query planner asks for every name a query uses;
/// implementations may look in a [`NameTable`], in results fetched from a service, or both.
pub trait Resolver {
    /// ICRS (ra, dec) in degrees of the object called `name` (as typed by the user), or `None`
    /// when the name is unknown.
    fn resolve(&self, name: &str) -> Option<(f64, f64)>;
}

impl<F: Fn(&str) -> Option<(f64, f64)>> Resolver for F {
    fn resolve(&self, name: &str) -> Option<(f64, f64)> {
        self(name)
    }
}

/// A resolver that knows no names (IAU designations and coordinates still work in queries).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResolver;

impl Resolver for NoResolver {
    fn resolve(&self, _name: &str) -> Option<(f64, f64)> {
        None
    }
}

/// An object of a name table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedObject {
    /// Canonical display name, e.g. `M 82`.
    pub name: String,
    /// ICRS right ascension, degrees.
    pub ra: f64,
    /// ICRS declination, degrees.
    pub dec: f64,
}

/// Serialised form of a [`NameTable`]: objects, and (key, object index) pairs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NameTableData {
    /// The objects, each once.
    pub objects: Vec<NamedObject>,
    /// Lookup keys ([`name_key`]) with the index of their object in `objects`.
    pub keys: Vec<(String, u32)>,
}

/// Offline name resolver: every name and alias of an object maps by its key to the object's
/// canonical name and position. Lookups are binary searches over sorted keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "NameTableData", into = "NameTableData")]
pub struct NameTable {
    data: NameTableData,
}

impl From<NameTableData> for NameTable {
    /// Sorts the keys (and drops later duplicates) so that lookups work on any input.
    fn from(mut data: NameTableData) -> Self {
        data.keys.sort_by(|a, b| a.0.cmp(&b.0));
        data.keys.dedup_by(|b, a| a.0 == b.0);
        NameTable { data }
    }
}

impl From<NameTable> for NameTableData {
    fn from(table: NameTable) -> Self {
        table.data
    }
}

impl NameTable {
    /// Number of objects.
    pub fn len(&self) -> usize {
        self.data.objects.len()
    }

    /// Whether there are no objects.
    pub fn is_empty(&self) -> bool {
        self.data.objects.is_empty()
    }

    /// Number of names (keys), aliases included.
    pub fn name_count(&self) -> usize {
        self.data.keys.len()
    }

    /// The objects.
    pub fn objects(&self) -> &[NamedObject] {
        &self.data.objects
    }

    /// The object called `name` (any of its names, any case or spacing).
    pub fn lookup(&self, name: &str) -> Option<&NamedObject> {
        let key = name_key(name);
        let i = self
            .data
            .keys
            .binary_search_by(|(k, _)| k.as_str().cmp(&key))
            .ok()?;
        let (_, object) = self.data.keys.get(i)?;
        self.data.objects.get(*object as usize)
    }
}

impl Resolver for NameTable {
    fn resolve(&self, name: &str) -> Option<(f64, f64)> {
        self.lookup(name).map(|o| (o.ra, o.dec))
    }
}

/// A name already given to another object.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("name \"{name}\" of {object} is already used by {existing} (same key \"{key}\")")]
pub struct DuplicateName {
    /// The name being added.
    pub name: String,
    /// Canonical name of the object being added.
    pub object: String,
    /// Canonical name of the object that has the name.
    pub existing: String,
    /// The shared key.
    pub key: String,
}

/// Builds a [`NameTable`] object by object.
#[derive(Debug, Default)]
pub struct NameTableBuilder {
    data: NameTableData,
    seen: HashMap<String, u32>,
}

impl NameTableBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an object under its canonical name (`names[0]`, shown to users) and aliases.
    /// Names whose key is already taken by another object are skipped and reported; the object
    /// is still added when any of its names is new. An alias repeating a name of the same
    /// object is ignored.
    pub fn add(&mut self, names: &[&str], ra: f64, dec: f64) -> Vec<DuplicateName> {
        let Some(canonical) = names.first() else {
            return Vec::new();
        };
        let index = self.data.objects.len() as u32;
        let mut duplicates = Vec::new();
        let mut added = false;
        for name in names {
            let key = name_key(name);
            match self.seen.get(&key) {
                Some(&i) if i == index => {}
                Some(&i) => duplicates.push(DuplicateName {
                    name: name.to_string(),
                    object: canonical.to_string(),
                    existing: self.data.objects[i as usize].name.clone(),
                    key,
                }),
                None => {
                    self.seen.insert(key.clone(), index);
                    self.data.keys.push((key, index));
                    added = true;
                }
            }
        }
        if added {
            self.data.objects.push(NamedObject {
                name: canonical.to_string(),
                ra,
                dec,
            });
        }
        duplicates
    }

    /// The finished table.
    pub fn finish(self) -> NameTable {
        NameTable::from(self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn designations_are_written_as_catalogues_store_them() {
        for (typed, want) in [
            ("4XMM J132652.4-472736", Some("4XMM J132652.4-472736")),
            ("  4xmm   j132652.4 -472736 ", Some("4XMM J132652.4-472736")),
            ("4XMMJ132652.4-472736", Some("4XMM J132652.4-472736")),
            ("J132652.4-472736", Some("5XMM J132652.4-472736")),
            ("j004244.3+411608", Some("5XMM J004244.3+411608")),
            ("3XMM J004244.3+411608", Some("3XMM J004244.3+411608")),
            ("M82", None),
            ("J", None),
            ("NGC 5139", None),
            ("4XMM J992652.4-472736", None),
        ] {
            assert_eq!(
                canonical_designation(typed, "5XMM").as_deref(),
                want,
                "{typed:?}"
            );
        }
    }
    use approx::assert_abs_diff_eq;

    #[test]
    fn keys_ignore_case_spaces_and_spelling() {
        let m82 = [
            "M82",
            "M 82",
            "m82",
            "Messier 82",
            "messier82",
            "MESSIER  82",
            "M 082",
        ];
        for n in m82 {
            assert_eq!(name_key(n), "m82", "{n}");
        }
        for n in ["NGC 3034", "NGC3034", "ngc 3034", "NGC 03034", "ngc_3034"] {
            assert_eq!(name_key(n), "ngc3034", "{n}");
        }
        assert_eq!(name_key("IC 342"), "ic342");
        assert_eq!(name_key("Cen A"), "cena");
        // Zeros are significant outside numbered catalogues.
        assert_eq!(name_key("4XMM J004244.3+411608"), "4xmmj004244.3+411608");
        assert_ne!(name_key("M 8"), name_key("M 82"));
        assert_eq!(name_key("Messier"), "messier");
    }

    #[test]
    fn catalogue_designations() {
        for n in [
            "M82",
            "M 82",
            "Messier 31",
            "NGC 5139",
            "ngc5194a",
            "IC 342",
        ] {
            assert!(is_catalogue_designation(n), "{n}");
        }
        for n in [
            "M",
            "NGC",
            "sc_det_ml",
            "m82xy",
            "NGC 5139 AB",
            "Crab",
            "srcid",
            "M-82",
        ] {
            assert!(!is_catalogue_designation(n), "{n}");
        }
    }

    #[test]
    fn iau_designations_decode_to_cell_centres() {
        // 4XMM J132652.4-472736: RA 13h26m52.4s..52.5s, Dec -47°27'36"..37".
        let d = parse_iau_designation("4XMM J132652.4-472736").unwrap();
        assert_eq!(d.prefix, "4XMM");
        assert_abs_diff_eq!(
            d.ra,
            (13.0 + 26.0 / 60.0 + 52.45 / 3600.0) * 15.0,
            epsilon = 1e-12
        );
        assert_abs_diff_eq!(
            d.dec,
            -(47.0 + 27.0 / 60.0 + 36.5 / 3600.0),
            epsilon = 1e-12
        );
        assert_abs_diff_eq!(d.dec_uncertainty, 0.5 / 3600.0, epsilon = 1e-15);
        // The decoded position truncates back to the same designation.
        assert_eq!(
            crate::coords::iau_name("4XMM", d.ra, d.dec),
            "4XMM J132652.4-472736"
        );
        let d = parse_iau_designation("3xmmj004244.3+411608").unwrap();
        assert_eq!(
            crate::coords::iau_name("3XMM", d.ra, d.dec),
            "3XMM J004244.3+411608"
        );
        assert!(d.dec > 0.0);
    }

    #[test]
    fn non_designations_are_rejected() {
        for n in [
            "J132652.4-472736",
            "4XMM J132652.4",
            "4XMM J1326-4727",
            "4XMM J256652.4-472736",
            "4XMM J132652.4-952736",
            "4XMM J136652.4-472736",
            "4XMM J132652.-472736",
            "M82",
            "",
            "4XMM J132652.4-472736 extra",
        ] {
            assert!(parse_iau_designation(n).is_none(), "{n}");
        }
    }

    #[test]
    fn name_table_resolves_aliases() {
        let mut b = NameTableBuilder::new();
        assert!(
            b.add(&["M 82", "NGC 3034", "Cigar Galaxy"], 148.96969, 69.67938)
                .is_empty()
        );
        assert!(
            b.add(&["M 31", "NGC 224", "Andromeda Galaxy"], 10.68471, 41.26875)
                .is_empty()
        );
        let dup = b.add(&["Fake", "messier 82"], 1.0, 2.0);
        assert_eq!(dup.len(), 1);
        assert_eq!(dup[0].existing, "M 82");
        let t = b.finish();
        assert_eq!(t.len(), 3);
        assert_eq!(t.name_count(), 7);
        assert_eq!(t.lookup("messier82").unwrap().name, "M 82");
        assert_eq!(t.lookup("ngc 0224").unwrap().name, "M 31");
        assert_eq!(t.lookup("cigar galaxy").unwrap().name, "M 82");
        assert_eq!(t.resolve("Fake"), Some((1.0, 2.0)));
        assert_eq!(t.resolve("M 83"), None);
    }

    #[test]
    fn name_table_serde_round_trip_sorts_keys() {
        // Keys out of order and an index out of range, as a corrupt file could hold.
        let data = NameTableData {
            objects: vec![NamedObject {
                name: "IC 342".into(),
                ra: 56.70,
                dec: 68.10,
            }],
            keys: vec![("zzz".into(), 7), ("ic342".into(), 0)],
        };
        let t = NameTable::from(data.clone());
        assert_eq!(t.lookup("IC 342").map(|o| o.dec), Some(68.10));
        assert_eq!(t.lookup("zzz"), None);
        let back: NameTableData = t.into();
        assert_eq!(back.keys[0].0, "ic342");
    }

    #[test]
    fn closures_and_no_resolver() {
        let r = |n: &str| (n == "x").then_some((1.0, 2.0));
        assert_eq!(r.resolve("x"), Some((1.0, 2.0)));
        assert_eq!(NoResolver.resolve("x"), None);
    }
}
