//! The FITS export of query results (`xcat_core::fits`, which the browser module uses) read
//! back with cfitsio (the `fitsio` crate): rows, values, types, units and null conventions.

use fitsio::FitsFile;
use xcat_core::{Column, DataType, Field, Table, Value};

fn field(name: &str, dtype: DataType, unit: &str) -> Field {
    let mut f = Field::new(name, dtype);
    f.unit = unit.into();
    f
}

fn table() -> Table {
    let mut t = Table::with_rows(3);
    let mut add = |f: Field, v: &[Value]| {
        let dtype = f.dtype;
        t.push(f, Column::from_values(dtype, v)).unwrap();
    };
    add(
        field("SRCID", DataType::I64, ""),
        &[Value::Int(201122201010052), Value::Int(3), Value::Int(-7)],
    );
    add(
        field("IAUNAME", DataType::Str, ""),
        &[
            Value::Str("4XMM J132652.4-472736".into()),
            Value::Null,
            Value::Str("it's".into()),
        ],
    );
    add(
        field("SC_RA", DataType::F64, "deg"),
        &[
            Value::Float(201.71871050924),
            Value::Float(0.5),
            Value::Null,
        ],
    );
    add(
        field("SC_EP_8_FLUX", DataType::F32, "erg/cm**2/s"),
        &[Value::Null, Value::Float(1.25e-14), Value::Float(-2.0)],
    );
    add(
        field("N_DETECTIONS", DataType::I32, ""),
        &[Value::Int(4), Value::Null, Value::Int(1)],
    );
    add(
        field("SUM_FLAG", DataType::U8, ""),
        &[Value::Int(0), Value::Int(3), Value::Null],
    );
    add(
        field("IS_ULX", DataType::Bool, ""),
        &[Value::Bool(true), Value::Bool(false), Value::Null],
    );
    t
}

#[test]
fn cfitsio_reads_the_export_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("result.fits");
    let bytes = xcat_core::fits::write_table(&table(), "RESULT", &["query: M82"]);
    assert_eq!(bytes.len() % 2880, 0);
    std::fs::write(&path, &bytes).unwrap();

    let mut f = FitsFile::open(&path).unwrap();
    let hdu = f.hdu("RESULT").unwrap();
    let key = |f: &mut FitsFile, k: &str| hdu.read_key::<String>(f, k).unwrap();
    let ikey = |f: &mut FitsFile, k: &str| hdu.read_key::<i64>(f, k).unwrap();
    assert_eq!(ikey(&mut f, "NAXIS2"), 3);
    assert_eq!(ikey(&mut f, "TFIELDS"), 7);
    let forms: Vec<String> = (1..=7).map(|n| key(&mut f, &format!("TFORM{n}"))).collect();
    assert_eq!(forms, ["K", "21A", "D", "E", "J", "B", "L"]);
    assert_eq!(key(&mut f, "TUNIT3"), "deg");
    assert_eq!(key(&mut f, "TUNIT4"), "erg/cm**2/s");

    let srcid: Vec<i64> = hdu.read_col(&mut f, "SRCID").unwrap();
    assert_eq!(srcid, [201122201010052, 3, -7]);
    let names: Vec<String> = hdu.read_col(&mut f, "IAUNAME").unwrap();
    // cfitsio trims trailing blanks (keeping one of an all-blank value); a null string is blank.
    assert_eq!(names[0], "4XMM J132652.4-472736");
    assert_eq!(names[1].trim(), "");
    assert_eq!(names[2], "it's");
    let ra: Vec<f64> = hdu.read_col(&mut f, "SC_RA").unwrap();
    assert_eq!(&ra[..2], &[201.71871050924, 0.5]);
    assert!(ra[2].is_nan(), "float nulls are NaN");
    let flux: Vec<f32> = hdu.read_col(&mut f, "SC_EP_8_FLUX").unwrap();
    assert!(flux[0].is_nan());
    assert_eq!(&flux[1..], &[1.25e-14f32, -2.0]);
    // cfitsio's read_col returns integer nulls as the raw TNULL value.
    let tnull5 = ikey(&mut f, "TNULL5");
    assert_eq!(tnull5, i64::from(i32::MIN));
    let n: Vec<i32> = hdu.read_col(&mut f, "N_DETECTIONS").unwrap();
    assert_eq!(n, [4, tnull5 as i32, 1]);
    assert_eq!(ikey(&mut f, "TNULL6"), 255);
    let flags: Vec<i32> = hdu.read_col(&mut f, "SUM_FLAG").unwrap();
    assert_eq!(flags, [0, 3, 255]);
}
