//! Round trips: what the writer produces, the engine reads back and queries with the same
//! answers as the brute-force evaluator over the original rows; damaged files are rejected.

use super::*;
use crate::column::Column;
use crate::names::{NameTableBuilder, NoResolver};
use crate::query::proptests::{build_table, case, render};
use crate::query::{Query, QueryOptions};
use crate::schema::{DataType, Field};
use crate::table::Table;
use proptest::prelude::*;
use std::collections::HashMap;

type Files = HashMap<String, Vec<u8>>;

fn small_options() -> WriteOptions {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    WriteOptions {
        tile_budget: 3,
        max_order: 12,
        segment_rows: 5,
        tile_columns: s(&["I", "S"]),
        default_columns: s(&["ID", "I"]),
        index_columns: s(&["I", "S", "ID"]),
        index_page_keys: 4,
        ..WriteOptions::default()
    }
}

/// The table of the query property tests plus an ID column (input row).
fn with_ids(mut t: Table) -> Table {
    let ids = Column::from_data(crate::ColumnData::I64((0..t.rows() as i64).collect()));
    t.push(Field::new("ID", DataType::I64), ids).unwrap();
    t
}

fn write(t: &Table, opts: &WriteOptions) -> (Engine, Files) {
    let w = write_catalogue(t, None, opts, &|b| b.to_vec()).unwrap();
    let files: Files = w.files.into_iter().map(|f| (f.path, f.bytes)).collect();
    let engine = Engine::open(&w.manifest_path, &files[&w.manifest_path]).unwrap();
    (engine, files)
}

/// Runs a phase to completion, fetching what it asks for from `files`.
fn drive<T>(
    engine: &mut Engine,
    files: &Files,
    fetched: &mut usize,
    mut phase: impl FnMut(&Engine) -> Result<T, Step>,
) -> Result<T, EngineError> {
    // Batched evaluation asks for the files of one batch at a time.
    for _ in 0..200 {
        match phase(engine) {
            Ok(t) => return Ok(t),
            Err(Step::Fail(e)) => return Err(e),
            Err(Step::Need(n)) => {
                assert!(!n.files.is_empty(), "a phase asked for nothing");
                for (kind, f) in n.files {
                    assert!(!engine.has(&f), "asked twice for {}", f.path());
                    engine.insert(kind, &f, &files[&f.path()])?;
                    *fetched += 1;
                }
            }
        }
    }
    panic!("no progress after 200 rounds")
}

fn run(engine: &mut Engine, files: &Files, text: &str, opts: RunOptions) -> (QueryResult, usize) {
    let mut q = engine.parse(text).unwrap();
    q.resolve(&NoResolver).unwrap();
    let mut exec = Execution::new(engine, q, opts).unwrap();
    let mut fetched = 0;
    let r = drive(engine, files, &mut fetched, |e| exec.step(e)).unwrap();
    (r, fetched)
}

fn ids(r: &QueryResult) -> Vec<i64> {
    let c = r.page.column("ID").unwrap();
    let mut v: Vec<i64> = (0..r.page.rows()).filter_map(|i| c.i64(i)).collect();
    v.sort_unstable();
    v
}

