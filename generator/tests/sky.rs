//! The sky products of a built site: the HiPS catalogue in `dist/hips/` is a valid IVOA HiPS
//! 1.0 catalogue holding every source exactly once, the MOCs in `dist/moc/` and beside each
//! observation page round-trip through the CDS `moc` crate and match the observations'
//! footprints, the home page shows the catalogue MOC's area, and rebuilds are deterministic
//! and incremental.

use assert_cmd::Command;
use moc::deser::fits::{MocIdxType, MocQtyType, MocType, from_fits_ivoa};
use moc::moc::{CellMOCIntoIterator, CellMOCIterator, RangeMOCIterator};
use moc::qty::Hpx;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use xcat::Config;
use xcat::catalog::{Catalogue, Quiet};
use xcat::demo::{self, DemoOptions};
use xcat::vo::moc::{self as vomoc, SkyMoc};

const SOURCES: u32 = 4000;

/// A demo catalogue of [`SOURCES`] sources, the site built from it, and the catalogue loaded.
struct Site {
    _dir: tempfile::TempDir,
    fits: PathBuf,
    out: PathBuf,
    cat: Catalogue,
}

fn build(fits: &Path, out: &Path) -> String {
    let o = Command::cargo_bin("xcat")
        .unwrap()
        .args(["build", "--catalog"])
        .arg(fits)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    String::from_utf8_lossy(&o.get_output().stderr).into_owned()
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let opts = DemoOptions {
            sources: SOURCES,
            ..Default::default()
        };
        let fits = dir.path().join("demo.fits");
        let files = demo::write(&fits, &opts, &|_, _| {}).unwrap();
        let out = dir.path().join("dist");
        build(&files.catalogue, &out);
        let cat = Catalogue::load(
            &Config::default(),
            std::slice::from_ref(&files.catalogue),
            &Quiet,
        )
        .unwrap();
        Site {
            _dir: dir,
            fits: files.catalogue,
            out,
            cat,
        }
    })
}

fn read_moc_fits(path: &Path) -> SkyMoc {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("{} unreadable: {e}", path.display()));
    match from_fits_ivoa(std::io::Cursor::new(&bytes))
        .unwrap_or_else(|e| panic!("{} is not a FITS MOC: {e}", path.display()))
    {
        MocIdxType::U64(MocQtyType::Hpx(MocType::Ranges(r))) => r.into_range_moc(),
        MocIdxType::U64(MocQtyType::Hpx(MocType::Cells(c))) => {
            c.into_cell_moc_iter().ranges().into_range_moc()
        }
        _ => panic!("{}: not a u64 spatial MOC", path.display()),
    }
}

fn read_moc_json(path: &Path) -> SkyMoc {
    let text = std::fs::read_to_string(path).unwrap();
    moc::deser::json::from_json_aladin::<u64, Hpx<u64>>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_cell_moc_iter()
        .ranges()
        .into_range_moc()
}

