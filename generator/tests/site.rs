//! The built site: every internal link resolves (at the root and under a sub-path), pages are
//! well-formed HTML, catalogue strings are escaped, the Atom feed and sitemaps parse, builds are
//! deterministic and incremental; snapshots of a source, an observation and a docs page.

mod common;

use assert_cmd::Command;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn xcat() -> Command {
    Command::cargo_bin("xcat").unwrap()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Copies the repository's `content/` into `dir/content`.
fn copy_content(dir: &Path) -> PathBuf {
    let dst = dir.join("content");
    for e in walkdir::WalkDir::new(repo().join("content")) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(repo().join("content")).unwrap();
        if e.file_type().is_dir() {
            std::fs::create_dir_all(dst.join(rel)).unwrap();
        } else {
            std::fs::copy(e.path(), dst.join(rel)).unwrap();
        }
    }
    dst
}

/// Writes `xcat.toml` for the real NGC 5139 extract with the repository's content.
fn ngc_config(dir: &Path, extra: &str) -> PathBuf {
    copy_content(dir);
    let cfg = dir.join("xcat.toml");
    std::fs::write(
        &cfg,
        format!(
            "title = \"xcat test\"\nbase_url = \"https://xcat.example.org/\"\n[catalog]\ndetections = [{:?}]\n{extra}\n[site]\ncontent = \"content\"\n",
            common::ngc5139()
        ),
    )
    .unwrap();
    cfg
}

fn build(cfg: &Path, out: &Path) -> String {
    let o = xcat()
        .args(["build", "--config"])
        .arg(cfg)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    String::from_utf8_lossy(&o.get_output().stderr).into_owned()
}

/// The NGC 5139 site, built once for the tests that only read it.
fn ngc_site() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let cfg = ngc_config(dir.path(), "");
            let out = dir.path().join("dist");
            build(&cfg, &out);
            (dir, out)
        })
        .1
}

/// The demo site (built-in demo catalogue and the repository's content), built once.
fn demo_site() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            copy_content(dir.path());
            xcat()
                .current_dir(dir.path())
                .args(["build", "--quiet"])
                .assert()
                .success();
            let out = dir.path().join("dist");
            (dir, out)
        })
        .1
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(root).unwrap().to_path_buf())
        .collect();
    v.sort();
    v
}

