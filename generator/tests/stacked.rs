//! Stacked catalogues (5XMM-DR15 layout): summary rows and observation-specific rows,
//! detections and upper limits, inconsistent inputs, exports with few columns, and a site
//! built from one. The fixtures are small FITS files written here in the 5XMM column names.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use xcat::Config;
use xcat::catalog::{Catalogue, Layout, Quiet};
use xcat_core::{Column, ColumnData, DataType, Field, StrColumn, Table, Validity, Value};

/// One row of the fixture: SRCID, OBS_ID ("" on summary rows), PPS_SRCNUM, N_OBS (= N_CONTRIB),
/// RA, DEC, EP_FLUX.
type Row = (i64, &'static str, Option<i32>, Option<i32>, f64, f64, f64);

const A: i64 = 3_010_000_010_100_001;
const B: i64 = 3_020_000_010_100_002;
const C: i64 = 3_030_000_010_100_003;

/// Three sources: A seen in three observations (two detections, one upper limit), B near the
/// north pole once, C across RA = 0 in two observations (one detection, one upper limit).
/// Rows are deliberately not in SRCID order.
fn rows() -> Vec<Row> {
    vec![
        (B, "", None, Some(1), 359.9, 89.9, 2e-14),
        (B, "0200000101", Some(3), None, 359.9, 89.9, 2e-14),
        (A, "", None, Some(3), 10.0, 20.0, 1e-13),
        (A, "0100000101", Some(5), None, 10.0, 20.0, 1.2e-13),
        (A, "0100000201", None, None, 10.0, 20.0, 3e-14),
        (A, "0100000301", Some(7), None, 10.0, 20.0, 0.9e-13),
        (C, "", None, Some(2), 0.001, -30.0, 5e-15),
        (C, "0100000201", None, None, 0.001, -30.0, 1e-15),
        (C, "0300000101", Some(12), None, 0.001, -30.0, 6e-15),
    ]
}

fn int_col(v: Vec<Option<i32>>) -> Column {
    let mut valid = Validity::all_valid(v.len());
    for (i, x) in v.iter().enumerate() {
        valid.set(i, x.is_some());
    }
    Column::new(
        ColumnData::I32(v.iter().map(|x| x.unwrap_or(0)).collect()),
        valid,
    )
}

/// The fixture as a table with the 5XMM names; `only` keeps a subset of the columns.
fn table(rows: &[Row], only: Option<&[&str]>) -> Table {
    let n = rows.len();
    let mut t = Table::with_rows(n);
    let mut push = |f: Field, c: Column| {
        if only.is_none_or(|o| o.contains(&f.name.as_str())) {
            t.push(f, c).unwrap();
        }
    };
    push(
        Field::new("SRCID", DataType::I64),
        Column::from_data(ColumnData::I64(rows.iter().map(|r| r.0).collect())),
    );
    let names: Vec<String> = rows
        .iter()
        .map(|r| xcat_core::coords::iau_name("5XMM", r.4, r.5))
        .collect();
    push(
        Field::new("IAUNAME", DataType::Str).with_width(21),
        Column::from_data(ColumnData::Str(
            names.iter().map(String::as_str).collect::<StrColumn>(),
        )),
    );
    push(
        Field::new("OBS_ID", DataType::Str).with_width(10),
        Column::from_data(ColumnData::Str(rows.iter().map(|r| r.1).collect())),
    );
    push(
        Field::new("PPS_SRCNUM", DataType::I32),
        int_col(rows.iter().map(|r| r.2).collect()),
    );
    push(
        Field::new("N_OBS", DataType::I32),
        int_col(rows.iter().map(|r| r.3).collect()),
    );
    push(
        Field::new("N_CONTRIB", DataType::I32),
        int_col(rows.iter().map(|r| r.3).collect()),
    );
    push(
        Field::new("RA", DataType::F64).with_unit("deg"),
        Column::from_data(ColumnData::F64(rows.iter().map(|r| r.4).collect())),
    );
    push(
        Field::new("DEC", DataType::F64).with_unit("deg"),
        Column::from_data(ColumnData::F64(rows.iter().map(|r| r.5).collect())),
    );
    // Start of each observation (summary rows: of the first); MJD 53000 + the row number.
    push(
        Field::new("MJD_FIRST", DataType::F64).with_unit("d"),
        Column::from_data(ColumnData::F64(
            (0..n).map(|i| 53_000.0 + 100.0 * i as f64).collect(),
        )),
    );
    push(
        Field::new("STACK_DET_ML", DataType::F32),
        Column::from_data(ColumnData::F32(vec![42.0; n])),
    );
    // A Gaia DR3 counterpart on A's summary row only.
    let gaia: Vec<Option<i64>> = rows
        .iter()
        .map(|r| (r.0 == A && r.1.is_empty()).then_some(5_853_498_713_190_525_696))
        .collect();
    let mut valid = Validity::all_valid(n);
    gaia.iter()
        .enumerate()
        .for_each(|(i, g)| valid.set(i, g.is_some()));
    push(
        Field::new("GAIADR3_SOURCE_ID", DataType::I64),
        Column::new(
            ColumnData::I64(gaia.iter().map(|g| g.unwrap_or(0)).collect()),
            valid,
        ),
    );
    push(
        Field::new("STACK_GAMMA", DataType::F32),
        Column::from_data(ColumnData::F32(vec![1.7; n])),
    );
    push(
        Field::new("EP_FLUX", DataType::F32).with_unit("erg/cm**2/s"),
        Column::from_data(ColumnData::F32(rows.iter().map(|r| r.6 as f32).collect())),
    );
    t
}

fn write(dir: &Path, name: &str, t: &Table) -> PathBuf {
    let p = dir.join(name);
    xcat::fits::write_table(&p, "SRCLIST", t, &[]).unwrap();
    p
}

/// Loads a catalogue; errors as their message.
fn load(path: &Path) -> Result<Catalogue, String> {
    Catalogue::load(&Config::default(), &[path.to_path_buf()], &Quiet).map_err(|e| e.to_string())
}

fn xcat() -> Command {
    Command::cargo_bin("xcat").unwrap()
}

#[test]
fn summary_rows_become_sources_and_the_others_measurements() {
    let dir = tempfile::tempdir().unwrap();
    let c = load(&write(dir.path(), "s.fits", &table(&rows(), None))).unwrap();
    assert_eq!(c.layout, Layout::Stacked);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.detection_marker, Some("PPS_SRCNUM"));
    // Sources in SRCID order.
    let s = &c.sources;
    assert_eq!(s.rows(), 3);
    assert_eq!(
        (0..3).map(|i| s.value("SRCID", i)).collect::<Vec<_>>(),
        [A, B, C].map(Value::Int)
    );
    assert_eq!(s.value("N_DETECTIONS", 0), Value::Int(2));
    assert_eq!(s.value("N_UPPER_LIMITS", 0), Value::Int(1));
    assert_eq!(s.value("N_DETECTIONS", 1), Value::Int(1));
    assert_eq!(s.value("N_UPPER_LIMITS", 1), Value::Int(0));
    assert_eq!(s.value("N_DETECTIONS", 2), Value::Int(1));
    assert_eq!(s.value("N_UPPER_LIMITS", 2), Value::Int(1));
    // The summary row's own values, not a mean of the observations'.
    assert_eq!(s.value("EP_FLUX", 0), Value::Float(1e-13f32 as f64));
    assert!(s.column("OBS_ID").is_none() && s.column("PPS_SRCNUM").is_none());
    // Measurements in file order with DETECTED; summary-only columns left out.
    let m = &c.detections;
    assert_eq!(m.rows(), 6);
    assert!(m.column("N_OBS").is_none() && m.column("N_CONTRIB").is_none());
    let detected: Vec<Value> = (0..6).map(|i| m.value("DETECTED", i)).collect();
    assert_eq!(
        detected,
        [true, true, false, true, false, true].map(Value::Bool)
    );
    // A's measurements are rows 1–3 of the measurements table.
    assert_eq!(c.source_detections.members(0), &[1, 2, 3]);
    assert_eq!(c.source_detections.members(2), &[4, 5]);
    // Observations: 0100000201 holds the two upper limits.
    let o = &c.observations;
    assert_eq!(o.rows(), 5);
    assert_eq!(o.value("OBS_ID", 1), Value::Str("0100000201".into()));
    assert_eq!(o.value("N_DETECTIONS", 1), Value::Int(0));
    assert_eq!(o.value("N_UPPER_LIMITS", 1), Value::Int(2));
    assert_eq!(o.value("N_DETECTIONS", 0), Value::Int(1));
}

