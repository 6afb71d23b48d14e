//! Brute-force evaluation of a checked condition over a [`Table`], column at a time, with SQL
//! three-valued logic; sorting and paging of the matching rows.
//!
//! This evaluator is the reference that tile-based evaluation is tested against, so it favours
//! plain code over speed. Every leaf test is one pass over its column producing, per row, true,
//! false or unknown (a null operand); `NOT`, `AND` and `OR` combine those vectors bitwise with
//! Kleene's rules (unknown AND false = false, unknown OR true = true, NOT unknown = unknown).
//! A row matches only when the whole condition is true. Float NaN counts as null.
//!
//! Strings compare ignoring ASCII case (as column names do); text search (`"sub" IN col`) is
//! a case-insensitive substring test. A cone keeps rows whose angular distance
//! ([`crate::coords::angular_distance`]) from the centre is at most the radius.

use super::ast::{CmpOp, ColumnRef, Cone, Expr, Kind, Num, Operand, Scalar};
use super::error::EvalError;
use crate::column::Column;
use crate::coords::angular_distance;
use crate::table::Table;
use std::cmp::Ordering;

/// Per-row truth values: `known_true` and `known_false` bit sets (neither = unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    known_true: Vec<u64>,
    known_false: Vec<u64>,
    len: usize,
}

impl Truth {
    fn constant(len: usize, value: Option<bool>) -> Truth {
        let words = len.div_ceil(64);
        let mut t = Truth {
            known_true: vec![0; words],
            known_false: vec![0; words],
            len,
        };
        for i in 0..len {
            t.set(i, value);
        }
        t
    }

    fn from_fn(len: usize, f: impl Fn(usize) -> Option<bool>) -> Truth {
        let mut t = Truth::constant(len, None);
        for i in 0..len {
            t.set(i, f(i));
        }
        t
    }

    fn set(&mut self, i: usize, value: Option<bool>) {
        let (w, bit) = (i / 64, 1u64 << (i % 64));
        match value {
            Some(true) => self.known_true[w] |= bit,
            Some(false) => self.known_false[w] |= bit,
            None => {}
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The truth value of row `i`: `Some(true)`, `Some(false)` or `None` (unknown).
    pub fn get(&self, i: usize) -> Option<bool> {
        let (w, bit) = (i / 64, 1u64 << (i % 64));
        if self.known_true.get(w).is_some_and(|x| x & bit != 0) {
            Some(true)
        } else if self.known_false.get(w).is_some_and(|x| x & bit != 0) {
            Some(false)
        } else {
            None
        }
    }

    /// Indices of the rows where the condition is true, ascending.
    pub fn matching_rows(&self) -> Vec<usize> {
        let mut rows = Vec::new();
        for (w, &word) in self.known_true.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                rows.push(w * 64 + b);
                bits &= bits - 1;
            }
        }
        rows
    }

    /// Number of rows where the condition is true.
    pub fn count(&self) -> usize {
        self.known_true
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum()
    }

    fn not(self) -> Truth {
        Truth {
            known_true: self.known_false,
            known_false: self.known_true,
            len: self.len,
        }
    }

    fn and(mut self, other: &Truth) -> Truth {
        for (a, b) in self.known_true.iter_mut().zip(&other.known_true) {
            *a &= b;
        }
        for (a, b) in self.known_false.iter_mut().zip(&other.known_false) {
            *a |= b;
        }
        self
    }

    fn or(mut self, other: &Truth) -> Truth {
        for (a, b) in self.known_true.iter_mut().zip(&other.known_true) {
            *a |= b;
        }
        for (a, b) in self.known_false.iter_mut().zip(&other.known_false) {
            *a &= b;
        }
        self
    }
}

/// Looks up a column, checks it has the kind the query was checked against, and returns it with
/// its actual kind (an integer column may stand where a float one was checked, and back).
fn column<'t>(table: &'t Table, c: &ColumnRef) -> Result<(&'t Column, Kind), EvalError> {
    let col = table
        .column(&c.name)
        .ok_or_else(|| EvalError::MissingColumn(c.name.clone()))?;
    let found = Kind::of(col.dtype());
    let ok = found == c.kind || (found.is_numeric() && c.kind.is_numeric());
    if !ok {
        return Err(EvalError::ColumnType {
            name: c.name.clone(),
            expected: c.kind.name(),
            found: found.name(),
        });
    }
    Ok((col, found))
}

/// A numeric cell, NaN as null.
fn number(col: &Column, i: usize) -> Option<f64> {
    col.f64(i).filter(|x| !x.is_nan())
}

/// Whether a cell is null (NaN floats included).
pub(crate) fn is_null(col: &Column, i: usize) -> bool {
    col.is_null(i) || col.f64(i).is_some_and(f64::is_nan)
}