fn html_files(root: &Path) -> Vec<PathBuf> {
    files(root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect()
}

/// Resolves `href` against the URL path `page_url` (a path ending in `/` or a file name).
fn resolve(page_url: &str, href: &str) -> String {
    let dir = &page_url[..page_url.rfind('/').unwrap() + 1];
    let mut segs: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let parts: Vec<&str> = href.split('/').collect();
    for (i, p) in parts.iter().enumerate() {
        match *p {
            ".." => {
                assert!(
                    segs.pop().is_some(),
                    "{href} from {page_url} climbs above the host root"
                );
            }
            "." => {}
            "" if i + 1 < parts.len() => {}
            s => segs.push(s),
        }
    }
    let mut out = format!("/{}", segs.join("/"));
    if href.ends_with('/') && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Every internal href/src of every page, checked as served under `prefix`.
fn check_links(root: &Path, prefix: &str) -> usize {
    let sel = scraper::Selector::parse("[href], [src]").unwrap();
    let ids = scraper::Selector::parse("[id]").unwrap();
    let mut checked = 0;
    let mut missing = Vec::new();
    for page in html_files(root) {
        let rel = page.to_string_lossy().replace('\\', "/");
        let url = format!("{prefix}{}", rel.strip_suffix("index.html").unwrap_or(&rel));
        let text = std::fs::read_to_string(root.join(&page)).unwrap();
        let doc = scraper::Html::parse_document(&text);
        let page_ids: BTreeSet<&str> = doc
            .select(&ids)
            .filter_map(|e| e.value().attr("id"))
            .collect();
        for el in doc.select(&sel) {
            for attr in ["href", "src"] {
                let Some(v) = el.value().attr(attr) else {
                    continue;
                };
                if v.contains("://") || v.starts_with("mailto:") || v.starts_with("data:") {
                    continue;
                }
                assert!(
                    !v.starts_with('/'),
                    "{rel}: root-relative link {v} breaks under a sub-path"
                );
                checked += 1;
                if let Some(frag) = v.strip_prefix('#') {
                    if !page_ids.contains(frag) {
                        missing.push(format!("{rel}: #{frag} has no target"));
                    }
                    continue;
                }
                let path = v.split(['?', '#']).next().unwrap();
                let target = resolve(&url, path);
                let Some(inside) = target.strip_prefix(prefix) else {
                    missing.push(format!("{rel}: {v} leaves the site ({target})"));
                    continue;
                };
                let f = root.join(inside);
                let ok = if inside.is_empty() || inside.ends_with('/') {
                    f.join("index.html").is_file()
                } else {
                    f.is_file()
                };
                if !ok {
                    missing.push(format!("{rel}: {v} → {target} does not exist"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} broken links, first: {:#?}",
        missing.len(),
        &missing[..missing.len().min(20)]
    );
    checked
}

#[test]
fn every_internal_link_resolves_at_the_root_and_under_a_sub_path() {
    let root = demo_site();
    let n = check_links(root, "/");
    let m = check_links(root, "/mirror/xcat/");
    assert_eq!(n, m);
    assert!(n > 10_000, "the checker saw the site's links ({n})");
    // The checker itself catches a broken link.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><html lang=en><head><title>x</title></head><body><a href=\"nowhere/\">x</a></body></html>").unwrap();
    let r = std::panic::catch_unwind(|| check_links(dir.path(), "/"));
    assert!(r.is_err());
}

#[test]
fn pages_are_well_formed_html() {
    let root = ngc_site();
    let one = |sel: &str| scraper::Selector::parse(sel).unwrap();
    let pages = html_files(root);
    assert!(pages.len() > 40, "{}", pages.len());
    for page in pages {
        let text = std::fs::read_to_string(root.join(&page)).unwrap();
        let doc = scraper::Html::parse_document(&text);
        assert!(
            doc.errors.is_empty(),
            "{}: {:?}",
            page.display(),
            doc.errors
        );
        assert!(text.starts_with("<!doctype html>"), "{}", page.display());
        assert_eq!(
            doc.select(&one("html[lang=en]")).count(),
            1,
            "{}",
            page.display()
        );
        assert_eq!(
            doc.select(&one("h1")).count(),
            1,
            "{}: one h1",
            page.display()
        );
        assert_eq!(doc.select(&one("main")).count(), 1, "{}", page.display());
        let title = doc
            .select(&one("title"))
            .next()
            .unwrap()
            .text()
            .collect::<String>();
        assert!(!title.trim().is_empty(), "{}", page.display());
        for t in doc
            .select(&one("table"))
            .filter(|t| t.select(&one("tbody tr")).count() > 0)
        {
            assert!(
                t.select(&one("thead th")).count() > 0
                    || t.select(&one("th[scope=row]")).count() > 0,
                "{}: table headers",
                page.display()
            );
        }
        assert!(
            text.contains("</body></html>"),
            "{}: closing tags kept",
            page.display()
        );
    }
}

/// Minified HTML with a line break between tags, for readable snapshots.
fn pretty(html: &str) -> String {
    html.replace("><", ">\n<")
}

#[test]
fn snapshot_source_page() {
    let html =
        std::fs::read_to_string(ngc_site().join("source/201122201010052/index.html")).unwrap();
    insta::assert_snapshot!("source_201122201010052", pretty(&html));
}

#[test]
fn snapshot_observation_page() {
    let html =
        std::fs::read_to_string(ngc_site().join("observation/0112220101/index.html")).unwrap();
    insta::assert_snapshot!("observation_0112220101", pretty(&html));
}

#[test]
fn snapshot_docs_page() {
    let html = std::fs::read_to_string(ngc_site().join("docs/getting-started/index.html")).unwrap();
    insta::assert_snapshot!("docs_getting_started", pretty(&html));
}

#[test]
fn source_page_has_everything_the_catalogue_knows() {
    let root = ngc_site();
    let html = std::fs::read_to_string(root.join("source/201122201010052/index.html")).unwrap();
    for needle in [
        "4XMM J132652.4-472736",
        "13:26:52.49",
        "Galactic",
        "HR4",
        "SC_CHI2PROB",
        "<svg",
        "xmm_detections_201122201010052.csv",
        "xmm_source_201122201010052.vot",
        "simbad.cds.unistra.fr",
        "observation/0112220101/",
    ] {
        assert!(html.contains(needle), "source page lacks {needle}");
    }
    let doc = scraper::Html::parse_document(&html);
    let canonical = scraper::Selector::parse("link[rel=canonical]").unwrap();
    assert_eq!(
        doc.select(&canonical)
            .next()
            .and_then(|l| l.value().attr("href")),
        Some("https://xcat.example.org/source/201122201010052/")
    );
    assert!(
        !html.contains("Fit spectrum"),
        "no fit panel without fit_server_url"
    );
    // The CSV download is inline (a data: URL); the VOTable is made from it by the page's
    // script with the column descriptions every source page shares.
    let csv_link = scraper::Selector::parse("a#download-csv").unwrap();
    let href = doc
        .select(&csv_link)
        .next()
        .and_then(|a| a.value().attr("href"))
        .unwrap();
    let body = href
        .strip_prefix("data:text/csv;charset=utf-8,")
        .expect("a CSV data: URL");
    let csv = xcat::site::format::percent_decode(body).unwrap();
    assert!(csv.starts_with("DETID,SRCID,IAUNAME"));
    assert_eq!(
        csv.lines().count(),
        3,
        "header and the source's 2 detections"
    );
    assert!(
        !root.join("source/201122201010052/detections.csv").exists(),
        "no download files per source"
    );
    // The VOTable and JSON of the source are files beside the page, linked from it.
    let vot_link = scraper::Selector::parse("a#download-vot").unwrap();
    assert_eq!(
        doc.select(&vot_link)
            .next()
            .and_then(|a| a.value().attr("href")),
        Some("source.vot")
    );
    let alternate = scraper::Selector::parse("link[rel=alternate]").unwrap();
    let alternates: Vec<(&str, &str)> = doc
        .select(&alternate)
        .filter_map(|l| Some((l.value().attr("type")?, l.value().attr("href")?)))
        .collect();
    assert!(alternates.contains(&("application/x-votable+xml", "source.vot")));
    assert!(alternates.contains(&("application/json", "source.json")));
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("source/201122201010052/source.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        json["detections"]["columns"],
        serde_json::json!(header),
        "the JSON's detections have the CSV's columns"
    );
}

/// The `TABLE` named `name` of a VOTable: its FIELD names and units, and its rows' cells.
type VoTable = (Vec<(String, String)>, Vec<Vec<String>>);

fn votable_table(xml: &str, name: &str) -> VoTable {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let table = doc
        .descendants()
        .find(|n| n.has_tag_name("TABLE") && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("no table {name}"));
    let fields = table
        .children()
        .filter(|n| n.has_tag_name("FIELD"))
        .map(|n| {
            (
                n.attribute("name").unwrap().to_string(),
                n.attribute("unit").unwrap_or("").to_string(),
            )
        })
        .collect();
    let rows = table
        .descendants()
        .filter(|n| n.has_tag_name("TR"))
        .map(|tr| {
            tr.children()
                .filter(|n| n.has_tag_name("TD"))
                .map(|td| td.text().unwrap_or("").to_string())
                .collect()
        })
        .collect();
    (fields, rows)
}

/// A JSON cell as the VOTable writes it (T/F, empty for null).
fn as_td(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Bool(b) => if *b { "T" } else { "F" }.into(),
        serde_json::Value::String(s) => s.clone(),
        n => n.to_string(),
    }
}

#[test]
fn source_data_files_hold_every_column_with_the_same_values_in_json_and_votable() {
    let root = ngc_site();
    let dir = root.join("source/201122201010052");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("source.json")).unwrap()).unwrap();
    let vot = std::fs::read_to_string(dir.join("source.vot")).unwrap();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("api/index.json")).unwrap()).unwrap();
    assert_eq!(json["srcid"], 201122201010052i64);
    assert_eq!(json["iauname"], "4XMM J132652.4-472736");
    assert_eq!(json["page"], "source/201122201010052/");
    assert_eq!(json["schema"], "api/source.schema.json");
    assert!(root.join("api/source.schema.json").is_file());
    // Every column of the sources table, named as the index names them, in its order.
    let release = &index["releases"][0];
    let columns: Vec<&str> = release["tables"]["sources"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let source = json["source"].as_object().unwrap();
    assert_eq!(
        source.keys().map(String::as_str).collect::<Vec<_>>().len(),
        columns.len()
    );
    for c in &columns {
        assert!(source.contains_key(*c), "source.json lacks {c}");
    }
    // Real 4XMM-DR10 values of this source (the shared catalogue's row; float32 as stored).
    // astropy reads SC_RA 201.718710509248 (float64) and SC_EP_8_FLUX 7.61705e-15 (float32)
    // for this source: the same numbers, float32 written as float32 (no float64 noise).
    assert_eq!(source["SC_RA"].as_f64().unwrap(), 201.718710509248);
    assert_eq!(source["SC_EP_8_FLUX"].to_string(), "7.61705e-15");
    assert_eq!(source["N_DETECTIONS"], 2);
    let (fields, rows) = votable_table(&vot, "source");
    assert_eq!(
        fields.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        columns
    );
    assert_eq!(rows.len(), 1);
    for ((name, _), td) in fields.iter().zip(&rows[0]) {
        assert_eq!(&as_td(&source[name]), td, "{name}: JSON and VOTable agree");
    }
    let flux = fields.iter().find(|f| f.0 == "SC_EP_8_FLUX").unwrap();
    assert_eq!(
        flux.1, "mW.m**-2",
        "VOUnit: erg is deprecated, erg cm-2 s-1 = mW m-2"
    );
    // Detections: the same rows in both, earliest first.
    let det = &json["detections"];
    let (dfields, drows) = votable_table(&vot, "detections");
    let names: Vec<&str> = det["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        dfields.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        names
    );
    let data = det["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(drows.len(), 2);
    for (row, tds) in data.iter().zip(&drows) {
        let cells: Vec<String> = row.as_array().unwrap().iter().map(as_td).collect();
        assert_eq!(&cells, tds);
    }
    let mjd = names.iter().position(|n| *n == "MJD_START").unwrap();
    assert!(
        data[0][mjd].as_f64() <= data[1][mjd].as_f64(),
        "earliest first"
    );
    // Neighbours: nearest first, each a source with its own page.
    let neighbours = json["neighbours"].as_array().unwrap();
    let (_, nrows) = votable_table(&vot, "neighbours");
    assert_eq!(neighbours.len(), nrows.len());
    assert!(!neighbours.is_empty(), "NGC 5139 is crowded");
    let seps: Vec<f64> = neighbours
        .iter()
        .map(|n| n["SEP"].as_f64().unwrap())
        .collect();
    assert!(seps.windows(2).all(|w| w[0] <= w[1]));
    for n in neighbours {
        assert!(
            root.join(format!("source/{}/index.html", n["SRCID"]))
                .is_file()
        );
    }
    assert!(
        json.get("counterparts").is_none(),
        "one catalogue: no counterparts"
    );
}

#[test]
fn observation_data_files_list_the_observation_and_its_detections() {
    let root = ngc_site();
    let dir = root.join("observation/0112220101");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("observation.json")).unwrap()).unwrap();
    let vot = std::fs::read_to_string(dir.join("observation.vot")).unwrap();
    assert_eq!(json["obs_id"], "0112220101");
    assert_eq!(
        json["observation"]["OBS_ID"], "0112220101",
        "kept as the string it is"
    );
    let (fields, rows) = votable_table(&vot, "observation");
    assert_eq!(rows.len(), 1);
    let obs_id = fields.iter().position(|f| f.0 == "OBS_ID").unwrap();
    assert_eq!(rows[0][obs_id], "0112220101");
    let n = json["observation"]["N_DETECTIONS"].as_i64().unwrap() as usize;
    assert_eq!(json["detections"]["data"].as_array().unwrap().len(), n);
    assert_eq!(votable_table(&vot, "detections").1.len(), n);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let alternate = scraper::Selector::parse("link[rel=alternate]").unwrap();
    let alternates: Vec<(&str, &str)> = doc
        .select(&alternate)
        .filter_map(|l| Some((l.value().attr("type")?, l.value().attr("href")?)))
        .collect();
    assert!(alternates.contains(&("application/json", "observation.json")));
    assert!(alternates.contains(&("application/x-votable+xml", "observation.vot")));
}

#[test]
fn data_index_lists_the_releases_their_tables_and_data() {
    let root = demo_site();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("api/index.json")).unwrap()).unwrap();
    let releases = index["releases"].as_array().unwrap();
    let ids: Vec<&str> = releases.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["5xmm-dr15", "4xmm-dr14"]);
    assert!(index["citation"].as_str().unwrap().contains("A&A"));
    for r in releases {
        assert!(root.join(r["manifest"].as_str().unwrap()).is_file());
        for kind in ["source", "observation"] {
            let schema = r["schemas"][kind].as_str().unwrap();
            let s: serde_json::Value =
                serde_json::from_slice(&std::fs::read(root.join(schema)).unwrap()).unwrap();
            assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        }
        let sources = &r["tables"]["sources"]["columns"];
        let srcid = sources
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "SRCID")
            .unwrap();
        assert_eq!(srcid["ucd"], "meta.id;meta.main");
    }
    // A 4XMM source of the demo names its 5XMM counterpart, whose files exist too.
    let any = std::fs::read_dir(root.join("source"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("source.json").is_file())
        .find_map(|p| {
            let j: serde_json::Value =
                serde_json::from_slice(&std::fs::read(p.join("source.json")).unwrap()).unwrap();
            (j["release"]["id"] == "4xmm-dr14" && !j["counterparts"].as_array()?.is_empty())
                .then_some(j)
        })
        .expect("a 4XMM source with a counterpart");
    let c = &any["counterparts"][0];
    assert_eq!(c["RELEASE"], "5xmm-dr15");
    assert!(c["SEP"].as_f64().unwrap() >= 0.0);
    let other: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join(format!("source/{}/source.json", c["SRCID"]))).unwrap(),
    )
    .unwrap();
    assert_eq!(other["release"]["id"], "5xmm-dr15");
    assert_eq!(other["iauname"], c["IAUNAME"]);
    assert!(
        other["counterparts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["SRCID"] == any["srcid"]),
        "the match is listed both ways"
    );
}