fn all_ids() -> RunOptions {
    RunOptions {
        limit: usize::MAX,
        columns: vec!["ID".into(), "F".into()],
        ..RunOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random predicates over random columns (cones at the poles and across RA = 0/360, IN
    /// sets on indexed columns, nulls everywhere): the tiled evaluation selects exactly the
    /// rows the brute-force evaluator selects over the original table.
    #[test]
    fn tiled_evaluation_equals_brute_force((centre, rows, p) in case()) {
        let table = with_ids(build_table(centre, &rows));
        let text = render(&p);
        let mut q = Query::parse(&text, table.schema(), &QueryOptions::default()).unwrap();
        q.resolve(&NoResolver).unwrap();
        let want: Vec<i64> = q.matching_rows(&table).unwrap().into_iter().map(|r| r as i64).collect();
        let (mut engine, files) = write(&table, &small_options());
        let (r, _) = run(&mut engine, &files, &text, all_ids());
        prop_assert_eq!(r.count, want.len(), "{}", text);
        prop_assert_eq!(ids(&r), want, "{}", text);
        // Sorted by F descending: nulls last, values non-increasing.
        let opts = RunOptions { sort: Some("f".into()), desc: true, ..all_ids() };
        let (r, _) = run(&mut engine, &files, &text, opts);
        let f = r.page.column("F").unwrap();
        let vals: Vec<Option<f64>> = (0..r.page.rows()).map(|i| f.f64(i)).collect();
        prop_assert!(vals.windows(2).all(|w| match (w[0], w[1]) {
            (Some(a), Some(b)) => a >= b,
            (None, Some(_)) => false,
            _ => true,
        }), "{} {:?}", text, vals);
    }

    /// Stopping at the first rows (no sort, the count not needed) gives the page of the full
    /// evaluation, and a count that still says whether rows follow the page.
    #[test]
    fn first_rows_only_gives_the_same_page(
        (centre, rows, p) in case(),
        offset in 0usize..6,
        limit in 0usize..9,
        window in prop::option::of((0usize..5, 0usize..12)),
    ) {
        let table = with_ids(build_table(centre, &rows));
        let text = render(&p);
        let (mut engine, files) = write(&table, &small_options());
        let opts = RunOptions { offset, limit, window, ..all_ids() };
        let (full, _) = run(&mut engine, &files, &text, opts.clone());
        let (first, _) = run(&mut engine, &files, &text, RunOptions { first_rows_only: true, ..opts });
        prop_assert_eq!(&first.row_ids, &full.row_ids, "{}", text);
        prop_assert_eq!(first.count > offset + limit, full.count > offset + limit, "{}", text);
        prop_assert!(first.count <= full.count);
    }

    /// ORDER BY several keys: lexicographic, nulls last within each key, the rest in tile
    /// order.
    #[test]
    fn multi_key_sorts_are_lexicographic((centre, rows, p) in case(), i_desc: bool, f_desc: bool) {
        let table = with_ids(build_table(centre, &rows));
        let text = render(&p);
        let (mut engine, files) = write(&table, &small_options());
        let opts = RunOptions {
            sort: Some("i".into()),
            desc: i_desc,
            then: vec![("F".into(), f_desc), ("id".into(), false)],
            columns: vec!["I".into(), "F".into(), "ID".into()],
            ..all_ids()
        };
        let (r, _) = run(&mut engine, &files, &text, opts);
        let (full, _) = run(&mut engine, &files, &text, all_ids());
        prop_assert_eq!(r.count, full.count);
        let key = |k: usize| -> (Option<i64>, Option<f64>, i64) {
            let t = &r.page;
            let f = t.column("F").unwrap().f64(k).filter(|x| !x.is_nan());
            (t.column("I").unwrap().i64(k), f, t.column("ID").unwrap().i64(k).unwrap())
        };
        use std::cmp::Ordering;
        let cmp_opt = |a: Option<f64>, b: Option<f64>, desc: bool| match (a, b) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) if desc => y.partial_cmp(&x).unwrap(),
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap(),
        };
        for k in 1..r.page.rows() {
            let (a, b) = (key(k - 1), key(k));
            let o = cmp_opt(a.0.map(|x| x as f64), b.0.map(|x| x as f64), i_desc)
                .then(cmp_opt(a.1, b.1, f_desc))
                .then(a.2.cmp(&b.2));
            prop_assert!(o != Ordering::Greater, "{}: row {} {:?} before {:?}", text, k, a, b);
        }
    }

    /// Sorting by a computed value: `-F` ascending is `F` descending, ties in tile order,
    /// nulls last.
    #[test]
    fn sorting_by_a_value_equals_sorting_by_its_column((centre, rows, p) in case()) {
        let table = with_ids(build_table(centre, &rows));
        let text = render(&p);
        let (mut engine, files) = write(&table, &small_options());
        let by_column = RunOptions { sort: Some("F".into()), desc: true, ..all_ids() };
        let value = crate::query::parse_value("-f", engine.schema()).unwrap();
        let by_value = RunOptions { sort_value: Some(value), ..all_ids() };
        let (a, _) = run(&mut engine, &files, &text, by_column);
        let (b, _) = run(&mut engine, &files, &text, by_value);
        prop_assert_eq!(&a.row_ids, &b.row_ids, "{}", text);
    }

    /// IN lists on the indexed ID, I (repeated keys) and S (case-insensitive) columns.
    #[test]
    fn index_lookups_equal_brute_force(
        (centre, rows, _) in case(),
        ids_wanted in prop::collection::vec(-2i64..60, 1..12),
        ints in prop::collection::vec(-4i64..5, 1..4),
        words in prop::collection::vec(prop::sample::select(vec!["ab", "AB", "abc", "b", "zz"]), 1..3),
    ) {
        let table = with_ids(build_table(centre, &rows));
        let join = |v: Vec<String>| v.join(", ");
        for text in [
            format!("id IN {{{}}}", join(ids_wanted.iter().map(|x| x.to_string()).collect())),
            format!("I IN ({}) AND id >= 0", join(ints.iter().map(|x| x.to_string()).collect())),
            format!("s IN {{{}}}", join(words.iter().map(|w| format!("\"{w}\"")).collect())),
            format!("id = {}", ids_wanted[0]),
        ] {
            let mut q = Query::parse(&text, table.schema(), &QueryOptions::default()).unwrap();
            q.resolve(&NoResolver).unwrap();
            let want: Vec<i64> = q.matching_rows(&table).unwrap().into_iter().map(|r| r as i64).collect();
            let (mut engine, files) = write(&table, &small_options());
            let mut q2 = engine.parse(&text).unwrap();
            q2.resolve(&NoResolver).unwrap();
            let plan = engine.explain(&q2);
            let (r, _) = run(&mut engine, &files, &text, all_ids());
            prop_assert_eq!(ids(&r), want, "{}", &text);
            if let Ok(p) = plan { prop_assert!(p.plan.index.is_some(), "{} used no index", &text); }
        }
    }

    /// `detid IN {…}` through the link index (DETID → ID of the row that has the detection),
    /// alone, under AND / OR with a random predicate and under NOT: the same rows as a
    /// brute-force evaluation over the original table and detection list.
    #[test]
    fn detid_lists_equal_brute_force(
        (centre, rows, p) in case(),
        per_row in prop::collection::vec(0usize..4, 0..80),
        seed in any::<u64>(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..10),
        missing in prop::collection::vec(100_000i64..100_010, 0..3),
    ) {
        let table = with_ids(build_table(centre, &rows));
        let n = table.rows();
        // Detections: per_row[i] of them for row i, with unique scattered DETIDs.
        let (mut keys, mut targets) = (Vec::new(), Vec::new());
        for (i, &k) in per_row.iter().enumerate().filter(|(i, _)| *i < n) {
            for j in 0..k {
                let d = ((i * 4 + j) as u64).wrapping_mul(0x9E37_79B9).wrapping_add(seed) % 50_000;
                keys.push(d as i64 * 4 + j as i64);
                targets.push(i as i64);
            }
        }
        let link = LinkedKeys { key: "DETID".into(), target: "ID".into(), keys: keys.clone(), targets: targets.clone() };
        let w = write_catalogue_linked(&table, None, &[link], &small_options(), &|b| b.to_vec()).unwrap();
        let files: Files = w.files.into_iter().map(|f| (f.path, f.bytes)).collect();
        let mut engine = Engine::open(&w.manifest_path, &files[&w.manifest_path]).unwrap();

        let mut wanted: Vec<i64> = missing.clone();
        if !keys.is_empty() {
            wanted.extend(picks.iter().map(|ix| keys[ix.index(keys.len())]));
        }
        if wanted.is_empty() {
            wanted.push(-1);
        }
        let list = wanted.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
        // Brute force: the rows that own one of the wanted detections.
        let owners: std::collections::BTreeSet<i64> = keys.iter().zip(&targets)
            .filter(|(k, _)| wanted.contains(k)).map(|(_, &t)| t).collect();
        let mut pq = Query::parse(&render(&p), table.schema(), &QueryOptions::default()).unwrap();
        pq.resolve(&NoResolver).unwrap();
        let pred: std::collections::BTreeSet<i64> = pq.matching_rows(&table).unwrap().into_iter().map(|r| r as i64).collect();
        let all: std::collections::BTreeSet<i64> = (0..n as i64).collect();
        let pt = render(&p);
        for (text, want) in [
            (format!("detid IN {{{list}}}"), owners.clone()),
            (format!("DETID = {}", wanted[0]), keys.iter().zip(&targets).filter(|(k, _)| **k == wanted[0]).map(|(_, &t)| t).collect()),
            (format!("detid IN {{{list}}} AND ({pt})"), owners.intersection(&pred).copied().collect()),
            (format!("detid IN ({list}) OR ({pt})"), owners.union(&pred).copied().collect()),
            (format!("NOT detid IN {{{list}}}"), all.difference(&owners).copied().collect()),
            (format!("detid NOT IN {{{list}}}"), all.difference(&owners).copied().collect()),
        ] {
            let want: Vec<i64> = want.into_iter().collect();
            let (r, _) = run(&mut engine, &files, &text, all_ids());
            prop_assert_eq!(ids(&r), want, "{}", &text);
        }
        // Alone, the lookup narrows the candidates to the owners through the ID index.
        let q = engine.parse(&format!("detid IN {{{list}}}")).unwrap();
        let mut fetched = 0;
        let x = drive(&mut engine, &files, &mut fetched, |e| e.explain(&q)).unwrap();
        prop_assert_eq!(x.candidate_rows, owners.len());
        prop_assert_eq!(x.plan.index.map(|(c, _)| c), Some("ID".to_string()));
    }

    /// No byte string decodes into a panic.
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), kind in 1u8..7) {
        let mut b = b"XCAT\x02\x00".to_vec();
        b.push(kind);
        b.push(0);
        b.extend(bytes);
        let f = FileRef { hash: hash::content_hash(&b), len: b.len() as u32, stored: 0 };
        let table = with_ids(build_table(0, &[]));
        let (mut engine, _) = write(&table, &small_options());
        for k in [FileKind::Tile, FileKind::Segment, FileKind::IndexPage, FileKind::LinkPage, FileKind::Names] {
            let _ = engine.insert(k, &f, &b);
        }
        let _ = decode_manifest("manifest.0000000000000000.bin", &b);
    }
}

