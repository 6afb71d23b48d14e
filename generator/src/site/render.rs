//! Page rendering with tera: the theme's templates (embedded default theme, overridable by a
//! user theme folder), the contexts of the home, source and observation pages, and filters.

use crate::catalog::Catalogue;
use crate::error::{Error, Result};
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::path::Path;
use xcat_core::Value;
use xcat_core::coords::{equatorial_to_galactic, format_dec_dms, format_ra_hms};

/// Templates of the default theme, embedded so `xcat build` works from any folder.
const DEFAULT_TEMPLATES: [(&str, &str); 4] = [
    (
        "base.html",
        include_str!("../../../themes/default/templates/base.html"),
    ),
    (
        "index.html",
        include_str!("../../../themes/default/templates/index.html"),
    ),
    (
        "source.html",
        include_str!("../../../themes/default/templates/source.html"),
    ),
    (
        "observation.html",
        include_str!("../../../themes/default/templates/observation.html"),
    ),
];

/// Static files of the default theme.
pub const DEFAULT_STATIC: [(&str, &[u8]); 1] = [(
    "style.css",
    include_bytes!("../../../themes/default/static/style.css"),
)];

/// Formats a number in scientific notation with 3 significant digits (`1.23e-14`); empty for
/// null, plain for zero.
pub fn sci(x: f64) -> String {
    if x.is_nan() {
        return String::new();
    }
    if x == 0.0 {
        return "0".into();
    }
    let s = format!("{x:.2e}");
    match s.split_once('e') {
        Some((m, e)) => format!("{m}e{e}"),
        None => s,
    }
}

fn sci_filter(v: &Json, _: &HashMap<String, Json>) -> tera::Result<Json> {
    Ok(Json::String(match v {
        Json::Number(n) => sci(n.as_f64().unwrap_or(f64::NAN)),
        Json::Null => String::new(),
        other => other.to_string(),
    }))
}

/// Loads the theme: the embedded default, with templates of `user_theme/templates` replacing
/// same-named ones.
pub fn templates(user_theme: Option<&Path>) -> Result<tera::Tera> {
    let mut t = tera::Tera::default();
    let mut sources: Vec<(String, String)> = DEFAULT_TEMPLATES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    if let Some(dir) = user_theme {
        let dir = dir.join("templates");
        if dir.is_dir() {
            for e in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
                let p = e.map_err(|e| Error::io(&dir, e))?.path();
                if p.extension().is_some_and(|x| x == "html") {
                    let name = p
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
                    sources.retain(|(n, _)| *n != name);
                    sources.push((name, text));
                }
            }
        }
    }
    t.add_raw_templates(sources).map_err(|e| Error::Render {
        what: "theme templates".into(),
        detail: chain(&e),
    })?;
    t.autoescape_on(vec![".html"]);
    t.register_filter("sci", sci_filter);
    Ok(t)
}

/// The whole cause chain of an error, one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn json_of(v: Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!(f),
        Value::Str(s) => json!(s),
    }
}

fn rounded(v: Value, decimals: i32) -> Json {
    match v.as_f64() {
        Some(x) => {
            let p = 10f64.powi(decimals);
            json!((x * p).round() / p)
        }
        None => Json::Null,
    }
}

/// Context of the home page.
pub fn home(cat: &Catalogue, base: &Json) -> Json {
    let o = &cat.observations;
    let observations: Vec<Json> = (0..o.rows())
        .map(|i| json!({"obs_id": json_of(o.value("OBS_ID", i)), "n": json_of(o.value("N_DETECTIONS", i))}))
        .collect();
    let mut c = base.clone();
    c["root"] = json!("");
    c["observations"] = json!(observations);
    c
}

