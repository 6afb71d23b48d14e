//! The site's object-name table, built from the name tables of `xcat.toml`: OpenNGC's
//! semicolon-separated `NGC.csv`/`addendum.csv` (Messier numbers, NGC/IC names, common names
//! and PGC/UGC identifiers) and simple `name,ra,dec` CSV files (rows with the same position
//! are aliases of one object, the first being its display name). Catalogue IAU names are not
//! copied here: the query engine resolves them exactly through its IAUNAME index.

use crate::config::{Config, NameFormat};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;
use xcat_core::coords::parse_position;
use xcat_core::{NameTable, NameTableBuilder};

/// Reads every configured name table into one [`NameTable`]; names already taken by an
/// earlier object are skipped (first table wins) and counted in the returned number.
pub fn build(config: &Config) -> Result<(NameTable, usize)> {
    let mut b = NameTableBuilder::new();
    let mut skipped = 0;
    for t in &config.names {
        let path = config.resolve(&t.file);
        let objects = match t.format {
            NameFormat::Csv => read_simple(&path)?,
            NameFormat::Openngc => read_openngc(&path)?,
        };
        for (names, ra, dec) in objects {
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            skipped += b.add(&refs, ra, dec).len();
        }
    }
    Ok((b.finish(), skipped))
}

type Object = (Vec<String>, f64, f64);

/// Longest object name of a name table (designations of the longest catalogues have about
/// 40 characters).
const MAX_NAME_CHARS: usize = 200;

fn csv_error(path: &Path, line: usize, detail: String, hint: &str) -> Error {
    Error::Csv {
        path: path.to_path_buf(),
        line,
        detail,
        hint: hint.into(),
    }
}

/// `name,ra,dec` (degrees) with a header line; rows sharing a position are one object.
pub fn read_simple(path: &Path) -> Result<Vec<Object>> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| csv_error(path, 0, e.to_string(), "check the path of the name table"))?;
    let headers = r
        .headers()
        .map_err(|e| csv_error(path, 1, e.to_string(), "the first line must be name,ra,dec"))?
        .clone();
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(n))
            .ok_or_else(|| {
                csv_error(
                    path,
                    1,
                    format!("no column {n}"),
                    "the first line must be name,ra,dec (degrees)",
                )
            })
    };
    let (ni, ri, di) = (col("name")?, col("ra")?, col("dec")?);
    let mut by_position: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out: Vec<Object> = Vec::new();
    for (k, rec) in r.records().enumerate() {
        let line = k + 2;
        let rec = rec.map_err(|e| csv_error(path, line, e.to_string(), "fix the CSV syntax"))?;
        let field = |i: usize| rec.get(i).unwrap_or("").to_string();
        let (name, ra_t, dec_t) = (field(ni), field(ri), field(di));
        let num = |t: &str, what: &str, range: std::ops::RangeInclusive<f64>| {
            t.parse::<f64>()
                .ok()
                .filter(|x| range.contains(x))
                .ok_or_else(|| {
                    csv_error(
                        path,
                        line,
                        format!("{what} '{t}' is not a number of degrees in {range:?}"),
                        "give ra and dec in decimal degrees (ICRS)",
                    )
                })
        };
        let ra = num(&ra_t, "ra", 0.0..=360.0)?;
        let dec = num(&dec_t, "dec", -90.0..=90.0)?;
        if name.is_empty() {
            return Err(csv_error(
                path,
                line,
                "empty name".into(),
                "give every row a name",
            ));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(csv_error(
                path,
                line,
                format!(
                    "a name of {} characters (\"{}…\"); names are at most {MAX_NAME_CHARS}",
                    name.chars().count(),
                    name.chars().take(20).collect::<String>()
                ),
                "is a column missing its closing quote, or is this not a name table?",
            ));
        }
        match by_position.get(&(ra_t.clone(), dec_t.clone())) {
            Some(&i) => out[i].0.push(name),
            None => {
                by_position.insert((ra_t, dec_t), out.len());
                out.push((vec![name], ra, dec));
            }
        }
    }
    Ok(out)
}

/// `NGC0224` → `NGC 224`, `IC0001` → `IC 1`; other names unchanged.
fn display_name(name: &str) -> String {
    let letters = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    let (cat, rest) = name.split_at(letters);
    if matches!(cat, "NGC" | "IC") && !rest.is_empty() {
        let trimmed = rest.trim_start_matches('0');
        format!("{cat} {}", if trimmed.is_empty() { "0" } else { trimmed })
    } else {
        name.to_string()
    }
}

