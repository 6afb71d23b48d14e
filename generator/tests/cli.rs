//! The `xcat` command line: demo catalogue, check, build, and every kind of bad input, each
//! generated here (no committed binaries), with its message and exit code 2.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use xcat::fits::{FitsTable, HduSelector};

fn xcat() -> Command {
    Command::cargo_bin("xcat").unwrap()
}

fn demo(dir: &Path, sources: u32, seed: u64) -> PathBuf {
    let out = dir.join(format!("demo-{sources}-{seed}.fits"));
    xcat()
        .args(["demo-catalogue", "--quiet", "--out"])
        .arg(&out)
        .args([
            "--sources",
            &sources.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .assert()
        .success();
    out
}

/// Copies `src` changing bytes: `edit(header_text, data)`.
fn edited(src: &Path, dst: &Path, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut b = std::fs::read(src).unwrap();
    edit(&mut b);
    std::fs::write(dst, b).unwrap();
    dst.to_path_buf()
}

/// Byte offset of the table data in a demo catalogue (the last HDU: data padded to 2880).
fn data_start(path: &Path, t: &FitsTable) -> usize {
    std::fs::metadata(path).unwrap().len() as usize - (t.rows * t.row_len).div_ceil(2880) * 2880
}

fn replace_once(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let i = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    bytes[i..i + from.len()].copy_from_slice(to);
}

#[test]
fn demo_catalogue_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo(dir.path(), 400, 7);
    let b_dir = dir.path().join("b");
    std::fs::create_dir(&b_dir).unwrap();
    let b = demo(&b_dir, 400, 7);
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same seed, same bytes"
    );
    let ulx = |p: &Path| {
        std::fs::read(
            p.with_file_name(p.file_stem().unwrap().to_string_lossy().to_string() + "-ulx.csv"),
        )
        .unwrap()
    };
    assert_eq!(ulx(&a), ulx(&b));
    let c = demo(dir.path(), 400, 8);
    assert_ne!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&c).unwrap(),
        "another seed, other bytes"
    );
}

#[test]
fn demo_schema_equals_the_real_4xmm_schema() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path(), 200, 1);
    let real = FitsTable::open(&common::ngc5139(), &HduSelector::FirstTable).unwrap();
    let ours = FitsTable::open(&d, &HduSelector::FirstTable).unwrap();
    assert_eq!(ours.row_len, real.row_len);
    assert_eq!(ours.columns.len(), 336);
    for (a, b) in ours.columns.iter().zip(&real.columns) {
        assert_eq!(
            (&a.name, &a.tform, &a.unit, a.tnull),
            (&b.name, &b.tform, &b.unit, b.tnull)
        );
    }
    assert_eq!(ours.extname, "SRCLIST");
}

#[test]
fn check_passes_on_the_demo_and_reports_counts() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path(), 300, 3);
    xcat()
        .args(["check", "--catalog"])
        .arg(&d)
        .assert()
        .success()
        .stdout(predicate::str::contains("sources: 300\n"))
        .stdout(predicate::str::contains("columns: 336 (detections)"))
        .stdout(predicate::str::contains("ok"));
}

#[test]
fn check_passes_on_the_real_file() {
    xcat()
        .args(["check", "--catalog"])
        .arg(common::ngc5139())
        .assert()
        .success()
        .stdout(predicate::str::contains("detections: 52\n"))
        .stdout(predicate::str::contains("sources: 35\n"))
        .stdout(predicate::str::contains("observations: 3\n"));
}

#[test]
fn build_writes_source_and_observation_pages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    xcat()
        .args(["build", "--quiet", "--catalog"])
        .arg(common::ngc5139())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let page = std::fs::read_to_string(out.join("source/201122201010052/index.html")).unwrap();
    assert!(page.contains("4XMM J132652.4-472736"));
    assert!(
        page.contains("13:26:52.49"),
        "sexagesimal RA of SC_RA 201.718710509248"
    );
    assert!(out.join("observation/0112220101/index.html").is_file());
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("<dt>Sources</dt><dd>35</dd>"));
    assert_eq!(source_pages(&out.join("source")), 35);
    // This xcat embeds the browser query module: the site has a query page that links it.
    assert!(out.join("static/wasm/xcat_wasm_bg.wasm").is_file());
    assert!(out.join("query/index.html").is_file());
    assert!(
        home.contains("href=query/") || home.contains("href=\"query/\""),
        "no query link"
    );
}

#[test]
fn build_no_query_leaves_the_query_and_diagrams_pages_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    xcat()
        .args(["build", "--quiet", "--no-query", "--catalog"])
        .arg(common::ngc5139())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(!out.join("query").exists());
    assert!(!out.join("diagrams").exists());
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!home.contains("query/"), "a link to the missing query page");
    assert!(
        !home.contains("diagrams/"),
        "a link to the missing diagrams page"
    );
    // The catalogue's data is still there, for other tools.
    assert!(out.join("data/manifest.txt").is_file());
    assert!(out.join("source/201122201010052/index.html").is_file());
}