fn properties(hips: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(hips.join("properties"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The FIELD names of `Metadata.xml`, in order.
fn metadata_fields(hips: &Path) -> Vec<String> {
    let xml = std::fs::read_to_string(hips.join("Metadata.xml")).unwrap();
    assert!(
        xml.starts_with("<?xml") && xml.contains("<VOTABLE"),
        "{xml}"
    );
    xml.split("<FIELD ")
        .skip(1)
        .map(|f| {
            let name = f.split_once("name=\"").unwrap().1;
            name[..name.find('"').unwrap()].to_string()
        })
        .collect()
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(root).unwrap().to_path_buf())
        .collect();
    v.sort();
    v
}

#[test]
fn hips_catalogue_is_valid_and_holds_every_source_once() {
    let s = site();
    let hips = s.out.join("hips");
    let props = properties(&hips);
    // HiPS 1.0 §4.4.1: required keywords, and those a catalogue HiPS needs (§4.4.2).
    for k in [
        "creator_did",
        "obs_title",
        "dataproduct_type",
        "hips_version",
        "hips_release_date",
        "hips_status",
        "hips_tile_format",
        "hips_order",
        "hips_order_min",
        "hips_frame",
        "hips_cat_nrows",
    ] {
        assert!(props.contains_key(k), "properties lacks {k}: {props:?}");
    }
    assert_eq!(props["dataproduct_type"], "catalog");
    assert_eq!(props["hips_tile_format"], "tsv");
    assert_eq!(props["hips_frame"], "equatorial");
    assert_eq!(props["hips_cat_nrows"], SOURCES.to_string());
    assert!(props["creator_did"].starts_with("ivo://"));
    let date = &props["hips_release_date"];
    assert!(
        date.len() == 17 && date.ends_with('Z') && date.as_bytes()[10] == b'T',
        "hips_release_date {date} is not YYYY-mm-ddTHH:MMZ"
    );
    let fields = metadata_fields(&hips);
    assert!(fields.len() >= 4, "{fields:?}");
    let (ra_col, dec_col, id_col) = (
        fields.iter().position(|f| f == "RA").unwrap(),
        fields.iter().position(|f| f == "DEC").unwrap(),
        fields.iter().position(|f| f == "SRCID").unwrap(),
    );

    let mut seen: Vec<i64> = Vec::new();
    let mut deepest = 0u8;
    let mut orders = BTreeSet::new();
    let mut low_rows: BTreeMap<u8, BTreeSet<i64>> = BTreeMap::new();
    for rel in files_under(&hips) {
        let path = rel.to_string_lossy().replace('\\', "/");
        let Some(rest) = path.strip_prefix("Norder") else {
            continue;
        };
        let (order, rest) = rest.split_once('/').unwrap();
        let order: u8 = order.parse().unwrap();
        if rest == "Allsky.tsv" {
            continue;
        }
        let npix: u64 = rest
            .rsplit_once("/Npix")
            .unwrap()
            .1
            .strip_suffix(".tsv")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            rest,
            format!("Dir{}/Npix{npix}.tsv", npix / 10_000 * 10_000)
        );
        orders.insert(order);
        deepest = deepest.max(order);
        let text = std::fs::read_to_string(hips.join(&rel)).unwrap();
        let mut lines = text.lines();
        let completeness = lines.next().unwrap();
        let (shown, total) = completeness
            .strip_prefix("# Completeness = ")
            .and_then(|c| c.split_once(" / "))
            .unwrap_or_else(|| panic!("{path}: no completeness line"));
        let (shown, total): (usize, usize) = (shown.parse().unwrap(), total.parse().unwrap());
        assert!(shown <= total, "{path}");
        let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
        assert_eq!(header, fields, "{path}: header differs from Metadata.xml");
        let mut n = 0;
        for line in lines {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), fields.len(), "{path}: {line}");
            let ra: f64 = f[ra_col].parse().unwrap();
            let dec: f64 = f[dec_col].parse().unwrap();
            assert_eq!(
                cdshealpix::nested::hash(order, ra.to_radians(), dec.to_radians()),
                npix,
                "{path}: source outside its tile's cell"
            );
            let id: i64 = f[id_col].parse().unwrap();
            seen.push(id);
            if order <= 2 {
                low_rows.entry(order).or_default().insert(id);
            }
            n += 1;
        }
        assert!(n > 0, "{path} is empty");
        assert!(
            n <= xcat::vo::hips::TILE_BUDGET || order == xcat::vo::hips::MAX_ORDER,
            "{path} holds {n} rows"
        );
    }
    assert_eq!(props["hips_order"], deepest.to_string());
    assert_eq!(props["hips_order_min"], orders.first().unwrap().to_string());
    assert!(
        deepest >= 2,
        "{SOURCES} clustered sources should need tiles below order 1"
    );
    // Every source exactly once across the tree: the counts add up to the catalogue.
    let n = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(n, seen.len(), "a source appears in two tiles");
    let srcid = s.cat.sources.column("SRCID").unwrap();
    let all: Vec<i64> = (0..s.cat.sources.rows())
        .map(|i| srcid.i64(i).unwrap())
        .collect();
    let mut all_sorted = all.clone();
    all_sorted.sort_unstable();
    assert_eq!(
        seen, all_sorted,
        "the tree's sources differ from the catalogue's"
    );
    // Allsky files hold exactly their order's tiles.
    for (order, ids) in &low_rows {
        let text = std::fs::read_to_string(hips.join(format!("Norder{order}/Allsky.tsv"))).unwrap();
        let mut lines = text.lines().filter(|l| !l.starts_with('#'));
        assert_eq!(
            lines.next().unwrap().split('\t').collect::<Vec<_>>(),
            fields
        );
        let got: BTreeSet<i64> = lines
            .map(|l| l.split('\t').nth(id_col).unwrap().parse().unwrap())
            .collect();
        assert_eq!(&got, ids, "Norder{order}/Allsky.tsv");
    }
    // The HiPS coverage is the catalogue MOC.
    assert_eq!(
        read_moc_fits(&hips.join("Moc.fits")),
        read_moc_fits(&s.out.join("moc/catalogue.fits"))
    );
}

