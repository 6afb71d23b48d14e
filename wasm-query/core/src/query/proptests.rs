//! Property tests: random predicates, rendered as query text, must select exactly the rows a
//! naive row-by-row evaluator (written independently, over `Table::value`) says are true — with
//! the full three-valued truth per row compared, cones at the poles and across RA = 0/360
//! included. And no input string may make the parser panic.

use super::*;
use crate::column::Column;
use crate::coords::{format_dec_dms, format_ra_hms, offset};
use crate::names::NoResolver;
use crate::schema::{DataType, Field};
use crate::value::Value;
use proptest::prelude::*;

/// Cone centres: the equator at RA 0, RA 359.95° (cones cross RA = 0/360), near both poles
/// (cones cross the pole), and an ordinary place.
pub(crate) const CENTRES: [(f64, f64); 6] = [
    (0.0, 0.0),
    (359.95, 10.0),
    (45.0, 89.9),
    (200.0, -89.95),
    (0.02, -30.0),
    (201.69, -47.48),
];
/// Cone radii, degrees; rows lie at (k + 0.5) × 0.1° from the centre, never within 0.05° of a
/// radius, so float rounding cannot decide a row.
pub(crate) const RADII: [f64; 4] = [0.3, 0.6, 1.2, 2.0];
const WORDS: [&str; 7] = ["ab", "AB", "abc", "b", "", "xyz", "4XMM J0"];
const NUMBERS: [f64; 8] = [-2.5, -1.0, 0.0, 0.5, 1.0, 2.0, 2.5, 3.0];

