//! TAP_SCHEMA (TAP 1.1 §4): the service's own description as five small tables that clients
//! query in ADQL (`SELECT * FROM TAP_SCHEMA.columns WHERE table_name = 'xmm4_dr14.sources'`).
//! They are made once from the catalogues' schemas and queried in memory by the core's
//! reference evaluator.

use super::local::LocalCatalogue;
use super::votable;
use xcat_core::chunk::{QueryResult, RunOptions};
use xcat_core::query::{Order, Query, QueryError, sort_rows};
use xcat_core::value::Value;
use xcat_core::{Column, DataType, Field, Table};

/// The schema's name.
pub const SCHEMA: &str = "TAP_SCHEMA";

/// One row's cells, by column.
type Rows = Vec<Vec<Value>>;
/// A column of a TAP_SCHEMA table: name, type, description.
type Col = (&'static str, DataType, &'static str);

fn table(columns: &[Col], rows: &Rows) -> Table {
    let mut t = Table::with_rows(rows.len());
    for (k, (name, dtype, description)) in columns.iter().enumerate() {
        let values: Vec<Value> = rows.iter().map(|r| r[k].clone()).collect();
        t.push(
            Field::new(*name, *dtype).with_description(*description),
            Column::from_values(*dtype, &values),
        )
        .expect("rows of one table");
    }
    t
}

fn s(x: &str) -> Value {
    if x.is_empty() {
        Value::Null
    } else {
        Value::Str(x.to_string())
    }
}

fn i(x: i64) -> Value {
    Value::Int(x)
}

const SCHEMAS: [Col; 4] = [
    ("schema_name", DataType::Str, "schema name"),
    ("utype", DataType::Str, "utype"),
    ("description", DataType::Str, "description"),
    ("schema_index", DataType::I32, "order of the schemas"),
];
const TABLES: [Col; 6] = [
    ("schema_name", DataType::Str, "schema of the table"),
    (
        "table_name",
        DataType::Str,
        "table name, qualified by its schema",
    ),
    ("table_type", DataType::Str, "table or view"),
    ("utype", DataType::Str, "utype"),
    ("description", DataType::Str, "description"),
    ("table_index", DataType::I32, "order of the tables"),
];
const COLUMNS: [Col; 14] = [
    ("table_name", DataType::Str, "table of the column"),
    ("column_name", DataType::Str, "column name"),
    ("utype", DataType::Str, "utype"),
    ("ucd", DataType::Str, "UCD"),
    ("unit", DataType::Str, "unit (VOUnit)"),
    ("description", DataType::Str, "description"),
    ("datatype", DataType::Str, "VOTable datatype"),
    ("arraysize", DataType::Str, "VOTable arraysize"),
    ("xtype", DataType::Str, "VOTable xtype"),
    (
        "size",
        DataType::I32,
        "length of fixed-length strings (deprecated)",
    ),
    (
        "principal",
        DataType::I32,
        "1 for the columns shown by default",
    ),
    ("indexed", DataType::I32, "1 for indexed columns"),
    ("std", DataType::I32, "1 for columns defined by a standard"),
    ("column_index", DataType::I32, "order of the columns"),
];
const KEYS: [Col; 5] = [
    ("key_id", DataType::Str, "key identifier"),
    ("from_table", DataType::Str, "table with the foreign key"),
    ("target_table", DataType::Str, "table with the primary key"),
    ("utype", DataType::Str, "utype"),
    ("description", DataType::Str, "description"),
];
const KEY_COLUMNS: [Col; 3] = [
    ("key_id", DataType::Str, "key identifier"),
    ("from_column", DataType::Str, "column of from_table"),
    ("target_column", DataType::Str, "column of target_table"),
];

