//! Query errors: every error found in the text carries its position in the text the user typed
//! (byte range, 1-based line and column) so the page can underline it.

use crate::coords::CoordError;
use std::fmt;

/// Where in the original query text something is: a byte range and the line/column (1-based,
/// columns counted in characters) of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Byte offset of the start.
    pub offset: usize,
    /// Byte offset just past the end (≥ `offset`).
    pub end: usize,
    /// Line of the start, from 1.
    pub line: usize,
    /// Column of the start in characters, from 1.
    pub column: usize,
}

impl Position {
    /// The position of bytes `start..end` of `text` (clamped to the text, moved back to
    /// character boundaries).
    pub fn of(text: &str, start: usize, end: usize) -> Position {
        let mut start = start.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = end.clamp(start, text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..start].chars().count() + 1;
        Position {
            offset: start,
            end,
            line,
            column,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        many => format!("; did you mean one of {}?", many.join(", ")),
    }
}

/// Why a query was rejected before evaluation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// Nothing but blanks.
    #[error("the query is empty: type a condition such as sc_det_ml > 100, or an object name")]
    Empty,
    /// Longer than the configured limit.
    #[error("the query is {length} bytes long; the limit is {max}")]
    TooLong {
        /// Length in bytes.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// Parentheses or NOTs nested beyond the limit.
    #[error("the query nests deeper than {max} levels at {at}; simplify the parentheses")]
    TooDeep {
        /// Where the limit was crossed.
        at: Position,
        /// The limit.
        max: usize,
    },
    /// A set with too many values.
    #[error("the set at {at} has {size} values; the limit is {max}")]
    SetTooLarge {
        /// The set.
        at: Position,
        /// Its number of values.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Text that is not a query.
    #[error("{message} at {at}")]
    Syntax {
        /// Where.
        at: Position,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A name that is no column of the table.
    #[error("unknown column '{name}' at {at}{}", did_you_mean(suggestions))]
    UnknownColumn {
        /// Where.
        at: Position,
        /// The name as typed.
        name: String,
        /// Close column names.
        suggestions: Vec<String>,
    },
    /// Values or columns of types that cannot be compared, or a non-condition.
    #[error("{message} at {at}")]
    Type {
        /// Where.
        at: Position,
        /// What is wrong, naming the column and types.
        message: String,
    },
    /// SQL that the query language does not support (LIKE, arithmetic, sub-queries, ...).
    #[error("{message} at {at}")]
    Unsupported {
        /// Where.
        at: Position,
        /// What is not supported and what to write instead.
        message: String,
    },
    /// A position or radius that cannot be read.
    #[error("{source} at {at}")]
    Coordinates {
        /// Where.
        at: Position,
        /// The coordinate error.
        source: CoordError,
    },
    /// A cone in a table without position columns.
    #[error("cone at {at} needs position columns, but the table has neither {ra}/{dec} nor RA/DEC")]
    NoPositionColumns {
        /// The cone.
        at: Position,
        /// The configured (or default) RA column.
        ra: String,
        /// The configured (or default) Dec column.
        dec: String,
    },
    /// An object name the resolver does not know.
    #[error("unknown object '{name}' at {at}{}", unknown_object_hint(suggestions))]
    UnknownObject {
        /// Where.
        at: Position,
        /// The name as typed.
        name: String,
        /// Column names close to it, when the whole query was one word (a mistyped column).
        suggestions: Vec<String>,
    },
}

fn unknown_object_hint(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(
            " (it is not a column either{})",
            did_you_mean(suggestions).replacen(';', ":", 1)
        )
    }
}

impl QueryError {
    /// Where in the query the error is, when it is tied to a place.
    pub fn position(&self) -> Option<Position> {
        match self {
            QueryError::Empty | QueryError::TooLong { .. } => None,
            QueryError::TooDeep { at, .. }
            | QueryError::SetTooLarge { at, .. }
            | QueryError::Syntax { at, .. }
            | QueryError::UnknownColumn { at, .. }
            | QueryError::Type { at, .. }
            | QueryError::Unsupported { at, .. }
            | QueryError::Coordinates { at, .. }
            | QueryError::NoPositionColumns { at, .. }
            | QueryError::UnknownObject { at, .. } => Some(*at),
        }
    }
}

/// Why a checked query could not be evaluated over a table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// The table lacks a column the query uses.
    #[error("the table has no column {0}, which the query uses")]
    MissingColumn(String),
    /// The table's column has another type than the schema the query was checked against.
    #[error("column {name} is {found} in the table but the query was checked against {expected}")]
    ColumnType {
        /// Column name.
        name: String,
        /// Kind the query expects.
        expected: &'static str,
        /// Type found in the table.
        found: &'static str,
    },
    /// An object name that has not been resolved yet.
    #[error("object name '{0}' is not resolved yet; call Query::resolve first")]
    Unresolved(String),
    /// A link test (`detid IN {…}`) whose keys have not been looked up yet.
    #[error("{0} keys are not looked up yet; run the query through the engine")]
    UnresolvedLink(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a = 1\nAND é = 'x'";
        let p = Position::of(text, 10, 12);
        assert_eq!((p.line, p.column, p.offset, p.end), (2, 5, 10, 12));
        // Inside a multi-byte character: moved back to its start.
        let p = Position::of(text, 11, 11);
        assert_eq!((p.offset, p.column), (10, 5));
        let p = Position::of(text, 999, 1000);
        assert_eq!(p.offset, text.len());
    }

    #[test]
    fn messages_carry_position_and_hints() {
        let e = QueryError::UnknownColumn {
            at: Position::of("sc_det_m > 1", 0, 8),
            name: "sc_det_m".into(),
            suggestions: vec!["SC_DET_ML".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown column 'sc_det_m' at line 1, column 1; did you mean SC_DET_ML?"
        );
        assert_eq!(e.position().map(|p| p.end), Some(8));
        let e = QueryError::UnknownObject {
            at: Position::of("is_ulz", 0, 6),
            name: "is_ulz".into(),
            suggestions: vec!["IS_ULX".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown object 'is_ulz' at line 1, column 1 (it is not a column either: did you mean IS_ULX?)"
        );
    }
}
