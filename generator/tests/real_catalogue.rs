//! Ingestion of real 4XMM data: the 52-detection DR10 extract around NGC 5139 (omega Cen)
//! and a slice of the stacked 4XMM-DR11s catalogue (for TNULL and undefined logicals).
//! Expected values were read with astropy 8.0.2 (`astropy.table.Table.read`).

mod common;

use approx::assert_relative_eq;
use xcat::Config;
use xcat::catalog::{Catalogue, Quiet};
use xcat::fits::{FitsTable, HduSelector};
use xcat_core::{DataType, Value};

fn load() -> Catalogue {
    Catalogue::load(&Config::default(), &[common::ngc5139()], &Quiet).unwrap()
}

#[test]
fn counts_match_the_file() {
    let c = load();
    assert_eq!(c.detections.rows(), 52);
    assert_eq!(c.sources.rows(), 35);
    assert_eq!(c.observations.rows(), 3);
    assert_eq!(c.detections.schema().len(), 336);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let obs: Vec<Value> = (0..3).map(|i| c.observations.value("OBS_ID", i)).collect();
    assert_eq!(
        obs,
        ["0112220101", "0117740101", "0412780101"].map(|s| Value::Str(s.into()))
    );
}

#[test]
fn schema_keeps_types_units_and_descriptions() {
    let c = load();
    let s = c.detections.schema();
    let f = s.get("EP_8_FLUX").unwrap();
    assert_eq!((f.dtype, f.unit.as_str()), (DataType::F32, "erg/cm**2/s"));
    assert!(f.description.contains("0.2–12.0 keV"));
    assert_eq!(s.get("SRCID").unwrap().dtype, DataType::I64);
    assert_eq!(s.get("SRC_NUM").unwrap().dtype, DataType::I32);
    assert_eq!(s.get("SPECTRA").unwrap().dtype, DataType::Bool);
    assert_eq!(s.get("RA").unwrap().dtype, DataType::F64);
    assert_eq!(s.get("IAUNAME").unwrap().width, 21);
    assert!(
        s.fields().iter().all(|f| !f.description.is_empty()),
        "every 4XMM column is described"
    );
}

#[test]
fn first_row_spot_checks() {
    let c = load();
    let d = &c.detections;
    // Row 1 of the file (astropy): DETID 101122201010052, SRCID 201122201010052,
    // RA 201.71879851213, DEC -47.460382462299, EP_8_FLUX 7.36196e-15 (float32), SPECTRA T.
    assert_eq!(d.value("DETID", 0), Value::Int(101122201010052));
    assert_eq!(d.value("SRCID", 0), Value::Int(201122201010052));
    assert_eq!(
        d.value("IAUNAME", 0),
        Value::Str("4XMM J132652.4-472736".into())
    );
    assert_relative_eq!(
        d.column("RA").unwrap().f64(0).unwrap(),
        201.71879851213,
        max_relative = 1e-13
    );
    assert_relative_eq!(
        d.column("DEC").unwrap().f64(0).unwrap(),
        -47.460382462299,
        max_relative = 1e-13
    );
    // float32 in the file: compare at float32 precision (relative 1e-7).
    assert_relative_eq!(
        d.column("EP_8_FLUX").unwrap().f64(0).unwrap(),
        7.36196e-15,
        max_relative = 1e-6
    );
    assert_eq!(d.value("SPECTRA", 0), Value::Bool(true));
    assert_eq!(d.value("PN_FILTER", 0), Value::Str("Medium".into()));
    assert_eq!(d.value("PN_SUBMODE", 2), Value::Str("UNDEFINED".into()));
    let spectra = d.column("SPECTRA").unwrap();
    assert_eq!(
        (0..52).filter(|&i| spectra.bool(i) == Some(true)).count(),
        22
    );
}