#[test]
fn two_summary_rows_for_one_srcid_are_an_error_naming_both_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rows();
    r.push((A, "", None, Some(3), 10.0, 20.0, 1e-13));
    let e = load(&write(dir.path(), "dup.fits", &table(&r, None))).unwrap_err();
    assert!(
        e.contains(&format!("two summary rows for SRCID {A} in HDU 1")),
        "{e}"
    );
    assert!(e.contains("rows 3 and 10"), "{e}");
}

#[test]
fn a_measurement_without_its_summary_row_is_a_counted_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rows();
    r.push((9_999, "0100000101", Some(9), None, 10.0, 20.0, 1e-14));
    r.push((9_999, "0100000201", None, None, 10.0, 20.0, 1e-14));
    let c = load(&write(dir.path(), "orphan.fits", &table(&r, None))).unwrap();
    assert_eq!(c.detections.rows(), 6);
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    let w = &c.warnings[0];
    assert!(
        w.contains("2 observation-specific row(s) have no summary row"),
        "{w}"
    );
    assert!(w.contains("row 10, SRCID 9999"), "{w}");
}

#[test]
fn more_rows_than_the_summary_row_counts_is_an_error_fewer_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rows();
    r.push((B, "0200000201", Some(4), None, 359.9, 89.9, 2e-14));
    let e = load(&write(dir.path(), "more.fits", &table(&r, None))).unwrap_err();
    assert!(
        e.contains(&format!(
            "row 1: SRCID {B} has 2 observation-specific rows but its summary row says N_CONTRIB = 1"
        )),
        "{e}"
    );
    // A selection that lost A's upper limit row: one counted warning, A keeps 2 measurements.
    let r: Vec<Row> = rows()
        .into_iter()
        .filter(|r| r.1 != "0100000201" || r.0 != A)
        .collect();
    let c = load(&write(dir.path(), "fewer.fits", &table(&r, None))).unwrap();
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(
        c.warnings[0].contains(&format!(
            "1 source(s) have fewer observation-specific rows than N_CONTRIB says (e.g. SRCID {A}, row 3: N_CONTRIB = 3, 2 present)"
        )),
        "{:?}",
        c.warnings
    );
}