#[test]
fn light_curves_are_drawn_for_sources_detected_more_than_once() {
    let root = ngc_site();
    let (mut drawn, mut single) = (0, 0);
    for page in html_files(&root.join("source")) {
        let html = std::fs::read_to_string(root.join("source").join(&page)).unwrap();
        let rows = html.matches("<td><a href=\"../../observation/").count();
        if html.contains("<svg class=\"plot lc\"") {
            assert!(
                rows >= 2,
                "{}: a light curve of {rows} detection",
                page.display()
            );
            drawn += 1;
        } else if rows == 1 {
            assert!(
                html.contains("a light curve needs two"),
                "{}: says why there is no light curve",
                page.display()
            );
            single += 1;
        }
    }
    assert!(drawn > 0 && single > 0, "{drawn} drawn, {single} single");
}

#[test]
fn neighbours_are_listed_with_separations() {
    let root = ngc_site();
    let sel = scraper::Selector::parse("#neighbours + div tbody tr").unwrap();
    let mut with = 0;
    for p in html_files(&root.join("source")) {
        let html = std::fs::read_to_string(root.join("source").join(&p)).unwrap();
        let doc = scraper::Html::parse_document(&html);
        with += usize::from(doc.select(&sel).count() > 0);
    }
    assert!(
        with > 0,
        "omega Cen is crowded: some sources have neighbours within 1′"
    );
}