#[test]
fn mocs_round_trip_and_match_the_footprints() {
    let s = site();
    let cat = &s.cat;
    let catalogue = read_moc_fits(&s.out.join("moc/catalogue.fits"));
    assert_eq!(
        catalogue,
        read_moc_json(&s.out.join("moc/catalogue.json")),
        "FITS and JSON disagree"
    );
    let obs = &cat.observations;
    let obs_id = obs.column("OBS_ID").unwrap();
    let (ra, dec) = (
        cat.detections.column("RA").unwrap(),
        cat.detections.column("DEC").unwrap(),
    );
    let mut union = Vec::new();
    for i in 0..obs.rows() {
        let id = obs_id.str(i).unwrap();
        let dir = s.out.join("observation").join(id);
        let m = read_moc_fits(&dir.join("moc.fits"));
        assert_eq!(m, read_moc_json(&dir.join("moc.json")), "observation {id}");
        assert!(!m.is_empty(), "observation {id}: empty MOC");
        for &r in cat.observation_detections.members(i) {
            let (a, d) = (ra.f64(r as usize).unwrap(), dec.f64(r as usize).unwrap());
            assert!(
                m.is_in(a.to_radians(), d.to_radians()),
                "detection row {r} ({a}, {d}) outside the MOC of observation {id}"
            );
        }
        // The page shows the area of this MOC.
        let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
        let area = format!("{:.3}", vomoc::area_deg2(&m));
        assert!(
            page.contains(&format!("{area}</span> deg²")),
            "observation {id}: page lacks the MOC area {area}"
        );
        assert!(page.contains("href=moc.fits") || page.contains("href=\"moc.fits\""));
        union.push(m);
    }
    assert_eq!(
        vomoc::union(union),
        catalogue,
        "the catalogue MOC is not the union of the observations'"
    );
    let (sra, sdec) = (
        cat.sources.column("SC_RA").unwrap(),
        cat.sources.column("SC_DEC").unwrap(),
    );
    for i in 0..cat.sources.rows() {
        let (a, d) = (sra.f64(i).unwrap(), sdec.f64(i).unwrap());
        assert!(
            catalogue.is_in(a.to_radians(), d.to_radians()),
            "source row {i} ({a}, {d}) outside the catalogue MOC"
        );
    }
    // The home page's sky area is the catalogue MOC's.
    let home = std::fs::read_to_string(s.out.join("index.html")).unwrap();
    let area = vomoc::area_deg2(&catalogue);
    assert!(area > 0.0);
    let shown = format!("<dd>{area:.1} deg²");
    assert!(home.contains(&shown), "home page lacks {shown}");
    // Reference: each observation covers at least its 15′ disc, π (0.25°)² = 0.19635 deg², and
    // at most the sum of the observations' MOCs.
    assert!(
        area >= 0.19635 && area <= obs.rows() as f64 * 0.19635 * 1.6,
        "{area}"
    );
}

fn build_with(cfg: &Path, out: &Path) -> String {
    let o = Command::cargo_bin("xcat")
        .unwrap()
        .args(["build", "--config"])
        .arg(cfg)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    String::from_utf8_lossy(&o.get_output().stderr).into_owned()
}

#[test]
fn rebuilds_are_deterministic_and_incremental() {
    let s = site();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("xcat.toml");
    let config = |radius: u32| {
        format!(
            "title = \"sky test\"\n[catalog]\ndetections = [{:?}]\n[site]\nneighbour_radius_arcmin = {radius}\n",
            s.fits
        )
    };
    std::fs::write(&cfg, config(1)).unwrap();
    let (out, again) = (dir.path().join("dist"), dir.path().join("again"));
    build_with(&cfg, &out);
    build_with(&cfg, &again);
    // Byte-identical between two builds.
    let mut sky_files = Vec::new();
    for sub in ["hips", "moc", "observation"] {
        let a = files_under(&out.join(sub));
        assert_eq!(a, files_under(&again.join(sub)), "{sub}/ lists differ");
        for f in a {
            let rel = Path::new(sub).join(&f);
            assert!(
                std::fs::read(out.join(&rel)).unwrap() == std::fs::read(again.join(&rel)).unwrap(),
                "{} differs between two builds",
                rel.display()
            );
            if sub != "observation" || f.to_string_lossy().contains("moc.") {
                sky_files.push(rel);
            }
        }
    }
    assert!(sky_files.len() > 10);
    // A rebuild whose catalogue pages must be produced again (a setting on them changed) writes
    // the sky products through the output: unchanged files keep their mtime and inode, stale
    // ones are deleted.
    let stamp = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(p).unwrap();
        (m.modified().unwrap(), m.ino())
    };
    let before: Vec<_> = sky_files.iter().map(|f| stamp(&out.join(f))).collect();
    let stale = out.join("hips/Norder11/Dir0/Npix7.tsv");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, "# stale\n").unwrap();
    std::fs::write(&cfg, config(2)).unwrap();
    let err = build_with(&cfg, &out);
    assert!(!err.contains("catalogue unchanged"), "{err}");
    assert!(!stale.exists(), "stale tile left in hips/");
    assert!(!out.join("hips/Norder11").exists());
    let after: Vec<_> = sky_files.iter().map(|f| stamp(&out.join(f))).collect();
    for (i, f) in sky_files.iter().enumerate() {
        assert_eq!(before[i], after[i], "{} rewritten", f.display());
    }
}
