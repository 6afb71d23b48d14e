//! The bad-input sweep: a corpus of broken inputs, each made here from the demo catalogue
//! (no committed binaries), each built over an existing site. Every case ends with exit code
//! 2 and a message naming the file (and the HDU, column and row where there is one) with a
//! hint; the previous site is left byte-for-byte as it was, with no staging folder behind.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use xcat::fits::{FitsTable, HduSelector};

fn xcat() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("xcat"))
}

fn demo(dir: &Path, layout: &str) -> PathBuf {
    let out = dir.join(format!("demo-{layout}.fits"));
    let ok = xcat()
        .args([
            "demo-catalogue",
            "--quiet",
            "--sources",
            "120",
            "--layout",
            layout,
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(ok.success());
    out
}

/// Replaces the `n`th (from 0) occurrence of `from` (same length as `to`).
fn replace_nth(bytes: &mut [u8], from: &[u8], to: &[u8], n: usize) {
    assert_eq!(from.len(), to.len());
    let i = bytes
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from)
        .nth(n)
        .map(|(i, _)| i)
        .unwrap_or_else(|| {
            panic!(
                "{:?} occurs fewer than {} times",
                String::from_utf8_lossy(from),
                n + 1
            )
        });
    bytes[i..i + from.len()].copy_from_slice(to);
}

/// The table data's byte offset, row length and a column's offset in a demo catalogue.
fn layout(path: &Path, column: &str) -> (usize, usize, usize) {
    let t = FitsTable::open(path, &HduSelector::FirstTable).unwrap();
    let start = std::fs::metadata(path).unwrap().len() as usize
        - (t.rows * t.row_len).div_ceil(2880) * 2880;
    (start, t.row_len, t.column(column).unwrap().offset)
}

fn edited(src: &Path, name: &str, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut b = std::fs::read(src).unwrap();
    edit(&mut b);
    let dst = src.with_file_name(name);
    std::fs::write(&dst, b).unwrap();
    dst
}

fn digest(site: &Path) -> String {
    let o = xcat().args(["digest", "--dir"]).arg(site).output().unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()
}

/// Builds `args` over the site in `site`; checks the failure and that the site is intact.
fn fails(site: &Path, case: &str, cmd: &mut Command, needles: &[&str]) -> Output {
    let before = digest(site);
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{case}: exit code\n{err}");
    for n in needles {
        assert!(err.contains(n), "{case}: stderr lacks {n:?}:\n{err}");
    }
    assert!(err.contains("hint:"), "{case}: no hint:\n{err}");
    assert!(!err.contains("panicked"), "{case}: a panic:\n{err}");
    assert_eq!(digest(site), before, "{case}: the previous site changed");
    let parent = site.parent().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".site."))
        .collect();
    assert!(
        leftovers.is_empty(),
        "{case}: staging left behind: {leftovers:?}"
    );
    o
}

fn build(site: &Path, catalogue: &Path) -> Command {
    let mut c = xcat();
    c.args(["build", "--quiet", "--catalog"])
        .arg(catalogue)
        .arg("--out")
        .arg(site);
    c
}