#[test]
fn atom_feed_and_sitemaps_parse() {
    let root = ngc_site();
    let feed = std::fs::read_to_string(root.join("news/atom.xml")).unwrap();
    let doc = roxmltree::Document::parse(&feed).unwrap();
    let atom = "http://www.w3.org/2005/Atom";
    let feed_el = doc.root_element();
    assert_eq!(feed_el.tag_name().namespace(), Some(atom));
    assert_eq!(feed_el.tag_name().name(), "feed");
    let entries: Vec<_> = feed_el
        .children()
        .filter(|n| n.has_tag_name((atom, "entry")))
        .collect();
    let news = std::fs::read_dir(repo().join("content/news"))
        .unwrap()
        .count();
    assert_eq!(entries.len(), news);
    let mut dates = Vec::new();
    for e in &entries {
        for child in ["id", "title", "updated", "link", "content"] {
            assert!(
                e.children().any(|n| n.has_tag_name((atom, child))),
                "entry lacks {child}"
            );
        }
        let updated = e
            .children()
            .find(|n| n.has_tag_name((atom, "updated")))
            .unwrap()
            .text()
            .unwrap()
            .to_string();
        assert_eq!(updated.len(), 20, "RFC 3339: {updated}");
        assert!(updated.ends_with('Z'));
        dates.push(updated);
    }
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
    let index = std::fs::read_to_string(root.join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&index).unwrap();
    let mut urls = 0;
    for loc in doc.descendants().filter(|n| n.has_tag_name("loc")) {
        let name = loc
            .text()
            .unwrap()
            .strip_prefix("https://xcat.example.org/")
            .unwrap();
        let map = std::fs::read_to_string(root.join(name)).unwrap();
        urls += roxmltree::Document::parse(&map)
            .unwrap()
            .descendants()
            .filter(|n| n.has_tag_name("loc"))
            .count();
    }
    assert!(
        urls >= 35 + 3 + 5,
        "every source, observation and page ({urls})"
    );
    let robots = std::fs::read_to_string(root.join("robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: https://xcat.example.org/sitemap.xml"));
    assert!(root.join("404.html").is_file());
}