#[test]
fn build_only_query_writes_the_query_data_and_page() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let build = || {
        let mut c = xcat();
        c.args(["build", "--quiet", "--only", "query", "--catalog"])
            .arg(common::ngc5139())
            .arg("--out")
            .arg(&out);
        c
    };
    build().assert().success();
    assert!(out.join("query/index.html").is_file());
    assert!(out.join("static/wasm/xcat_wasm_bg.wasm").is_file());
    assert!(!out.join("source").exists() && !out.join("observation").exists());
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("href=\"query/\""), "{home}");
    let name = std::fs::read_to_string(out.join("data/manifest.txt")).unwrap();
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(out.join("data").join(name.trim())).unwrap())
        .read_to_end(&mut raw)
        .unwrap();
    let engine = xcat_core::chunk::Engine::open(name.trim(), &raw).unwrap();
    assert_eq!(engine.manifest().rows, 35);
    assert!(
        engine
            .manifest()
            .links
            .iter()
            .any(|l| l.key == "DETID" && l.target == "SRCID"),
        "the DETID link index is written"
    );
    // Never over an existing folder's content.
    build()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("query-only build is not empty"));
}

/// Runs `xcat check` on `file` and asserts exit code 2 and all of `needles` in stderr.
fn rejects(file: &Path, needles: &[&str]) {
    let out = xcat()
        .args(["check", "--catalog"])
        .arg(file)
        .assert()
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
    assert!(
        err.contains("hint:"),
        "every input error carries a hint:\n{err}"
    );
}

#[test]
fn missing_file() {
    rejects(
        Path::new("/nonexistent/cat.fits"),
        &["cannot read /nonexistent/cat.fits"],
    );
}

#[test]
fn not_fits() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cat.fits");
    std::fs::write(&p, "srcid,ra,dec\n1,2,3\n").unwrap();
    rejects(&p, &["is not a FITS file", "srcid,ra,dec"]);
    let empty = dir.path().join("empty.fits");
    std::fs::write(&empty, "").unwrap();
    rejects(&empty, &["is not a FITS file", "empty"]);
}

#[test]
fn truncated_fits() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path(), 150, 2);
    let bytes = std::fs::read(&d).unwrap();
    let p = dir.path().join("cut.fits");
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    rejects(&p, &["truncated", "HDU 1", "rows after"]);
}

#[test]
fn missing_required_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path(), 150, 2);
    let p = edited(&d, &dir.path().join("nodec.fits"), |b| {
        replace_once(b, b"TTYPE27 = 'DEC     '", b"TTYPE27 = 'DECL    '");
    });
    rejects(&p, &["column DEC missing from HDU 1", "[columns] DEC"]);
}

#[test]
fn wrong_column_type() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path(), 150, 2);
    // SRCID (column 2) declared as 8 characters instead of a 64-bit integer: same width.
    let p = edited(&d, &dir.path().join("strid.fits"), |b| {
        replace_once(b, b"TFORM2  = 'K       '", b"TFORM2  = '8A      '");
    });
    rejects(
        &p,
        &["column SRCID in HDU 1", "type string", "integer column"],
    );
}

#[test]
fn duplicate_detid() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path(), 150, 2);
    let mut t = FitsTable::open(&d, &HduSelector::FirstTable).unwrap();
    let (start, row_len) = (data_start(&d, &t), t.row_len);
    let (table, _) = t.read(&|c| c.name == "DETID", &|_| {}).unwrap();
    let first = table.column("DETID").unwrap().i64(0).unwrap();
    let p = edited(&d, &dir.path().join("dup.fits"), |b| {
        // DETID is the first field: copy row 1's DETID into row 4.
        let src = start;
        let dst = start + 3 * row_len;
        let id: Vec<u8> = b[src..src + 8].to_vec();
        b[dst..dst + 8].copy_from_slice(&id);
    });
    rejects(&p, &[&format!("duplicate DETID {first}"), "rows 1 and 4"]);
}

#[test]
fn position_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path(), 150, 2);
    let t = FitsTable::open(&d, &HduSelector::FirstTable).unwrap();
    let dec_off = t.column("DEC").unwrap().offset;
    let (row_len, start) = (t.row_len, data_start(&d, &t));
    let p = edited(&d, &dir.path().join("dec.fits"), |b| {
        let at = start + 2 * row_len + dec_off;
        b[at..at + 8].copy_from_slice(&123.5f64.to_be_bytes());
    });
    rejects(
        &p,
        &[
            "column DEC, row 3 of HDU 1",
            "123.5 is outside [-90, 90] degrees",
        ],
    );
}