/// TAP_SCHEMA's own foreign keys (TAP 1.1 §4): id, from table, target table, from column,
/// target column.
pub const LINKS: [(&str, &str, &str, &str, &str); 5] = [
    (
        "tables_schema",
        "tables",
        "schemas",
        "schema_name",
        "schema_name",
    ),
    (
        "columns_table",
        "columns",
        "tables",
        "table_name",
        "table_name",
    ),
    (
        "keys_from_table",
        "keys",
        "tables",
        "from_table",
        "table_name",
    ),
    (
        "keys_target_table",
        "keys",
        "tables",
        "target_table",
        "table_name",
    ),
    ("key_columns_key", "key_columns", "keys", "key_id", "key_id"),
];

/// The five tables, by name (lower case).
#[derive(Debug)]
pub struct TapSchema {
    tables: Vec<(&'static str, Table)>,
}

impl TapSchema {
    /// The description of `catalogues` (and of TAP_SCHEMA itself).
    pub fn new(catalogues: &[LocalCatalogue]) -> TapSchema {
        let own: [(&str, &[Col], &str); 5] = [
            ("schemas", &SCHEMAS, "the schemas of this service"),
            ("tables", &TABLES, "the tables of this service"),
            ("columns", &COLUMNS, "the columns of this service's tables"),
            ("keys", &KEYS, "foreign keys between tables"),
            (
                "key_columns",
                &KEY_COLUMNS,
                "the columns of the foreign keys",
            ),
        ];
        let mut schemas: Rows = vec![vec![
            s(SCHEMA),
            s(""),
            s("the description of this service (TAP 1.1)"),
            i(0),
        ]];
        let mut tables: Rows = Vec::new();
        let mut columns: Rows = Vec::new();
        for (k, (name, cols, description)) in own.iter().enumerate() {
            let full = format!("{SCHEMA}.{name}");
            tables.push(vec![
                s(SCHEMA),
                s(&full),
                s("table"),
                s(""),
                s(description),
                i(k as i64),
            ]);
            for (n, (col, dtype, d)) in cols.iter().enumerate() {
                let datatype = votable::datatype(*dtype);
                // A column named by an ADQL reserved word is written delimited.
                let col = if *col == "size" {
                    "\"size\"".to_string()
                } else {
                    col.to_string()
                };
                columns.push(vec![
                    s(&full),
                    s(&col),
                    s(""),
                    s(""),
                    s(""),
                    s(d),
                    s(datatype),
                    s(if *dtype == DataType::Str { "*" } else { "" }),
                    s(""),
                    Value::Null,
                    i(1),
                    i(0),
                    i(1),
                    i(n as i64),
                ]);
            }
        }
        for (k, c) in catalogues.iter().enumerate() {
            schemas.push(vec![
                s(&c.schema),
                s(""),
                s(&c.description()),
                i(k as i64 + 1),
            ]);
            let full = format!("{}.sources", c.schema);
            tables.push(vec![
                s(&c.schema),
                s(&full),
                s("table"),
                s(""),
                s("One row per X-ray source"),
                i(10 + k as i64),
            ]);
            let schema = c.schema();
            let defaults = c.default_columns();
            for (n, f) in schema.fields().iter().enumerate() {
                let datatype = votable::datatype(f.dtype);
                let unit = if f.unit.trim().is_empty() {
                    String::new()
                } else {
                    xcat_core::schema::vo_unit(&f.unit)
                };
                columns.push(vec![
                    s(&full),
                    s(&f.name),
                    s(""),
                    s(&f.ucd),
                    s(&unit),
                    s(&f.description),
                    s(datatype),
                    s(if f.dtype == DataType::Str { "*" } else { "" }),
                    s(""),
                    Value::Null,
                    i(i64::from(
                        defaults.iter().any(|d| d.eq_ignore_ascii_case(&f.name)),
                    )),
                    i(i64::from(
                        f.name.eq_ignore_ascii_case("SRCID")
                            || f.name.eq_ignore_ascii_case("IAUNAME"),
                    )),
                    i(0),
                    i(n as i64),
                ]);
            }
        }
        let links = LINKS;
        let keys: Rows = links
            .iter()
            .map(|(id, from, to, _, _)| {
                vec![
                    s(id),
                    s(&format!("{SCHEMA}.{from}")),
                    s(&format!("{SCHEMA}.{to}")),
                    s(""),
                    s(""),
                ]
            })
            .collect();
        let key_columns: Rows = links
            .iter()
            .map(|(id, _, _, from, to)| vec![s(id), s(from), s(to)])
            .collect();
        TapSchema {
            tables: vec![
                ("schemas", table(&SCHEMAS, &schemas)),
                ("tables", table(&TABLES, &tables)),
                ("columns", table(&COLUMNS, &columns)),
                ("keys", table(&KEYS, &keys)),
                ("key_columns", table(&KEY_COLUMNS, &key_columns)),
            ],
        }
    }