#[test]
fn bad_rows_are_errors_with_column_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rows();
    r[2].5 = 95.0; // A's summary row: DEC off the sky
    let e = load(&write(dir.path(), "dec.fits", &table(&r, None))).unwrap_err();
    assert!(e.contains("column DEC, row 3 of HDU 1"), "{e}");
    let mut r = rows();
    r[4].1 = ""; // a measurement (no N_OBS) without an observation
    let mut t = table(&r, None);
    // Blank OBS_ID with null N_OBS: the row is neither a summary nor a measurement.
    t.remove("N_CONTRIB");
    let e = load(&write(dir.path(), "obs.fits", &t)).unwrap_err();
    assert!(e.contains("column OBS_ID, row 5 of HDU 1"), "{e}");
    // No summary row at all: a measurement-only export.
    let r: Vec<Row> = rows().into_iter().filter(|r| !r.1.is_empty()).collect();
    let e = load(&write(dir.path(), "none.fits", &table(&r, None))).unwrap_err();
    assert!(e.contains("none of the 6 rows is a summary row"), "{e}");
    assert!(e.contains("N_OBS > 0"), "{e}");
}

#[test]
fn exports_with_few_columns_and_summary_rows_only_still_load() {
    let dir = tempfile::tempdir().unwrap();
    // A selection of summary rows only (N_OBS > 0) with identification and position alone.
    let r: Vec<Row> = rows().into_iter().filter(|r| r.1.is_empty()).collect();
    let only: &[&str] = &["SRCID", "N_OBS", "RA", "DEC"];
    let c = load(&write(dir.path(), "few.fits", &table(&r, Some(only)))).unwrap();
    assert_eq!(c.sources.rows(), 3);
    assert_eq!(c.detections.rows(), 0);
    // IAU names are made from the positions; the summary rows' N_OBS exceeds the 0 rows present.
    assert_eq!(
        c.sources.value("IAUNAME", 0),
        Value::Str(xcat_core::coords::iau_name("4XMM", 10.0, 20.0))
    );
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    c.check_buildable(Path::new("few.fits")).unwrap();
}