#[test]
fn inconsistent_source_values_warn() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path(), 150, 2);
    let t = FitsTable::open(&d, &HduSelector::FirstTable).unwrap();
    let off = t.column("SC_DET_ML").unwrap().offset;
    let (rows, row_len, start) = (t.rows, t.row_len, data_start(&d, &t));
    let (table, _) = {
        let mut t = t;
        t.read(&|c| c.name == "SRCID", &|_| {}).unwrap()
    };
    // Find two rows of one source and change SC_DET_ML in the second.
    let ids: Vec<i64> = (0..rows)
        .map(|i| table.column("SRCID").unwrap().i64(i).unwrap())
        .collect();
    let second = (1..rows)
        .find(|&i| ids[..i].contains(&ids[i]))
        .expect("a source with two detections");
    let p = edited(&d, &dir.path().join("sc.fits"), |b| {
        let at = start + second * row_len + off;
        b[at..at + 4].copy_from_slice(&1.0f32.to_be_bytes());
    });
    xcat()
        .args(["check", "--catalog"])
        .arg(&p)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: SC_DET_ML differs between detections of 1 source(s)",
        ));
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    xcat()
        .args(["build", "--quiet", "--catalog"])
        .arg(common::ngc5139())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let snapshot = |root: &Path| {
        let mut v: Vec<(PathBuf, Vec<u8>)> = walk(root)
            .into_iter()
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect();
        v.sort();
        v
    };
    let before = snapshot(&out);
    let bad = dir.path().join("bad.fits");
    std::fs::write(&bad, "not a catalogue").unwrap();
    xcat()
        .args(["build", "--quiet", "--catalog"])
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    // A theme whose template does not parse fails during rendering, after loading.
    let theme = dir.path().join("theme/templates");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(theme.join("source.html"), "{% if %}").unwrap();
    std::fs::write(dir.path().join("xcat.toml"), "[site]\ntheme = \"theme\"\n").unwrap();
    xcat()
        .args(["build", "--quiet", "--config"])
        .arg(dir.path().join("xcat.toml"))
        .arg("--catalog")
        .arg(common::ngc5139())
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("theme templates"));
    assert_eq!(
        snapshot(&out),
        before,
        "the previous output is byte-for-byte intact"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".dist"))
        .collect();
    assert!(leftovers.is_empty(), "no staging folders left behind");
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out
}

#[test]
fn bad_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("xcat.toml");
    std::fs::write(&cfg, "[site]\ndefault_radius = 3\n").unwrap();
    xcat()
        .args(["check", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown field `default_radius`"));
}

#[test]
fn with_no_inputs_check_and_build_use_the_demo_catalogues_of_two_releases() {
    let dir = tempfile::tempdir().unwrap();
    let n5 = xcat::demo::stacked_sources_for(xcat::demo::DEFAULT_SOURCES, xcat::demo::DEFAULT_SEED);
    assert!(
        n5 > 3000,
        "the 5XMM demo holds more sources of the same fields: {n5}"
    );
    let out = xcat()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "built-in demo catalogues, 5XMM-DR15 ({n5} sources"
        )))
        .stderr(predicate::str::contains("4XMM-DR14 (3000 sources"))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    // The current release first, each described as `xcat check` describes one catalogue.
    let five = out
        .find("release: 5xmm-dr15 (5XMM-DR15, current; IAU names 5XMM J…)")
        .expect(&out);
    let four = out
        .find("release: 4xmm-dr14 (4XMM-DR14; IAU names 4XMM J…)")
        .expect(&out);
    assert!(five < four, "{out}");
    let (a, b) = out.split_at(four);
    assert!(
        a.contains(&format!("sources: {n5}\n")) && a.contains("layout: stacked"),
        "{a}"
    );
    assert!(
        b.contains("sources: 3000\n") && b.contains("layout: detections"),
        "{b}"
    );
    for part in [a, b] {
        assert!(
            part.contains("extra columns: sources.IS_ULX, sources.ULX_HOST, sources.ULX_LOG_LX"),
            "{part}"
        );
        assert!(part.contains("warnings: 0"), "{part}");
    }
    xcat()
        .current_dir(dir.path())
        .args(["build", "--quiet"])
        .assert()
        .success();
    let dist = dir.path().join("dist");
    assert_eq!(source_pages(&dist.join("source")), 3000 + n5 as usize);
    let releases = std::fs::read_to_string(dist.join("data/releases.txt")).unwrap();
    assert_eq!(
        releases,
        "5xmm-dr15\t5XMM\t1\t5XMM-DR15\n4xmm-dr14\t4XMM\t0\t4XMM-DR14\n"
    );
    for id in ["5xmm-dr15", "4xmm-dr14"] {
        let pointer =
            std::fs::read_to_string(dist.join(format!("data/{id}/manifest.txt"))).unwrap();
        assert!(
            dist.join(format!("data/{id}"))
                .join(pointer.trim())
                .is_file(),
            "{id}"
        );
    }
    assert!(
        !dist.join("data/manifest.txt").exists(),
        "no data of a single catalogue"
    );
    let home = std::fs::read_to_string(dist.join("index.html")).unwrap();
    assert!(
        home.contains(&format!("<dt>Sources</dt><dd>{n5}</dd>")),
        "{home}"
    );
}

/// Number of source pages (folders) in a site's `source/`.
fn source_pages(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("index.html").is_file())
        .count()
}