/// A catalogue spread over the whole sky with a dense field, many tiles and segments.
fn sky_table(n: usize) -> Table {
    let mut ra = Vec::new();
    let mut dec = Vec::new();
    for i in 0..n {
        let f = i as f64;
        if i % 3 == 0 {
            ra.push(10.68 + (f * 0.618).fract() * 0.3);
            dec.push(41.27 + (f * 0.414).fract() * 0.3);
        } else {
            ra.push((f * 137.508) % 360.0);
            dec.push(((f * 0.7321).fract() * 2.0 - 1.0).asin().to_degrees());
        }
    }
    let mut t = Table::with_rows(n);
    t.push(
        Field::new("SRCID", DataType::I64),
        Column::from_data(crate::ColumnData::I64(
            (0..n as i64).map(|i| 1000 + 7 * i).collect(),
        )),
    )
    .unwrap();
    t.push(
        Field::new("SC_RA", DataType::F64),
        Column::from_data(crate::ColumnData::F64(ra)),
    )
    .unwrap();
    t.push(
        Field::new("SC_DEC", DataType::F64),
        Column::from_data(crate::ColumnData::F64(dec)),
    )
    .unwrap();
    t.push(
        Field::new("SC_DET_ML", DataType::F32),
        Column::from_data(crate::ColumnData::F32(
            (0..n).map(|i| (i % 1000) as f32).collect(),
        )),
    )
    .unwrap();
    t.push(
        Field::new("IS_ULX", DataType::Bool),
        Column::from_data(crate::ColumnData::Bool(
            (0..n).map(|i| i == 77 || i == 4001).collect(),
        )),
    )
    .unwrap();
    t
}

