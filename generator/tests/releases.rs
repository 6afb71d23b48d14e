//! Sites that serve several releases: 5XMM-DR15 (stacked) beside 4XMM-DR14 (detections) of one
//! synthetic sky, from `[[release]]` entries and from `xcat build --release ID=FILE`: each
//! release's data under `data/<id>/`, one URL space for source pages, counterparts on the
//! pages and as columns, observation pages with the sources of both, SRCID collisions refused.

use assert_cmd::Command;
use predicates::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use xcat::catalog::crossmatch::{MatchParams, brute_force, crossmatch};
use xcat::catalog::{Catalogue, Quiet};
use xcat::config::Config;
use xcat::demo::{self, DemoLayout, DemoOptions};
use xcat::site::releases::Summary;

fn xcat() -> Command {
    Command::cargo_bin("xcat").unwrap()
}

/// The 4XMM demo of 400 sources and the 5XMM demo of the same fields, in `dir`.
fn demos(dir: &Path) -> (PathBuf, PathBuf) {
    let write = |name: &str, layout: DemoLayout, sources: u32| {
        let out = dir.join(name);
        demo::write(
            &out,
            &DemoOptions {
                sources,
                layout,
                prefix: layout.prefix().into(),
                ..DemoOptions::default()
            },
            &|_, _| {},
        )
        .unwrap();
        out
    };
    let four = write("dr14.fits", DemoLayout::FourXmm, 400);
    let n5 = demo::stacked_sources_for(400, demo::DEFAULT_SEED);
    let five = write("dr15.fits", DemoLayout::FiveXmm, n5);
    (four, five)
}

