//! Typed, column-major storage with real nulls.
//!
//! Numbers keep their catalogue width (most 4XMM columns are FITS `E`, so 4 bytes a value);
//! strings are stored Arrow-style as one byte buffer plus offsets, which keeps a million IAU
//! names in two allocations. A null is a cleared bit in the validity mask; the value slot of a
//! null holds a neutral filler (0, NaN, `false` or the empty string).

use crate::schema::DataType;
use crate::value::Value;
use serde::{Deserialize, Serialize};

/// A bit per row: set = valid, cleared = null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    bits: Vec<u64>,
    len: usize,
}

impl Validity {
    /// All rows valid.
    pub fn all_valid(len: usize) -> Self {
        let mut bits = vec![u64::MAX; len.div_ceil(64)];
        if !len.is_multiple_of(64)
            && let Some(last) = bits.last_mut()
        {
            *last = (1u64 << (len % 64)) - 1;
        }
        Validity { bits, len }
    }

    /// Number of rows covered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no rows are covered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether row `i` holds a value.
    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        self.bits[i / 64] & (1u64 << (i % 64)) != 0
    }

    /// Marks row `i` valid or null.
    #[inline]
    pub fn set(&mut self, i: usize, valid: bool) {
        let m = 1u64 << (i % 64);
        if valid {
            self.bits[i / 64] |= m;
        } else {
            self.bits[i / 64] &= !m;
        }
    }

    /// Appends one row.
    pub fn push(&mut self, valid: bool) {
        if self.len.is_multiple_of(64) {
            self.bits.push(0);
        }
        self.len += 1;
        self.set(self.len - 1, valid);
    }

    /// Keeps the first `len` rows (`len` at most the current length).
    pub fn truncate(&mut self, len: usize) {
        assert!(len <= self.len, "truncate beyond the length");
        self.bits.truncate(len.div_ceil(64));
        if !len.is_multiple_of(64)
            && let Some(last) = self.bits.last_mut()
        {
            *last &= (1u64 << (len % 64)) - 1;
        }
        self.len = len;
    }

    /// Number of null rows.
    pub fn null_count(&self) -> usize {
        self.len
            - self
                .bits
                .iter()
                .map(|w| w.count_ones() as usize)
                .sum::<usize>()
    }
}

/// Strings stored as one UTF-8 buffer and `len + 1` offsets.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StrColumn {
    offsets: Vec<u32>,
    bytes: Vec<u8>,
}

impl StrColumn {
    /// An empty string column.
    pub fn new() -> Self {
        StrColumn {
            offsets: vec![0],
            bytes: Vec::new(),
        }
    }

    /// An empty column with room for `rows` strings of about `width` bytes.
    pub fn with_capacity(rows: usize, width: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        StrColumn {
            offsets,
            bytes: Vec::with_capacity(rows * width),
        }
    }

    /// Appends a string. Panics only if the column exceeds 4 GiB of text.
    pub fn push(&mut self, s: &str) {
        self.bytes.extend_from_slice(s.as_bytes());
        let end = u32::try_from(self.bytes.len()).expect("string column larger than 4 GiB");
        self.offsets.push(end);
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no strings.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// String at row `i`.
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        // Every push appends whole `&str`s, so each slice between offsets is valid UTF-8.
        std::str::from_utf8(&self.bytes[a..b]).unwrap_or("")
    }

    /// Iterates over the strings.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

impl<'a> FromIterator<&'a str> for StrColumn {
    fn from_iter<T: IntoIterator<Item = &'a str>>(iter: T) -> Self {
        let mut c = StrColumn::new();
        for s in iter {
            c.push(s);
        }
        c
    }
}

/// The values of a column, one vector per storage type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnData {
    /// Booleans (nulls hold `false`).
    Bool(Vec<bool>),
    /// Unsigned bytes.
    U8(Vec<u8>),
    /// 16-bit integers.
    I16(Vec<i16>),
    /// 32-bit integers.
    I32(Vec<i32>),
    /// 64-bit integers.
    I64(Vec<i64>),
    /// Single-precision floats (nulls hold NaN).
    F32(Vec<f32>),
    /// Double-precision floats (nulls hold NaN).
    F64(Vec<f64>),
    /// Strings.
    Str(StrColumn),
}