fn sky_options() -> WriteOptions {
    WriteOptions {
        tile_budget: 100,
        segment_rows: 1000,
        index_page_keys: 256,
        ..WriteOptions::default()
    }
}

#[test]
fn cones_read_few_tiles_and_zone_maps_skip_segments() {
    let t = sky_table(6000);
    let (mut e, files) = write(&t, &sky_options());
    assert!(e.manifest().tiles.len() > 40);
    let opts = RunOptions {
        limit: 1000,
        columns: vec!["SRCID".into()],
        ..RunOptions::default()
    };
    // A small cone in the dense field reads a handful of tiles, not the catalogue.
    let (r, fetched) = run(&mut e, &files, "cone('10.8 41.4', '1arcmin')", opts.clone());
    assert!(fetched < 10, "{fetched} files for a 1' cone");
    let srcid = t.column("SRCID").unwrap();
    let want = (0..t.rows())
        .filter(|&i| {
            crate::coords::angular_distance(
                10.8,
                41.4,
                t.column("SC_RA").unwrap().f64(i).unwrap(),
                t.column("SC_DEC").unwrap().f64(i).unwrap(),
            ) <= 1.0 / 60.0
        })
        .count();
    assert_eq!(r.count, want);
    assert!(want > 0);
    // A rare flag: every segment but the two holding a ULX is skipped.
    let mut q = e.parse("is_ulx = true").unwrap();
    q.resolve(&NoResolver).unwrap();
    let x = e.explain(&q).unwrap();
    // (The two rows may share a segment after tile ordering.)
    assert!((1..=2).contains(&x.plan.segments_kept), "{x:?}");
    assert_eq!(x.plan.segments_kept + x.plan.segments_skipped, 6);
    let (r, _) = run(&mut e, &files, "is_ulx", opts.clone());
    assert_eq!(r.count, 2);
    let got: Vec<i64> = (0..2)
        .filter_map(|i| r.page.column("SRCID").unwrap().i64(i))
        .collect();
    let mut got = got;
    got.sort_unstable();
    assert_eq!(got, vec![srcid.i64(77).unwrap(), srcid.i64(4001).unwrap()]);
    // An IN list reads index pages and the rows' blocks only.
    let (r, fetched) = run(&mut e, &files, "srcid IN {1000, 1007, 42001}", opts);
    assert_eq!(r.count, 2);
    assert!(fetched <= 6, "{fetched}");
}