#[test]
fn iau_names_follow_from_source_positions() {
    // Every IAUNAME in the file is the truncated SC_RA/SC_DEC designation.
    let c = load();
    let s = &c.sources;
    for i in 0..s.rows() {
        let (ra, dec) = (
            s.column("SC_RA").unwrap().f64(i).unwrap(),
            s.column("SC_DEC").unwrap().f64(i).unwrap(),
        );
        assert_eq!(
            s.value("IAUNAME", i),
            Value::Str(xcat_core::coords::iau_name("4XMM", ra, dec)),
            "source row {i}"
        );
    }
}

#[test]
fn sources_group_detections() {
    let c = load();
    let s = &c.sources;
    let row = (0..s.rows())
        .find(|&i| s.value("SRCID", i) == Value::Int(201122201010052))
        .unwrap();
    // N_DETECTIONS of this source in the file is 2 (rows 1 and 3).
    assert_eq!(s.value("N_DETECTIONS", row), Value::Int(2));
    assert_eq!(c.source_detections.members(row), &[0, 2]);
    assert_eq!(s.value("HAS_SPECTRUM", row), Value::Bool(true));
    let total: usize = (0..s.rows())
        .map(|g| c.source_detections.members(g).len())
        .sum();
    assert_eq!(total, 52);
    // Galactic coordinates: astropy 8.0.2 gives l = 309.119920461378, b = 14.985138633591054 for
    // row 1's ICRS RA/DEC (the file's LII/BII were computed from RA_UNC/DEC_UNC, before
    // astrometric correction). Tolerance 2e-5 deg (0.07 arcsec).
    let (l, b) = xcat_core::coords::equatorial_to_galactic(201.71879851213, -47.460382462299);
    assert!(
        (l - 309.119920461378).abs() < 2e-5 && (b - 14.985138633591054).abs() < 2e-5,
        "{l} {b}"
    );
}

#[test]
fn stacked_slice_nulls_are_real_nulls() {
    // Stacked 4XMM-DR11s slice: 101 rows; TNULL counts and undefined logicals per astropy:
    // N_CONTRIB 47 nulls, DETID 54, SRC_NUM (I, TNULL -32768) 54, SPECTRA 54 undefined
    // (16 T, 31 F), PN_8_CTS 68 NaN.
    let path = common::shared("catalogs/xmm_4xmm_stacked_slice/test_catalogue.fits");
    let mut t = FitsTable::open(&path, &HduSelector::FirstTable).unwrap();
    let (table, warnings) = t.read(&|_| true, &|_| {}).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(table.rows(), 101);
    let nulls = |n: &str| table.column(n).unwrap().null_count();
    assert_eq!(nulls("N_CONTRIB"), 47);
    assert_eq!(nulls("DETID"), 54);
    assert_eq!(nulls("SRC_NUM"), 54);
    assert_eq!(nulls("SPECTRA"), 54);
    assert_eq!(nulls("PN_8_CTS"), 68);
    let spectra = table.column("SPECTRA").unwrap();
    assert_eq!(
        (0..101).filter(|&i| spectra.bool(i) == Some(true)).count(),
        16
    );
    assert_eq!(table.value("DETID", 0), Value::Null);
    assert_eq!(table.value("SRC_NUM", 2), Value::Int(28));
    assert_eq!(table.value("OBS_ID", 2), Value::Str("0403390101".into()));
    assert_eq!(table.value("SRCID", 2), Value::Int(3040339010100035));
}

