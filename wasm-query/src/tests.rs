//! Tests of the bindings in a real browser (`wasm-bindgen-test`, headless Chromium), run by
//! `scripts/wasm-test.sh`: it builds the demo site and copies its `data/` folder to
//! `wasm-query/test-site/data/`, which the test runner serves next to the module.

use super::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Root of the demo site's data as the test runner serves it.
const SITE: &str = "/test-site/";

/// M31 (J2000, degrees), as the site's name table gives it (OpenNGC: 00 42 44.33 +41 16 07.5).
const M31: (f64, f64) = (10.684708, 41.26875);

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

fn num(o: &JsValue, k: &str) -> f64 {
    get(o, k)
        .as_f64()
        .unwrap_or_else(|| panic!("{k} is not a number"))
}

async fn site() -> Db {
    match open(SITE.into(), Some("4xmm-dr14".into())).await {
        Ok(db) => db,
        Err(e) => panic!(
            "cannot open the demo site's data at {SITE} ({:?}); run scripts/wasm-test.sh, which builds it into wasm-query/test-site/",
            js_sys::Error::from(e).message()
        ),
    }
}

async fn run(db: &Db, text: &str, options: &JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(db.query(text.into(), options.clone())).await
}

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        set(&o, k, v.clone());
    }
    o.into()
}