/// OpenNGC (Mattia Verga, CC-BY-SA 4.0): `Name;Type;RA;Dec;…;M;NGC;IC;…;Identifiers;Common
/// names;…`, RA in hours `HH:MM:SS.ss` and Dec `±DD:MM:SS.s`. Duplicate (`Dup`) and
/// non-existent (`NonEx`) entries are skipped.
pub fn read_openngc(path: &Path) -> Result<Vec<Object>> {
    let hint = "give OpenNGC's NGC.csv or addendum.csv unchanged (semicolon-separated)";
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_path(path)
        .map_err(|e| csv_error(path, 0, e.to_string(), hint))?;
    let headers = r
        .headers()
        .map_err(|e| csv_error(path, 1, e.to_string(), hint))?
        .clone();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(ni), Some(ti), Some(ri), Some(di)) =
        (col("Name"), col("Type"), col("RA"), col("Dec"))
    else {
        return Err(csv_error(
            path,
            1,
            "no Name, Type, RA and Dec columns".into(),
            hint,
        ));
    };
    let (mi, ci, ii) = (col("M"), col("Common names"), col("Identifiers"));
    let mut out = Vec::new();
    for (k, rec) in r.records().enumerate() {
        let line = k + 2;
        let rec = rec.map_err(|e| csv_error(path, line, e.to_string(), hint))?;
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim();
        let (name, kind, ra, dec) = (get(Some(ni)), get(Some(ti)), get(Some(ri)), get(Some(di)));
        if name.is_empty() || ra.is_empty() || dec.is_empty() || kind == "Dup" || kind == "NonEx" {
            continue;
        }
        let (ra_deg, dec_deg) = parse_position(&format!("{ra} {dec}"))
            .map_err(|e| csv_error(path, line, format!("position of {name}: {e}"), hint))?;
        let mut names = Vec::new();
        let m = get(mi).trim_start_matches('0');
        if !m.is_empty() {
            names.push(format!("M {m}"));
        }
        names.push(display_name(name));
        names.extend(
            get(ci)
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
        );
        names.extend(
            get(ii)
                .split(',')
                .map(str::trim)
                .filter(|s| s.starts_with("PGC ") || s.starts_with("UGC "))
                .map(String::from),
        );
        out.push((names, ra_deg, dec_deg));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NameTable as NameTableConfig;

    fn openngc() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/names/openngc/NGC.csv")
    }

    #[test]
    fn openngc_names_resolve_with_any_spelling() {
        let path = openngc();
        if !path.is_file() {
            panic!("OpenNGC test data missing at {}", path.display());
        }
        let mut cfg = Config::default();
        cfg.names.push(NameTableConfig {
            file: path,
            format: NameFormat::Openngc,
        });
        let (t, _) = build(&cfg).unwrap();
        assert!(t.len() > 10_000, "{}", t.len());
        // M 82 = NGC 3034, at 09 55 52.4 +69 40 46.9 (OpenNGC); tolerance 1″.
        for n in [
            "M82",
            "M 82",
            "Messier 82",
            "NGC 3034",
            "ngc3034",
            "NGC3034",
        ] {
            let o = t.lookup(n).unwrap_or_else(|| panic!("{n} not found"));
            assert_eq!(o.name, "M 82", "{n}");
            assert!(
                (o.ra - 148.968).abs() < 1e-2 && (o.dec - 69.680).abs() < 1e-2,
                "{o:?}"
            );
        }
        let andromeda = t.lookup("Andromeda Galaxy").unwrap();
        assert_eq!(andromeda.name, "M 31");
        assert!(t.lookup("IC 1").is_some());
        assert!(t.lookup("Not An Object").is_none());
    }

    #[test]
    fn simple_csv_groups_aliases_and_reports_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.csv");
        std::fs::write(
            &p,
            "name,ra,dec\nM82,148.969687,69.679703\nMessier 82,148.969687,69.679703\nFoo,10,-5\n",
        )
        .unwrap();
        let objs = read_simple(&p).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].0, vec!["M82", "Messier 82"]);
        std::fs::write(&p, "name,ra,dec\nBad,400,0\n").unwrap();
        let e = read_simple(&p).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("ra '400'"), "{e}");
        std::fs::write(&p, "object,ra,dec\n").unwrap();
        assert!(
            read_simple(&p)
                .unwrap_err()
                .to_string()
                .contains("no column name")
        );
    }
}
