//! A table: a schema and one column per field, all of the same length.

use crate::column::Column;
use crate::schema::{Field, Schema};
use crate::value::Value;

/// Column-major table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    schema: Schema,
    columns: Vec<Column>,
    rows: usize,
}

/// A column whose length disagrees with the table's.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("column {name} has {got} rows but the table has {want}")]
pub struct LengthMismatch {
    /// Column name.
    pub name: String,
    /// Rows in the column.
    pub got: usize,
    /// Rows in the table.
    pub want: usize,
}

impl Table {
    /// An empty table with `rows` rows and no columns.
    pub fn with_rows(rows: usize) -> Self {
        Table {
            schema: Schema::new(),
            columns: Vec::new(),
            rows,
        }
    }

    /// Adds (or replaces, by name ignoring case) a column.
    pub fn push(&mut self, field: Field, column: Column) -> Result<usize, LengthMismatch> {
        if column.len() != self.rows {
            return Err(LengthMismatch {
                name: field.name,
                got: column.len(),
                want: self.rows,
            });
        }
        let i = self.schema.push(field);
        if i == self.columns.len() {
            self.columns.push(column);
        } else {
            self.columns[i] = column;
        }
        Ok(i)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// All columns in schema order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Column at position `i`.
    pub fn column_at(&self, i: usize) -> &Column {
        &self.columns[i]
    }

    /// Column called `name`, ignoring case.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.schema.position(name).map(|i| &self.columns[i])
    }

    /// Cell value, `Null` when the column does not exist.
    pub fn value(&self, name: &str, row: usize) -> Value {
        self.column(name).map_or(Value::Null, |c| c.value(row))
    }

    /// A new table with rows `indices` in that order.
    pub fn take(&self, indices: &[usize]) -> Table {
        Table {
            schema: self.schema.clone(),
            columns: self.columns.iter().map(|c| c.take(indices)).collect(),
            rows: indices.len(),
        }
    }

    /// Takes the table apart into its fields and columns (same order).
    pub fn into_parts(self) -> (Vec<Field>, Vec<Column>) {
        (self.schema.into(), self.columns)
    }

    /// Removes the column called `name` (ignoring case) and returns it with its field.
    pub fn remove(&mut self, name: &str) -> Option<(Field, Column)> {
        let i = self.schema.position(name)?;
        let (mut fields, mut columns) = (
            Vec::from(std::mem::take(&mut self.schema)),
            std::mem::take(&mut self.columns),
        );
        let field = fields.remove(i);
        let column = columns.remove(i);
        self.schema = Schema::from(fields);
        self.columns = columns;
        Some((field, column))
    }

    /// Total number of null cells.
    pub fn null_count(&self) -> usize {
        self.columns.iter().map(Column::null_count).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column::ColumnData;
    use crate::schema::DataType;

    #[test]
    fn push_checks_length_and_take_reorders() {
        let mut t = Table::with_rows(3);
        t.push(
            Field::new("SRCID", DataType::I64),
            Column::from_data(ColumnData::I64(vec![3, 1, 2])),
        )
        .unwrap();
        let err = t
            .push(
                Field::new("RA", DataType::F64),
                Column::from_data(ColumnData::F64(vec![1.0])),
            )
            .unwrap_err();
        assert_eq!(err.to_string(), "column RA has 1 rows but the table has 3");
        let s = t.take(&[1, 2, 0]);
        assert_eq!(s.value("srcid", 0), Value::Int(1));
        assert_eq!(s.value("missing", 0), Value::Null);
    }
}