#[test]
fn catalogue_strings_and_settings_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let srcid = 201122201010052i64;
    std::fs::write(
        dir.path().join("notes.csv"),
        format!("srcid,note\n{srcid},\"<script>alert(\"\"x\"\")</script> 'q'\"\n"),
    )
    .unwrap();
    let cfg = ngc_config(
        dir.path(),
        "[[extra]]\nfile = \"notes.csv\"\nkey = \"srcid\"\n",
    );
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "title = \"xcat test\"",
        "title = \"T<script>alert('t')</script>\\\"\"",
    );
    std::fs::write(&cfg, text).unwrap();
    let out = dir.path().join("dist");
    build(&cfg, &out);
    let evil = "<script>alert(\"x\")</script> 'q'";
    let title = "T<script>alert('t')</script>\"";
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    for page in [
        "index.html".to_string(),
        format!("source/{srcid}/index.html"),
    ] {
        let html = std::fs::read_to_string(out.join(&page)).unwrap();
        let doc = scraper::Html::parse_document(&html);
        // The theme's own scripts (a src under static/, no inline code) are the only ones.
        let foreign = doc
            .select(&sel("script"))
            .filter(|s| {
                !(s.value().attr("src").is_some_and(|v| v.contains("static/"))
                    && s.text().all(|t| t.trim().is_empty()))
            })
            .count();
        assert_eq!(foreign, 0, "{page}: no script element from data: {html}");
        let brand = doc
            .select(&sel("a.brand"))
            .next()
            .unwrap()
            .text()
            .collect::<String>();
        assert_eq!(brand, title, "{page}: the title is text");
        assert!(doc.errors.is_empty(), "{page}: {:?}", doc.errors);
    }
    let html = std::fs::read_to_string(out.join(format!("source/{srcid}/index.html"))).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let note = doc
        .select(&sel("dl.facts dt"))
        .find(|dt| dt.text().collect::<String>() == "NOTE")
        .and_then(|dt| dt.next_siblings().find_map(scraper::ElementRef::wrap))
        .unwrap();
    assert_eq!(
        note.text().collect::<String>(),
        evil,
        "the string is shown as text"
    );
    assert!(
        !html.contains("<script>alert(\"x\")"),
        "never raw in the body"
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ngc_config(dir.path(), "");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    build(&cfg, &a);
    build(&cfg, &b);
    let fa = files(&a);
    assert_eq!(fa, files(&b));
    assert!(fa.len() > 100);
    for f in fa {
        assert!(
            std::fs::read(a.join(&f)).unwrap() == std::fs::read(b.join(&f)).unwrap(),
            "{} differs",
            f.display()
        );
    }
}

fn stamps(root: &Path) -> BTreeMap<PathBuf, (std::time::SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    files(root)
        .into_iter()
        .map(|f| {
            let m = std::fs::metadata(root.join(&f)).unwrap();
            (f, (m.modified().unwrap(), m.ino()))
        })
        .collect()
}

