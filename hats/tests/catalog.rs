//! HATS catalogues written and read back with the Parquet reader: values, nulls and types of
//! every column, the order and placement of rows, `_metadata`, the margin catalogue, the same
//! bytes on every run, and the errors.

use bytes::Bytes;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field as PqField;
use std::collections::BTreeMap;
use std::sync::Mutex;
use xcat_core::{Column, ColumnData, DataType, Field, StrColumn, Table, Validity};
use xcat_hats::{Catalog, Options, Pixel, healpix29, write_catalog};

/// A small deterministic generator (SplitMix64), so the tests need no random crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Positions spread over the whole sphere (uniform in area), with clusters at the poles and
/// across RA 0, and one column of every storage type with nulls.
fn table(n: usize, seed: u64) -> Table {
    let mut rng = Rng(seed);
    let mut ra = Vec::with_capacity(n);
    let mut dec = Vec::with_capacity(n);
    for i in 0..n {
        let (a, d) = match i % 4 {
            0 => (
                360.0 * rng.unit(),
                (2.0 * rng.unit() - 1.0).asin().to_degrees(),
            ),
            1 => (360.0 * rng.unit(), 89.0 + rng.unit()),
            2 => ((rng.unit() - 0.5).rem_euclid(360.0), -30.0 + rng.unit()),
            _ => (360.0 * rng.unit(), -89.5 - 0.5 * rng.unit()),
        };
        ra.push(a);
        dec.push(d);
    }
    let mut t = Table::with_rows(n);
    let mut push = |name: &str, dtype: DataType, data: ColumnData, nulls: usize| {
        let mut v = Validity::all_valid(n);
        if nulls > 0 {
            for i in (0..n).step_by(nulls) {
                v.set(i, false);
            }
        }
        t.push(Field::new(name, dtype), Column::new(data, v))
            .unwrap();
    };
    push(
        "ID",
        DataType::I64,
        ColumnData::I64((0..n as i64).collect()),
        0,
    );
    push("RA", DataType::F64, ColumnData::F64(ra), 0);
    push("DEC", DataType::F64, ColumnData::F64(dec), 0);
    push(
        "FLAG",
        DataType::Bool,
        ColumnData::Bool((0..n).map(|i| i % 3 == 0).collect()),
        7,
    );
    push(
        "U8",
        DataType::U8,
        ColumnData::U8((0..n).map(|i| (i % 251) as u8).collect()),
        5,
    );
    push(
        "I16",
        DataType::I16,
        ColumnData::I16((0..n).map(|i| i as i16 - 300).collect()),
        11,
    );
    push(
        "I32",
        DataType::I32,
        ColumnData::I32((0..n).map(|i| i as i32 * -7).collect()),
        13,
    );
    push(
        "F32",
        DataType::F32,
        ColumnData::F32((0..n).map(|i| i as f32 * 0.5).collect()),
        3,
    );
    let names: Vec<String> = (0..n).map(|i| format!("XMM J{i:06} ✓")).collect();
    push(
        "NAME",
        DataType::Str,
        ColumnData::Str(StrColumn::from_iter(names.iter().map(String::as_str))),
        17,
    );
    t
}

type Files = BTreeMap<String, Vec<u8>>;

fn write(t: &Table, options: &Options) -> (xcat_hats::Written, Files) {
    let files = Mutex::new(Files::new());
    let sink = |path: &str, bytes: &[u8]| {
        let old = files
            .lock()
            .unwrap()
            .insert(path.to_string(), bytes.to_vec());
        assert!(old.is_none(), "{path} written twice");
        Ok(())
    };
    let w = write_catalog("hats/test", &catalog(t), options, &sink).unwrap();
    (w, files.into_inner().unwrap())
}

fn catalog(t: &Table) -> Catalog<'_> {
    Catalog {
        name: "sources".into(),
        collection: "test_sources".into(),
        table: t,
        ra: "RA".into(),
        dec: "DEC".into(),
        kind: "object",
        default_columns: vec!["ID".into(), "RA".into(), "DEC".into()],
        properties: vec![("obs_regime".into(), "X-ray".into())],
    }
}

