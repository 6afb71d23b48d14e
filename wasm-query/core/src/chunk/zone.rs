//! Zone maps: the minimum, maximum and null count of a column over a segment, and the test
//! that proves a condition false (or unknown) on every row of a segment so it is skipped.
//!
//! The test mirrors the comparisons of the reference evaluator ([`crate::query::eval`]): it
//! may keep a segment that holds no match, never skip one that does.

use super::ZoneMap;
use crate::column::{Column, ColumnData};
use crate::query::eval::cmp_text;
use crate::query::{CmpOp, Expr, Kind, Operand, Scalar};
use crate::value::Value;
use std::cmp::Ordering;

/// The zone map of rows `start..end` of `col`.
pub fn zone_of(col: &Column, start: usize, end: usize) -> ZoneMap {
    let mut nulls = 0u32;
    let mut min = Value::Null;
    let mut max = Value::Null;
    let valid = |i: usize| !col.is_null(i);
    macro_rules! fold {
        ($v:expr, $wrap:expr, $ok:expr) => {{
            let mut lo = None;
            let mut hi = None;
            for i in start..end {
                let x = $v[i];
                if !valid(i) || !$ok(x) {
                    nulls += 1;
                    continue;
                }
                if lo.is_none_or(|l| x < l) {
                    lo = Some(x);
                }
                if hi.is_none_or(|h| x > h) {
                    hi = Some(x);
                }
            }
            if let (Some(l), Some(h)) = (lo, hi) {
                min = $wrap(l);
                max = $wrap(h);
            }
        }};
    }
    match col.data() {
        ColumnData::Bool(v) => fold!(v, Value::Bool, |_: bool| true),
        ColumnData::U8(v) => fold!(v, |x| Value::Int(i64::from(x)), |_: u8| true),
        ColumnData::I16(v) => fold!(v, |x| Value::Int(i64::from(x)), |_: i16| true),
        ColumnData::I32(v) => fold!(v, |x| Value::Int(i64::from(x)), |_: i32| true),
        ColumnData::I64(v) => fold!(v, Value::Int, |_: i64| true),
        ColumnData::F32(v) => fold!(v, |x| Value::Float(f64::from(x)), |x: f32| !x.is_nan()),
        ColumnData::F64(v) => fold!(v, Value::Float, |x: f64| !x.is_nan()),
        ColumnData::Str(s) => {
            let mut lo: Option<&str> = None;
            let mut hi: Option<&str> = None;
            for i in start..end {
                if !valid(i) {
                    nulls += 1;
                    continue;
                }
                let x = s.get(i);
                if lo.is_none_or(|l| cmp_text(x, l) == Ordering::Less) {
                    lo = Some(x);
                }
                if hi.is_none_or(|h| cmp_text(x, h) == Ordering::Greater) {
                    hi = Some(x);
                }
            }
            if let (Some(l), Some(h)) = (lo, hi) {
                min = Value::Str(l.to_string());
                max = Value::Str(h.to_string());
            }
        }
    }
    ZoneMap { min, max, nulls }
}

/// Compares a zone bound with a query constant as the evaluator compares a cell with it.
fn cmp(bound: &Value, kind: Kind, s: &Scalar) -> Option<Ordering> {
    match (kind, bound, s) {
        (Kind::Integer, Value::Int(x), Scalar::Int(v)) => Some(x.cmp(v)),
        (Kind::Integer, Value::Int(x), Scalar::Float(v)) => (*x as f64).partial_cmp(v),
        (Kind::Float, Value::Float(x), Scalar::Int(v)) => x.partial_cmp(&(*v as f64)),
        (Kind::Float, Value::Float(x), Scalar::Float(v)) => x.partial_cmp(v),
        (Kind::Text, Value::Str(x), Scalar::Str(v)) => Some(cmp_text(x, v)),
        (Kind::Bool, Value::Bool(x), Scalar::Bool(v)) => Some(x.cmp(v)),
        _ => None,
    }
}

/// Whether some non-null value in `[min, max]` may satisfy `op c`. `None` = cannot tell.
fn range_may_hold(z: &ZoneMap, kind: Kind, op: CmpOp, c: &Scalar) -> Option<bool> {
    if z.min.is_null() {
        // Every row is null: a comparison is unknown everywhere.
        return Some(false);
    }
    let lo = cmp(&z.min, kind, c)?;
    let hi = cmp(&z.max, kind, c)?;
    use Ordering::*;
    Some(match op {
        CmpOp::Lt => lo == Less,
        CmpOp::Le => lo != Greater,
        CmpOp::Gt => hi == Greater,
        CmpOp::Ge => hi != Less,
        CmpOp::Eq => lo != Greater && hi != Less,
        CmpOp::Ne => !(lo == Equal && hi == Equal),
    })
}

/// Whether `expr` may be true on some row of a segment, given the zone map of each column it
/// reads (`zone(name)`, `None` when unknown) and the segment's row count. `false` is a proof.
pub fn may_match(expr: &Expr, rows: u32, zone: &dyn Fn(&str) -> Option<ZoneMap>) -> bool {
    let col_zone = |name: &str| zone(name);
    match expr {
        Expr::Const(b) => *b,
        Expr::Compare {
            column,
            op,
            rhs: Operand::Scalar(s),
        } => col_zone(&column.name)
            .and_then(|z| range_may_hold(&z, column.kind, *op, s))
            .unwrap_or(true),
        Expr::Between { column, low, high } => col_zone(&column.name)
            .and_then(|z| {
                Some(
                    range_may_hold(&z, column.kind, CmpOp::Ge, low)?
                        && range_may_hold(&z, column.kind, CmpOp::Le, high)?,
                )
            })
            .unwrap_or(true),
        Expr::InSet { column, set } => col_zone(&column.name)
            .and_then(|z| {
                let mut any = false;
                for s in set {
                    any |= range_may_hold(&z, column.kind, CmpOp::Eq, s)?;
                }
                Some(any)
            })
            .unwrap_or(true),
        Expr::IsNull { column, negated } => col_zone(&column.name)
            .map(|z| {
                if *negated {
                    z.nulls < rows
                } else {
                    z.nulls > 0
                }
            })
            .unwrap_or(true),
        Expr::IsTrue(column) => col_zone(&column.name)
            .map(|z| z.max == Value::Bool(true))
            .unwrap_or(true),
        Expr::Contains { column, .. } | Expr::Like { column, .. } => col_zone(&column.name)
            .map(|z| z.nulls < rows)
            .unwrap_or(true),
        Expr::And(v) => v.iter().all(|e| may_match(e, rows, zone)),
        Expr::Or(v) => v.iter().any(|e| may_match(e, rows, zone)),
        Expr::Compare { .. }
        | Expr::Cone(_)
        | Expr::Not(_)
        | Expr::Linked { .. }
        | Expr::Arith { .. } => true,
    }
}