#[test]
fn rebuild_after_a_news_edit_rewrites_only_the_pages_that_show_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ngc_config(dir.path(), "");
    let out = dir.path().join("dist");
    build(&cfg, &out);
    let before = stamps(&out);
    let item = dir.path().join("content/news/2024-04-02-first-release.md");
    let text = std::fs::read_to_string(&item).unwrap();
    std::fs::write(
        &item,
        text.replace(
            "served from any web server.",
            "served from any web server or CDN.",
        ),
    )
    .unwrap();
    let err = build(&cfg, &out);
    assert!(err.contains("catalogue unchanged"), "{err}");
    let after = stamps(&out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let changed: BTreeSet<String> = after
        .iter()
        .filter(|(f, s)| before[*f] != **s)
        .map(|(f, _)| f.to_string_lossy().into_owned())
        .collect();
    let want: BTreeSet<String> = ["news/2024-04-02-first-release/index.html", "news/atom.xml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(changed, want);
    let page =
        std::fs::read_to_string(out.join("news/2024-04-02-first-release/index.html")).unwrap();
    assert!(page.contains("or CDN."));
    // Removing the item deletes its page, and the pages that listed it change.
    std::fs::remove_file(&item).unwrap();
    build(&cfg, &out);
    assert!(
        !out.join("news/2024-04-02-first-release/index.html")
            .exists()
    );
    assert!(!out.join("news/2024-04-02-first-release").exists());
    let idx = std::fs::read_to_string(out.join("news/index.html")).unwrap();
    assert!(!idx.contains("first-release"));
}

#[test]
fn fit_panel_and_vo_server_appear_only_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ngc_config(dir.path(), "");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[site]\n",
        "[site]\nfit_server_url = \"https://fit.example.org\"\nvo_server_url = \"https://vo.example.org/xcat\"\n",
    );
    std::fs::write(&cfg, text).unwrap();
    let out = dir.path().join("dist");
    build(&cfg, &out);
    let with = std::fs::read_to_string(out.join("source/201122201010052/index.html")).unwrap();
    let panel = scraper::Selector::parse("[data-server]").unwrap();
    let doc = scraper::Html::parse_document(&with);
    assert!(
        with.contains("Fit spectrum")
            && doc
                .select(&panel)
                .next()
                .and_then(|p| p.value().attr("data-server"))
                == Some("https://fit.example.org"),
        "source with spectra gets the panel"
    );
    assert!(with.contains("static/fit.js") && out.join("static/fit.js").is_file());
    assert!(out.join("static/vendor/uPlot.iife.min.js").is_file());
    let without =
        std::fs::read_to_string(ngc_site().join("source/201122201010052/index.html")).unwrap();
    assert!(!without.contains("fit.js") && !without.contains("fit-panel"));
    // Every page names the VO server (with its trailing slash) for SAMP's TAP path.
    let vo = scraper::Selector::parse("meta[name='xcat:vo-server']").unwrap();
    for page in [
        "query/index.html",
        "index.html",
        "source/201122201010052/index.html",
    ] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        let doc = scraper::Html::parse_document(&html);
        assert_eq!(
            doc.select(&vo)
                .next()
                .and_then(|m| m.value().attr("content")),
            Some("https://vo.example.org/xcat/"),
            "{page}"
        );
        let html = std::fs::read_to_string(ngc_site().join(page)).unwrap();
        assert!(
            !html.contains("xcat:vo-server"),
            "{page} without a VO server"
        );
    }
    // A source page offers SAMP its static VOTable.
    let samp =
        scraper::Selector::parse("#samp[data-table='source.vot'][data-ra][data-dec]").unwrap();
    assert!(doc.select(&samp).next().is_some() && with.contains("static/samp.js"));
}

/// The templates are minified once at load instead of every page after rendering: a page from
/// the minified templates, minified whole, equals the page from the templates as written,
/// minified whole; and it is already minified (no line breaks or indentation between tags).
#[test]
fn pages_from_minified_templates_equal_minified_pages() {
    use xcat::site::{pages::Catalog, render, theme::Theme};
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = ngc_config(dir.path(), "");
    let config = xcat::config::Config::load(&cfg_path).unwrap();
    let files: Vec<PathBuf> = config
        .catalog
        .detections
        .iter()
        .map(|p| config.resolve(p))
        .collect();
    let cat = xcat::catalog::Catalogue::load(&config, &files, &xcat::catalog::Quiet).unwrap();
    let theme = Theme::load(None).unwrap();
    let fast = render::templates(&theme).unwrap();
    let slow = render::templates_with(&theme, false).unwrap();
    let site = serde_json::json!({"title": "t <&> \"q\"", "base_url": "https://x.example/", "fit_server_url": "", "has_query": true, "default_radius_arcmin": 10.0});
    let catalog = Catalog::new(&cat, site, 1.0, false);
    let cfg = render::minify_cfg();
    let same = |template: &str, ctx: &tera::Context, path: &str| {
        let a = render::render_context(&fast, template, ctx, path).unwrap();
        let b = render::render_context(&slow, template, ctx, path).unwrap();
        assert_eq!(
            String::from_utf8(render::minify(&a, &cfg)).unwrap(),
            String::from_utf8(render::minify(&b, &cfg)).unwrap(),
            "{path}"
        );
        assert!(
            !a.contains(">\n<") && !a.contains("\n "),
            "{path} is not minified"
        );
        assert!(a.len() < b.len(), "{path}");
    };
    for i in 0..cat.sources.rows() {
        same("source.html", &catalog.source(i), &catalog.source_path(i));
    }
    for i in 0..cat.observations.rows() {
        same(
            "observation.html",
            &render::context(catalog.observation(i)),
            &catalog.observation_path(i),
        );
    }
}