#[test]
fn writing_is_deterministic() {
    let t = sky_table(2000);
    let a = write_catalogue(&t, None, &sky_options(), &|b| b.to_vec()).unwrap();
    let b = write_catalogue(&t, None, &sky_options(), &|b| b.to_vec()).unwrap();
    assert_eq!(a.manifest_path, b.manifest_path);
    assert_eq!(a.files, b.files);
}

#[test]
fn designations_and_names_round_trip() {
    let mut t = sky_table(500);
    let names: Vec<crate::Value> = (0..500)
        .map(|i| crate::Value::Str(format!("4XMM J{i:06}.0+000000")))
        .collect();
    t.push(
        Field::new("IAUNAME", DataType::Str),
        Column::from_values(DataType::Str, &names),
    )
    .unwrap();
    let mut nb = NameTableBuilder::new();
    nb.add(&["M 31", "NGC 224", "Andromeda Galaxy"], 10.6847, 41.2690);
    let names = nb.finish();
    let w = write_catalogue(&t, Some(&names), &sky_options(), &|b| b.to_vec()).unwrap();
    let files: Files = w.files.into_iter().map(|f| (f.path, f.bytes)).collect();
    let mut e = Engine::open(&w.manifest_path, &files[&w.manifest_path]).unwrap();
    let mut n = 0;
    let (kind, f) = e.names_file().unwrap();
    e.insert(kind, &f, &files[&f.path()]).unwrap();
    assert_eq!(e.names().unwrap().lookup("m31").unwrap().name, "M 31");
    let pos = drive(&mut e, &files, &mut n, |e| {
        e.designation_position("4xmm j000123.0+000000")
    })
    .unwrap()
    .unwrap();
    assert_eq!(pos.0, t.column("SC_RA").unwrap().f64(123).unwrap());
    assert_eq!(pos.1, t.column("SC_DEC").unwrap().f64(123).unwrap());
    assert!(n <= 3);
}