/// Column `name` of the result rows.
fn column(r: &JsValue, name: &str) -> Vec<JsValue> {
    let cols = Array::from(&get(r, "columns"));
    let i = cols
        .iter()
        .position(|c| get(&c, "name").as_string().as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no column {name} in the result"));
    Array::from(&get(r, "rows"))
        .iter()
        .map(|row| Array::from(&row).get(i as u32))
        .collect()
}

#[wasm_bindgen_test]
fn position_helpers() {
    // IAU designation rule (4XMM: J2000, truncated seconds): 10.684708 41.26875 is
    // 00h42m44.33s +41d16m07.5s.
    assert_eq!(iau_name("4XMM", M31.0, M31.1), "4XMM J004244.3+411607");
    assert_eq!(format_ra(M31.0, 2), "00:42:44.33");
    assert_eq!(format_dec(M31.1, 1), "+41:16:07.5");
    // Exact geometry: a quarter of the equator, and the pole from the equator.
    assert!((angular_distance(0.0, 0.0, 90.0, 0.0) - 90.0).abs() < 1e-12);
    assert!((angular_distance(123.0, 0.0, 45.0, 90.0) - 90.0).abs() < 1e-12);
    // The north galactic pole is at RA 192.85948, Dec 27.12825 (J2000; Hipparcos
    // definition, ESA 1997 vol. 1 §1.5.3); tolerance 1e-4 degrees.
    let g = convert_position("galactic", 192.85948, 27.12825);
    assert!((g[1] - 90.0).abs() < 1e-4, "b = {}", g[1]);
    assert_eq!(convert_position("j2000", 1.5, -2.5), vec![1.5, -2.5]);
}

#[wasm_bindgen_test]
fn values_and_options_cross_to_js() {
    assert!(value_js(&Value::Null).is_null());
    assert_eq!(value_js(&Value::Bool(true)).as_bool(), Some(true));
    assert_eq!(value_js(&Value::Int(-42)).as_f64(), Some(-42.0));
    // Beyond 2^53 a JS number would round: such integers cross as exact strings.
    let big = (1i64 << 53) + 1;
    assert_eq!(
        value_js(&Value::Int(big)).as_string(),
        Some(big.to_string())
    );
    assert_eq!(
        value_js(&Value::Str("a".into())).as_string(),
        Some("a".into())
    );

    let o = options(&[
        ("sort", "SC_DET_ML".into()),
        ("desc", true.into()),
        ("offset", 5.into()),
        ("limit", 7.into()),
        ("columns", "*".into()),
    ]);
    let r = run_options(&o);
    assert_eq!(r.sort.as_deref(), Some("SC_DET_ML"));
    assert!(r.desc);
    assert_eq!((r.offset, r.limit), (5, 7));
    assert_eq!(r.columns, vec!["*".to_string()]);
    let d = run_options(&JsValue::UNDEFINED);
    assert_eq!((d.sort, d.desc, d.offset, d.limit), (None, false, 0, 100));
    let bad = run_options(&options(&[
        ("limit", (-3).into()),
        ("offset", f64::NAN.into()),
    ]));
    assert_eq!((bad.offset, bad.limit), (0, 100));
}

#[wasm_bindgen_test]
async fn open_reports_an_unreachable_site() {
    let e = open("/no-such-site/".into(), None)
        .await
        .err()
        .expect("a missing site must not open");
    let m = String::from(js_sys::Error::from(e).message());
    assert!(
        m.contains("/no-such-site/data/manifest.txt"),
        "message names the file: {m}"
    );
}

#[wasm_bindgen_test]
async fn cone_query_is_exact_and_counts_its_fetches() {
    let db = site().await;
    assert!(db.rows() > 0.0);
    let schema = db.schema();
    assert!(
        schema
            .iter()
            .any(|f| get(&f, "name").as_string().as_deref() == Some("SRCID")
                && get(&f, "type").as_string().is_some())
    );
    assert!(db.default_columns().length() > 0);

    let r = run(
        &db,
        "cone('M31', '1deg') AND sc_det_ml < 100",
        &options(&[("limit", 10_000.into())]),
    )
    .await
    .expect("query runs");
    let count = num(&r, "count");
    assert!(count > 0.0, "the demo has sources around M31");
    assert_eq!(Array::from(&get(&r, "rows")).length() as f64, count);
    assert!(num(&r, "bytesFetched") > 0.0 && num(&r, "chunksFetched") > 0.0);
    let ra = column(&r, "SC_RA");
    let dec = column(&r, "SC_DEC");
    for (a, d) in ra.iter().zip(&dec) {
        let dist = angular_distance(M31.0, M31.1, a.as_f64().unwrap(), d.as_f64().unwrap());
        assert!(dist <= 1.0 + 1e-9, "row at {dist} deg from M31");
    }
    assert!(
        column(&r, "SC_DET_ML")
            .iter()
            .all(|x| x.as_f64().is_some_and(|x| x < 100.0))
    );

    // The same query again is served from the cache.
    let again = run(
        &db,
        "cone('M31', '1deg') AND sc_det_ml < 100",
        &options(&[("limit", 10_000.into())]),
    )
    .await
    .expect("query runs");
    assert_eq!(num(&again, "count"), count);
    assert_eq!(num(&again, "chunksFetched"), 0.0);
}

#[wasm_bindgen_test]
async fn srcid_lists_use_the_index() {
    let db = site().await;
    let near = run(&db, "M31", &options(&[("sort", "SRCID".into())]))
        .await
        .expect("query runs");
    let ids: Vec<f64> = column(&near, "SRCID")
        .iter()
        .take(3)
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(!ids.is_empty(), "the demo has sources within 10' of M31");
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!("srcid IN {{{list}}}");
    let r = run(&db, &text, &options(&[("sort", "SRCID".into())]))
        .await
        .expect("query runs");
    let got: Vec<f64> = column(&r, "SRCID")
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got, ids);
    let x = JsFuture::from(db.explain(text))
        .await
        .expect("explain runs");
    assert_eq!(get(&x, "index").as_string().as_deref(), Some("SRCID"));
    assert_eq!(num(&x, "candidateRows"), ids.len() as f64);

    // DETIDs go through the link index to the SRCID index; no detection has a negative DETID.
    let none = run(&db, "detid IN {-1, -2}", &JsValue::UNDEFINED)
        .await
        .expect("query runs");
    assert_eq!(num(&none, "count"), 0.0);
    let x = JsFuture::from(db.explain("detid = -1".into()))
        .await
        .expect("explain runs");
    assert_eq!(get(&x, "index").as_string().as_deref(), Some("SRCID"));
}