#[test]
fn every_broken_input_is_a_clear_error_and_the_previous_site_stays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = demo(d, "4xmm");
    let site = d.join("site");
    assert!(build(&site, &good).status().unwrap().success());

    // Truncated in the middle of the table.
    let bytes = std::fs::read(&good).unwrap();
    let cut = d.join("cut.fits");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    fails(
        &site,
        "truncated",
        &mut build(&site, &cut),
        &["cut.fits", "truncated", "HDU 1"],
    );

    // A binary table whose BITPIX is not 8.
    let bitpix = edited(&good, "bitpix.fits", |b| {
        replace_nth(
            b,
            b"BITPIX  =                    8",
            b"BITPIX  =                   16",
            1,
        );
    });
    fails(
        &site,
        "BITPIX",
        &mut build(&site, &bitpix),
        &["bitpix.fits"],
    );

    // A header asking for 900 million columns (found by fuzzing: the FITS library sized its
    // column descriptions from it first).
    let tfields = edited(&good, "tfields.fits", |b| {
        replace_nth(
            b,
            b"TFIELDS =                  336",
            b"TFIELDS =            900000000",
            0,
        );
    });
    fails(
        &site,
        "TFIELDS",
        &mut build(&site, &tfields),
        &[
            "tfields.fits",
            "HDU 2: TFIELDS = 900000000 is outside 0–999",
        ],
    );

    // A row width that is not a number (found by fuzzing).
    let naxis1 = edited(&good, "naxis1.fits", |b| {
        let i = b.windows(10).position(|w| w == b"NAXIS1  = ").unwrap();
        b[i + 10..i + 30].copy_from_slice(b"               ( 713");
    });
    fails(
        &site,
        "NAXIS1",
        &mut build(&site, &naxis1),
        &[
            "naxis1.fits",
            "HDU 2: NAXIS1 = \"( 713\" is not a non-negative integer",
        ],
    );

    // A column format that does not exist.
    let tform = edited(&good, "tform.fits", |b| {
        replace_nth(b, b"TFORM2  = 'K       '", b"TFORM2  = 'Z       '", 0);
    });
    fails(&site, "TFORM", &mut build(&site, &tform), &["tform.fits"]);

    // NaN and infinite positions.
    let (start, row_len, ra) = layout(&good, "RA");
    let nan = edited(&good, "nan.fits", |b| {
        let at = start + 2 * row_len + ra;
        b[at..at + 8].copy_from_slice(&f64::NAN.to_be_bytes());
    });
    fails(
        &site,
        "NaN RA",
        &mut build(&site, &nan),
        &["nan.fits", "column RA", "row 3", "HDU 1"],
    );
    let (_, _, dec) = layout(&good, "DEC");
    let inf = edited(&good, "inf.fits", |b| {
        let at = start + 4 * row_len + dec;
        b[at..at + 8].copy_from_slice(&f64::INFINITY.to_be_bytes());
    });
    fails(
        &site,
        "infinite DEC",
        &mut build(&site, &inf),
        &["inf.fits", "column DEC", "row 5", "HDU 1"],
    );

    // Bytes that are not text in a string column.
    let (_, _, name) = layout(&good, "IAUNAME");
    let binary = edited(&good, "binary-name.fits", |b| {
        let at = start + 2 * row_len + name + 5;
        b[at..at + 2].copy_from_slice(&[0xff, 0xfe]);
    });
    fails(
        &site,
        "non-UTF-8 string",
        &mut build(&site, &binary),
        &[
            "binary-name.fits",
            "column IAUNAME, row 3 of HDU 1",
            "ASCII",
        ],
    );

    // Two summary rows of a stacked catalogue with one SRCID.
    let stacked = demo(d, "5xmm");
    let (s_start, s_len, srcid) = layout(&stacked, "SRCID");
    let t = FitsTable::open(&stacked, &HduSelector::FirstTable).unwrap();
    let n_obs = t.column("N_OBS").unwrap().offset;
    let rows = t.rows;
    drop(t);
    let dup = edited(&stacked, "dup-srcid.fits", |b| {
        // The first two summary rows (N_OBS not null): the second gets the first's SRCID.
        let summary: Vec<usize> = (0..rows)
            .filter(|r| {
                let at = s_start + r * s_len + n_obs;
                b[at..at + 2] != [0x80, 0x00] && b[at..at + 4] != [0x80, 0, 0, 0]
            })
            .take(2)
            .collect();
        let id = b[s_start + summary[0] * s_len + srcid..][..8].to_vec();
        let at = s_start + summary[1] * s_len + srcid;
        b[at..at + 8].copy_from_slice(&id);
    });
    fails(
        &site,
        "duplicate SRCID",
        &mut build(&site, &dup),
        &["dup-srcid.fits", "two summary rows for SRCID"],
    );

    // A catalogue that is a folder, and one that does not exist.
    let folder = d.join("folder.fits");
    std::fs::create_dir(&folder).unwrap();
    fails(
        &site,
        "folder",
        &mut build(&site, &folder),
        &["folder.fits"],
    );
    fails(
        &site,
        "missing",
        &mut build(&site, &d.join("nothing.fits")),
        &["nothing.fits"],
    );
}

#[test]
fn broken_tables_beside_the_catalogue_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = demo(d, "4xmm");
    let site = d.join("site");
    assert!(build(&site, &good).status().unwrap().success());
    let config = |extra: &str| {
        let p = d.join("xcat.toml");
        std::fs::write(
            &p,
            format!("[catalog]\ndetections = [\"demo-4xmm.fits\"]\n{extra}"),
        )
        .unwrap();
        let mut c = xcat();
        c.args(["build", "--quiet", "--config"])
            .arg(&p)
            .arg("--out")
            .arg(&site);
        c
    };
    // A name table with a name that is not UTF-8.
    let mut names = b"name,ra,dec\nM31,10.68,41.27\n".to_vec();
    names.extend_from_slice(b"NGC \xff\xfe 224,10.68,41.27\n");
    std::fs::write(d.join("bad-names.csv"), &names).unwrap();
    fails(
        &site,
        "non-UTF-8 name",
        &mut config("[[names]]\nfile = \"bad-names.csv\"\n"),
        &["bad-names.csv", "line 3"],
    );
    // A name of a megabyte.
    let huge = format!("name,ra,dec\n{},10.68,41.27\n", "M".repeat(1 << 20));
    std::fs::write(d.join("huge-names.csv"), huge).unwrap();
    fails(
        &site,
        "huge name",
        &mut config("[[names]]\nfile = \"huge-names.csv\"\n"),
        &["huge-names.csv", "line 2"],
    );
    // An extra table with a cell of a megabyte.
    let huge = format!("srcid,note\n1,{}\n", "x".repeat(1 << 20));
    std::fs::write(d.join("huge-extra.csv"), huge).unwrap();
    fails(
        &site,
        "huge cell",
        &mut config("[[extra]]\nfile = \"huge-extra.csv\"\nkey = \"srcid\"\n"),
        &["huge-extra.csv", "line 2"],
    );
}

#[cfg(unix)]
#[test]
fn a_full_disk_is_a_clear_error_and_the_previous_site_stays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = demo(d, "4xmm");
    let site = d.join("site");
    assert!(build(&site, &good).status().unwrap().success());
    // Another catalogue (so every page changes), written under a file size limit of 64 kB:
    // writing a bigger file fails as on a full disk (EFBIG; SIGXFSZ ignored, as the shell
    // passes it on).
    let other = d.join("other.fits");
    let ok = xcat()
        .args([
            "demo-catalogue",
            "--quiet",
            "--sources",
            "300",
            "--seed",
            "9",
            "--out",
        ])
        .arg(&other)
        .status()
        .unwrap();
    assert!(ok.success());
    let bin = assert_cmd::cargo::cargo_bin("xcat");
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("ulimit -f 64; trap '' XFSZ; exec \"$0\" build --quiet --catalog \"$1\" --out \"$2\"")
        .arg(&bin)
        .arg(&other)
        .arg(&site);
    fails(
        &site,
        "full disk",
        &mut c,
        &["cannot write", "File too large"],
    );
}
