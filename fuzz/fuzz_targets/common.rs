//! A small catalogue written as the site writes it (tiles, segments, index pages), shared by
//! the query and chunk targets.

use std::collections::HashMap;
use xcat_core::chunk::{Engine, WriteOptions, write_catalogue};
use xcat_core::{Column, ColumnData, DataType, Field, Table, Value};

pub type Files = HashMap<String, Vec<u8>>;

/// 60 sources around M31 and elsewhere, with the kinds of columns a 4XMM catalogue has:
/// integers, floats with nulls, strings, booleans.
pub fn catalogue() -> (String, Files) {
    let n = 60usize;
    let mut t = Table::with_rows(n);
    let f = |v: Vec<f64>| Column::from_data(ColumnData::F64(v));
    t.push(
        Field::new("SRCID", DataType::I64),
        Column::from_data(ColumnData::I64(
            (0..n as i64).map(|i| 201_000 + i).collect(),
        )),
    )
    .unwrap();
    t.push(
        Field::new("SC_RA", DataType::F64),
        f((0..n)
            .map(|i| {
                if i % 2 == 0 {
                    10.68 + i as f64 * 0.01
                } else {
                    (i as f64 * 47.3) % 360.0
                }
            })
            .collect()),
    )
    .unwrap();
    t.push(
        Field::new("SC_DEC", DataType::F64),
        f((0..n)
            .map(|i| {
                if i % 2 == 0 {
                    41.27 - i as f64 * 0.01
                } else {
                    (i as f64 * 13.7) % 180.0 - 90.0
                }
            })
            .collect()),
    )
    .unwrap();
    t.push(
        Field::new("SC_DET_ML", DataType::F64),
        f((0..n)
            .map(|i| if i % 7 == 0 { f64::NAN } else { i as f64 * 3.5 })
            .collect()),
    )
    .unwrap();
    t.push(
        Field::new("N_DETECTIONS", DataType::I32),
        Column::from_data(ColumnData::I32((0..n as i32).map(|i| i % 5 + 1).collect())),
    )
    .unwrap();
    t.push(
        Field::new("IAUNAME", DataType::Str),
        Column::from_values(
            DataType::Str,
            &(0..n)
                .map(|i| Value::Str(format!("4XMM J0042{i:02}.0+4116{i:02}")))
                .collect::<Vec<_>>(),
        ),
    )
    .unwrap();
    t.push(
        Field::new("is_ulx", DataType::Bool),
        Column::from_data(ColumnData::Bool((0..n).map(|i| i % 9 == 0).collect())),
    )
    .unwrap();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let opts = WriteOptions {
        tile_budget: 8,
        segment_rows: 16,
        tile_columns: s(&["SC_DET_ML"]),
        default_columns: s(&["SRCID", "IAUNAME"]),
        index_columns: s(&["SRCID", "IAUNAME"]),
        index_page_keys: 8,
        ..WriteOptions::default()
    };
    let w = write_catalogue(&t, None, &opts, &|b| b.to_vec()).expect("writes");
    let files: Files = w.files.into_iter().map(|f| (f.path, f.bytes)).collect();
    Engine::open(&w.manifest_path, &files[&w.manifest_path]).expect("opens");
    (w.manifest_path, files)
}

/// A fresh engine over the catalogue (nothing fetched yet).
pub fn open(manifest: &str, files: &Files) -> Engine {
    Engine::open(manifest, &files[manifest]).expect("opens")
}
