//! Scalar values: one cell of a table, a literal of a query.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One value of any column type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// No value.
    Null,
    /// A logical.
    Bool(bool),
    /// Any integer width.
    Int(i64),
    /// Any float width.
    Float(f64),
    /// Text.
    Str(String),
}

impl Value {
    /// Whether this is `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as a float when numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// Plain text: empty for null, `true`/`false`, integers in full, floats with the shortest
    /// representation that reads back exactly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_plain() {
        assert_eq!(Value::Null.to_string(), "");
        assert_eq!(Value::Int(201122201010052).to_string(), "201122201010052");
        assert_eq!(
            Value::Float(7.36196e-15).to_string(),
            "0.00000000000000736196"
        );
        assert_eq!(Value::Bool(true).to_string(), "true");
    }

    #[test]
    fn numeric_view() {
        assert_eq!(Value::Int(3).as_f64(), Some(3.0));
        assert_eq!(Value::Str("3".into()).as_f64(), None);
    }
}