impl ColumnData {
    /// An empty vector of the given type with room for `rows` values.
    pub fn with_capacity(dtype: DataType, rows: usize, width: usize) -> Self {
        match dtype {
            DataType::Bool => ColumnData::Bool(Vec::with_capacity(rows)),
            DataType::U8 => ColumnData::U8(Vec::with_capacity(rows)),
            DataType::I16 => ColumnData::I16(Vec::with_capacity(rows)),
            DataType::I32 => ColumnData::I32(Vec::with_capacity(rows)),
            DataType::I64 => ColumnData::I64(Vec::with_capacity(rows)),
            DataType::F32 => ColumnData::F32(Vec::with_capacity(rows)),
            DataType::F64 => ColumnData::F64(Vec::with_capacity(rows)),
            DataType::Str => ColumnData::Str(StrColumn::with_capacity(rows, width)),
        }
    }

    /// Storage type.
    pub fn dtype(&self) -> DataType {
        match self {
            ColumnData::Bool(_) => DataType::Bool,
            ColumnData::U8(_) => DataType::U8,
            ColumnData::I16(_) => DataType::I16,
            ColumnData::I32(_) => DataType::I32,
            ColumnData::I64(_) => DataType::I64,
            ColumnData::F32(_) => DataType::F32,
            ColumnData::F64(_) => DataType::F64,
            ColumnData::Str(_) => DataType::Str,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Bool(v) => v.len(),
            ColumnData::U8(v) => v.len(),
            ColumnData::I16(v) => v.len(),
            ColumnData::I32(v) => v.len(),
            ColumnData::I64(v) => v.len(),
            ColumnData::F32(v) => v.len(),
            ColumnData::F64(v) => v.len(),
            ColumnData::Str(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A column: values plus validity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    data: ColumnData,
    validity: Validity,
}

impl Column {
    /// Wraps values whose validity is known.
    ///
    /// # Panics
    /// When the lengths differ, which is a programming error.
    pub fn new(data: ColumnData, validity: Validity) -> Self {
        assert_eq!(
            data.len(),
            validity.len(),
            "column and validity lengths differ"
        );
        Column { data, validity }
    }

    /// Wraps values that are all valid, except NaN floats which become nulls.
    pub fn from_data(data: ColumnData) -> Self {
        let mut validity = Validity::all_valid(data.len());
        match &data {
            ColumnData::F32(v) => v
                .iter()
                .enumerate()
                .filter(|(_, x)| x.is_nan())
                .for_each(|(i, _)| validity.set(i, false)),
            ColumnData::F64(v) => v
                .iter()
                .enumerate()
                .filter(|(_, x)| x.is_nan())
                .for_each(|(i, _)| validity.set(i, false)),
            _ => {}
        }
        Column { data, validity }
    }

    /// Builds a column from scalar values, converting each to `dtype`; values that do not fit
    /// the type become nulls.
    pub fn from_values(dtype: DataType, values: &[Value]) -> Self {
        let mut b = ColumnBuilder::new(dtype, values.len());
        for v in values {
            b.push(v);
        }
        b.finish()
    }

    /// Values.
    pub fn data(&self) -> &ColumnData {
        &self.data
    }

    /// Validity mask.
    pub fn validity(&self) -> &Validity {
        &self.validity
    }

    /// Storage type.
    pub fn dtype(&self) -> DataType {
        self.data.dtype()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Whether row `i` is null.
    #[inline]
    pub fn is_null(&self, i: usize) -> bool {
        !self.validity.is_valid(i)
    }

    /// Number of nulls.
    pub fn null_count(&self) -> usize {
        self.validity.null_count()
    }

    /// Checks a column decoded from untrusted bytes: validity and values of equal length, the
    /// validity words and string offsets in range. Accessors may panic on a column that fails.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.validity.len != self.data.len() {
            return Err("validity and values differ in length");
        }
        if self.validity.bits.len() != self.validity.len.div_ceil(64) {
            return Err("validity mask has the wrong number of words");
        }
        if let ColumnData::Str(s) = &self.data
            && (s.offsets.first() != Some(&0)
                || s.offsets.windows(2).any(|w| w[0] > w[1])
                || s.offsets
                    .last()
                    .is_some_and(|&e| e as usize != s.bytes.len())
                || std::str::from_utf8(&s.bytes).is_err())
        {
            return Err("string offsets out of order or not UTF-8");
        }
        Ok(())
    }

    /// Value at row `i` as a scalar.
    pub fn value(&self, i: usize) -> Value {
        if self.is_null(i) {
            return Value::Null;
        }
        match &self.data {
            ColumnData::Bool(v) => Value::Bool(v[i]),
            ColumnData::U8(v) => Value::Int(i64::from(v[i])),
            ColumnData::I16(v) => Value::Int(i64::from(v[i])),
            ColumnData::I32(v) => Value::Int(i64::from(v[i])),
            ColumnData::I64(v) => Value::Int(v[i]),
            ColumnData::F32(v) => Value::Float(f64::from(v[i])),
            ColumnData::F64(v) => Value::Float(v[i]),
            ColumnData::Str(v) => Value::Str(v.get(i).to_string()),
        }
    }

    /// Value at row `i` as a float, `None` when null or not numeric.
    #[inline]
    pub fn f64(&self, i: usize) -> Option<f64> {
        if self.is_null(i) {
            return None;
        }
        match &self.data {
            ColumnData::U8(v) => Some(f64::from(v[i])),
            ColumnData::I16(v) => Some(f64::from(v[i])),
            ColumnData::I32(v) => Some(f64::from(v[i])),
            ColumnData::I64(v) => Some(v[i] as f64),
            ColumnData::F32(v) => Some(f64::from(v[i])),
            ColumnData::F64(v) => Some(v[i]),
            ColumnData::Bool(_) | ColumnData::Str(_) => None,
        }
    }

    /// Value at row `i` as an integer, `None` when null or not an integer column.
    #[inline]
    pub fn i64(&self, i: usize) -> Option<i64> {
        if self.is_null(i) {
            return None;
        }
        match &self.data {
            ColumnData::U8(v) => Some(i64::from(v[i])),
            ColumnData::I16(v) => Some(i64::from(v[i])),
            ColumnData::I32(v) => Some(i64::from(v[i])),
            ColumnData::I64(v) => Some(v[i]),
            _ => None,
        }
    }

    /// Value at row `i` as a string slice, `None` when null or not a string column.
    #[inline]
    pub fn str(&self, i: usize) -> Option<&str> {
        match &self.data {
            ColumnData::Str(v) if !self.is_null(i) => Some(v.get(i)),
            _ => None,
        }
    }

    /// Value at row `i` as a boolean, `None` when null or not a boolean column.
    #[inline]
    pub fn bool(&self, i: usize) -> Option<bool> {
        match &self.data {
            ColumnData::Bool(v) if !self.is_null(i) => Some(v[i]),
            _ => None,
        }
    }

    /// A new column holding rows `indices` in that order.
    pub fn take(&self, indices: &[usize]) -> Column {
        let mut validity = Validity::all_valid(indices.len());
        for (k, &i) in indices.iter().enumerate() {
            if self.is_null(i) {
                validity.set(k, false);
            }
        }
        let data = match &self.data {
            ColumnData::Bool(v) => ColumnData::Bool(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::U8(v) => ColumnData::U8(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::I16(v) => ColumnData::I16(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::I32(v) => ColumnData::I32(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::I64(v) => ColumnData::I64(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::F32(v) => ColumnData::F32(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::F64(v) => ColumnData::F64(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::Str(v) => ColumnData::Str(indices.iter().map(|&i| v.get(i)).collect()),
        };
        Column { data, validity }
    }
}

/// Appends scalar values to a column of a fixed type.
#[derive(Debug)]
pub struct ColumnBuilder {
    data: ColumnData,
    validity: Validity,
}

impl ColumnBuilder {
    /// A builder for `rows` values of `dtype`.
    pub fn new(dtype: DataType, rows: usize) -> Self {
        ColumnBuilder {
            data: ColumnData::with_capacity(dtype, rows, 8),
            validity: Validity {
                bits: Vec::with_capacity(rows.div_ceil(64)),
                len: 0,
            },
        }
    }

    /// Appends a null.
    pub fn push_null(&mut self) {
        match &mut self.data {
            ColumnData::Bool(v) => v.push(false),
            ColumnData::U8(v) => v.push(0),
            ColumnData::I16(v) => v.push(0),
            ColumnData::I32(v) => v.push(0),
            ColumnData::I64(v) => v.push(0),
            ColumnData::F32(v) => v.push(f32::NAN),
            ColumnData::F64(v) => v.push(f64::NAN),
            ColumnData::Str(v) => v.push(""),
        }
        self.validity.push(false);
    }

    /// Appends a value converted to the builder's type; a value that cannot be represented
    /// (a string in a number column, an out-of-range integer) becomes a null.
    pub fn push(&mut self, value: &Value) {
        let ok = match (&mut self.data, value) {
            (_, Value::Null) => false,
            (ColumnData::Bool(v), Value::Bool(b)) => {
                v.push(*b);
                true
            }
            (ColumnData::U8(v), Value::Int(x)) => push_int(v, *x),
            (ColumnData::I16(v), Value::Int(x)) => push_int(v, *x),
            (ColumnData::I32(v), Value::Int(x)) => push_int(v, *x),
            (ColumnData::I64(v), Value::Int(x)) => {
                v.push(*x);
                true
            }
            (ColumnData::F32(v), Value::Int(x)) => {
                v.push(*x as f32);
                true
            }
            (ColumnData::F64(v), Value::Int(x)) => {
                v.push(*x as f64);
                true
            }
            (ColumnData::F32(v), Value::Float(x)) if !x.is_nan() => {
                v.push(*x as f32);
                true
            }
            (ColumnData::F64(v), Value::Float(x)) if !x.is_nan() => {
                v.push(*x);
                true
            }
            (ColumnData::Str(v), Value::Str(s)) => {
                v.push(s);
                true
            }
            _ => false,
        };
        if ok {
            self.validity.push(true);
        } else {
            self.push_null();
        }
    }

    /// The finished column.
    pub fn finish(self) -> Column {
        Column::new(self.data, self.validity)
    }
}

fn push_int<T: TryFrom<i64>>(v: &mut Vec<T>, x: i64) -> bool {
    match T::try_from(x) {
        Ok(t) => {
            v.push(t);
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn validity_truncates_to_a_prefix() {
        let mut v = super::Validity::all_valid(130);
        v.set(3, false);
        v.set(100, false);
        v.truncate(70);
        assert_eq!((v.len(), v.null_count()), (70, 1));
        assert!(!v.is_valid(3) && v.is_valid(69));
        v.truncate(0);
        assert_eq!((v.len(), v.null_count()), (0, 0));
    }

    use super::*;

    #[test]
    fn validity_counts_and_tail_bits() {
        let mut v = Validity::all_valid(70);
        assert_eq!(v.null_count(), 0);
        v.set(3, false);
        v.set(69, false);
        assert_eq!(v.null_count(), 2);
        assert!(!v.is_valid(69));
        assert!(v.is_valid(68));
        v.push(false);
        assert_eq!(v.len(), 71);
        assert_eq!(v.null_count(), 3);
    }

    #[test]
    fn nan_becomes_null() {
        let c = Column::from_data(ColumnData::F32(vec![1.0, f32::NAN, 3.0]));
        assert_eq!(c.null_count(), 1);
        assert_eq!(c.value(1), Value::Null);
        assert_eq!(c.f64(2), Some(3.0));
    }

    #[test]
    fn strings_round_trip() {
        let c: StrColumn = ["4XMM J132652.4-472736", "", "é"].into_iter().collect();
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(0), "4XMM J132652.4-472736");
        assert_eq!(c.get(1), "");
        assert_eq!(c.get(2), "é");
    }

    #[test]
    fn builder_converts_and_nulls_what_does_not_fit() {
        let c = Column::from_values(
            DataType::I16,
            &[
                Value::Int(5),
                Value::Int(70_000),
                Value::Null,
                Value::Str("x".into()),
            ],
        );
        assert_eq!(c.i64(0), Some(5));
        assert_eq!(c.null_count(), 3);
    }

    #[test]
    fn take_keeps_nulls() {
        let c = Column::from_values(
            DataType::Str,
            &[Value::Str("a".into()), Value::Null, Value::Str("c".into())],
        );
        let t = c.take(&[2, 1, 0]);
        assert_eq!(t.str(0), Some("c"));
        assert!(t.is_null(1));
        assert_eq!(t.str(2), Some("a"));
    }
}
