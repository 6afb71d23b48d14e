//! ADQL: statements read into their parts, errors named with their position, and the property
//! that an ADQL condition selects exactly the rows of the same predicate written in the query
//! language, and of a naive row-by-row evaluator (`proptests::naive`).

use super::proptests::{CENTRES, Lit, P, RADII, build_table, case, naive, render, render_arith};
use super::*;
use crate::names::NoResolver;
use proptest::prelude::*;

fn adql_lit(l: &Lit) -> String {
    match l {
        Lit::Num(x) if x.fract() == 0.0 => format!("{}", *x as i64),
        Lit::Num(x) => format!("{x:e}"),
        Lit::Str(s) => format!("'{s}'"),
        Lit::Bool(b) => if *b { "TRUE" } else { "false" }.into(),
    }
}

/// The predicate in ADQL: single-quoted strings, `IN (…)`, words as ILIKE '%word%' (the query
/// language's text search ignores case), cones as CONTAINS or DISTANCE.
fn render_adql(p: &P) -> String {
    match p {
        P::Arith(a, o, b) => format!(
            "{} {} {}",
            render_arith(a, true),
            o.symbol(),
            render_arith(b, true)
        ),
        P::Cmp(c, o, l, flipped) => {
            if *flipped {
                format!(
                    "{} {} {}",
                    adql_lit(l),
                    o.flipped().symbol(),
                    c.to_ascii_lowercase()
                )
            } else {
                format!("{c} {} {}", o.symbol(), adql_lit(l))
            }
        }
        P::IsNull(c, n) => format!("{c} IS {}NULL", if *n { "NOT " } else { "" }),
        P::InSet(c, v, n) => format!(
            "{c} {}IN ({})",
            if *n { "NOT " } else { "" },
            v.iter().map(adql_lit).collect::<Vec<_>>().join(", ")
        ),
        P::Between(c, a, b, n) => format!(
            "{c} {}BETWEEN {} AND {}",
            if *n { "NOT " } else { "" },
            adql_lit(&Lit::Num(*a)),
            adql_lit(&Lit::Num(*b))
        ),
        P::Contains(w, n) => {
            let all: Vec<String> = w.iter().map(|x| format!("s ILIKE '%{x}%'")).collect();
            let all = format!("({})", all.join(" AND "));
            if *n { format!("NOT {all}") } else { all }
        }
        P::BoolCol(_) => "b = TRUE".into(),
        P::Cone(k, distance) => {
            let (ra, dec) = CENTRES[k / 8];
            let r = RADII[k % 8];
            if *distance {
                format!(
                    "DISTANCE(POINT('ICRS', sc_ra, sc_dec), POINT('ICRS', {ra:?}, {dec:?})) < {r}"
                )
            } else {
                format!(
                    "1 = CONTAINS(POINT('ICRS', t.sc_ra, t.sc_dec), CIRCLE('ICRS', {ra:?}, {dec:?}, {r}))"
                )
            }
        }
        P::Not(p) => format!("NOT ({})", render_adql(p)),
        P::And(a, b) => format!("({}) AND ({})", render_adql(a), render_adql(b)),
        P::Or(a, b) => format!("({}) OR ({})", render_adql(a), render_adql(b)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn adql_selects_the_rows_of_the_query_language_and_of_a_naive_scan((centre, rows, p) in case()) {
        let table = build_table(centre, &rows);
        let text = format!("SELECT * FROM cat AS t WHERE {}", render_adql(&p));
        let (mut q, select) = Query::adql(&text, table.schema(), &QueryOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(select.table.name, "cat");
        q.resolve(&NoResolver).unwrap();
        let truth = q.evaluate(&table).unwrap();
        for row in 0..table.rows() {
            prop_assert_eq!(truth.get(row), naive(&p, &table, row), "{} row {}", text, row);
        }
        let ql = render(&p);
        let mut q2 = Query::parse(&ql, table.schema(), &QueryOptions::default()).unwrap();
        q2.resolve(&NoResolver).unwrap();
        prop_assert_eq!(q.matching_rows(&table).unwrap(), q2.matching_rows(&table).unwrap(), "{} vs {}", text, ql);
        // A cone of the top-level conjunction is planned as one: only its tiles are read.
        prop_assert_eq!(q.cones().len(), q2.cones().len());
    }

    #[test]
    fn random_adql_never_panics(text in "SELECT \\PC{0,80}") {
        let _ = Query::adql(&text, tests::demo_table().schema(), &QueryOptions::default());
    }
}

fn parse_ok(text: &str) -> adql::Select {
    Query::adql(text, tests::demo_table().schema(), &QueryOptions::default())
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .1
}

fn error(text: &str) -> (String, usize) {
    let e =
        Query::adql(text, tests::demo_table().schema(), &QueryOptions::default()).expect_err(text);
    let at = match &e {
        QueryError::Syntax { at, .. }
        | QueryError::Unsupported { at, .. }
        | QueryError::UnknownColumn { at, .. }
        | QueryError::Type { at, .. } => at.offset,
        other => panic!("{text}: {other:?}"),
    };
    (e.to_string(), at)
}

#[test]
fn statements_are_read_into_their_parts() {
    let s = parse_ok(
        "SELECT TOP 10 srcid, s.iauname AS name FROM xmm4_dr14.sources AS s WHERE sc_det_ml > 100 ORDER BY sc_ep_8_flux DESC, srcid OFFSET 5;",
    );
    assert_eq!(s.top, Some(10));
    let cols = s.columns.clone().unwrap();
    assert_eq!(
        cols.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["srcid", "iauname"]
    );
    assert_eq!(cols[1].alias.as_deref(), Some("name"));
    assert_eq!(cols[1].qualifier.as_deref(), Some("s"));
    assert_eq!(s.table.schema.as_deref(), Some("xmm4_dr14"));
    assert_eq!(s.table.name, "sources");
    assert_eq!(s.alias.as_deref(), Some("s"));
    assert_eq!(s.order.len(), 2);
    assert!(s.order[0].descending && !s.order[1].descending);
    assert_eq!(s.offset, Some(5));
    // Every ORDER BY key goes to the run: the first as the sort, the others after it.
    let mut run = crate::chunk::RunOptions::default();
    s.apply(&mut run);
    assert_eq!(
        (run.sort.as_deref(), run.desc, run.then.clone()),
        (
            Some("sc_ep_8_flux"),
            true,
            vec![("srcid".to_string(), false)]
        )
    );
    assert_eq!(run.window, Some((5, 10)));
    let n = parse_ok("SELECT COUNT(*) AS n FROM sources WHERE sc_det_ml > 10");
    assert_eq!(n.count.as_deref(), Some("n"));
    assert_eq!(
        parse_ok("SELECT COUNT(*) FROM sources").count.as_deref(),
        Some("COUNT")
    );
    let all = parse_ok("select * from sources");
    assert!(all.columns.is_none() && all.condition.is_none() && all.top.is_none());
}

#[test]
fn adql_conditions_select_the_query_languages_rows() {
    let t = tests::demo_table();
    let rows = |text: &str| {
        let (mut q, _) = Query::adql(text, t.schema(), &QueryOptions::default())
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        q.resolve(&NoResolver).unwrap();
        q.matching_rows(&t).unwrap()
    };
    let ql = |text: &str| {
        let mut q = Query::parse(text, t.schema(), &QueryOptions::default()).unwrap();
        q.resolve(&NoResolver).unwrap();
        q.matching_rows(&t).unwrap()
    };
    for (adql, equivalent) in [
        (
            "SELECT * FROM s WHERE CONTAINS(POINT('ICRS', sc_ra, sc_dec), CIRCLE('ICRS', 10.68, 41.27, 0.2)) = 1",
            "cone('10.68 +41.27', '0.2deg')",
        ),
        (
            "SELECT * FROM s WHERE CONTAINS(POINT(sc_ra, sc_dec), CIRCLE(POINT(10.68, 41.27), 0.2)) = 0",
            "NOT cone('10.68 +41.27', '0.2deg')",
        ),
        (
            "SELECT * FROM s WHERE DISTANCE(POINT('ICRS', 201.7, -47.46), POINT('ICRS', sc_ra, sc_dec)) <= 0.1",
            "cone('201.7 -47.46', '6arcmin')",
        ),
        (
            "SELECT * FROM s WHERE DISTANCE(sc_ra, sc_dec, 201.7, -47.46) > 0.1",
            "NOT cone('201.7 -47.46', '6arcmin')",
        ),
        (
            "SELECT * FROM s WHERE iauname LIKE '4XMM J00%'",
            "\"J00\" IN iauname",
        ),
        (
            "SELECT * FROM s WHERE iauname NOT LIKE '%+41____'",
            "NOT iauname IN {\"4XMM J004244.3+411608\", \"4XMM J004300.0+411000\"}",
        ),
        (
            "SELECT * FROM s WHERE iauname ILIKE '4xmm j13%'",
            "srcid = 1",
        ),
        (
            "SELECT * FROM s WHERE sc_det_ml BETWEEN 10 AND 600 AND srcid IN (2, 3, 4)",
            "sc_det_ml BETWEEN 10 AND 600 AND srcid IN {2, 3, 4}",
        ),
        (
            "SELECT * FROM s WHERE sc_ep_8_flux IS NULL OR sc_det_ml >= 1000",
            "sc_ep_8_flux IS NULL OR sc_det_ml >= 1000",
        ),
    ] {
        assert_eq!(rows(adql), ql(equivalent), "{adql}");
    }
    assert_eq!(
        rows("SELECT * FROM s WHERE iauname LIKE '4XMM J00%'"),
        [1, 2]
    );
}

#[test]
fn unsupported_adql_is_named_with_its_position() {
    for (text, needle, at) in [
        (
            "SELECT a.srcid FROM s AS a JOIN o ON a.x = o.x",
            "joins",
            27,
        ),
        ("SELECT srcid FROM s, o", "joins", 19),
        ("SELECT srcid FROM s GROUP BY srcid", "GROUP BY", 20),
        (
            "SELECT srcid FROM s WHERE srcid IN (SELECT srcid FROM o)",
            "subqueries",
            36,
        ),
        ("SELECT srcid FROM (SELECT * FROM s)", "subqueries", 18),
        ("SELECT DISTINCT srcid FROM s", "DISTINCT", 7),
        (
            "SELECT srcid FROM s WHERE sc_det_ml % 2 > 1",
            "mod(x, y)",
            26,
        ),
        (
            "SELECT srcid FROM s WHERE LOG10(sc_det_ml, 2) > 1",
            "log10() takes one argument, not 2",
            26,
        ),
        (
            "SELECT srcid FROM s WHERE iauname * 2 > 1",
            "column IAUNAME holds string values; arithmetic needs numbers",
            26,
        ),
        ("SELECT sc_det_ml * 2 FROM s", "arithmetic (*)", 17),
        ("SELECT AVG(sc_det_ml) FROM s", "AVG()", 7),
        (
            "SELECT COUNT(*), srcid FROM s",
            "COUNT(*) is the only item",
            15,
        ),
        (
            "SELECT srcid FROM s WHERE LOWER(iauname) = 'a'",
            "LOWER()",
            26,
        ),
        ("SELECT srcid FROM s WHERE RAND() < 0.5", "RAND()", 26),
        ("SELECT srcid FROM s LIMIT 10", "SELECT TOP n", 20),
        ("SELECT srcid FROM s UNION SELECT srcid FROM o", "UNION", 20),
        ("SELECT nosuch FROM s", "unknown column 'nosuch'", 7),
        (
            "SELECT srcid FROM s WHERE x.srcid = 1",
            "unknown table x",
            26,
        ),
        ("SELECT srcid FROM s ORDER BY 1", "column number", 29),
        (
            "SELECT srcid FROM s WHERE CONTAINS(POINT('GALACTIC', sc_ra, sc_dec), CIRCLE('ICRS', 1, 2, 3)) = 1",
            "'GALACTIC'",
            35,
        ),
        (
            "SELECT srcid FROM s WHERE CONTAINS(POINT('ICRS', sc_ra, sc_dec), CIRCLE('ICRS', 1, 2, 300)) = 1",
            "radius 300",
            26,
        ),
        (
            "SELECT srcid FROM s WHERE",
            "expected a condition after WHERE",
            25,
        ),
        ("SELECT srcid s WHERE x = 1", "expected FROM", 15),
        ("SELECT TOP x srcid FROM s", "TOP needs a whole number", 11),
    ] {
        let (message, offset) = error(text);
        assert!(message.contains(needle), "{text}: {message}");
        assert_eq!(offset, at, "{text}: {message}");
    }
}

#[test]
fn adql_is_told_from_the_query_language() {
    assert!(adql::looks_like_adql("SELECT * FROM s"));
    assert!(adql::looks_like_adql("  select\ttop 5 srcid from s"));
    assert!(adql::looks_like_adql("SELECT* FROM s"));
    // Found by fuzzing: a query without WHERE (here commented out) has no condition to write.
    let t = tests::demo_table();
    let (q, _) = Query::adql(
        "SELECT * FROM s -- WHERE srcid = 1",
        t.schema(),
        &QueryOptions::default(),
    )
    .unwrap();
    assert_eq!(adql::condition(q.expr()), Ok(None));
    assert!(!adql::looks_like_adql("selection = 1"));
    assert!(!adql::looks_like_adql("sc_det_ml > 10"));
    assert!(!adql::looks_like_adql("M82"));
    // Found by fuzzing: a character across the sixth byte.
    assert!(!adql::looks_like_adql("$.$$$±"));
    assert!(!adql::looks_like_adql("selec±"));
}

#[test]
fn releases_have_adql_schema_names() {
    for (id, schema) in [
        ("5xmm-dr15", "xmm5_dr15"),
        ("4xmm-dr14", "xmm4_dr14"),
        ("3xmm-dr8", "xmm3_dr8"),
        ("", "xcat"),
        ("2rxs", "r2rxs"),
        ("erass1", "erass1"),
    ] {
        assert_eq!(adql::schema_name(id), schema, "{id}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A query-language query written as ADQL (for a TAP service) selects the same rows.
    #[test]
    fn query_language_conditions_written_as_adql_select_the_same_rows((centre, rows, p) in case()) {
        let table = build_table(centre, &rows);
        let text = render(&p);
        let mut q = Query::parse(&text, table.schema(), &QueryOptions::default()).unwrap();
        q.resolve(&NoResolver).unwrap();
        let Ok(Some(cond)) = adql::condition(q.expr()) else {
            // Only words holding % or _ cannot be written; the generator has none.
            return Err(TestCaseError::fail(format!("{text}: no ADQL")));
        };
        let adql_text = format!("SELECT * FROM t WHERE {cond}");
        let (mut a, _) = Query::adql(&adql_text, table.schema(), &QueryOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{text} → {adql_text}: {e}")))?;
        a.resolve(&NoResolver).unwrap();
        prop_assert_eq!(a.matching_rows(&table).unwrap(), q.matching_rows(&table).unwrap(), "{} → {}", text, adql_text);
    }
}