#[wasm_bindgen_test]
async fn errors_carry_their_position() {
    let db = site().await;
    let text = "n_detections > 2 AND sc_det_m > 1";
    let e = run(&db, text, &JsValue::UNDEFINED)
        .await
        .expect_err("unknown column");
    let m = String::from(js_sys::Error::from(e.clone()).message());
    assert!(m.contains("sc_det_m") && m.contains("SC_DET_ML"), "{m}");
    let p = get(&e, "position");
    assert_eq!(num(&p, "offset") as usize, text.find("sc_det_m").unwrap());
    assert_eq!(num(&p, "line"), 1.0);

    let r = JsFuture::from(db.resolve("M31".into()))
        .await
        .expect("M31 is in the name table");
    assert_eq!(get(&r, "source").as_string().as_deref(), Some("name table"));
    assert!((num(&r, "ra") - M31.0).abs() < 1e-3 && (num(&r, "dec") - M31.1).abs() < 1e-3);
}

#[wasm_bindgen_test]
async fn a_site_with_releases_opens_the_current_one_by_default() {
    let db = match open(SITE.into(), None).await {
        Ok(db) => db,
        Err(e) => panic!("{:?}", js_sys::Error::from(e).message()),
    };
    let me = db.release();
    assert_eq!(get(&me, "id").as_string().as_deref(), Some("5xmm-dr15"));
    assert_eq!(get(&me, "current").as_bool(), Some(true));
    let ids: Vec<String> = db
        .releases()
        .iter()
        .filter_map(|r| get(&r, "id").as_string())
        .collect();
    assert_eq!(ids, vec!["5xmm-dr15", "4xmm-dr14"]);
    // A stacked catalogue's positions are RA and DEC.
    let cols: Vec<String> = db
        .position_columns()
        .iter()
        .filter_map(|c| c.as_string())
        .collect();
    assert_eq!(cols, vec!["RA", "DEC"]);
    let e = open(SITE.into(), Some("9xmm-dr1".into()))
        .await
        .err()
        .expect("no such release");
    let m = String::from(js_sys::Error::from(e).message());
    assert!(
        m.contains("no release \"9xmm-dr1\"") && m.contains("4xmm-dr14"),
        "{m}"
    );
}

#[wasm_bindgen_test]
async fn a_designation_of_the_legacy_release_resolves_to_its_counterpart() {
    let legacy = site().await;
    let r = run(
        &legacy,
        "srcid_5xmm_dr15 IS NOT NULL",
        &options(&[
            (
                "columns",
                Array::of2(&"IAUNAME".into(), &"SRCID_5XMM_DR15".into()).into(),
            ),
            ("limit", 1.into()),
        ]),
    )
    .await
    .expect("the legacy release has counterpart columns");
    let name = column(&r, "IAUNAME")[0].as_string().expect("a name");
    let counterpart = column(&r, "SRCID_5XMM_DR15")[0].clone();
    let current = open(SITE.into(), Some("5xmm-dr15".into()))
        .await
        .unwrap_or_else(|_| panic!("the current release opens"));
    let found = JsFuture::from(current.resolve(name.clone()))
        .await
        .expect("a 4XMM name resolves on the 5XMM release");
    assert_eq!(get(&found, "counterpart"), counterpart, "{name}");
    assert_eq!(
        get(&found, "source").as_string().as_deref(),
        Some("4XMM-DR14 source; its counterpart in 5XMM-DR15")
    );
    // The cone of the bare name holds the counterpart, at the centre.
    let r = run(
        &current,
        &name,
        &options(&[("columns", Array::of1(&"SRCID".into()).into())]),
    )
    .await
    .expect("the bare name runs");
    assert!(column(&r, "SRCID").contains(&counterpart));
    let resolved = Array::from(&get(&r, "resolved"));
    assert_eq!(get(&resolved.get(0), "counterpart"), counterpart);
}
