//! Table-driven tests of the query language: examples with their expected rows, and every
//! error with its position.

use super::*;
use crate::column::{Column, ColumnData};
use crate::names::name_key;
use crate::schema::{DataType, Field};
use crate::value::Value;

pub(crate) fn demo_table() -> Table {
    let mut t = Table::with_rows(6);
    let f32s = |v: &[Option<f32>]| {
        Column::from_data(ColumnData::F32(
            v.iter().map(|x| x.unwrap_or(f32::NAN)).collect(),
        ))
    };
    let bools = |v: &[Option<bool>]| {
        Column::from_values(
            DataType::Bool,
            &v.iter()
                .map(|x| x.map_or(Value::Null, Value::Bool))
                .collect::<Vec<_>>(),
        )
    };
    let cols: Vec<(Field, Column)> = vec![
        (
            Field::new("SRCID", DataType::I64),
            Column::from_data(ColumnData::I64(vec![1, 2, 3, 4, 5, 6])),
        ),
        (
            Field::new("IAUNAME", DataType::Str),
            Column::from_data(ColumnData::Str(
                [
                    "4XMM J132652.4-472736",
                    "4XMM J004244.3+411608",
                    "4XMM J004300.0+411000",
                    "4XMM J095551.0+694047",
                    "4XMM J235957.6+000000",
                    "",
                ]
                .into_iter()
                .collect(),
            )),
        ),
        (
            Field::new("SC_RA", DataType::F64),
            Column::from_data(ColumnData::F64(vec![
                201.7186, 10.6846, 10.75, 148.9625, 359.99, 0.01,
            ])),
        ),
        (
            Field::new("SC_DEC", DataType::F64),
            Column::from_data(ColumnData::F64(vec![
                -47.4601, 41.2689, 41.1667, 69.6797, 0.0, 0.0,
            ])),
        ),
        (
            Field::new("SC_DET_ML", DataType::F32),
            f32s(&[
                Some(50.0),
                Some(500.0),
                Some(20.0),
                Some(1000.0),
                Some(7.0),
                None,
            ]),
        ),
        (
            Field::new("SC_EP_8_FLUX", DataType::F32),
            f32s(&[
                Some(2e-12),
                Some(5e-13),
                None,
                Some(1e-11),
                Some(1e-14),
                Some(3e-12),
            ]),
        ),
        (
            Field::new("SC_HR2", DataType::F32),
            f32s(&[
                Some(0.1),
                Some(-0.7),
                None,
                Some(0.9),
                Some(-0.2),
                Some(0.5),
            ]),
        ),
        (
            Field::new("SC_VAR_FLAG", DataType::Bool),
            bools(&[
                Some(false),
                Some(true),
                None,
                Some(false),
                Some(true),
                Some(false),
            ]),
        ),
        (
            Field::new("SC_EXTENT", DataType::F32),
            f32s(&[None, Some(3.5), None, Some(10.0), None, Some(0.0)]),
        ),
        (
            Field::new("N_DETECTIONS", DataType::I16),
            Column::from_data(ColumnData::I16(vec![3, 1, 5, 2, 1, 4])),
        ),
        (
            Field::new("IS_ULX", DataType::Bool),
            bools(&[
                Some(true),
                Some(false),
                None,
                Some(true),
                Some(false),
                Some(false),
            ]),
        ),
        (
            Field::new("INTERVAL", DataType::I32),
            Column::from_data(ColumnData::I32(vec![10, 20, 30, 40, 50, 60])),
        ),
    ];
    for (f, c) in cols {
        t.push(f, c).unwrap();
    }
    t
}

pub(crate) fn resolver(name: &str) -> Option<(f64, f64)> {
    // Positions from SIMBAD (ICRS), rounded.
    match name_key(name).as_str() {
        "m31" => Some((10.68471, 41.26875)),
        "m82" => Some((148.96969, 69.67938)),
        "ngc5139" => Some((201.69683, -47.47958)),
        "crab" => Some((83.63308, 22.0145)),
        _ => None,
    }
}