/// Compares strings ignoring ASCII case.
pub(crate) fn cmp_text(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Compares cell `i` of `col` (of kind `kind`) with a constant.
fn cmp_scalar(col: &Column, kind: Kind, i: usize, s: &Scalar) -> Option<Ordering> {
    match (kind, s) {
        (Kind::Integer, Scalar::Int(v)) => col.i64(i).map(|x| x.cmp(v)),
        (Kind::Float, Scalar::Int(v)) => number(col, i)?.partial_cmp(&(*v as f64)),
        (Kind::Integer | Kind::Float, Scalar::Float(v)) => number(col, i)?.partial_cmp(v),
        (Kind::Text, Scalar::Str(v)) => col.str(i).map(|x| cmp_text(x, v)),
        (Kind::Bool, Scalar::Bool(v)) => col.bool(i).map(|x| x.cmp(v)),
        _ => None,
    }
}

fn cmp_columns(a: &Column, ak: Kind, b: &Column, bk: Kind, i: usize) -> Option<Ordering> {
    match (ak, bk) {
        (Kind::Integer, Kind::Integer) => Some(a.i64(i)?.cmp(&b.i64(i)?)),
        (Kind::Text, Kind::Text) => Some(cmp_text(a.str(i)?, b.str(i)?)),
        (Kind::Bool, Kind::Bool) => Some(a.bool(i)?.cmp(&b.bool(i)?)),
        _ => number(a, i)?.partial_cmp(&number(b, i)?),
    }
}

fn contains_all(haystack: &str, words: &[String]) -> bool {
    let hay = haystack.to_ascii_lowercase();
    words.iter().all(|w| hay.contains(&w.to_ascii_lowercase()))
}

fn cone(table: &Table, c: &Cone) -> Result<Truth, EvalError> {
    let (ra0, dec0) = c.position().ok_or_else(|| match &c.centre {
        super::ast::Centre::Name { name, .. } => EvalError::Unresolved(name.clone()),
        super::ast::Centre::Position { .. } => EvalError::Unresolved(String::new()),
    })?;
    let numeric = |name: &str| ColumnRef {
        name: name.to_string(),
        kind: Kind::Float,
        span: Default::default(),
    };
    let (ra, _) = column(table, &numeric(&c.ra_column))?;
    let (dec, _) = column(table, &numeric(&c.dec_column))?;
    Ok(Truth::from_fn(table.rows(), |i| {
        Some(angular_distance(ra0, dec0, number(ra, i)?, number(dec, i)?) <= c.radius_deg)
    }))
}

/// The values of a numeric expression on every row of `table`, NaN for null (a null operand,
/// or a result that is not a finite number).
pub(crate) fn numbers(table: &Table, e: &Num) -> Result<Vec<f64>, EvalError> {
    let n = table.rows();
    let finite = |x: f64| if x.is_finite() { x } else { f64::NAN };
    Ok(match e {
        Num::Column(c) => {
            let (col, _) = column(table, c)?;
            (0..n)
                .map(|i| number(col, i).map_or(f64::NAN, finite))
                .collect()
        }
        Num::Const(x) => vec![finite(*x); n],
        Num::Neg(x) => numbers(table, x)?.into_iter().map(|v| -v).collect(),
        Num::Bin(op, a, b) => {
            let b = numbers(table, b)?;
            let mut a = numbers(table, a)?;
            for (x, y) in a.iter_mut().zip(b) {
                *x = finite(op.apply(*x, y));
            }
            a
        }
        Num::Call(f, args) => {
            let args = args
                .iter()
                .map(|a| numbers(table, a))
                .collect::<Result<Vec<_>, _>>()?;
            let mut buf = Vec::with_capacity(args.len());
            (0..n)
                .map(|i| {
                    buf.clear();
                    buf.extend(args.iter().map(|a| a[i]));
                    // A null argument gives null (IEEE would give power(NaN, 0) = 1).
                    if buf.iter().any(|x| x.is_nan()) {
                        f64::NAN
                    } else {
                        finite(f.apply(&buf))
                    }
                })
                .collect()
        }
    })
}

/// Evaluates `expr` on every row of `table`.
pub fn evaluate(expr: &Expr, table: &Table) -> Result<Truth, EvalError> {
    let n = table.rows();
    Ok(match expr {
        Expr::Const(b) => Truth::constant(n, Some(*b)),
        Expr::Compare { column: c, op, rhs } => {
            let (col, kind) = column(table, c)?;
            match rhs {
                Operand::Scalar(s) => {
                    Truth::from_fn(n, |i| cmp_scalar(col, kind, i, s).map(|o| op.holds(o)))
                }
                Operand::Column(d) => {
                    let (other, other_kind) = column(table, d)?;
                    Truth::from_fn(n, |i| {
                        cmp_columns(col, kind, other, other_kind, i).map(|o| op.holds(o))
                    })
                }
            }
        }
        Expr::Between {
            column: c,
            low,
            high,
        } => {
            let (col, kind) = column(table, c)?;
            Truth::from_fn(n, |i| {
                let lo = cmp_scalar(col, kind, i, low)?;
                let hi = cmp_scalar(col, kind, i, high)?;
                Some(CmpOp::Ge.holds(lo) && CmpOp::Le.holds(hi))
            })
        }
        Expr::InSet { column: c, set } => {
            let (col, kind) = column(table, c)?;
            Truth::from_fn(n, |i| {
                if is_null(col, i) {
                    return None;
                }
                Some(
                    set.iter()
                        .any(|s| cmp_scalar(col, kind, i, s) == Some(Ordering::Equal)),
                )
            })
        }
        Expr::IsNull { column: c, negated } => {
            let (col, _) = column(table, c)?;
            Truth::from_fn(n, |i| Some(is_null(col, i) != *negated))
        }
        Expr::Contains { column: c, words } => {
            let (col, _) = column(table, c)?;
            Truth::from_fn(n, |i| col.str(i).map(|s| contains_all(s, words)))
        }
        Expr::Like {
            column: c,
            pattern,
            case_insensitive,
        } => {
            let (col, _) = column(table, c)?;
            let pattern: Vec<char> = pattern.chars().collect();
            Truth::from_fn(n, |i| {
                col.str(i)
                    .map(|s| like(&s.chars().collect::<Vec<_>>(), &pattern, *case_insensitive))
            })
        }
        Expr::IsTrue(c) => {
            let (col, _) = column(table, c)?;
            Truth::from_fn(n, |i| col.bool(i))
        }
        Expr::Cone(c) => cone(table, c)?,
        Expr::Arith { lhs, op, rhs } => {
            let (a, b) = (numbers(table, lhs)?, numbers(table, rhs)?);
            Truth::from_fn(n, |i| a[i].partial_cmp(&b[i]).map(|o| op.holds(o)))
        }
        Expr::Linked { key, .. } => return Err(EvalError::UnresolvedLink(key.clone())),
        Expr::Not(e) => evaluate(e, table)?.not(),
        Expr::And(v) => {
            let mut acc = Truth::constant(n, Some(true));
            for e in v {
                acc = acc.and(&evaluate(e, table)?);
            }
            acc
        }
        Expr::Or(v) => {
            let mut acc = Truth::constant(n, Some(false));
            for e in v {
                acc = acc.or(&evaluate(e, table)?);
            }
            acc
        }
    })
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Smallest first.
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

/// Sorts row indices by column `name` (ignoring case). Nulls (and NaN) come last in both
/// directions; equal values keep their order (stable). Strings sort ignoring ASCII case, then
/// by bytes.
pub fn sort_rows(
    table: &Table,
    rows: &mut [usize],
    name: &str,
    order: Order,
) -> Result<(), EvalError> {
    let col = table
        .column(name)
        .ok_or_else(|| EvalError::MissingColumn(name.to_string()))?;
    if rows.iter().any(|&r| r >= table.rows()) {
        return Err(EvalError::MissingColumn(format!(
            "row beyond the table in sort by {name}"
        )));
    }
    let kind = Kind::of(col.dtype());
    let cmp_values = |a: usize, b: usize| -> Ordering {
        match kind {
            Kind::Integer => col.i64(a).cmp(&col.i64(b)),
            Kind::Float => number(col, a)
                .partial_cmp(&number(col, b))
                .unwrap_or(Ordering::Equal),
            Kind::Text => {
                let (x, y) = (col.str(a).unwrap_or(""), col.str(b).unwrap_or(""));
                cmp_text(x, y).then_with(|| x.cmp(y))
            }
            Kind::Bool => col.bool(a).cmp(&col.bool(b)),
        }
    };
    rows.sort_by(|&a, &b| match (is_null(col, a), is_null(col, b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => match order {
            Order::Ascending => cmp_values(a, b),
            Order::Descending => cmp_values(b, a),
        },
    });
    Ok(())
}

/// Page `page` (from 0) of `page_size` rows; empty past the end.
pub fn page(rows: &[usize], page: usize, page_size: usize) -> &[usize] {
    let start = page.saturating_mul(page_size).min(rows.len());
    let end = start.saturating_add(page_size).min(rows.len());
    &rows[start..end]
}

/// Number of pages of `page_size` rows needed for `rows` rows (at least 1).
pub fn page_count(rows: usize, page_size: usize) -> usize {
    rows.div_ceil(page_size.max(1)).max(1)
}

/// Whether `text` matches the SQL LIKE `pattern`: `%` matches any run of characters (none
/// included), `_` exactly one, anything else itself (ignoring ASCII case when
/// `case_insensitive`). Iterative with backtracking to the last `%`: linear in practice and
/// never recursive, whatever the pattern.
pub fn like(text: &[char], pattern: &[char], case_insensitive: bool) -> bool {
    let same = |a: char, b: char| {
        if case_insensitive {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '%' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && (pattern[p] == '_' || same(pattern[p], text[t])) {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '%')
}
