//! The output depends on the inputs alone: the same inputs built in two folders (other
//! absolute paths for the configuration, catalogue and output, other modification times)
//! give byte-identical trees, hidden files included, with the same digest; the build cache
//! lives outside the output, holds no paths, and a missing or broken cache only costs time.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Every file under `dir` (hidden ones included) by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn xcat() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("xcat"));
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

/// A project folder: a demo catalogue with its ULX and name tables, and an xcat.toml naming
/// them by relative paths.
fn project(dir: &Path, catalogue_from: Option<&Path>) {
    std::fs::create_dir_all(dir).unwrap();
    match catalogue_from {
        Some(src) => {
            for f in ["cat.fits", "cat-ulx.csv", "cat-names.csv"] {
                std::fs::copy(src.join(f), dir.join(f)).unwrap();
            }
        }
        None => {
            let ok = xcat()
                .args(["demo-catalogue", "--quiet", "--sources", "400", "--out"])
                .arg(dir.join("cat.fits"))
                .status()
                .unwrap();
            assert!(ok.success());
        }
    }
    std::fs::write(
        dir.join("xcat.toml"),
        "title = \"same everywhere\"\n[catalog]\ndetections = [\"cat.fits\"]\n[[extra]]\nfile = \"cat-ulx.csv\"\nkey = \"srcid\"\nmissing = \"false\"\n[[names]]\nfile = \"cat-names.csv\"\n",
    )
    .unwrap();
}

/// Builds `dir`'s project into `dir/<out>` from inside `dir`; returns the digest printed.
fn build(dir: &Path, out: &str) -> String {
    let o = xcat()
        .current_dir(dir)
        .args(["build", "--config", "xcat.toml", "--out", out])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    digest_in(&err)
}

fn digest_in(text: &str) -> String {
    let i = text
        .find("Tree digest ")
        .unwrap_or_else(|| panic!("no digest in {text}"));
    text[i + 12..i + 44].to_string()
}

#[test]
fn the_same_inputs_give_the_same_bytes_in_any_folder() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let pa = a.path().join("p");
    let pb = b.path().join("elsewhere/deeper/project");
    project(&pa, None);
    // Copies made later: other modification times and inodes.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    project(&pb, Some(&pa));
    let da = build(&pa, "site");
    let db = build(&pb, "public_html");
    let (ta, tb) = (tree(&pa.join("site")), tree(&pb.join("public_html")));
    assert!(ta.len() > 400, "{} files", ta.len());
    assert_eq!(
        ta.keys().collect::<Vec<_>>(),
        tb.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (rel, bytes) in &ta {
        assert!(bytes == &tb[rel], "{rel} differs between the two builds");
    }
    assert!(
        !ta.keys().any(|k| k.contains("xcat-build")),
        "build state inside the site"
    );
    assert!(ta.contains_key("_headers"));
    assert_eq!(da, db);
    // The digest of the files themselves, as a mirror would compute it.
    let o = xcat()
        .args(["digest", "--dir"])
        .arg(pb.join("public_html"))
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(String::from_utf8(o.stdout).unwrap().trim(), db);

    // The cache is beside the configuration, and names no folder of the builder's.
    let cache = tree(&pa.join(".xcat-cache"));
    assert!(
        cache.keys().any(|k| k.starts_with("build-")),
        "{:?}",
        cache.keys()
    );
    for (name, bytes) in &cache {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(a.path().to_str().unwrap()),
            "{name} holds a path"
        );
        assert!(!text.contains("/tmp"), "{name} holds a path");
    }
}

#[test]
fn a_missing_or_broken_cache_costs_only_time() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("p");
    project(&p, None);
    let first = build(&p, "site");
    let files = tree(&p.join("site"));
    // With the cache: the catalogue pages are kept, and the digest is the same.
    let o = xcat()
        .current_dir(&p)
        .args(["build", "--config", "xcat.toml", "--out", "site"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("catalogue unchanged"), "{err}");
    assert_eq!(digest_in(&err), first);
    // A broken cache file, then none at all: full builds, the same bytes.
    for entry in std::fs::read_dir(p.join(".xcat-cache")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::write(&path, "{ not json").unwrap();
        }
    }
    assert_eq!(build(&p, "site"), first);
    std::fs::remove_dir_all(p.join(".xcat-cache")).unwrap();
    assert_eq!(build(&p, "site"), first);
    assert_eq!(tree(&p.join("site")), files);
    // A cache given elsewhere.
    let o = xcat()
        .current_dir(&p)
        .args([
            "build",
            "--config",
            "xcat.toml",
            "--out",
            "site2",
            "--cache",
        ])
        .arg(d.path().join("cache"))
        .output()
        .unwrap();
    assert!(o.status.success());
    // Another output folder's name is not part of the tree: the same digest.
    assert_eq!(digest_in(&String::from_utf8_lossy(&o.stderr)), first);
    assert!(d.path().join("cache/CACHEDIR.TAG").is_file());
}
