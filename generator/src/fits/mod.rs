//! FITS binary tables: header layout, reading into typed columns, writing from them.

pub mod layout;
pub mod raw;
pub mod read;
pub mod write;

pub use read::{FitsTable, HduSelector, Split};
pub use write::{TableWriter, write_table};