/// A rebuild reads a catalogue file again only when its size, mtime or inode changed, and
/// rebuilds the catalogue pages only when its bytes changed.
#[test]
fn catalogue_inputs_are_rehashed_only_when_they_change() {
    let dir = tempfile::tempdir().unwrap();
    let fits = dir.path().join("cat.fits");
    std::fs::copy(common::ngc5139(), &fits).unwrap();
    let cfg = ngc_config(dir.path(), "");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace(&format!("{:?}", common::ngc5139()), "\"cat.fits\"");
    std::fs::write(&cfg, text).unwrap();
    let out = dir.path().join("dist");
    build(&cfg, &out);
    let skipped = |log: &str| log.contains("catalogue unchanged");
    assert!(skipped(&build(&cfg, &out)), "nothing changed");
    // New mtime, same bytes: hashed again, same digest, pages kept.
    let bytes = std::fs::read(&fits).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&fits, &bytes).unwrap();
    assert!(skipped(&build(&cfg, &out)), "same bytes");
    // One byte of the last block's padding changed: a different file, pages rebuilt.
    let mut changed = bytes.clone();
    *changed.last_mut().unwrap() ^= 0x20;
    std::fs::write(&fits, &changed).unwrap();
    assert!(!skipped(&build(&cfg, &out)), "changed bytes");
}

#[test]
fn every_example_url_of_the_data_docs_resolves_on_the_demo_site() {
    let root = demo_site();
    let text = std::fs::read_to_string(repo().join("content/docs/data-api.md")).unwrap();
    assert!(root.join("docs/data-api/index.html").is_file());
    let mut checked = 0;
    for marker in ["$SITE/", "{site}/"] {
        for (at, _) in text.match_indices(marker) {
            let rest = &text[at + marker.len()..];
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '`' | ')' | '#'))
                .unwrap_or(rest.len());
            let url = &rest[..end];
            let path = url.split('?').next().unwrap();
            let file = if path.is_empty() || path.ends_with('/') {
                root.join(path).join("index.html")
            } else {
                root.join(path)
            };
            assert!(
                file.is_file(),
                "{marker}{url} does not resolve ({})",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} example URLs");
}

/// `key=value` lines of a HATS properties file.
fn hats_properties(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Rows of a HATS catalogue by its `_metadata` (every leaf's row groups).
fn hats_rows(catalogue: &Path) -> i64 {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let bytes = std::fs::read(catalogue.join("dataset/_metadata")).unwrap();
    let r = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
    r.metadata().row_groups().iter().map(|g| g.num_rows()).sum()
}

#[test]
fn the_real_catalogue_is_also_a_hats_collection() {
    // The 52 detections of the real 4XMM-DR10 extract around NGC 5139, and their sources.
    let root = ngc_site().join("hats/catalogue");
    let coll = hats_properties(&root.join("collection.properties"));
    assert_eq!(coll["hats_primary_table_url"], "sources");
    assert_eq!(coll["default_margin"], "sources_10arcs");
    let det = hats_properties(&root.join("detections/hats.properties"));
    assert_eq!(det["hats_nrows"], "52");
    assert_eq!(det["dataproduct_type"], "source");
    assert_eq!(det["obs_regime"], "X-ray");
    assert_eq!(
        (det["hats_col_ra"].as_str(), det["hats_col_dec"].as_str()),
        ("RA", "DEC")
    );
    assert_eq!(hats_rows(&root.join("detections")), 52);
    let src = hats_properties(&root.join("sources/hats.properties"));
    let pages = std::fs::read_dir(ngc_site().join("source"))
        .unwrap()
        .count();
    assert_eq!(src["hats_nrows"], pages.to_string());
    assert_eq!(hats_rows(&root.join("sources")), pages as i64);
    assert_eq!(src["hats_col_ra"], "SC_RA");
    // t_min/t_max: the first start and last end of the observations (MJD, DATE-OBS 2000–2019 of
    // this extract's observations).
    let (t0, t1): (f64, f64) = (src["t_min"].parse().unwrap(), src["t_max"].parse().unwrap());
    assert!(51544.0 < t0 && t0 < t1 && t1 < 58849.0, "{t0} {t1}");
    // 0.2–12 keV as wavelengths: hc/E, hc = 1.23984198e-6 eV m.
    assert_eq!(src["em_min"], "1.03320165e-10");
    assert_eq!(src["em_max"], "6.1992099e-9");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ngc_site().join("api/index.json")).unwrap()).unwrap();
    assert_eq!(index["releases"][0]["urls"]["hats"], "hats/catalogue/");
}