fn config(dir: &Path, four: &Path, five: &Path) -> PathBuf {
    let cfg = dir.join("xcat.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"title = "Two releases"
base_url = "https://example.org/xmm/"
[[release]]
id = "4xmm-dr14"
title = "4XMM-DR14"
files = ["{}"]
[[release]]
id = "5xmm-dr15"
title = "5XMM-DR15"
current = true
files = ["{}"]
"#,
            four.display(),
            five.display()
        ),
    )
    .unwrap();
    cfg
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `href` of a page.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=")
        .skip(1)
        .map(|s| {
            let s = s.trim_start_matches(['"', '\'']);
            s.split(['"', '\'', ' ', '>'])
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn load(cfg: &Config, file: &Path) -> Catalogue {
    Catalogue::load(cfg, &[file.to_path_buf()], &Quiet).unwrap()
}

#[test]
fn two_releases_share_one_url_space_and_link_their_counterparts() {
    let dir = tempfile::tempdir().unwrap();
    let (four, five) = demos(dir.path());
    let cfg = config(dir.path(), &four, &five);
    let out = dir.path().join("site");
    xcat()
        .args(["build", "--quiet", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();

    let c4 = load(&Config::default(), &four);
    let c5 = load(&Config::default(), &five);
    let ids = |c: &Catalogue| -> Vec<i64> {
        let col = c.sources.column("SRCID").unwrap();
        (0..c.sources.rows()).map(|i| col.i64(i).unwrap()).collect()
    };
    let (ids4, ids5) = (ids(&c4), ids(&c5));
    // One page per source of each release, at source/<SRCID>/.
    for id in ids4.iter().chain(&ids5) {
        assert!(
            out.join(format!("source/{id}/index.html")).is_file(),
            "{id}"
        );
    }
    // The current release is listed first, each with its own data.
    assert_eq!(
        read(&out.join("data/releases.txt")),
        "5xmm-dr15\t5XMM\t1\t5XMM-DR15\n4xmm-dr14\t4XMM\t0\t4XMM-DR14\n"
    );
    for id in ["5xmm-dr15", "4xmm-dr14"] {
        let name = read(&out.join(format!("data/{id}/manifest.txt")));
        assert!(out.join(format!("data/{id}")).join(name.trim()).is_file());
    }
    // Observation pages: one per OBS_ID of either release, each listing the other release's
    // sources measured in it.
    let obs = |c: &Catalogue| -> BTreeSet<String> {
        let col = c.observations.column("OBS_ID").unwrap();
        (0..c.observations.rows())
            .map(|i| col.str(i).unwrap().to_string())
            .collect()
    };
    let all: BTreeSet<String> = obs(&c4).union(&obs(&c5)).cloned().collect();
    let pages: BTreeSet<String> = std::fs::read_dir(out.join("observation"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(pages, all);
    let shared = obs(&c4).intersection(&obs(&c5)).next().cloned().unwrap();
    let page = read(&out.join(format!("observation/{shared}/index.html")));
    assert!(
        page.contains("in 5XMM-DR15"),
        "rendered by the current release"
    );
    assert!(
        page.contains("Sources of 4XMM-DR14"),
        "lists the legacy sources"
    );
    // Sitemaps per release.
    let index = read(&out.join("sitemap.xml"));
    assert!(
        index.contains("sitemap-5xmm-dr15-1.xml") && index.contains("sitemap-4xmm-dr14-1.xml"),
        "{index}"
    );

    // Counterparts: what the build matched equals the brute-force match of the same positions.
    let releases = Config::load(&cfg).unwrap().releases(&[]).unwrap();
    let s5 = Summary::of(&releases[0], &c5);
    let s4 = Summary::of(&releases[1], &c4);
    let p = MatchParams::default();
    let m = crossmatch(&s4.positions, &s5.positions, &p);
    assert_eq!(m, brute_force(&s4.positions, &s5.positions, &p));
    assert!(
        m.len() as f64 >= 0.95 * ids4.len() as f64,
        "{} of {}",
        m.len(),
        ids4.len()
    );
    // A 4XMM page names the 5XMM source that supersedes it, whose page exists and links back
    // to a 4XMM source.
    let c = m.iter().find(|c| !c.ambiguous()).unwrap();
    let (id4, id5) = (ids4[c.a as usize], ids5[c.b as usize]);
    let page4 = read(&out.join(format!("source/{id4}/index.html")));
    assert!(
        page4.contains("a legacy release: superseded in 5XMM-DR15 by"),
        "{id4}"
    );
    assert!(
        hrefs(&page4).contains(&format!("../../source/{id5}/")),
        "{id4} links {id5}"
    );
    assert!(
        page4.contains(&format!("{:.2}″", c.sep_arcsec)),
        "separation shown"
    );
    let page5 = read(&out.join(format!("source/{id5}/index.html")));
    assert!(page5.contains("A source of 5XMM-DR15, the current release."));
    assert!(
        page5.contains("data-release=4xmm-dr14") || page5.contains("data-release=\"4xmm-dr14\"")
    );
    // An ambiguous match says so.
    if let Some(a) = m.iter().find(|c| c.ambiguous()) {
        let page = read(&out.join(format!("source/{}/index.html", ids4[a.a as usize])));
        assert!(page.contains(&format!("ambiguous: {} candidates", a.candidates)));
    }
    // The counterpart columns are queryable columns of each release, in the column reference.
    let columns = read(&out.join("docs/columns/index.html"));
    for name in [
        "SRCID_4XMM_DR14",
        "SEP_4XMM_DR14",
        "NCAND_4XMM_DR14",
        "SRCID_5XMM_DR15",
    ] {
        assert!(columns.contains(name), "{name}");
    }
    assert!(
        columns.contains("id=5xmm-dr15-sources") || columns.contains("id=\"5xmm-dr15-sources\"")
    );
    let docs = read(&out.join("docs/releases/index.html"));
    assert!(
        docs.contains("4xmm-dr14") && docs.contains("d</i> ≤ 15″"),
        "{docs}"
    );
    // The query page offers both releases, the current one selected.
    let q = read(&out.join("query/index.html"));
    assert!(q.contains("data-current=5xmm-dr15"), "{q}");
    assert!(q.contains("4XMM-DR14 (legacy)"));

    // A rebuild with nothing changed keeps every catalogue page.
    let again = xcat()
        .args(["build", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let again = String::from_utf8(again).unwrap();
    assert!(
        again.contains("catalogue unchanged: its pages kept"),
        "{again}"
    );
    assert!(again.contains(" 0 written"), "{again}");
}

#[test]
fn releases_from_the_command_line_and_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_, five) = demos(dir.path());
    let out = dir.path().join("cli");
    // The first --release is current when the configuration marks none.
    xcat()
        .current_dir(dir.path())
        .args(["build", "--quiet", "--release"])
        .arg(format!("5xmm-dr15={}", five.display()))
        .arg("--release")
        .arg("4xmm-dr14=dr14.fits")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(read(&out.join("data/releases.txt")).starts_with("5xmm-dr15\t5XMM\t1\t"));
    // `xcat check` describes each release.
    xcat()
        .current_dir(dir.path())
        .args([
            "check",
            "--release",
            "4xmm-dr14=dr14.fits",
            "--release",
            "5xmm-dr15=dr15.fits",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "release: 4xmm-dr14 (4XMM-DR14, current; IAU names 4XMM J…)",
        ))
        .stdout(predicate::str::contains(
            "release: 5xmm-dr15 (5XMM-DR15; IAU names 5XMM J…)",
        ));
    // Two releases with the same catalogue share every SRCID: refused before anything is written.
    let bad = dir.path().join("bad");
    xcat()
        .current_dir(dir.path())
        .args([
            "build",
            "--quiet",
            "--release",
            "a-1=dr14.fits",
            "--release",
            "b-2=dr14.fits",
            "--out",
        ])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "releases a-1 and b-2 both have a source with SRCID",
        ))
        .stderr(predicate::str::contains("must not collide"));
    assert!(!bad.join("index.html").exists(), "no half-written site");
    // Malformed arguments and identifiers.
    xcat()
        .args(["build", "--release", "dr14.fits"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not ID=FILE"));
    xcat()
        .current_dir(dir.path())
        .args(["build", "--release", "5XMM DR15=dr15.fits"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not usable in URLs and paths"));
    xcat()
        .current_dir(dir.path())
        .args([
            "build",
            "--catalog",
            "dr14.fits",
            "--release",
            "a=dr15.fits",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("do not go together"));
}

#[test]
fn release_entries_are_validated() {
    let parse = |text: &str| Config::parse(text, Path::new("/d")).unwrap();
    let err = |text: &str| parse(text).releases(&[]).unwrap_err().to_string();
    assert!(
        err("[[release]]\nid='a'\nfiles=['a.fits']\ncurrent=true\n[[release]]\nid='b'\nfiles=['b.fits']\ncurrent=true\n")
            .contains("2 releases are marked current")
    );
    assert!(
        err("[[release]]\nid='a'\nfiles=['a.fits']\n[[release]]\nid='a'\nfiles=['b.fits']\n")
            .contains("two releases have the id \"a\"")
    );
    assert!(err("[[release]]\nid='a'\n").contains("release \"a\" has no catalogue file"));
    assert!(
        err("[[release]]\nid='a'\nfiles=['a.fits']\n[[extra]]\nfile='u.csv'\nkey='srcid'\nrelease='zz'\n")
            .contains("names release \"zz\"")
    );
    // Defaults: title and IAU prefix from the id, the first release current, paths resolved.
    let r = parse("[[release]]\nid='4xmm-dr14'\nfiles=['a.fits']\n[[release]]\nid='5xmm-dr15'\nfiles=['b.fits']\niau_prefix='5XMM'\n[[extra]]\nfile='u.csv'\nkey='srcid'\nrelease='5xmm-dr15'\n")
        .releases(&[])
        .unwrap();
    assert_eq!(
        r.iter()
            .map(|r| (
                r.id.as_str(),
                r.title.as_str(),
                r.current,
                r.prefix.as_str()
            ))
            .collect::<Vec<_>>(),
        vec![
            ("4xmm-dr14", "4XMM-DR14", true, "4XMM"),
            ("5xmm-dr15", "5XMM-DR15", false, "5XMM")
        ]
    );
    assert_eq!(r[0].files, vec![PathBuf::from("/d/a.fits")]);
    assert_eq!(r[0].config.catalog.iau_prefix, "4XMM");
    // An extra table joins only the release it names.
    assert!(r[0].config.extra.is_empty() && r[1].config.extra.len() == 1);
    // `--release` replaces a configured release's files or adds a release.
    let r = parse("[[release]]\nid='a'\nfiles=['a.fits']\n")
        .releases(&[
            ("a".into(), PathBuf::from("/x/new.fits")),
            ("b".into(), PathBuf::from("/x/b.fits")),
        ])
        .unwrap();
    assert_eq!(r[0].files, vec![PathBuf::from("/x/new.fits")]);
    assert_eq!((r[1].id.as_str(), r[1].current), ("b", false));
    // A site with one catalogue has no releases.
    assert!(parse("").releases(&[]).unwrap().is_empty());
}