fn run(text: &str) -> Result<Vec<usize>, String> {
    let table = demo_table();
    let mut q =
        Query::parse(text, table.schema(), &QueryOptions::default()).map_err(|e| e.to_string())?;
    q.resolve(&resolver).map_err(|e| e.to_string())?;
    q.matching_rows(&table).map_err(|e| e.to_string())
}

#[test]
fn examples_select_the_expected_rows() {
    let cases: &[(&str, &[usize])] = &[
        // Row 1 is 0.5' from M31's centre, row 2 5.8' away; row 1 has DET_ML 500.
        ("cone('M31', '1deg') AND sc_det_ml < 100", &[2]),
        ("cone('M31', '1deg')", &[1, 2]),
        ("cone(M31, 1')", &[1]),
        ("cone(\"M 31\", 30\")", &[1]),
        ("cone('00 42 44.3 +41 16 09', '1arcmin')", &[1]),
        ("cone(10.68, 41.27, 10)", &[1, 2]),
        ("cone(10.68, 41.27)", &[1, 2]),
        ("is_ulx = true AND n_detections > 2", &[0]),
        ("iauname IN {\"4XMM J132652.4-472736\"}", &[0]),
        ("iauname = '4xmm j132652.4-472736'", &[0]),
        ("srcid IN {3, 4}", &[2, 3]),
        ("iauname LIKE '4XMM J00%'", &[1, 2]),
        (
            "iauname ilike '%j0955%' OR iauname LIKE '_XMM J2%'",
            &[3, 4],
        ),
        ("iauname NOT LIKE '%4%'", &[5]),
        ("srcid IN (3, 4)", &[2, 3]),
        ("srcid NOT IN {3, 4}", &[0, 1, 4, 5]),
        ("M82", &[3]),
        ("m 82", &[3]),
        ("Messier 82", &[3]),
        ("NGC 5139", &[0]),
        ("4XMM J132652.4-472736", &[0]),
        ("201.69 -47.48", &[0]),
        ("00 42 44.3 +41 16 09", &[1, 2]),
        ("'Crab'", &[]),
        ("Crab", &[]),
        (
            "sc_ep_8_flux > 1e-12 OR (sc_hr2 BETWEEN -0.5 AND 0.5 AND NOT sc_var_flag)",
            &[0, 3, 5],
        ),
        ("\"J1326\" IN iauname", &[0]),
        ("'j1326' IN iauname", &[0]),
        ("\"J00\" NOT IN iauname", &[0, 3, 4, 5]),
        ("{\"J004\", \"+411\"} IN iauname", &[1, 2]),
        ("{\"J004\", \"+4116\"} IN iauname", &[1]),
        ("sc_extent IS NOT NULL", &[1, 3, 5]),
        ("sc_extent IS NULL", &[0, 2, 4]),
        // NULL semantics: a null flag is neither true nor false.
        ("sc_var_flag", &[1, 4]),
        ("NOT sc_var_flag", &[0, 3, 5]),
        ("sc_var_flag = false", &[0, 3, 5]),
        ("sc_var_flag != true", &[0, 3, 5]),
        ("NOT (sc_hr2 > 0)", &[1, 4]),
        ("sc_hr2 > 0 OR sc_hr2 <= 0", &[0, 1, 3, 4, 5]),
        ("sc_hr2 NOT BETWEEN -0.5 AND 0.5", &[1, 3]),
        ("n_detections >= 2 AND n_detections <> 3", &[2, 3, 5]),
        ("5 > n_detections", &[0, 1, 3, 4, 5]),
        ("sc_det_ml > sc_hr2", &[0, 1, 3, 4]),
        ("interval = 30", &[2]),
        ("true", &[0, 1, 2, 3, 4, 5]),
        ("false OR srcid = 1", &[0]),
        ("srcid = 2.0", &[1]),
        ("SRCID=1 or SrcId=2", &[0, 1]),
        ("srcid = 1 -- a comment", &[0]),
        ("srcid = 1\n  AND n_detections = 3", &[0]),
        ("(((srcid = 1)))", &[0]),
        // Across RA = 0: rows 4 (359.99) and 5 (0.01) are 1.2' apart.
        ("cone(0, 0, 1)", &[4, 5]),
        ("cone('00 00 01.2 +00 00 00', 0.5)", &[5]),
        ("cone(M82, 10) AND cone(M82, 20)", &[3]),
        // Arithmetic in double precision; a null operand or a non-finite result is null.
        ("sc_ep_8_flux * 1e12 > 2.5", &[3, 5]),
        ("log10(sc_ep_8_flux) BETWEEN -12.5 AND -11.2", &[0, 1, 5]),
        ("LOG10(sc_ep_8_flux) NOT BETWEEN -12.5 AND -11.2", &[3, 4]),
        ("sc_det_ml / n_detections > 100", &[1, 3]),
        ("-sc_hr2 > 0.5", &[1]),
        ("abs(sc_hr2) >= 0.5 AND srcid < 6", &[1, 3]),
        ("mod(srcid, 2) = 0", &[1, 3, 5]),
        ("power(2, n_detections) > 10", &[2, 5]),
        ("10 < power(2, n_detections)", &[2, 5]),
        ("sc_det_ml / 0 > 1", &[]),
        ("NOT (sc_det_ml / 0 > 1)", &[]),
        ("round(sc_hr2 * 10) = -7", &[1]),
        ("sqrt(srcid * srcid) = srcid", &[0, 1, 2, 3, 4, 5]),
        ("sc_ra - 360 > -1", &[4]),
        ("sc_det_ml - 2 * sc_det_ml < -(100)", &[1, 3]),
        ("degrees(atan2(sc_dec, sc_ra)) < -10", &[0]),
        // Positions in other frames: M82 at l = 141.41°, b = +40.57° (NED); the rows on the
        // equator at RA 0 are at b = -60.2°.
        ("gal_b(sc_ra, sc_dec) > 40", &[3]),
        ("gal_l(sc_ra, sc_dec) BETWEEN 141.3 AND 141.5", &[3]),
        ("abs(gal_b(sc_ra, sc_dec)) BETWEEN 60 AND 60.5", &[4, 5]),
        ("ecl_lat(sc_ra, sc_dec) > 45", &[3]),
        ("dec_b1950(sc_ra, sc_dec) < sc_dec AND srcid = 2", &[1]),
    ];
    for (text, want) in cases {
        let got = run(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(&got, want, "{text}");
    }
}

/// What an error must be, for the table below.
#[derive(Debug, Clone, Copy)]
enum Want {
    Empty,
    TooLong,
    TooDeep,
    SetTooLarge,
    Syntax,
    UnknownColumn(&'static str),
    Type,
    Unsupported,
    Coordinates,
    UnknownObject,
}

fn matches_want(e: &QueryError, want: Want) -> bool {
    match (e, want) {
        (QueryError::Empty, Want::Empty)
        | (QueryError::TooLong { .. }, Want::TooLong)
        | (QueryError::TooDeep { .. }, Want::TooDeep)
        | (QueryError::SetTooLarge { .. }, Want::SetTooLarge)
        | (QueryError::Syntax { .. }, Want::Syntax)
        | (QueryError::Type { .. }, Want::Type)
        | (QueryError::Unsupported { .. }, Want::Unsupported)
        | (QueryError::Coordinates { .. }, Want::Coordinates)
        | (QueryError::UnknownObject { .. }, Want::UnknownObject) => true,
        (QueryError::UnknownColumn { suggestions, .. }, Want::UnknownColumn(s)) => {
            suggestions.first().map(String::as_str).unwrap_or("") == s
        }
        _ => false,
    }
}

#[test]
fn errors_carry_positions() {
    let options = QueryOptions {
        max_depth: 8,
        max_set_size: 3,
        max_length: 200,
        ..QueryOptions::default()
    };
    let long = "srcid = 1 OR ".repeat(20) + "srcid = 2";
    // (query, error, byte offset of the error in the query)
    let cases: Vec<(&str, Want, Option<usize>)> = vec![
        ("", Want::Empty, None),
        ("   \n ", Want::Empty, None),
        (&long, Want::TooLong, None),
        ("((((((((((srcid = 1))))))))))", Want::TooDeep, Some(8)),
        (
            "NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT is_ulx",
            Want::TooDeep,
            Some(32),
        ),
        ("srcid IN {1, 2, 3, 4}", Want::SetTooLarge, Some(0)),
        ("sc_det_m > 10", Want::UnknownColumn("SC_DET_ML"), Some(0)),
        (
            "srcid = 1 AND sc_det_m > 10",
            Want::UnknownColumn("SC_DET_ML"),
            Some(14),
        ),
        (
            "srcid = 1 AND\n  sc_det_m > 10",
            Want::UnknownColumn("SC_DET_ML"),
            Some(16),
        ),
        ("é = 1 AND scr_id = 1", Want::UnknownColumn(""), Some(0)),
        (
            "srcid = 1 AND srcdi = 2",
            Want::UnknownColumn("SRCID"),
            Some(14),
        ),
        ("\"x\" IN nonexistent", Want::UnknownColumn(""), Some(7)),
        ("iauname > 5", Want::Type, Some(10)),
        ("sc_det_ml = 'abc'", Want::Type, Some(12)),
        ("sc_det_ml = '12'", Want::Type, Some(12)),
        ("is_ulx = 1", Want::Type, Some(9)),
        ("is_ulx > true", Want::Type, Some(0)),
        ("srcid = NULL", Want::Type, Some(8)),
        ("srcid", Want::Type, Some(0)),
        ("1 = 1", Want::Type, Some(0)),
        ("srcid = 1 AND 5", Want::Type, Some(14)),
        ("iauname = sc_det_ml", Want::Type, Some(0)),
        ("\"x\" IN srcid", Want::Type, Some(7)),
        ("is_ulx BETWEEN 1 AND 2", Want::Type, Some(0)),
        ("srcid IN {1, 'a'}", Want::Type, Some(13)),
        ("srcid = 1 srcid = 2", Want::Syntax, Some(10)),
        ("srcid = ", Want::Syntax, Some(8)),
        ("srcid = 'abc", Want::Syntax, Some(8)),
        ("(srcid = 1", Want::Syntax, Some(10)),
        ("srcid = 1)", Want::Syntax, Some(9)),
        ("srcid IN {}", Want::Syntax, Some(9)),
        ("srcid = 1 AND", Want::Syntax, Some(13)),
        ("srcid @ 1", Want::Syntax, Some(6)),
        ("cone(M31, 1deg", Want::Syntax, Some(0)),
        ("srcid LIKE '1%'", Want::Type, Some(0)),
        ("iauname LIKE srcid", Want::Unsupported, Some(13)),
        ("iauname + 1 > 2", Want::Type, Some(0)),
        ("srcid % 2 = 1", Want::Unsupported, Some(0)),
        ("log10(srcid, 2) > 1", Want::Type, Some(0)),
        ("pi(1) > 1", Want::Type, Some(0)),
        ("srcid + 1", Want::Type, Some(0)),
        ("1 + 1 = 2", Want::Type, Some(0)),
        ("sqrt(srcid) > 'a'", Want::Type, Some(14)),
        ("sqrt(srcid) IS NULL", Want::Type, Some(0)),
        ("rand() > 0.5", Want::Unsupported, Some(0)),
        ("srcid+1+1+1+1+1+1+1+1+1 > 0", Want::TooDeep, Some(0)),
        ("GX339-4", Want::UnknownObject, Some(0)),
        ("lower(iauname) = 'a'", Want::Unsupported, Some(0)),
        ("t.srcid = 1", Want::Unsupported, Some(0)),
        ("srcid = 0x10", Want::Syntax, Some(9)),
        ("cone(M31, 10 furlongs)", Want::Coordinates, Some(10)),
        ("cone(M31, -1deg)", Want::Coordinates, Some(10)),
        (
            "cone('00 42 44.3 +95 16 09', 1)",
            Want::Coordinates,
            Some(5),
        ),
        ("cone(M31, 1, 2, 3)", Want::Unsupported, Some(0)),
        ("cone()", Want::Unsupported, Some(5)),
        (
            "srcid = 1 AND cone(Nowhere, 1)",
            Want::UnknownObject,
            Some(19),
        ),
        ("is_ulz", Want::UnknownObject, Some(0)),
        ("Vela X-1", Want::UnknownObject, Some(0)),
        ("'M 1000'", Want::UnknownObject, Some(0)),
    ];
    let table = demo_table();
    for (text, want, at) in cases {
        let result = Query::parse(text, table.schema(), &options).and_then(|mut q| {
            q.resolve(&resolver)?;
            Ok(q)
        });
        let e = match result {
            Err(e) => e,
            Ok(q) => panic!("{text:?}: expected {want:?}, parsed {:?}", q.expr()),
        };
        assert!(
            matches_want(&e, want),
            "{text:?}: expected {want:?}, got {e:?}"
        );
        assert_eq!(e.position().map(|p| p.offset), at, "{text:?}: {e}");
        if let Some(p) = e.position() {
            assert!(e.to_string().contains(&p.to_string()), "{text:?}: {e}");
        }
    }
}

#[test]
fn messages_read_well() {
    let table = demo_table();
    let err = |text: &str| {
        Query::parse(text, table.schema(), &QueryOptions::default())
            .and_then(|mut q| q.resolve(&resolver).map(|_| q))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err("sc_det_m > 10"),
        "unknown column 'sc_det_m' at line 1, column 1; did you mean SC_DET_ML?"
    );
    assert_eq!(
        err("srcid = 1 srcid = 2"),
        "unexpected 'srcid': expected AND, OR or the end of the query at line 1, column 11"
    );
    assert_eq!(
        err("srcid = "),
        "expected an expression but found end of the query at line 1, column 9"
    );
    assert_eq!(
        err("iauname > 5"),
        "column IAUNAME holds string values but 5 is an integer; put it in quotes at line 1, column 11"
    );
    assert_eq!(
        err("is_ulz"),
        "unknown object 'is_ulz' at line 1, column 1 (it is not a column either: did you mean IS_ULX?)"
    );
    assert_eq!(
        err("cone(Nowhere, 1)"),
        "unknown object 'Nowhere' at line 1, column 6"
    );
}

#[test]
fn planner_view() {
    let table = demo_table();
    let mut q = Query::parse(
        "cone('M31', '1deg') AND sc_det_ml < 100 AND (is_ulx OR cone(M82, 1))",
        table.schema(),
        &QueryOptions::default(),
    )
    .unwrap();
    let names: Vec<String> = q.names_to_resolve().into_iter().map(|n| n.name).collect();
    assert_eq!(names, ["M31", "M82"]);
    assert_eq!(q.names_to_resolve()[1].position.offset, 60);
    assert!(!q.is_resolved());
    // Unresolved cones cannot be planned or evaluated yet.
    assert!(q.cones().is_empty());
    assert_eq!(
        q.matching_rows(&table),
        Err(EvalError::Unresolved("M31".into()))
    );
    q.resolve(&resolver).unwrap();
    assert!(q.is_resolved());
    let cols: Vec<String> = q.columns().into_iter().collect();
    assert_eq!(cols, ["IS_ULX", "SC_DEC", "SC_DET_ML", "SC_RA"]);
    // Only the conjunctive cone restricts the sky area.
    let cones = q.cones();
    assert_eq!(cones.len(), 1);
    assert_eq!(
        (cones[0].ra, cones[0].dec, cones[0].radius_deg),
        (10.68471, 41.26875, 1.0)
    );
    // A target-only query is a cone of the default radius, configurable.
    let options = QueryOptions {
        default_radius_deg: 0.5,
        ..QueryOptions::default()
    };
    let q = Query::parse("201.69 -47.48", table.schema(), &options).unwrap();
    assert_eq!(q.cones()[0].radius_deg, 0.5);
    assert!(q.names_to_resolve().is_empty());
    // An IAU designation falls back to its encoded position.
    let mut q = Query::parse("4XMM J132652.4-472736", table.schema(), &options).unwrap();
    q.resolve(&crate::names::NoResolver).unwrap();
    let c = q.cones()[0];
    assert!(
        (c.ra - 201.718541).abs() < 1e-5 && (c.dec + 47.460138).abs() < 1e-5,
        "{c:?}"
    );
    assert_eq!(q.names_to_resolve().len(), 0);
}

#[test]
fn position_columns_are_configurable() {
    let mut t = Table::with_rows(2);
    t.push(
        Field::new("RA", DataType::F64),
        Column::from_data(ColumnData::F64(vec![10.0, 20.0])),
    )
    .unwrap();
    t.push(
        Field::new("DEC", DataType::F64),
        Column::from_data(ColumnData::F64(vec![0.0, 0.0])),
    )
    .unwrap();
    // Falls back to RA/DEC when SC_RA/SC_DEC are absent.
    let q = Query::parse("cone(10, 0, 1)", t.schema(), &QueryOptions::default()).unwrap();
    assert_eq!(q.matching_rows(&t).unwrap(), [0]);
    let options = QueryOptions {
        position_columns: Some(("RA_PNT".into(), "DEC_PNT".into())),
        ..QueryOptions::default()
    };
    let e = Query::parse("cone(10, 0, 1)", t.schema(), &options).unwrap_err();
    assert!(matches!(e, QueryError::NoPositionColumns { .. }), "{e:?}");
    assert!(e.to_string().contains("RA_PNT/DEC_PNT"), "{e}");
}

#[test]
fn evaluation_checks_the_table() {
    let table = demo_table();
    let q = Query::parse("sc_det_ml > 1", table.schema(), &QueryOptions::default()).unwrap();
    let mut other = Table::with_rows(1);
    other
        .push(
            Field::new("SC_DET_ML", DataType::Str),
            Column::from_data(ColumnData::Str(["x"].into_iter().collect())),
        )
        .unwrap();
    assert!(matches!(
        q.evaluate(&other),
        Err(EvalError::ColumnType { .. })
    ));
    assert_eq!(
        q.evaluate(&Table::with_rows(3)),
        Err(EvalError::MissingColumn("SC_DET_ML".into()))
    );
    // An integer column where a float one was checked still evaluates.
    let mut ints = Table::with_rows(2);
    ints.push(
        Field::new("SC_DET_ML", DataType::I32),
        Column::from_data(ColumnData::I32(vec![1, 5])),
    )
    .unwrap();
    assert_eq!(q.matching_rows(&ints).unwrap(), [1]);
}

#[test]
fn truth_values_are_three_valued() {
    let table = demo_table();
    let q = Query::parse("sc_hr2 > 0", table.schema(), &QueryOptions::default()).unwrap();
    let t = q.evaluate(&table).unwrap();
    assert_eq!(t.len(), 6);
    assert_eq!(
        (0..6).map(|i| t.get(i)).collect::<Vec<_>>(),
        [
            Some(true),
            Some(false),
            None,
            Some(true),
            Some(false),
            Some(true)
        ]
    );
    assert_eq!(t.count(), 3);
}

#[test]
fn sorting_puts_nulls_last_and_pages() {
    let table = demo_table();
    let mut rows: Vec<usize> = (0..6).collect();
    sort_rows(&table, &mut rows, "sc_hr2", Order::Ascending).unwrap();
    assert_eq!(rows, [1, 4, 0, 5, 3, 2]);
    sort_rows(&table, &mut rows, "SC_HR2", Order::Descending).unwrap();
    assert_eq!(rows, [3, 5, 0, 4, 1, 2]);
    sort_rows(&table, &mut rows, "iauname", Order::Ascending).unwrap();
    assert_eq!(rows, [5, 1, 2, 3, 0, 4]);
    sort_rows(&table, &mut rows, "is_ulx", Order::Descending).unwrap();
    assert_eq!(rows, [3, 0, 5, 1, 4, 2]);
    sort_rows(&table, &mut rows, "n_detections", Order::Ascending).unwrap();
    assert_eq!(rows, [1, 4, 3, 0, 5, 2]);
    assert!(sort_rows(&table, &mut rows, "nope", Order::Ascending).is_err());
    assert!(sort_rows(&table, &mut [99], "srcid", Order::Ascending).is_err());
    assert_eq!(page(&rows, 0, 4), &rows[..4]);
    assert_eq!(page(&rows, 1, 4), &rows[4..]);
    assert!(page(&rows, 2, 4).is_empty());
    assert!(page(&rows, usize::MAX, usize::MAX).is_empty());
    assert_eq!(page_count(6, 4), 2);
    assert_eq!(page_count(0, 4), 1);
    assert_eq!(page_count(8, 0), 8);
}

#[test]
fn deepest_accepted_queries_fit_a_small_stack() {
    // The browser's wasm stack is 1 MiB by default; queries at the nesting limit must parse,
    // check and evaluate within it (the parser has no stack guard of its own).
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let table = demo_table();
            let options = QueryOptions::default();
            let d = options.max_depth;
            let queries = [
                format!("{}srcid = 1{}", "(".repeat(d), ")".repeat(d)),
                format!("{}is_ulx", "NOT ".repeat(d)),
                format!("{}is_ulx{}", "NOT (".repeat(d / 2), ")".repeat(d / 2)),
                format!(
                    "{}srcid = -1{}",
                    "NOT NOT (".repeat(d / 3),
                    ")".repeat(d / 3)
                ),
                format!(
                    "{}{{\"a\"}} IN iauname{}",
                    "(".repeat(d - 1),
                    ")".repeat(d - 1)
                ),
                format!("srcid IN {{{}}}", vec!["-1"; 3000].join(",")),
                "srcid = 1 AND ".repeat(700) + "srcid = 1",
            ];
            for q in &queries {
                let parsed = Query::parse(q, table.schema(), &options)
                    .unwrap_or_else(|e| panic!("{}: {e}", &q[..40.min(q.len())]));
                parsed.evaluate(&table).unwrap();
            }
            // One level more is a clear error, not a crash.
            for q in [
                format!("{}srcid = 1{}", "(".repeat(d + 1), ")".repeat(d + 1)),
                format!("{}is_ulx", "NOT ".repeat(d + 1)),
                format!("{}is_ulx", "NOT ".repeat(4 * d)),
                format!("srcid = {}1", "- ".repeat(4 * d)),
                format!("{}is_ulx{}", "NOT (".repeat(d), ")".repeat(d)),
            ] {
                let e = Query::parse(&q, table.schema(), &options).unwrap_err();
                assert!(matches!(e, QueryError::TooDeep { .. }), "{e:?}");
            }
        })
        .unwrap();
    handle
        .join()
        .expect("deep queries overflowed a 1 MiB stack");
}
