//! Portable core of xcat: the catalogue's schema and typed columns, scalar values, and sky
//! coordinates. No file, network or thread use, so the same code runs in the `xcat` generator
//! and in the browser (`wasm32-unknown-unknown`).

pub mod chunk;
pub mod column;
pub mod coords;
pub mod fits;
pub mod names;
pub mod query;
pub mod schema;
pub mod table;
pub mod value;

pub use column::{Column, ColumnBuilder, ColumnData, StrColumn, Validity};
pub use names::{NameTable, NameTableBuilder, Resolver};
pub use query::{Query, QueryError, QueryOptions};
pub use schema::{DataType, Field, Schema};
pub use table::Table;
pub use value::Value;