#[test]
fn check_describes_and_build_writes_a_stacked_site() {
    let dir = tempfile::tempdir().unwrap();
    let fits = write(dir.path(), "s.fits", &table(&rows(), None));
    xcat()
        .args(["check", "--catalog"])
        .arg(&fits)
        .assert()
        .success()
        .stdout(predicate::str::contains("layout: stacked"))
        .stdout(predicate::str::contains(
            "measurements: 6 (observation-specific rows)",
        ))
        .stdout(predicate::str::contains(
            "detections: 4, upper limits: 2 (a detection has PPS_SRCNUM set)",
        ))
        .stdout(predicate::str::contains(
            "per source: 3.00 rows on average (summary row included), 2 sources (66.7%) in more than one observation, at most 3",
        ))
        .stdout(predicate::str::contains("sources: 3"))
        .stdout(predicate::str::contains("observations: 5"))
        .stdout(predicate::str::contains("positions: RA, DEC"));
    let out = dir.path().join("site");
    xcat()
        .args(["build", "--quiet", "--catalog"])
        .arg(&fits)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    for id in [A, B, C] {
        let page = std::fs::read_to_string(out.join(format!("source/{id}/index.html"))).unwrap();
        assert!(page.contains(&id.to_string()));
    }
    let page = std::fs::read_to_string(out.join(format!("source/{A}/index.html"))).unwrap();
    assert!(
        page.contains(&xcat_core::coords::iau_name("5XMM", 10.0, 20.0)),
        "the page names the source by its 5XMM IAU name"
    );
    for obs in [
        "0100000101",
        "0100000201",
        "0100000301",
        "0200000101",
        "0300000101",
    ] {
        assert!(
            out.join(format!("observation/{obs}/index.html")).is_file(),
            "{obs}"
        );
    }
    assert!(out.join("data/manifest.txt").is_file());
    // The table of A's measurements marks the upper limit, and its download says which is which.
    assert_eq!(page.matches("<td>detection</td>").count(), 2, "{page}");
    assert_eq!(page.matches("<td>upper limit</td>").count(), 1);
    assert!(
        page.contains("DETECTED"),
        "the CSV download has the DETECTED column"
    );
    // The stack as a whole: observations, spectral shape, the Gaia DR3 counterpart as a link.
    assert!(
        page.contains("id=stack") || page.contains("id=\"stack\""),
        "{page}"
    );
    assert!(
        page.contains("Γ = <span class=num>1.70</span>")
            || page.contains("Γ = <span class=\"num\">1.70</span>"),
        "{page}"
    );
    assert!(page.contains("Gaia DR3 5853498713190525696</a>"), "{page}");
    assert!(
        page.contains("-source=I/355/gaiadr3&amp;Source=5853498713190525696"),
        "{page}"
    );
    // Labels name the stacked catalogue's own columns.
    assert!(
        page.contains("Detection likelihood (STACK_DET_ML)"),
        "{page}"
    );
    assert!(
        page.contains("<th scope=col>PPS_SRCNUM</th>")
            || page.contains("<th scope=\"col\">PPS_SRCNUM</th>"),
        "{page}"
    );
    // Observation pages list upper limits apart from detections: 0100000201 detected
    // nothing and holds the upper limits of A and C; 0100000101 has no upper limit.
    let obs = |id: &str| {
        std::fs::read_to_string(out.join(format!("observation/{id}/index.html"))).unwrap()
    };
    let ul = obs("0100000201");
    assert!(
        ul.contains(
            "2 catalogue sources lie in the field of this observation but were not detected"
        ),
        "{ul}"
    );
    for id in [A, C] {
        assert!(ul.contains(&format!("source/{id}/")), "{ul}");
    }
    assert!(!obs("0100000101").contains("id=upper-limits"));
    // The light curve: the two detections as points, the upper limit as an arrow.
    assert_eq!(page.matches("class=\"pt\"").count(), 2);
    assert_eq!(page.matches("<path class=\"ul\"").count(), 1, "{page}");
    assert!(page.contains("arrows: 3σ upper limits"), "{page}");
}

#[test]
fn a_stacked_file_without_positions_is_refused_by_build_naming_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    let only: &[&str] = &["SRCID", "OBS_ID", "N_OBS", "PPS_SRCNUM", "EP_FLUX"];
    let fits = write(dir.path(), "nopos.fits", &table(&rows(), Some(only)));
    xcat()
        .args(["check", "--catalog"])
        .arg(&fits)
        .assert()
        .success()
        .stdout(predicate::str::contains("positions: none"));
    let out = dir.path().join("site");
    xcat()
        .args(["build", "--quiet", "--catalog"])
        .arg(&fits)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "HDU 1: the sources have no positions: columns RA and DEC missing",
        ));
    assert!(!out.exists(), "nothing written");
}