#[test]
fn stacked_slice_is_described_as_a_stacked_catalogue() {
    // The real 4XMM-DR11s slice: 54 summary rows (N_CONTRIB set, OBS_ID blank) and 47
    // observation-specific rows in 11 observations (counts read with astropy 8.0.2). All 47
    // carry SRC_NUM of the matching single-observation detection: 47 detections, no upper limit.
    let path = common::shared("catalogs/xmm_4xmm_stacked_slice/test_catalogue.fits");
    let c = Catalogue::load(&Config::default(), &[path], &Quiet).unwrap();
    assert_eq!(c.layout, xcat::catalog::Layout::Stacked);
    assert_eq!(c.sources.rows(), 54);
    assert_eq!(c.detections.rows(), 47);
    assert_eq!(c.observations.rows(), 11);
    assert_eq!(c.detection_marker, Some("SRC_NUM"));
    let detected = c.detections.column("DETECTED").unwrap();
    assert!((0..47).all(|i| detected.bool(i) == Some(true)));
    // Nulls as astropy reads them, split by row kind: PN_BG is NaN in 11 of the 54 summary
    // rows and 14 of the 47 observation rows; M1_BG 10 and 7; M2_BG 3 and 2.
    let nulls = |t: &xcat_core::Table, n: &str| t.column(n).unwrap().null_count();
    assert_eq!(nulls(&c.sources, "PN_BG"), 11);
    assert_eq!(nulls(&c.detections, "PN_BG"), 14);
    assert_eq!(nulls(&c.sources, "M1_BG"), 10);
    assert_eq!(nulls(&c.detections, "M1_BG"), 7);
    assert_eq!(nulls(&c.sources, "M2_BG"), 3);
    assert_eq!(nulls(&c.detections, "M2_BG"), 2);
    // Columns blank on every summary row stay with the observation rows, and N_CONTRIB with
    // the summary rows.
    assert!(c.sources.column("OBS_ID").is_none());
    assert!(c.sources.column("SRC_NUM").is_none());
    assert!(c.detections.column("N_CONTRIB").is_none());
    // Sources are in SRCID order; SRCID 3030408050100122 has N_CONTRIB 9 but 5 rows here.
    let ids: Vec<i64> = (0..54)
        .map(|i| c.sources.column("SRCID").unwrap().i64(i).unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let k = ids.binary_search(&3030408050100122).unwrap();
    assert_eq!(c.sources.value("N_CONTRIB", k), Value::Int(9));
    assert_eq!(c.source_detections.members(k).len(), 5);
    assert_eq!(c.sources.value("N_DETECTIONS", k), Value::Int(5));
    assert_eq!(c.sources.value("N_UPPER_LIMITS", k), Value::Int(0));
    // The slice is a selection: 25 sources have fewer rows than N_CONTRIB, one counted warning.
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(
        c.warnings[0].contains("25 source(s) have fewer"),
        "{:?}",
        c.warnings
    );
    // Named by the first such source in the file: row 1, with no observation row at all.
    assert!(
        c.warnings[0].contains("SRCID 3072415020100239, row 1: N_CONTRIB = 2, 0 present"),
        "{:?}",
        c.warnings
    );
    // 16 observation rows have a spectrum (SPECTRA T), in 16 sources.
    let has = c.sources.column("HAS_SPECTRUM").unwrap();
    assert_eq!((0..54).filter(|&i| has.bool(i) == Some(true)).count(), 16);
    let e = c
        .check_buildable(std::path::Path::new("slice.fits"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("columns RA and DEC missing"), "{e}");
}

#[test]
fn the_layout_can_be_forced_in_the_configuration() {
    // Forced to the detection layout, the slice is read as 4XMM detections and refused for its
    // missing positions, as before stacked catalogues were understood.
    let path = common::shared("catalogs/xmm_4xmm_stacked_slice/test_catalogue.fits");
    let cfg = Config::parse(
        "[catalog]\nlayout = \"detections\"\n",
        std::path::Path::new("."),
    )
    .unwrap();
    let e = Catalogue::load(&cfg, &[path], &Quiet)
        .unwrap_err()
        .to_string();
    assert!(e.contains("column RA missing from HDU 1"), "{e}");
    // And the real 4XMM-DR10 extract is detected as a detection catalogue.
    assert_eq!(load().layout, xcat::catalog::Layout::Detections);
    let cfg = Config::parse("[catalog]\nlayout = \"5xmm\"\n", std::path::Path::new(".")).unwrap();
    assert_eq!(cfg.catalog.layout, Some(xcat::catalog::Layout::Stacked));
    assert!(Config::parse("[catalog]\nlayout = \"stack\"\n", std::path::Path::new(".")).is_err());
}

#[test]
fn lower_case_names_load_through_the_mapping() {
    // A 3XMM-style export whose position columns are called differently.
    let cfg = Config::parse("[columns]\nRA = \"ra_deg\"\n", std::path::Path::new(".")).unwrap();
    let map = xcat::catalog::ColumnMap::new(&cfg.columns);
    assert_eq!(map.canonical("RA_DEG"), "RA");
    assert_eq!(map.canonical("sc_det_ml"), "SC_DET_ML");
}

#[test]
fn lower_case_export_with_joined_tables_loads_through_the_config() {
    // Re-write the real file with lower-case column names and RA renamed (as another release
    // might), then load it through an xcat.toml with a column mapping, an observation list, a
    // slim source table and an extra-column table.
    let dir = tempfile::tempdir().unwrap();
    let src = Catalogue::load(&Config::default(), &[common::ngc5139()], &Quiet).unwrap();
    let (fields, columns) = src.detections.clone().into_parts();
    let mut t = xcat_core::Table::with_rows(52);
    for (mut f, c) in fields.into_iter().zip(columns) {
        f.name = if f.name == "RA" {
            "ra_deg".into()
        } else {
            f.name.to_ascii_lowercase()
        };
        t.push(f, c).unwrap();
    }
    let fits = dir.path().join("export.fits");
    xcat::fits::write_table(&fits, "CAT", &t, &[]).unwrap();
    std::fs::write(
        dir.path().join("obs.csv"),
        "obs_id,target\n0112220101,omega Cen\n0412780101,omega Cen south\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("slim.csv"),
        "srcid,sc_class\n201122201010052,star\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("flags.csv"),
        "srcid,is_ulx\n201122201010041,true\n",
    )
    .unwrap();
    let toml = r#"
[catalog]
detections = ["export.fits"]
observations = "obs.csv"
sources = "slim.csv"
[columns]
RA = "ra_deg"
[[extra]]
file = "flags.csv"
key = "srcid"
missing = "false"
"#;
    std::fs::write(dir.path().join("xcat.toml"), toml).unwrap();
    let cfg = Config::load(&dir.path().join("xcat.toml")).unwrap();
    let files: Vec<_> = cfg
        .catalog
        .detections
        .iter()
        .map(|p| cfg.resolve(p))
        .collect();
    let c = Catalogue::load(&cfg, &files, &Quiet).unwrap();
    assert_eq!(
        (c.detections.rows(), c.sources.rows(), c.observations.rows()),
        (52, 35, 3)
    );
    assert!(
        c.detections.schema().get("RA").is_some(),
        "mapped back to RA"
    );
    assert_eq!(
        c.detections.schema().get("SC_DET_ML").unwrap().name,
        "SC_DET_ML"
    );
    let row = |id: i64| {
        (0..35)
            .find(|&i| c.sources.value("SRCID", i) == Value::Int(id))
            .unwrap()
    };
    assert_eq!(
        c.sources.value("SC_CLASS", row(201122201010052)),
        Value::Str("star".into())
    );
    assert_eq!(
        c.sources.value("IS_ULX", row(201122201010041)),
        Value::Bool(true)
    );
    assert_eq!(
        c.sources.value("IS_ULX", row(201122201010052)),
        Value::Bool(false)
    );
    assert_eq!(
        c.observations.value("TARGET", 0),
        Value::Str("omega Cen".into())
    );
    assert_eq!(
        c.observations.value("TARGET", 1),
        Value::Null,
        "0117740101 is not listed"
    );
    // The slim table lists one of 35 sources and all its rows match: no warning about it.
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}