#[derive(Debug, Clone)]
pub(crate) enum Lit {
    Num(f64),
    Str(&'static str),
    Bool(bool),
}

/// A numeric expression over the numeric columns.
#[derive(Debug, Clone)]
pub(crate) enum A {
    Col(&'static str),
    Num(f64),
    Neg(Box<A>),
    Bin(char, Box<A>, Box<A>),
    Call(&'static str, Vec<A>),
}

#[derive(Debug, Clone)]
pub(crate) enum P {
    Cmp(&'static str, CmpOp, Lit, bool),
    Arith(A, CmpOp, A),
    IsNull(&'static str, bool),
    InSet(&'static str, Vec<Lit>, bool),
    Between(&'static str, f64, f64, bool),
    Contains(Vec<&'static str>, bool),
    BoolCol(bool),
    Cone(usize, bool),
    Not(Box<P>),
    And(Box<P>, Box<P>),
    Or(Box<P>, Box<P>),
}

fn op() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge)
    ]
}

fn num() -> impl Strategy<Value = f64> {
    prop::sample::select(NUMBERS.to_vec())
}

fn word() -> impl Strategy<Value = &'static str> {
    prop::sample::select(WORDS.to_vec())
}

fn arith() -> impl Strategy<Value = A> {
    let leaf = prop_oneof![
        prop::sample::select(vec!["I", "F"]).prop_map(A::Col),
        num().prop_map(A::Num),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| A::Neg(Box::new(a))),
            (
                prop::sample::select(vec!['+', '-', '*', '/']),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(o, a, b)| A::Bin(o, Box::new(a), Box::new(b))),
            (
                prop::sample::select(vec!["abs", "sqrt", "log10", "floor", "exp", "sin"]),
                inner.clone()
            )
                .prop_map(|(f, a)| A::Call(f, vec![a])),
            (
                prop::sample::select(vec!["power", "mod", "round", "atan2"]),
                inner.clone(),
                inner
            )
                .prop_map(|(f, a, b)| A::Call(f, vec![a, b])),
        ]
    })
}

/// A comparison of expressions that reads a column (`I`, `F`) on its left.
fn arith_leaf() -> impl Strategy<Value = P> {
    (
        prop::sample::select(vec!["I", "F"]),
        prop::sample::select(vec!['+', '*', '/']),
        arith(),
        op(),
        arith(),
    )
        .prop_map(|(c, o, a, cmp, b)| P::Arith(A::Bin(o, Box::new(A::Col(c)), Box::new(a)), cmp, b))
}

fn leaf(centre: usize) -> impl Strategy<Value = P> {
    let numeric_col = prop::sample::select(vec!["I", "F"]);
    prop_oneof![
        arith_leaf(),
        (numeric_col.clone(), op(), num(), any::<bool>()).prop_map(|(c, o, x, f)| P::Cmp(
            c,
            o,
            Lit::Num(x),
            f
        )),
        (op(), word(), any::<bool>()).prop_map(|(o, w, f)| P::Cmp("S", o, Lit::Str(w), f)),
        (
            prop::sample::select(vec![CmpOp::Eq, CmpOp::Ne]),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(o, b, f)| P::Cmp("B", o, Lit::Bool(b), f)),
        (
            prop::sample::select(vec!["I", "F", "S", "B", "SC_RA"]),
            any::<bool>()
        )
            .prop_map(|(c, n)| P::IsNull(c, n)),
        (
            numeric_col.clone(),
            prop::collection::vec(num().prop_map(Lit::Num), 1..4),
            any::<bool>()
        )
            .prop_map(|(c, v, n)| P::InSet(c, v, n)),
        (
            prop::collection::vec(word().prop_map(Lit::Str), 1..4),
            any::<bool>()
        )
            .prop_map(|(v, n)| P::InSet("S", v, n)),
        (numeric_col, num(), num(), any::<bool>()).prop_map(|(c, a, b, n)| P::Between(c, a, b, n)),
        (
            prop::collection::vec(prop::sample::select(vec!["a", "B", "x", "AB", "J0"]), 1..3),
            any::<bool>()
        )
            .prop_map(|(w, n)| P::Contains(w, n)),
        any::<bool>().prop_map(P::BoolCol),
        (0..RADII.len(), any::<bool>()).prop_map(move |(r, sexa)| P::Cone(centre * 8 + r, sexa)),
    ]
}

fn predicate(centre: usize) -> impl Strategy<Value = P> {
    leaf(centre).prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|p| P::Not(Box::new(p))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| P::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| P::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn lit_text(l: &Lit) -> String {
    match l {
        Lit::Num(x) if x.fract() == 0.0 => format!("{}", *x as i64),
        Lit::Num(x) => format!("{x:e}"),
        Lit::Str(s) => format!("\"{s}\""),
        Lit::Bool(b) => {
            if *b {
                "TRUE".into()
            } else {
                "false".into()
            }
        }
    }
}

/// The expression as text, function names in `case`.
pub(crate) fn render_arith(a: &A, upper: bool) -> String {
    match a {
        A::Col(c) => c.to_string(),
        A::Num(x) => lit_text(&Lit::Num(*x)),
        A::Neg(x) => format!("-({})", render_arith(x, upper)),
        A::Bin(o, a, b) => format!(
            "({} {o} {})",
            render_arith(a, upper),
            render_arith(b, upper)
        ),
        A::Call(f, args) => format!(
            "{}({})",
            if upper {
                f.to_ascii_uppercase()
            } else {
                f.to_string()
            },
            args.iter()
                .map(|x| render_arith(x, upper))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(crate) fn render(p: &P) -> String {
    match p {
        P::Arith(a, o, b) => format!(
            "{} {} {}",
            render_arith(a, false),
            o.symbol(),
            render_arith(b, false)
        ),
        P::Cmp(c, o, l, flipped) => {
            if *flipped {
                format!(
                    "{} {} {}",
                    lit_text(l),
                    o.flipped().symbol(),
                    c.to_ascii_lowercase()
                )
            } else {
                format!("{c} {} {}", o.symbol(), lit_text(l))
            }
        }
        P::IsNull(c, n) => format!("{c} IS {}NULL", if *n { "NOT " } else { "" }),
        P::InSet(c, v, n) => format!(
            "{c} {}IN {{{}}}",
            if *n { "NOT " } else { "" },
            v.iter().map(lit_text).collect::<Vec<_>>().join(", ")
        ),
        P::Between(c, a, b, n) => format!(
            "{c} {}BETWEEN {} AND {}",
            if *n { "NOT " } else { "" },
            lit_text(&Lit::Num(*a)),
            lit_text(&Lit::Num(*b))
        ),
        P::Contains(w, n) => {
            let not = if *n { "NOT " } else { "" };
            if w.len() == 1 {
                format!("'{}' {not}IN s", w[0])
            } else {
                let set: Vec<String> = w.iter().map(|x| format!("\"{x}\"")).collect();
                format!("{{{}}} {not}IN S", set.join(","))
            }
        }
        P::BoolCol(eq) => {
            if *eq {
                "b".into()
            } else {
                "B = true".into()
            }
        }
        P::Cone(k, sexagesimal) => {
            let (ra, dec) = CENTRES[k / 8];
            let r = RADII[k % 8];
            if *sexagesimal {
                format!(
                    "cone('{} {}', '{}arcmin')",
                    format_ra_hms(ra, 4, ':'),
                    format_dec_dms(dec, 3, ':'),
                    r * 60.0
                )
            } else {
                format!("cone({ra:?}, {dec:?}, {r}deg)")
            }
        }
        P::Not(p) => format!("NOT ({})", render(p)),
        P::And(a, b) => format!("({}) AND ({})", render(a), render(b)),
        P::Or(a, b) => format!("({}) or ({})", render(a), render(b)),
    }
}

fn number_of(v: Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(i as f64),
        Value::Float(x) if !x.is_nan() => Some(x),
        _ => None,
    }
}

/// Haversine distance in degrees, independent of the evaluator's formula.
fn haversine(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (p1, p2) = (dec1.to_radians(), dec2.to_radians());
    let dp = p2 - p1;
    let dl = (ra2 - ra1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * h.sqrt().min(1.0).asin().to_degrees()
}

/// The value of an expression on a row: double precision, null for a null operand or a result
/// that is not a finite number.
fn naive_number(a: &A, t: &Table, row: usize) -> Option<f64> {
    let v = match a {
        A::Col(c) => number_of(t.value(c, row))?,
        A::Num(x) => *x,
        // A sign before an integer literal makes an integer (SQL): `-(0)` is 0, not the -0.0
        // of double precision (which ATAN2 tells apart).
        A::Neg(x) if matches!(**x, A::Num(n) if n.fract() == 0.0) => {
            -naive_number(x, t, row)? + 0.0
        }
        A::Neg(x) => -naive_number(x, t, row)?,
        A::Bin(o, a, b) => {
            let (x, y) = (naive_number(a, t, row)?, naive_number(b, t, row)?);
            match o {
                '+' => x + y,
                '-' => x - y,
                '*' => x * y,
                _ => x / y,
            }
        }
        A::Call(f, args) => {
            let v: Vec<f64> = args
                .iter()
                .map(|x| naive_number(x, t, row))
                .collect::<Option<_>>()?;
            match (*f, v.as_slice()) {
                ("abs", [x]) => x.abs(),
                ("sqrt", [x]) => x.sqrt(),
                ("log10", [x]) => x.log10(),
                ("floor", [x]) => x.floor(),
                ("exp", [x]) => x.exp(),
                ("sin", [x]) => x.sin(),
                ("power", [x, y]) => x.powf(*y),
                ("mod", [x, y]) => x % y,
                ("atan2", [y, x]) => y.atan2(*x),
                ("round", [x, n]) => {
                    let p = 10f64.powf(n.trunc());
                    (x * p).round() / p
                }
                other => panic!("no naive {other:?}"),
            }
        }
    };
    v.is_finite().then_some(v)
}

pub(crate) fn naive(p: &P, t: &Table, row: usize) -> Option<bool> {
    let lit_eq = |v: &Value, l: &Lit| -> Option<bool> {
        Some(match (v, l) {
            (Value::Str(s), Lit::Str(w)) => s.to_lowercase() == w.to_lowercase(),
            (Value::Bool(b), Lit::Bool(c)) => b == c,
            (v, Lit::Num(x)) => number_of(v.clone())? == *x,
            _ => return None,
        })
    };
    match p {
        P::Arith(a, o, b) => {
            Some(o.holds(naive_number(a, t, row)?.partial_cmp(&naive_number(b, t, row)?)?))
        }
        P::Cmp(c, o, l, _) => {
            let v = t.value(c, row);
            let ord = match (&v, l) {
                (Value::Null, _) => return None,
                (Value::Str(s), Lit::Str(w)) => s.to_lowercase().cmp(&w.to_lowercase()),
                (Value::Bool(b), Lit::Bool(x)) => b.cmp(x),
                (v, Lit::Num(x)) => number_of(v.clone())?.partial_cmp(x)?,
                _ => return None,
            };
            Some(o.holds(ord))
        }
        P::IsNull(c, n) => Some(t.value(c, row).is_null() != *n),
        P::InSet(c, v, n) => {
            let x = t.value(c, row);
            if x.is_null() {
                return None;
            }
            let any = v.iter().any(|l| lit_eq(&x, l) == Some(true));
            Some(any != *n)
        }
        P::Between(c, a, b, n) => {
            let x = number_of(t.value(c, row))?;
            Some((*a <= x && x <= *b) != *n)
        }
        P::Contains(w, n) => match t.value("S", row) {
            Value::Str(s) => {
                let s = s.to_lowercase();
                Some(w.iter().all(|x| s.contains(&x.to_lowercase())) != *n)
            }
            _ => None,
        },
        P::BoolCol(_) => match t.value("B", row) {
            Value::Bool(b) => Some(b),
            _ => None,
        },
        P::Cone(k, _) => {
            let (ra0, dec0) = CENTRES[k / 8];
            let ra = number_of(t.value("SC_RA", row))?;
            let dec = number_of(t.value("SC_DEC", row))?;
            Some(haversine(ra0, dec0, ra, dec) <= RADII[k % 8])
        }
        P::Not(p) => naive(p, t, row).map(|b| !b),
        P::And(a, b) => match (naive(a, t, row), naive(b, t, row)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        P::Or(a, b) => match (naive(a, t, row), naive(b, t, row)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RowSpec {
    i: Option<i32>,
    f: Option<f64>,
    s: Option<&'static str>,
    b: Option<bool>,
    /// Position angle (deg) and distance step from the centre; `None` = null position.
    pos: Option<(f64, u8)>,
}

fn row_spec() -> impl Strategy<Value = RowSpec> {
    (
        prop::option::weighted(0.85, -3i32..4),
        prop::option::weighted(0.85, num()),
        prop::option::weighted(0.85, word()),
        prop::option::weighted(0.85, any::<bool>()),
        prop::option::weighted(0.9, (0.0f64..360.0, 0u8..30)),
    )
        .prop_map(|(i, f, s, b, pos)| RowSpec { i, f, s, b, pos })
}

pub(crate) fn build_table(centre: usize, rows: &[RowSpec]) -> Table {
    let (ra0, dec0) = CENTRES[centre];
    let mut t = Table::with_rows(rows.len());
    let col = |dtype, values: Vec<Value>| Column::from_values(dtype, &values);
    let opt = |v: Option<Value>| v.unwrap_or(Value::Null);
    let positions: Vec<Option<(f64, f64)>> = rows
        .iter()
        .map(|r| {
            r.pos
                .map(|(pa, k)| offset(ra0, dec0, pa, (f64::from(k) + 0.5) * 0.1))
        })
        .collect();
    let columns = [
        (
            "I",
            DataType::I32,
            rows.iter()
                .map(|r| opt(r.i.map(|x| Value::Int(x.into()))))
                .collect(),
        ),
        (
            "F",
            DataType::F64,
            rows.iter().map(|r| opt(r.f.map(Value::Float))).collect(),
        ),
        (
            "S",
            DataType::Str,
            rows.iter()
                .map(|r| opt(r.s.map(|s| Value::Str(s.into()))))
                .collect(),
        ),
        (
            "B",
            DataType::Bool,
            rows.iter().map(|r| opt(r.b.map(Value::Bool))).collect(),
        ),
        (
            "SC_RA",
            DataType::F64,
            positions
                .iter()
                .map(|p| opt(p.map(|p| Value::Float(p.0))))
                .collect(),
        ),
        (
            "SC_DEC",
            DataType::F64,
            positions
                .iter()
                .map(|p| opt(p.map(|p| Value::Float(p.1))))
                .collect(),
        ),
    ];
    for (name, dtype, values) in columns {
        t.push(Field::new(name, dtype), col(dtype, values)).unwrap();
    }
    t
}

pub(crate) fn case() -> impl Strategy<Value = (usize, Vec<RowSpec>, P)> {
    (0..CENTRES.len()).prop_flat_map(|c| {
        (
            Just(c),
            prop::collection::vec(row_spec(), 0..48),
            predicate(c),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn evaluation_matches_naive_rows((centre, rows, p) in case()) {
        let table = build_table(centre, &rows);
        let text = render(&p);
        let mut q = Query::parse(&text, table.schema(), &QueryOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        q.resolve(&NoResolver).unwrap();
        let truth = q.evaluate(&table).unwrap();
        for row in 0..table.rows() {
            prop_assert_eq!(truth.get(row), naive(&p, &table, row), "{} row {}", text, row);
        }
        let want: Vec<usize> = (0..table.rows()).filter(|&r| naive(&p, &table, r) == Some(true)).collect();
        prop_assert_eq!(q.matching_rows(&table).unwrap(), want);
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,80}") {
        let table = build_table(0, &[]);
        if let Ok(mut q) = Query::parse(&text, table.schema(), &QueryOptions::default()) {
            let _ = q.resolve(&NoResolver);
            let _ = q.evaluate(&table);
        }
        let _ = crate::coords::parse_position(&text);
        let _ = crate::coords::parse_radius(&text);
        let _ = crate::names::parse_iau_designation(&text);
        let _ = crate::names::name_key(&text);
    }

    #[test]
    fn query_like_text_never_panics(
        text in "[a-zA-Z0-9_ (){}'\",.=<>!+\\-*:;°′″é\n]{0,60}",
        prefix in prop::sample::select(vec!["", "cone(", "s IN {", "\"a\" IN ", "NOT ", "i BETWEEN "]),
    ) {
        let text = format!("{prefix}{text}");
        let rows = [RowSpec { i: Some(1), f: None, s: Some("ab"), b: Some(true), pos: Some((0.0, 1)) }];
        let table = build_table(2, &rows);
        match Query::parse(&text, table.schema(), &QueryOptions::default()) {
            Ok(mut q) => {
                if q.resolve(&NoResolver).is_ok() {
                    q.evaluate(&table).unwrap();
                }
            }
            Err(e) => {
                // Positions lie inside the text, on character boundaries.
                if let Some(p) = e.position() {
                    prop_assert!(p.offset <= p.end && p.end <= text.len(), "{:?}", p);
                    prop_assert!(text.is_char_boundary(p.offset) && text.is_char_boundary(p.end));
                }
            }
        }
    }
}

#[test]
fn cones_cross_the_pole_and_ra_zero() {
    // Rows every 0.1° (from 0.05°) north and south of the centre (position angles 0 and 180),
    // and east and west (90 and 270).
    let rows_along = |pas: &[f64]| -> Vec<RowSpec> {
        pas.iter()
            .flat_map(|&pa| {
                (0u8..30).map(move |k| RowSpec {
                    i: None,
                    f: None,
                    s: None,
                    b: None,
                    pos: Some((pa, k)),
                })
            })
            .collect()
    };
    // Near the north pole (45°, 89.9°): going north for more than 0.1° crosses the pole.
    let table = build_table(2, &rows_along(&[0.0, 180.0]));
    let q = Query::parse(
        "cone(45.0, 89.9, 1.2deg)",
        table.schema(),
        &QueryOptions::default(),
    )
    .unwrap();
    let rows = q.matching_rows(&table).unwrap();
    // 12 rows within 1.2° on each side (0.05 ... 1.15).
    assert_eq!(rows.len(), 24);
    let ra = table.column("SC_RA").unwrap();
    assert!(
        rows.iter()
            .any(|&r| (ra.f64(r).unwrap() - 225.0).abs() < 1e-6),
        "no row past the pole"
    );
    // Across RA = 0: east of 359.95° lies RA < 1°.
    let table = build_table(1, &rows_along(&[90.0, 270.0]));
    let q = Query::parse(
        "cone('23:59:48 +10:00:00', '36arcmin')",
        table.schema(),
        &QueryOptions::default(),
    )
    .unwrap();
    let rows = q.matching_rows(&table).unwrap();
    assert_eq!(rows.len(), 12, "{rows:?}");
    let ra = table.column("SC_RA").unwrap();
    assert!(rows.iter().any(|&r| ra.f64(r).unwrap() < 1.0));
    assert!(rows.iter().any(|&r| ra.f64(r).unwrap() > 359.0));
}