#[test]
fn the_real_dr11s_slice_is_described_by_check_and_refused_by_build() {
    let slice = common::shared("catalogs/xmm_4xmm_stacked_slice/test_catalogue.fits");
    xcat()
        .args(["check", "--catalog"])
        .arg(&slice)
        .assert()
        .success()
        .stdout(predicate::str::contains("layout: stacked"))
        .stdout(predicate::str::contains("measurements: 47"))
        .stdout(predicate::str::contains("detections: 47, upper limits: 0"))
        .stdout(predicate::str::contains("sources: 54"))
        .stdout(predicate::str::contains("observations: 11"));
    let dir = tempfile::tempdir().unwrap();
    xcat()
        .args(["build", "--quiet", "--catalog"])
        .arg(&slice)
        .arg("--out")
        .arg(dir.path().join("site"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("columns RA and DEC missing"));
}

/// The demo catalogue of `layout` with `sources` sources and the default seed.
fn demo(dir: &Path, layout: &str, sources: u32) -> PathBuf {
    let out = dir.join(format!("demo-{layout}-{sources}.fits"));
    xcat()
        .args(["demo-catalogue", "--quiet", "--layout", layout, "--out"])
        .arg(&out)
        .args(["--sources", &sources.to_string()])
        .assert()
        .success();
    out
}

#[test]
fn the_5xmm_demo_is_a_consistent_stacked_catalogue_of_the_same_sky() {
    let dir = tempfile::tempdir().unwrap();
    let f5 = demo(dir.path(), "5xmm", 3000);
    // Deterministic: the same bytes again.
    let again = dir.path().join("again.fits");
    xcat()
        .args(["demo-catalogue", "--quiet", "--layout", "5xmm", "--out"])
        .arg(&again)
        .assert()
        .success();
    assert!(std::fs::read(&f5).unwrap() == std::fs::read(&again).unwrap());
    let c5 = load(&f5).unwrap();
    assert_eq!(c5.layout, Layout::Stacked);
    // Complete: every summary row's N_CONTRIB equals its rows, so no warning at all.
    assert!(c5.warnings.is_empty(), "{:?}", c5.warnings);
    assert_eq!(c5.sources.rows(), 3000);
    assert_eq!(c5.detection_marker, Some("PPS_SRCNUM"));
    let det = c5.detections.column("DETECTED").unwrap();
    let n_det = (0..c5.detections.rows())
        .filter(|&i| det.bool(i) == Some(true))
        .count();
    let n_ul = c5.detections.rows() - n_det;
    assert!(
        n_det > 0 && n_ul > 0,
        "{n_det} detections, {n_ul} upper limits"
    );
    // 5XMM identifiers: 16-digit SRCIDs starting with 3, names "5XMM J…".
    for i in 0..c5.sources.rows() {
        let id = c5.sources.column("SRCID").unwrap().i64(i).unwrap();
        assert_eq!(id / 1_000_000_000_000_000, 3, "{id}");
        let name = c5.sources.column("IAUNAME").unwrap().str(i).unwrap();
        assert!(name.starts_with("5XMM J"), "{name}");
    }
    // Every observation row repeats its source's position; detections carry PPS_SRCNUM.
    let srcnum = c5.detections.column("PPS_SRCNUM").unwrap();
    assert!((0..c5.detections.rows()).all(|i| srcnum.is_null(i) != (det.bool(i) == Some(true))));
    // The same sky as the 4XMM demo of the seed: nearly every 4XMM source has its 5XMM
    // counterpart within the errors, and no SRCID is shared. The 5XMM fields hold more
    // (fainter) sources, so 3,000 of them cover the fields of the first 1,000 4XMM sources.
    let c4 = load(&demo(dir.path(), "4xmm", 1000)).unwrap();
    use xcat::catalog::crossmatch::{MatchParams, Positions, crossmatch};
    let positions = |t: &Table, ra: &str, dec: &str, err: &str, sys: f64| {
        let mut p = Positions::default();
        for i in 0..t.rows() {
            let c = |n: &str| t.column(n).unwrap();
            p.push(
                c(ra).f64(i).unwrap(),
                c(dec).f64(i).unwrap(),
                c(err).f64(i),
                sys,
            );
        }
        p
    };
    let p4 = positions(&c4.sources, "SC_RA", "SC_DEC", "SC_POSERR", 0.0);
    let p5 = positions(&c5.sources, "RA", "DEC", "RADEC_ERR", 0.88);
    let m = crossmatch(&p4, &p5, &MatchParams::default());
    assert!(
        m.len() as f64 >= 0.95 * p4.len() as f64,
        "{} of {} 4XMM demo sources have a 5XMM counterpart",
        m.len(),
        p4.len()
    );
    let ids4: std::collections::BTreeSet<i64> = (0..c4.sources.rows())
        .map(|i| c4.sources.column("SRCID").unwrap().i64(i).unwrap())
        .collect();
    assert!(
        (0..c5.sources.rows())
            .all(|i| !ids4.contains(&c5.sources.column("SRCID").unwrap().i64(i).unwrap()))
    );
}
