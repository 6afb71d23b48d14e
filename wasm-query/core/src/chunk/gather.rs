//! Assembles one column for a set of rows from the blocks (tile chunks or segments) that hold
//! them.

use crate::column::{Column, ColumnData, Validity};
use crate::schema::DataType;

/// Appends rows of decoded blocks to a new column of a fixed type.
#[derive(Debug)]
pub struct Gather {
    data: ColumnData,
    validity: Validity,
}

impl Gather {
    /// An empty column of `dtype` with room for `rows`.
    pub fn new(dtype: DataType, rows: usize) -> Gather {
        Gather {
            data: ColumnData::with_capacity(dtype, rows, 8),
            validity: Validity::all_valid(0),
        }
    }

    /// Appends rows `from..to` of `col` (same type; checked by the caller against the schema).
    pub fn extend(&mut self, col: &Column, from: usize, to: usize) {
        let to = to.min(col.len());
        let from = from.min(to);
        macro_rules! ext {
            ($dst:expr, $src:expr) => {
                $dst.extend_from_slice(&$src[from..to])
            };
        }
        match (&mut self.data, col.data()) {
            (ColumnData::Bool(d), ColumnData::Bool(s)) => ext!(d, s),
            (ColumnData::U8(d), ColumnData::U8(s)) => ext!(d, s),
            (ColumnData::I16(d), ColumnData::I16(s)) => ext!(d, s),
            (ColumnData::I32(d), ColumnData::I32(s)) => ext!(d, s),
            (ColumnData::I64(d), ColumnData::I64(s)) => ext!(d, s),
            (ColumnData::F32(d), ColumnData::F32(s)) => ext!(d, s),
            (ColumnData::F64(d), ColumnData::F64(s)) => ext!(d, s),
            (ColumnData::Str(d), ColumnData::Str(s)) => {
                for i in from..to {
                    d.push(s.get(i));
                }
            }
            // A type mismatch is rejected when blocks are decoded; stay total anyway.
            (d, _) => {
                push_fillers(d, to - from);
                for _ in from..to {
                    self.validity.push(false);
                }
                return;
            }
        }
        for i in from..to {
            self.validity.push(!col.is_null(i));
        }
    }

    /// The finished column.
    pub fn finish(self) -> Column {
        Column::new(self.data, self.validity)
    }
}

fn push_fillers(d: &mut ColumnData, n: usize) {
    match d {
        ColumnData::Bool(v) => v.resize(v.len() + n, false),
        ColumnData::U8(v) => v.resize(v.len() + n, 0),
        ColumnData::I16(v) => v.resize(v.len() + n, 0),
        ColumnData::I32(v) => v.resize(v.len() + n, 0),
        ColumnData::I64(v) => v.resize(v.len() + n, 0),
        ColumnData::F32(v) => v.resize(v.len() + n, f32::NAN),
        ColumnData::F64(v) => v.resize(v.len() + n, f64::NAN),
        ColumnData::Str(v) => (0..n).for_each(|_| v.push("")),
    }
}

/// Sorted, merged row ranges from ascending row ids.
pub fn ranges_of(rows: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &r in rows {
        match out.last_mut() {
            Some(last) if last.1 == r => last.1 += 1,
            _ => out.push((r, r + 1)),
        }
    }
    out
}

/// Intersection of two sorted lists of disjoint half-open ranges (row ranges, or time
/// intervals in seconds).
pub fn intersect<T: Copy + PartialOrd>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let lo = if a[i].0 > b[j].0 { a[i].0 } else { b[j].0 };
        let hi = if a[i].1 < b[j].1 { a[i].1 } else { b[j].1 };
        if lo < hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Number of rows in ranges.
pub fn count(ranges: &[(u32, u32)]) -> usize {
    ranges.iter().map(|(a, b)| (b - a) as usize).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn ranges_merge_and_intersect() {
        assert_eq!(
            ranges_of(&[1, 2, 3, 7, 9, 10]),
            vec![(1, 4), (7, 8), (9, 11)]
        );
        assert_eq!(
            intersect(&[(0, 5), (8, 20)], &[(3, 10), (15, 16), (19, 30)]),
            vec![(3, 5), (8, 10), (15, 16), (19, 20)]
        );
        assert_eq!(count(&[(3, 5), (8, 10)]), 4);
    }

    #[test]
    fn gather_keeps_values_and_nulls() {
        let c = Column::from_values(
            DataType::Str,
            &[Value::Str("a".into()), Value::Null, Value::Str("c".into())],
        );
        let mut g = Gather::new(DataType::Str, 3);
        g.extend(&c, 1, 3);
        g.extend(&c, 0, 1);
        let out = g.finish();
        assert!(out.is_null(0));
        assert_eq!(out.str(1), Some("c"));
        assert_eq!(out.str(2), Some("a"));
    }
}
