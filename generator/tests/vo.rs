//! HiPS catalogue and MOC products on a demo catalogue: the tree is valid (row counts add up,
//! every tile parses with the declared columns, sources sit in their tile's cell, properties
//! has the required keys) and the MOCs round-trip and contain every detection.

use std::collections::BTreeMap;
use xcat::Config;
use xcat::catalog::{Catalogue, Quiet};
use xcat::demo::{self, DemoOptions};
use xcat::vo::{hips, moc};

fn demo_catalogue(sources: u32) -> Catalogue {
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        sources,
        ..Default::default()
    };
    let files = demo::write(&dir.path().join("d.fits"), &opts, &|_, _| {}).unwrap();
    Catalogue::load(&Config::default(), &[files.catalogue], &Quiet).unwrap()
}

#[test]
fn hips_tree_is_valid_and_complete() {
    let cat = demo_catalogue(4000);
    let coverage = moc::union(moc::observation_mocs(&cat));
    let (files, summary) = hips::build(&cat, "demo", &coverage);
    let by_path: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    // properties: the keys HiPS 1.0 §4.4.1 requires, plus the catalogue ones.
    let props = std::str::from_utf8(by_path["properties"]).unwrap();
    let keys: BTreeMap<&str, &str> = props
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    for k in [
        "creator_did",
        "obs_title",
        "dataproduct_type",
        "hips_version",
        "hips_release_date",
        "hips_status",
        "hips_tile_format",
        "hips_order",
        "hips_frame",
        "hips_cat_nrows",
    ] {
        assert!(keys.contains_key(k), "properties lacks {k}:\n{props}");
    }
    assert_eq!(keys["dataproduct_type"], "catalog");
    assert_eq!(keys["hips_cat_nrows"], "4000");
    assert_eq!(keys["hips_order"], summary.max_order.to_string());
    assert!(by_path.contains_key("Metadata.xml") && by_path.contains_key("Moc.fits"));
    assert!(by_path.contains_key("Norder1/Allsky.tsv"));

    let mut seen = Vec::new();
    let mut tiles = 0;
    for (path, bytes) in &files {
        let Some(rest) = path.strip_prefix("Norder") else {
            continue;
        };
        if path.ends_with("Allsky.tsv") {
            continue;
        }
        tiles += 1;
        let (order, rest) = rest.split_once('/').unwrap();
        let order: u8 = order.parse().unwrap();
        let npix: u64 = rest
            .rsplit_once("Npix")
            .unwrap()
            .1
            .trim_end_matches(".tsv")
            .parse()
            .unwrap();
        let text = std::str::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        let completeness = lines.next().unwrap();
        assert!(completeness.starts_with("# Completeness = "), "{path}");
        let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
        assert_eq!(header[..4], ["IAUNAME", "SRCID", "RA", "DEC"]);
        let mut n = 0;
        for line in lines {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), header.len(), "{path}: {line}");
            let (ra, dec): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
            assert_eq!(
                cdshealpix::nested::hash(order, ra.to_radians(), dec.to_radians()),
                npix,
                "{path}"
            );
            seen.push(f[1].parse::<i64>().unwrap());
            n += 1;
        }
        assert!(
            n <= hips::TILE_BUDGET || order == hips::MAX_ORDER,
            "{path} holds {n} rows"
        );
    }
    assert_eq!(tiles, summary.orders.iter().map(|o| o.2).sum::<usize>());
    seen.sort_unstable();
    let before = seen.len();
    seen.dedup();
    assert_eq!(before, seen.len(), "a source appears in two tiles");
    assert_eq!(seen.len(), 4000, "every source is in exactly one tile");
}

#[test]
fn hips_output_is_deterministic() {
    let a = demo_catalogue(600);
    let b = demo_catalogue(600);
    let cov = |c: &Catalogue| moc::union(moc::observation_mocs(c));
    assert_eq!(
        hips::build(&a, "t", &cov(&a)).0,
        hips::build(&b, "t", &cov(&b)).0
    );
}

#[test]
fn observation_mocs_contain_their_detections() {
    let cat = demo_catalogue(1500);
    let mocs = moc::observation_mocs(&cat);
    let (ra, dec) = (
        cat.detections.column("RA").unwrap(),
        cat.detections.column("DEC").unwrap(),
    );
    for (o, m) in mocs.iter().enumerate() {
        for &r in cat.observation_detections.members(o) {
            let (a, d) = (ra.f64(r as usize).unwrap(), dec.f64(r as usize).unwrap());
            assert!(
                m.is_in(a.to_radians(), d.to_radians()),
                "detection row {r} outside observation {o}'s MOC"
            );
        }
    }
    let all = moc::union(mocs.clone());
    let area = moc::area_deg2(&all);
    let sum: f64 = mocs.iter().map(moc::area_deg2).sum();
    assert!(
        area > 0.0 && area <= sum + 1e-9,
        "union {area} vs sum {sum}"
    );
}

#[test]
fn deep_hips_orders_place_every_source_once_with_true_completeness() {
    let cat = demo_catalogue(30_000);
    let coverage = moc::union(moc::observation_mocs(&cat));
    let mut rows_at: BTreeMap<u8, usize> = BTreeMap::new();
    let mut ids = Vec::new();
    let summary = hips::write(&cat, "deep", &coverage, &mut |path: &str, bytes: &[u8]| {
        if let Some(rest) = path.strip_prefix("Norder")
            && !path.ends_with("Allsky.tsv")
        {
            let order: u8 = rest.split_once('/').unwrap().0.parse().unwrap();
            let text = std::str::from_utf8(bytes).unwrap();
            let mut lines = text.lines();
            let (shown, total) = lines
                .next()
                .unwrap()
                .strip_prefix("# Completeness = ")
                .unwrap()
                .split_once(" / ")
                .unwrap();
            let (shown, total): (usize, usize) = (shown.parse().unwrap(), total.parse().unwrap());
            let n = lines.count() - 1;
            // The tile shows its own rows at least, and at the deepest order all of its cell.
            assert!(
                shown >= n && shown <= total,
                "{path}: {shown} / {total}, {n} rows"
            );
            if order == hips::MAX_ORDER {
                assert_eq!(shown, total, "{path}");
            }
            *rows_at.entry(order).or_default() += n;
            for l in text.lines().skip(2) {
                ids.push(l.split('\t').nth(1).unwrap().parse::<i64>().unwrap());
            }
        }
        Ok::<(), String>(())
    })
    .unwrap();
    assert!(
        summary.max_order >= 3,
        "deepest order {}",
        summary.max_order
    );
    let per_order: Vec<(u8, usize)> = summary.orders.iter().map(|o| (o.0, o.1)).collect();
    assert_eq!(per_order, rows_at.into_iter().collect::<Vec<_>>());
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((n, ids.len()), (30_000, 30_000));
}