#[test]
fn hats_catalogues_can_be_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ngc_config(dir.path(), "[hats]\nenabled = true\n");
    let out = dir.path().join("dist");
    build(&cfg, &out);
    assert!(out.join("hats/catalogue/collection.properties").is_file());
    // Turning them off is a change of the catalogue's part: the rebuild removes them.
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("enabled = true", "enabled = false")).unwrap();
    let err = build(&cfg, &out);
    assert!(
        !err.contains("HATS") && !err.contains("catalogue unchanged"),
        "{err}"
    );
    assert!(!out.join("hats").exists());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("api/index.json")).unwrap()).unwrap();
    assert!(index["releases"][0]["urls"].get("hats").is_none());
    assert!(out.join("source/201122201010052/index.html").is_file());
}

#[test]
fn data_files_can_be_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ngc_config(dir.path(), "");
    // The configuration ends inside its [site] table.
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("data_files = false\n");
    std::fs::write(&cfg, text).unwrap();
    let out = dir.path().join("dist");
    build(&cfg, &out);
    let page = out.join("source/201122201010052");
    assert!(page.join("index.html").is_file());
    assert!(!page.join("source.json").exists() && !page.join("source.vot").exists());
    assert!(!out.join("observation/0112220101/observation.vot").exists());
    let html = std::fs::read_to_string(page.join("index.html")).unwrap();
    assert!(!html.contains("source.vot") && !html.contains("source.json"));
    assert!(html.contains("download-csv"), "the inline CSV stays");
    // The index and schemas still describe the catalogue.
    assert!(out.join("api/index.json").is_file());
}

#[test]
fn every_example_query_of_the_query_language_docs_reads_on_the_demo_site() {
    let root = demo_site();
    let cats = xcat::vo::local::LocalCatalogue::open_site(root, "demo").unwrap();
    let schemas: Vec<xcat_core::Schema> = cats.iter().map(|c| c.schema()).collect();
    let text = std::fs::read_to_string(repo().join("content/docs/query-language.md")).unwrap();
    let mut checked = 0;
    for block in text.split("```text\n").skip(1) {
        let block = block.split("```").next().unwrap();
        for line in block.lines().filter(|l| !l.trim().is_empty()) {
            let errors: Vec<String> = schemas
                .iter()
                .filter_map(|s| {
                    xcat_core::Query::parse(line, s, &xcat_core::QueryOptions::default())
                        .err()
                        .map(|e| e.to_string())
                })
                .collect();
            assert!(
                errors.len() < schemas.len(),
                "{line:?} reads in no release: {errors:?}"
            );
            // And finds rows in a release, run on the site's data (object names from the
            // site's name table, as the query page resolves them offline).
            let counts: Vec<Result<usize, String>> = cats
                .iter()
                .map(|c| {
                    c.run(line, Default::default())
                        .map(|r| r.count)
                        .map_err(|e| e.to_string())
                })
                .collect();
            assert!(
                counts.iter().any(|c| c.as_ref().is_ok_and(|&n| n > 0)),
                "{line:?} finds no row in any release: {counts:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} examples");
}

/// Defect 14: a point source showed "Extent 0.00 ± —″".
#[test]
fn point_sources_say_point_like_instead_of_a_zero_extent() {
    let root = ngc_site();
    let extent = scraper::Selector::parse("dl.facts dt").unwrap();
    let (mut point, mut extended) = (0, 0);
    for page in html_files(root).into_iter().filter(|p| {
        p.starts_with("source") && p.ends_with("index.html") && p.components().count() == 3
    }) {
        let html = std::fs::read_to_string(root.join(&page)).unwrap();
        let doc = scraper::Html::parse_document(&html);
        for dt in doc.select(&extent) {
            if !dt.text().collect::<String>().starts_with("Extent") {
                continue;
            }
            let dd = dt
                .next_siblings()
                .find_map(scraper::ElementRef::wrap)
                .unwrap()
                .text()
                .collect::<String>();
            assert!(!dd.starts_with("0.00"), "{}: {dd}", page.display());
            if dd.starts_with("point-like") {
                point += 1;
            } else {
                assert!(dd.contains('±'), "{}: {dd}", page.display());
                extended += 1;
            }
        }
    }
    assert!(point > 0, "no point-like source among the pages");
    eprintln!("{point} point-like and {extended} extended sources");
}

/// Defect 16: the 404 page had no menu and no search box.
#[test]
fn the_404_page_has_the_menu_and_a_search_box() {
    let html = std::fs::read_to_string(ngc_site().join("404.html")).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let hrefs: Vec<String> = doc
        .select(&scraper::Selector::parse("nav a").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    for want in ["query/", "docs/", "news/"] {
        assert!(
            hrefs.contains(&format!("https://xcat.example.org/{want}")),
            "{want}: {hrefs:?}"
        );
    }
    let form = doc
        .select(&scraper::Selector::parse("form[role=search]").unwrap())
        .next()
        .expect("a search form");
    assert_eq!(
        form.value().attr("action"),
        Some("https://xcat.example.org/query/")
    );
    assert!(
        form.select(&scraper::Selector::parse("input[name=q]").unwrap())
            .next()
            .is_some()
    );
}