    /// The tables with their columns: (name, columns as (name, datatype, description)).
    pub fn tables(&self) -> impl Iterator<Item = (&'static str, &Table)> {
        self.tables.iter().map(|(n, t)| (*n, t))
    }

    /// Runs ADQL `text` over table `name` of the schema (`columns`, …) in memory.
    pub fn run(&self, name: &str, text: &str, limit: usize) -> Result<QueryResult, QueryError> {
        let (_, t) = self
            .tables
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .ok_or_else(|| QueryError::Unsupported {
                at: xcat_core::query::Position::of(text, 0, 0),
                message: format!("{SCHEMA} has no table {name}; it has schemas, tables, columns, keys and key_columns"),
            })?;
        let options = xcat_core::QueryOptions {
            position_columns: Some(("none".into(), "none".into())),
            ..Default::default()
        };
        let (q, select): (Query, _) = Query::adql(text, t.schema(), &options)?;
        let mut run = RunOptions::default();
        select.apply(&mut run);
        let mut rows = q.matching_rows(t).map_err(|e| QueryError::Unsupported {
            at: xcat_core::query::Position::of(text, 0, 0),
            message: e.to_string(),
        })?;
        let keys = run
            .sort
            .iter()
            .map(|c| (c.clone(), run.desc))
            .chain(run.then.iter().cloned())
            .collect::<Vec<_>>();
        // Stable sorts, the last key first.
        for (col, desc) in keys.iter().rev() {
            let order = if *desc {
                Order::Descending
            } else {
                Order::Ascending
            };
            let col = t
                .schema()
                .get(col)
                .map(|f| f.name.clone())
                .unwrap_or_default();
            sort_rows(t, &mut rows, &col, order).map_err(|e| QueryError::Unsupported {
                at: xcat_core::query::Position::of(text, 0, 0),
                message: e.to_string(),
            })?;
        }
        let (skip, take) = run.window.unwrap_or((0, usize::MAX));
        let rows: Vec<usize> = rows.into_iter().skip(skip).take(take).collect();
        let count = rows.len();
        // (`SELECT COUNT(*)`: the server answers `count`.)
        let page_rows: Vec<usize> = rows.iter().copied().take(limit).collect();
        let cut = t.take(&page_rows);
        let page = if run.columns == ["*"] {
            cut
        } else {
            let mut p = Table::with_rows(page_rows.len());
            for name in &run.columns {
                let k = cut.schema().position(name).expect("checked by Query::adql");
                p.push(cut.schema().field(k).clone(), cut.column_at(k).clone())
                    .expect("same rows");
            }
            p
        };
        Ok(QueryResult {
            count,
            page,
            row_ids: page_rows.iter().map(|&r| r as u32).collect(),
        })
    }
}

/// The answer to `SELECT COUNT(*) AS name`: one row, one column.
pub fn count_result(name: &str, count: usize) -> QueryResult {
    let mut page = Table::with_rows(1);
    page.push(
        Field::new(name, DataType::I64)
            .with_ucd("meta.number")
            .with_description("number of rows"),
        Column::from_values(DataType::I64, &[Value::Int(count as i64)]),
    )
    .expect("one row");
    QueryResult {
        count: 1,
        page,
        row_ids: vec![0],
    }
}