#[test]
fn damaged_files_are_clear_errors() {
    let t = sky_table(3000);
    let (mut e, files) = write(&t, &sky_options());
    let seg = e.manifest().segments[3][1].file;
    let good = files[&seg.path()].clone();

    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let err = e.insert(FileKind::Segment, &seg, &flipped).unwrap_err();
    assert!(matches!(err, ChunkError::Hash { .. }), "{err}");
    assert!(err.to_string().contains(&seg.path()), "{err}");

    let err = e
        .insert(FileKind::Segment, &seg, &good[..good.len() - 3])
        .unwrap_err();
    assert!(
        matches!(err, ChunkError::Length { got, .. } if got == good.len() - 3),
        "{err}"
    );

    let err = e.insert(FileKind::Tile, &seg, &good).unwrap_err();
    assert!(err.to_string().contains("it is a column segment"), "{err}");

    // A well-hashed file whose body is garbage, or from another format version.
    let mut garbage = good[..8].to_vec();
    garbage.extend([0xff; 40]);
    let f = FileRef {
        hash: hash::content_hash(&garbage),
        len: garbage.len() as u32,
        stored: 0,
    };
    let err = e.insert(FileKind::Segment, &f, &garbage).unwrap_err();
    assert!(matches!(err, ChunkError::Body { .. }), "{err}");
    let mut v2 = good.clone();
    v2[4] = 9;
    let f = FileRef {
        hash: hash::content_hash(&v2),
        len: v2.len() as u32,
        stored: 0,
    };
    let err = e.insert(FileKind::Segment, &f, &v2).unwrap_err();
    assert!(err.to_string().contains("format version 9"), "{err}");

    // A column with inconsistent validity, well hashed.
    let bad = Column::from_data(crate::ColumnData::F32(vec![1.0; 10]));
    let mut bytes = encode(FileKind::Segment, &bad);
    // Cut the validity length varint (last byte) to 9 rows.
    let last = bytes.len() - 1;
    bytes[last] = 9;
    let f = FileRef {
        hash: hash::content_hash(&bytes),
        len: bytes.len() as u32,
        stored: 0,
    };
    assert!(e.insert(FileKind::Segment, &f, &bytes).is_err());

    // The manifest's name carries its hash.
    let (path, bytes) = files
        .iter()
        .find(|(p, _)| p.starts_with("manifest."))
        .unwrap();
    let mut m = bytes.clone();
    m[20] ^= 1;
    let err = Engine::open(path, &m).unwrap_err();
    assert!(matches!(err, ChunkError::Hash { .. }), "{err}");
    assert!(Engine::open("manifest.bin", bytes).is_ok());
    // A segment of the wrong length where the manifest expects another: an error, no panic.
    let tile = e.manifest().tiles[0].file;
    let other = e
        .manifest()
        .tiles
        .iter()
        .find(|t| t.rows != e.manifest().tiles[0].rows)
        .unwrap()
        .file;
    let swapped = FileRef {
        hash: tile.hash,
        ..other
    };
    let _ = e.insert(FileKind::Tile, &swapped, &files[&other.path()]);
}