/// Every row of a leaf as (`_healpix_29`, its fields by name).
fn rows(bytes: &[u8]) -> Vec<(i64, BTreeMap<String, PqField>)> {
    let r = SerializedFileReader::new(Bytes::copy_from_slice(bytes)).unwrap();
    r.get_row_iter(None)
        .unwrap()
        .map(|row| {
            let row = row.unwrap();
            let mut it = row.get_column_iter();
            let (name, first) = it.next().unwrap();
            assert_eq!(name, "_healpix_29", "the index is the first column");
            let PqField::Long(h) = first else {
                panic!("_healpix_29 is int64, got {first:?}")
            };
            (
                *h,
                it.map(|(n, f)| (n.clone(), f.clone()))
                    .collect::<BTreeMap<_, _>>(),
            )
        })
        .collect()
}

fn leaves(files: &Files, catalogue: &str) -> Vec<(Pixel, Vec<u8>)> {
    let csv =
        String::from_utf8(files[&format!("hats/test/{catalogue}/partition_info.csv")].clone())
            .unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("Norder,Npix"));
    lines
        .map(|l| {
            let (k, n) = l.split_once(',').unwrap();
            let p = Pixel {
                order: k.parse().unwrap(),
                npix: n.parse().unwrap(),
            };
            let path = format!("hats/test/{catalogue}/dataset/{}", p.leaf());
            (
                p,
                files.get(&path).unwrap_or_else(|| panic!("{path}")).clone(),
            )
        })
        .collect()
}