/// Context of the page of source row `i`.
pub fn source(cat: &Catalogue, i: usize, base: &Json) -> Json {
    let s = &cat.sources;
    let ra = s.column("SC_RA").and_then(|c| c.f64(i)).unwrap_or(f64::NAN);
    let dec = s
        .column("SC_DEC")
        .and_then(|c| c.f64(i))
        .unwrap_or(f64::NAN);
    let (l, b) = equatorial_to_galactic(ra, dec);
    let d = &cat.detections;
    let detections: Vec<Json> = cat
        .source_detections
        .members(i)
        .iter()
        .map(|&r| {
            let r = r as usize;
            json!({
                "detid": json_of(d.value("DETID", r)),
                "obs_id": json_of(d.value("OBS_ID", r)),
                "mjd": rounded(d.value("MJD_START", r), 3),
                "flux8": json_of(d.value("EP_8_FLUX", r)),
                "det_ml": rounded(d.value("EP_8_DET_ML", r), 1),
            })
        })
        .collect();
    let mut c = base.clone();
    c["root"] = json!("../../");
    c["s"] = json!({
        "srcid": json_of(s.value("SRCID", i)),
        "iauname": json_of(s.value("IAUNAME", i)),
        "ra": format!("{ra:.5}"),
        "dec": format!("{dec:+.5}"),
        "ra_hms": format_ra_hms(ra, 2, ':'),
        "dec_dms": format_dec_dms(dec, 1, ':'),
        "l": format!("{l:.4}"),
        "b": format!("{b:+.4}"),
        "poserr": rounded(s.value("SC_POSERR", i), 2),
        "det_ml": rounded(s.value("SC_DET_ML", i), 1),
        "flux8": json_of(s.value("SC_EP_8_FLUX", i)),
        "flux8_err": json_of(s.value("SC_EP_8_FLUX_ERR", i)),
        "n_detections": json_of(s.value("N_DETECTIONS", i)),
    });
    c["detections"] = json!(detections);
    c
}

/// Context of the page of observation row `i`; `srcid_row` maps SRCID to source row.
pub fn observation(
    cat: &Catalogue,
    i: usize,
    base: &Json,
    source_row: &HashMap<i64, usize>,
) -> Json {
    let o = &cat.observations;
    let d = &cat.detections;
    let mut rows: Vec<usize> = cat
        .observation_detections
        .members(i)
        .iter()
        .map(|&r| r as usize)
        .collect();
    rows.sort_by_key(|&r| {
        d.column("SRC_NUM")
            .and_then(|c| c.i64(r))
            .unwrap_or(i64::MAX)
    });
    let detections: Vec<Json> = rows
        .iter()
        .map(|&r| {
            let srcid = d.column("SRCID").and_then(|c| c.i64(r)).unwrap_or(0);
            let name = source_row
                .get(&srcid)
                .map_or(Value::Null, |&k| cat.sources.value("IAUNAME", k));
            json!({
                "src_num": json_of(d.value("SRC_NUM", r)),
                "srcid": srcid,
                "iauname": json_of(name),
                "flux8": json_of(d.value("EP_8_FLUX", r)),
                "det_ml": rounded(d.value("EP_8_DET_ML", r), 1),
            })
        })
        .collect();
    let mut c = base.clone();
    c["root"] = json!("../../");
    c["o"] = json!({
        "obs_id": json_of(o.value("OBS_ID", i)),
        "revolut": json_of(o.value("REVOLUT", i)),
        "mjd_start": rounded(o.value("MJD_START", i), 4),
        "mjd_stop": rounded(o.value("MJD_STOP", i), 4),
        "ra": rounded(o.value("RA_CENTRE", i), 5),
        "dec": rounded(o.value("DEC_CENTRE", i), 5),
        "n": json_of(o.value("N_DETECTIONS", i)),
    });
    c["detections"] = json!(detections);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scientific_notation() {
        assert_eq!(sci(7.36196e-15), "7.36e-15");
        assert_eq!(sci(0.0), "0");
        assert_eq!(sci(f64::NAN), "");
        assert_eq!(sci(1.5e3), "1.50e3");
    }

    #[test]
    fn templates_escape_catalogue_strings() {
        let t = templates(None).unwrap();
        let mut ctx = json!({"site": {"title": "t"}, "stats": {"detections": 1}, "root": "../../",
            "o": {"obs_id": "<script>alert(1)</script>", "n": 1, "mjd_start": 1, "mjd_stop": 2, "ra": 1, "dec": 2},
            "detections": []});
        ctx["o"]["revolut"] = json!("\"quoted\"");
        let html = t
            .render("observation.html", &tera::Context::from_value(ctx).unwrap())
            .unwrap();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("&quot;quoted&quot;"));
    }
}