/// Runs `text` as typed by a user: the query language, or ADQL over schema `xcat`.
fn run_prepared(
    engine: &mut Engine,
    files: &Files,
    text: &str,
    mut opts: RunOptions,
) -> (QueryResult, usize) {
    let mut q = engine
        .prepare(text, "xcat", &mut opts)
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    q.resolve(&NoResolver).unwrap();
    let mut exec = Execution::new(engine, q, opts).unwrap();
    let mut fetched = 0;
    let r = drive(engine, files, &mut fetched, |e| exec.step(e)).unwrap();
    (r, fetched)
}

#[test]
fn batches_cover_the_ranges_in_order() {
    let ranges = [(0, 3), (5, 20), (30, 31)];
    let mut cursor = 0;
    let mut seen = Vec::new();
    while cursor != u32::MAX {
        let (b, next) = engine::batch(&ranges, cursor, 7);
        assert!(gather::count(&b) <= 7, "{b:?}");
        assert!(!b.is_empty());
        seen.extend(b.iter().flat_map(|&(a, e)| a..e));
        cursor = next;
    }
    let want: Vec<u32> = ranges.iter().flat_map(|&(a, e)| a..e).collect();
    assert_eq!(seen, want);
    assert_eq!(engine::batch(&ranges, 4, 7), (vec![(5, 12)], 12));
    assert_eq!(
        engine::batch(&ranges, 17, 7),
        (vec![(17, 20), (30, 31)], u32::MAX)
    );
    assert_eq!(engine::batch(&[], 0, 7), (vec![], u32::MAX));
}

#[test]
fn adql_runs_on_the_same_plan_and_fetches_no_more_than_the_query_language() {
    let t = sky_table(6000);
    let (mut e, files) = write(&t, &sky_options());
    let page = RunOptions {
        limit: usize::MAX,
        ..RunOptions::default()
    };
    let srcids = |r: &QueryResult| -> Vec<i64> {
        let c = r.page.column("SRCID").unwrap();
        (0..r.page.rows()).filter_map(|i| c.i64(i)).collect()
    };
    // A cone: the same rows, sorted and cut as the statement says, from the same tiles.
    let (e2, files2) = write(&t, &sky_options());
    let mut e2 = e2;
    let ql_opts = RunOptions {
        sort: Some("SC_DET_ML".into()),
        desc: true,
        columns: vec!["SRCID".into(), "SC_DET_ML".into()],
        ..page.clone()
    };
    let (ql, ql_fetched) = run(
        &mut e2,
        &files2,
        "cone('10.8 41.4', '3arcmin') AND sc_det_ml > 10",
        ql_opts,
    );
    let (adql, adql_fetched) = run_prepared(
        &mut e,
        &files,
        "SELECT TOP 5 srcid, sc_det_ml FROM xcat.sources WHERE CONTAINS(POINT('ICRS', sc_ra, sc_dec), CIRCLE('ICRS', 10.8, 41.4, 0.05)) = 1 AND sc_det_ml > 10 ORDER BY sc_det_ml DESC OFFSET 2",
        page.clone(),
    );
    assert!(ql.count > 7, "{} rows", ql.count);
    assert_eq!(adql.count, 5, "TOP 5");
    assert_eq!(srcids(&adql), srcids(&ql)[2..7]);
    assert_eq!(
        adql.page
            .schema()
            .fields()
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["SRCID", "SC_DET_ML"]
    );
    assert!(
        adql_fetched <= ql_fetched,
        "ADQL fetched {adql_fetched} files, the query language {ql_fetched}"
    );
    // The wrong table is refused, naming this catalogue's.
    let mut o = page.clone();
    let err = e
        .prepare("SELECT * FROM xmm5_dr15.sources", "xcat", &mut o)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("this catalogue's table is xcat.sources"),
        "{err}"
    );
    // SELECT * gives every column.
    let (all, _) = run_prepared(&mut e, &files, "SELECT TOP 1 * FROM sources", page);
    assert_eq!(all.page.schema().len(), e.schema().len());
    assert_eq!(all.count, 1);
}