fn sep_deg(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (r1, d1, r2, d2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((d2 - d1) / 2.0).sin().powi(2) + d1.cos() * d2.cos() * ((r2 - r1) / 2.0).sin().powi(2);
    (2.0 * h.sqrt().min(1.0).asin()).to_degrees()
}

#[test]
fn every_row_is_in_its_pixel_once_sorted_with_its_values_and_nulls() {
    let t = table(3000, 1);
    let options = Options {
        max_rows: 200,
        max_order: 6,
        row_group_rows: 64,
        margin_arcsec: 0.0,
    };
    let (w, files) = write(&t, &options);
    assert_eq!(w.rows, 3000);
    assert!(w.partitions > 10, "{} partitions", w.partitions);
    let mut seen = vec![false; t.rows()];
    for (pixel, bytes) in leaves(&files, "sources") {
        let rs = rows(&bytes);
        assert!(!rs.is_empty());
        assert!(rs.len() <= 200 || pixel.order == 6);
        assert!(
            rs.windows(2).all(|w| w[0].0 <= w[1].0),
            "sorted by _healpix_29"
        );
        for (h, f) in rs {
            assert_eq!(Pixel::of(pixel.order, h as u64), pixel);
            let PqField::Long(id) = f["ID"] else { panic!() };
            let i = id as usize;
            assert!(!std::mem::replace(&mut seen[i], true), "row {i} twice");
            let ra = t.column("RA").unwrap().f64(i).unwrap();
            let dec = t.column("DEC").unwrap().f64(i).unwrap();
            assert_eq!(h as u64, healpix29(ra, dec).unwrap());
            assert_eq!(f["RA"], PqField::Double(ra));
            assert_eq!(f["DEC"], PqField::Double(dec));
            let col = |n: &str| t.column(n).unwrap();
            let expect = |n: &str, v: PqField| {
                let want = if col(n).is_null(i) { PqField::Null } else { v };
                assert_eq!(f[n], want, "{n} of row {i}");
            };
            expect("FLAG", PqField::Bool(col("FLAG").bool(i).unwrap_or(false)));
            expect("U8", PqField::UByte(col("U8").i64(i).unwrap_or(0) as u8));
            expect("I16", PqField::Short(col("I16").i64(i).unwrap_or(0) as i16));
            expect("I32", PqField::Int(col("I32").i64(i).unwrap_or(0) as i32));
            expect(
                "F32",
                PqField::Float(col("F32").f64(i).unwrap_or(0.0) as f32),
            );
            expect(
                "NAME",
                PqField::Str(col("NAME").str(i).unwrap_or("").to_string()),
            );
        }
    }
    assert!(seen.iter().all(|&s| s), "every row is written");
}

#[test]
fn metadata_describes_every_row_group_of_every_leaf() {
    let t = table(2000, 2);
    let options = Options {
        max_rows: 300,
        row_group_rows: 100,
        ..Options::default()
    };
    let (w, files) = write(&t, &options);
    let meta = SerializedFileReader::new(Bytes::from(
        files["hats/test/sources/dataset/_metadata"].clone(),
    ))
    .unwrap();
    let m = meta.metadata();
    assert_eq!(m.file_metadata().num_rows(), 2000);
    let mut by_file: BTreeMap<String, i64> = BTreeMap::new();
    for rg in m.row_groups() {
        assert!(rg.num_rows() <= 100);
        let path = rg.column(0).file_path().expect("file_path").to_string();
        assert!(rg.columns().iter().all(|c| c.file_path() == Some(&path)));
        *by_file.entry(path).or_default() += rg.num_rows();
    }
    let leaves = leaves(&files, "sources");
    assert_eq!(by_file.len(), leaves.len());
    assert_eq!(leaves.len(), w.partitions);
    for (p, bytes) in &leaves {
        assert_eq!(by_file[&p.leaf()], rows(bytes).len() as i64);
    }
    // `_common_metadata`: the same schema, no rows.
    let common = SerializedFileReader::new(Bytes::from(
        files["hats/test/sources/dataset/_common_metadata"].clone(),
    ))
    .unwrap();
    assert_eq!(common.metadata().num_row_groups(), 0);
    assert_eq!(
        common
            .metadata()
            .file_metadata()
            .schema_descr()
            .num_columns(),
        1 + t.schema().len()
    );
    let props = String::from_utf8(files["hats/test/sources/hats.properties"].clone()).unwrap();
    for line in [
        "obs_collection=test_sources",
        "dataproduct_type=object",
        "hats_nrows=2000",
        "hats_col_ra=RA",
        "hats_col_dec=DEC",
        "hats_col_healpix=_healpix_29",
        "hats_cols_default=ID RA DEC",
        "obs_regime=X-ray",
        "hats_version=v1.0",
    ] {
        assert!(props.lines().any(|l| l == line), "{line} in\n{props}");
    }
}

#[test]
fn the_margin_holds_every_row_within_the_threshold_of_another_partition() {
    // Wide, so that many rows are near an edge: margin cells (order 5) larger than the
    // deepest partitions (order 7).
    check_margin(1800.0, 7, "sources_1800arcs");
    // Narrow: margin cells (order 10) smaller than every partition.
    check_margin(120.0, 5, "sources_120arcs");
}

fn check_margin(arcsec: f64, max_order: u8, name: &str) {
    let t = table(4000, 3);
    let options = Options {
        max_rows: 150,
        max_order,
        row_group_rows: 1000,
        margin_arcsec: arcsec,
    };
    let (w, files) = write(&t, &options);
    let parts: Vec<Pixel> = leaves(&files, "sources")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let margin: BTreeMap<Pixel, Vec<i64>> = leaves(&files, name)
        .into_iter()
        .map(|(p, bytes)| {
            let ids = rows(&bytes)
                .into_iter()
                .map(|(h, f)| {
                    assert_ne!(
                        Pixel::of(p.order, h as u64),
                        p,
                        "a margin row inside its pixel"
                    );
                    let PqField::Long(id) = f["ID"] else { panic!() };
                    id
                })
                .collect();
            (p, ids)
        })
        .collect();
    assert!(margin.keys().all(|p| parts.contains(p)));
    assert_eq!(w.margin_rows, margin.values().map(Vec::len).sum::<usize>());
    assert!(w.margin_rows > 10, "{} margin rows", w.margin_rows);
    let part_of = |h: u64| parts.iter().copied().find(|p| p.range29().contains(&h));
    // Points on a circle just inside the threshold around each row: every other partition
    // one of them falls in must have the row in its margin.
    let (ra, dec) = (t.column("RA").unwrap(), t.column("DEC").unwrap());
    let mut checked = 0;
    for i in 0..t.rows() {
        let c = (ra.f64(i).unwrap(), dec.f64(i).unwrap());
        let own = part_of(healpix29(c.0, c.1).unwrap()).unwrap();
        let r = 0.999 * arcsec / 3600.0;
        for k in 0..48 {
            let az = k as f64 * std::f64::consts::TAU / 48.0;
            // Destination of a great-circle step of r degrees at azimuth az.
            let (d1, rr) = (c.1.to_radians(), r.to_radians());
            let d2 = (d1.sin() * rr.cos() + d1.cos() * rr.sin() * az.cos()).asin();
            let a2 = c.0.to_radians()
                + (az.sin() * rr.sin() * d1.cos()).atan2(rr.cos() - d1.sin() * d2.sin());
            let p = (a2.to_degrees().rem_euclid(360.0), d2.to_degrees());
            assert!(sep_deg(c, p) < arcsec / 3600.0);
            let Some(other) = part_of(healpix29(p.0, p.1).unwrap()) else {
                continue;
            };
            if other != own {
                checked += 1;
                assert!(
                    margin
                        .get(&other)
                        .is_some_and(|ids| ids.contains(&(i as i64))),
                    "row {i} at {c:?} is {:.1}\" from partition {other:?} but not in its margin",
                    sep_deg(c, p) * 3600.0
                );
            }
        }
    }
    assert!(checked > 10, "{checked} edge crossings checked");
    let props =
        String::from_utf8(files[&format!("hats/test/{name}/hats.properties")].clone()).unwrap();
    let threshold = format!("hats_margin_threshold={arcsec}");
    for line in [
        "dataproduct_type=margin",
        threshold.as_str(),
        "hats_primary_table_url=../sources",
        "hats_col_ra=RA",
    ] {
        assert!(props.lines().any(|l| l == line), "{line} in\n{props}");
    }
}

#[test]
fn the_same_table_gives_the_same_bytes_whatever_the_threads() {
    let t = table(2500, 4);
    let options = Options {
        max_rows: 100,
        margin_arcsec: 600.0,
        ..Options::default()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| write(&t, &options).1);
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| write(&t, &options).1);
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        four.keys().collect::<Vec<_>>()
    );
    for (k, v) in &one {
        assert!(four[k] == *v, "{k} differs");
    }
}

#[test]
fn a_row_without_a_position_is_an_error_naming_it() {
    let mut t = table(50, 5);
    let (fields, mut columns) = t.into_parts();
    let dec = fields.iter().position(|f| f.name == "DEC").unwrap();
    let mut v = columns[dec].validity().clone();
    v.set(41, false);
    columns[dec] = Column::new(columns[dec].data().clone(), v);
    t = Table::with_rows(50);
    for (f, c) in fields.into_iter().zip(columns) {
        t.push(f, c).unwrap();
    }
    let sink = |_: &str, _: &[u8]| Ok(());
    let e = write_catalog("hats/test", &catalog(&t), &Options::default(), &sink)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("row 42 of test_sources") && e.contains("DEC = null"),
        "{e}"
    );
    let mut c = catalog(&t);
    c.ra = "NOPE".into();
    let e = write_catalog("hats/test", &c, &Options::default(), &sink)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no numeric column NOPE"), "{e}");
    let failing = |p: &str, _: &[u8]| Err(format!("disk full at {p}"));
    let e = write_catalog(
        "hats/test",
        &catalog(&table(10, 6)),
        &Options::default(),
        &failing,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("cannot write hats/test/sources/") && e.contains("disk full"),
        "{e}"
    );
}
