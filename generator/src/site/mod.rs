//! Writes the site: a page per source and per observation (with each source's detections as
//! CSV and VOTable), the query engine's data files, docs and news from Markdown, the home page,
//! the Atom feed, sitemaps, `robots.txt`, `404.html` and the theme's static files.
//!
//! The build reads like the process: load the [`theme::Theme`] → fingerprint the inputs →
//! (when the catalogue, theme or settings changed) load the catalogue and render its pages in
//! parallel, streaming each page to disk → render the content pages → commit the
//! [`output::Output`], which rewrites only files whose bytes changed and deletes stale ones.
//! The fingerprint and what the content pages need from the catalogue are kept in the build
//! cache (outside the output, see [`Config::cache_dir`]), so a rebuild after a docs or news
//! edit does not reload the catalogue or touch its pages; a missing or stale cache only costs
//! time. The output depends on the inputs alone: the same inputs give the same bytes in any
//! folder, on any machine, and the build reports the tree's digest ([`output::tree_digest`]). The catalogue's coverage maps (MOC) and HiPS catalogue
//! are written with its pages ([`sky`]).

pub mod api;
pub mod content;
pub mod data;
pub mod export;
pub mod feeds;
pub mod format;
pub mod hats;
pub mod neighbours;
pub mod output;
pub mod pages;
pub mod policy;
pub mod releases;
pub mod render;
pub mod sky;
pub mod stats;
pub mod svg;
pub mod theme;

use crate::catalog::{Catalogue, Progress};
use crate::config::{Config, Release};
use crate::error::{Error, Result};
use content::Page;
use output::Output;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use stats::{Stats, TableDoc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use theme::Theme;

const STATE_FORMAT: u32 = 4;
/// Output folders produced from the catalogue alone (kept as they are when it did not change).
const CATALOGUE_DIRS: [&str; 6] = [
    "source/",
    hats::DIR,
    "observation/",
    "data/",
    sky::MOC_DIR,
    sky::HIPS_DIR,
];

/// What a build did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildReport {
    /// HTML pages rendered in this build.
    pub pages: usize,
    /// Files produced in this build (pages and others, written or unchanged).
    pub files: usize,
    /// Files written because they are new or their bytes changed.
    pub written: usize,
    /// Files left untouched because their bytes did not change.
    pub unchanged: usize,
    /// Stale files deleted.
    pub deleted: usize,
    /// Bytes of the files produced in this build.
    pub bytes: u64,
    /// Whether the catalogue pages were skipped because no input of theirs changed.
    pub catalogue_skipped: bool,
    /// Warnings about the inputs.
    pub warnings: Vec<String>,
    /// The coverage maps and HiPS catalogue, when the catalogue pages were built.
    pub sky: Option<sky::SkyReport>,
    /// Seconds the cross-release match took, on a site with several releases whose pages
    /// were built.
    pub match_seconds: Option<f64>,
    /// The digest of the output tree ([`output::tree_digest`]).
    pub digest: u128,
    /// The HATS catalogues written, one per release.
    pub hats: Vec<hats::HatsReport>,
}

/// The site's data index (see [`api::index`]).
const API_INDEX: &str = "api/index.json";

/// The top-level output entries made from the catalogue alone.
fn catalogue_tops(state: &State) -> Vec<String> {
    let mut tops: Vec<String> = CATALOGUE_DIRS.iter().map(|d| d.to_string()).collect();
    for f in &state.catalogue_files {
        let t = match f.find('/') {
            Some(i) => &f[..=i],
            None => f.as_str(),
        };
        if !tops.iter().any(|x| x == t) {
            tops.push(t.to_string());
        }
    }
    tops
}

/// What the content pages need from the catalogue, kept between builds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    format: u32,
    catalogue: String,
    stats: Stats,
    schema: Vec<TableDoc>,
    catalogue_files: Vec<String>,
    manifest: String,
    /// What each input file looked like when it was last hashed.
    #[serde(default)]
    inputs: Vec<Stamp>,
    /// The releases of a site that serves several, the current one first.
    #[serde(default)]
    releases: Vec<ReleaseState>,
    /// Digest sums (hexadecimal) of the catalogue's top-level output entries (`source/`,
    /// `sitemap-1.xml`), kept when a rebuild skips them.
    #[serde(default)]
    sums: BTreeMap<String, String>,
}

/// A release of the site as its pages present it (`site.releases` in templates).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReleaseState {
    /// Identifier (`5xmm-dr15`).
    pub id: String,
    /// Title (`5XMM-DR15`).
    pub title: String,
    /// Whether it is the current release.
    pub current: bool,
    /// Prefix of its IAU names.
    pub prefix: String,
    /// Its manifest (`data/<id>/manifest.<hash>.bin`).
    pub manifest: String,
    /// Its counts.
    pub stats: Stats,
}

/// An input file's size, modification time and inode with the digest of its bytes: when the
/// first three are unchanged the file is not read again (a DR14-scale catalogue is over a
/// gigabyte). The file is named by a digest of its absolute path: the cache holds no paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    path: String,
    len: u64,
    mtime_ns: i128,
    ino: u64,
    digest: String,
}

/// The digest of `path`'s bytes, taken from `known` when the file's size, mtime and inode are
/// the same as then.
fn file_digest(path: &Path, known: &[Stamp]) -> Result<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let mtime_ns = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
    let mut stamp = Stamp {
        path: format!(
            "{:016x}",
            xxhash_rust::xxh3::xxh3_64(path.as_os_str().as_encoded_bytes())
        ),
        len: m.len(),
        mtime_ns,
        ino: m.ino(),
        digest: String::new(),
    };
    if let Some(k) = known.iter().find(|k| {
        k.path == stamp.path && k.len == stamp.len && k.mtime_ns == mtime_ns && k.ino == stamp.ino
    }) {
        stamp.digest = k.digest.clone();
    } else {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        hash_file(&mut h, path)?;
        stamp.digest = format!("{:032x}", h.digest128());
    }
    Ok(stamp)
}

fn absolute(p: &Path) -> Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .map_err(|e| Error::output(p, e))?
            .join(p))
    }
}

fn hash_file(h: &mut xxhash_rust::xxh3::Xxh3, path: &Path) -> Result<()> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(())
}

/// A digest of everything the catalogue pages depend on: this program, the templates, the
/// settings that appear on them, and the bytes of every catalogue input.
fn fingerprint(
    config: &Config,
    files: &[PathBuf],
    releases: &[Release],
    theme: &Theme,
    known: &[Stamp],
) -> Result<(String, Vec<Stamp>)> {
    let mut stamps = Vec::new();
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&STATE_FORMAT.to_le_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    if let Ok(exe) = std::env::current_exe()
        && let Ok(stamp) = file_digest(&exe, known)
    {
        h.update(stamp.digest.as_bytes());
        stamps.push(stamp);
    }
    h.update(&theme.templates_digest().to_le_bytes());
    let s = &config.site;
    let hats = &config.hats;
    let settings = format!(
        "{:?}|{:?}|{}|{}|{}|{:?}|{}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
        config.title,
        config.base_url,
        s.default_radius_arcmin,
        s.neighbour_radius_arcmin,
        s.fit_server_url,
        s.vo_server_url,
        s.data_files,
        hats.enabled,
        hats.max_rows,
        hats.margin_arcsec,
        config.catalog.iau_prefix,
        (config.catalog.hdu.clone(), config.catalog.layout),
        config.columns,
        config
            .extra
            .iter()
            .map(|x| (x.key, &x.columns, &x.missing, &x.descriptions))
            .collect::<Vec<_>>(),
        config.names.iter().map(|n| n.format).collect::<Vec<_>>(),
    );
    h.update(settings.as_bytes());
    let mut inputs: Vec<PathBuf> = files.to_vec();
    for r in releases {
        let c = &r.config.catalog;
        h.update(
            format!(
                "\0release\0{}|{}|{}|{}|{}|{:?}|{:?}",
                r.id, r.title, r.current, r.prefix, r.systematic_arcsec, c.hdu, c.layout
            )
            .as_bytes(),
        );
        inputs.extend(r.files.iter().cloned());
        inputs.extend(c.sources.iter().map(|p| r.config.resolve(p)));
        inputs.extend(c.observations.iter().map(|p| r.config.resolve(p)));
    }
    inputs.extend(config.catalog.sources.iter().map(|p| config.resolve(p)));
    inputs.extend(
        config
            .catalog
            .observations
            .iter()
            .map(|p| config.resolve(p)),
    );
    inputs.extend(config.extra.iter().map(|x| config.resolve(&x.file)));
    inputs.extend(config.names.iter().map(|n| config.resolve(&n.file)));
    for p in &inputs {
        let stamp = file_digest(p, known)?;
        h.update(b"\0file\0");
        h.update(stamp.digest.as_bytes());
        stamps.push(stamp);
    }
    Ok((format!("{:032x}", h.digest128()), stamps))
}

/// The cache file of the build of `out` (an absolute path): one per output folder, named by
/// a digest of its path.
fn state_file(cache: &Path, out: &Path) -> PathBuf {
    cache.join(format!(
        "build-{:016x}.json",
        xxhash_rust::xxh3::xxh3_64(out.as_os_str().as_encoded_bytes())
    ))
}

fn read_state(file: &Path) -> Option<State> {
    let text = std::fs::read(file).ok()?;
    let s: State = serde_json::from_slice(&text).ok()?;
    (s.format == STATE_FORMAT).then_some(s)
}

/// Writes the build state into the cache (whole or not at all); a cache that cannot be written
/// costs the next build time, nothing else, so this only warns.
fn write_state(file: &Path, state: &State) -> Option<String> {
    let bytes = serde_json::to_vec_pretty(state).expect("state serialises");
    let dir = file.parent()?;
    let tmp = file.with_extension(format!("tmp-{}", std::process::id()));
    let r = std::fs::create_dir_all(dir)
        .and_then(|()| {
            let tag = dir.join("CACHEDIR.TAG");
            if tag.exists() {
                Ok(())
            } else {
                std::fs::write(
                    tag,
                    "Signature: 8a477f597d28d172789f06886806bc55\n# xcat's build cache: deleting it only makes the next build slower.\n",
                )
            }
        })
        .and_then(|()| std::fs::write(&tmp, &bytes))
        .and_then(|()| std::fs::rename(&tmp, file));
    r.err().map(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!(
            "cannot write the build cache {}: {e} (the next build will redo everything)",
            file.display()
        )
    })
}

/// Builds the site into `out` from the catalogue `files` and the inputs of `config` (its
/// `[[release]]` entries, when it has any, instead of `files`).
pub fn build(
    config: &Config,
    files: &[PathBuf],
    out: &Path,
    progress: &(dyn Progress + Sync),
) -> Result<BuildReport> {
    build_releases(config, files, &config.releases(&[])?, out, progress)
}

/// Builds the site into `out`: from the catalogue `files` when `releases` is empty, else from
/// the releases (see [`Config::releases`]), each with its own data under `data/<id>/`.
pub fn build_releases(
    config: &Config,
    files: &[PathBuf],
    releases: &[Release],
    out: &Path,
    progress: &(dyn Progress + Sync),
) -> Result<BuildReport> {
    let files: &[PathBuf] = if releases.is_empty() { files } else { &[] };
    let out = absolute(out)?;
    let theme_dir = config.site.theme.as_ref().map(|p| config.resolve(p));
    let theme = Theme::load(theme_dir.as_deref())?;
    let tera = render::templates(&theme)?;
    let has_query = theme.has_template("query.html") && !config.no_query;
    if has_query {
        theme.check_query_module()?;
    }
    let cache_file = state_file(&config.cache_dir(&out), &out);
    let before = read_state(&cache_file);
    let known = before.as_ref().map_or(&[][..], |s| &s.inputs[..]);
    // Without a previous build's state the catalogue is read whatever its digest: both at
    // once, the digest of a DR14-size file takes seconds.
    let (fingerprinted, mut preloaded) = if before.is_none() && releases.is_empty() {
        let (f, c) = rayon::join(
            || fingerprint(config, files, releases, &theme, known),
            || Catalogue::load_with(config, files, progress, measurement_filter(config)),
        );
        (f, Some(c))
    } else {
        (fingerprint(config, files, releases, &theme, known), None)
    };
    let (digest, stamps) = fingerprinted?;
    // The previous build's catalogue part is reused when its inputs are the same and the
    // output still holds it (its manifest, and a digest for each part).
    let previous = before.filter(|s| {
        s.catalogue == digest
            && out.join(&s.manifest).is_file()
            && catalogue_tops(s).iter().all(|t| {
                // A part without files has the sum 0.
                s.sums.get(t).is_some_and(|h| {
                    u128::from_str_radix(h, 16).is_ok_and(|h| h == 0 || out.join(t).exists())
                })
            })
    });
    let mut output = Output::new(&out)?;
    let mut site = json!({
        "title": config.title,
        "base_url": config.base_url,
        "fit_server_url": config.site.fit_server_url,
        "vo_server_url": vo_server_url(&config.site.vo_server_url),
        "has_query": has_query,
        "data_files": config.site.data_files,
        "default_radius_arcmin": config.site.default_radius_arcmin,
    });
    let mut report = BuildReport::default();
    let result = (|| -> Result<State> {
        let state = match previous {
            Some(state) => {
                for t in catalogue_tops(&state) {
                    let sum = u128::from_str_radix(&state.sums[&t], 16).expect("checked");
                    output.keep_summed(&t, sum);
                }
                report.catalogue_skipped = true;
                State {
                    inputs: stamps,
                    ..state
                }
            }
            None if !releases.is_empty() => {
                let (state, sky) = release_pages(
                    config,
                    releases,
                    &theme,
                    &tera,
                    &mut site,
                    &output,
                    progress,
                    &mut report,
                )?;
                report.sky = Some(sky);
                State {
                    catalogue: digest,
                    inputs: stamps,
                    ..state
                }
            }
            None => {
                let mut cat = match preloaded.take() {
                    Some(loaded) => loaded?,
                    None => {
                        Catalogue::load_with(config, files, progress, measurement_filter(config))?
                    }
                };
                cat.check_buildable(&files[0])?;
                report.warnings = cat.warnings.clone();
                // The column reference lists every column; the pages need far fewer of the
                // detections' (at DR14 scale the others hold over a gigabyte).
                let schema = stats::schema(&cat);
                if config.hats.enabled {
                    report.hats.push(hats::write(
                        config,
                        &cat,
                        "",
                        &config.title,
                        &output,
                        progress,
                    )?);
                }
                keep_page_columns(&mut cat);
                let t0 = std::time::Instant::now();
                progress.start("computing the coverage maps", None);
                let coverage = sky::Coverage::new(&cat);
                progress.finish();
                let mut sky_report = sky::SkyReport {
                    moc_ms: t0.elapsed().as_millis() as u64,
                    ..Default::default()
                };
                let (mut catalogue_files, manifest, pages) = catalogue_pages(
                    config,
                    &cat,
                    &Part::Single,
                    &theme,
                    &tera,
                    &site,
                    &output,
                    &coverage,
                    &mut sky_report,
                    progress,
                )?;
                report.pages += pages;
                let index = api::index(
                    config,
                    &[api::IndexEntry {
                        id: "",
                        title: &config.title,
                        current: true,
                        manifest: &manifest,
                        schema: &schema,
                    }],
                );
                output.write(API_INDEX, &index)?;
                catalogue_files.push(API_INDEX.into());
                sky_report.moc_files += 2 * coverage.observations.len();
                report.sky = Some(sky_report);
                State {
                    format: STATE_FORMAT,
                    catalogue: digest,
                    stats: stats::stats(&cat, &coverage.catalogue),
                    schema,
                    catalogue_files,
                    manifest,
                    inputs: stamps,
                    releases: Vec::new(),
                    sums: BTreeMap::new(),
                }
            }
        };
        if !state.releases.is_empty() {
            site["releases"] = json!(state.releases);
        }
        progress.start("rendering docs, news and the other pages", None);
        report.pages += content_pages(config, &tera, &theme, &site, &state, &output)?;
        progress.finish();
        Ok(state)
    })();
    let mut state = match result {
        Ok(state) => state,
        Err(e) => {
            output.abort();
            return Err(e);
        }
    };
    if !report.catalogue_skipped {
        let tops = catalogue_tops(&state);
        state.sums = output
            .sums(tops.iter().map(String::as_str))
            .into_iter()
            .map(|(t, h)| (t, format!("{h:032x}")))
            .collect();
    }
    progress.start("moving the new files into place", None);
    let counts = output.commit()?;
    progress.finish();
    report.digest = counts.digest;
    if let Some(w) = write_state(&cache_file, &state) {
        report.warnings.push(w);
    }
    report.files = counts.produced;
    report.written = counts.written;
    report.unchanged = counts.unchanged;
    report.deleted = counts.deleted;
    report.bytes = counts.bytes;
    Ok(report)
}

/// Builds only what the in-browser query needs into the empty or new folder `out`: the query
/// engine's data (`data/`), the query page (`query/index.html`), a home page that leads to it
/// and the theme's static files.
/// For measuring the query engine on big catalogues without writing every page; links from
/// the query page to source pages lead nowhere in such a folder.
pub fn build_query(
    config: &Config,
    files: &[PathBuf],
    out: &Path,
    progress: &(dyn Progress + Sync),
) -> Result<data::DataReport> {
    let out = absolute(out)?;
    if std::fs::read_dir(&out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(Error::Config {
            path: out.clone(),
            detail: "the output folder of a query-only build is not empty".into(),
            hint: "give a new or empty folder (a query-only build never updates a full site)"
                .into(),
        });
    }
    let theme_dir = config.site.theme.as_ref().map(|p| config.resolve(p));
    let theme = Theme::load(theme_dir.as_deref())?;
    if !theme.has_template("query.html") {
        return Err(Error::Config {
            path: theme_dir.unwrap_or_default(),
            detail: "the theme has no query.html template".into(),
            hint: "use the default theme, or add query.html to yours".into(),
        });
    }
    theme.check_query_module()?;
    let tera = render::templates(&theme)?;
    let cat = Catalogue::load_with(config, files, progress, Some(&page_measurement_column))?;
    cat.check_buildable(&files[0])?;
    let report = data::write(config, &cat, &out)?;
    let site = json!({
        "title": config.title,
        "base_url": config.base_url,
        "fit_server_url": config.site.fit_server_url,
        "has_query": true,
        "default_radius_arcmin": config.site.default_radius_arcmin,
    });
    let path = "query/index.html";
    let mut ctx = render::base(&site, path);
    if let Some(c) = ctx.as_object_mut() {
        c.insert("manifest".into(), json!(report.manifest));
        let coverage = sky::Coverage::new(&cat);
        c.insert(
            "stats".into(),
            json!(stats::stats(&cat, &coverage.catalogue)),
        );
    }
    let html = render::render(&tera, "query.html", ctx, path)?;
    // The folder's home leads to the query page (so `xcat serve` and mirrors find an index).
    let home = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Query</title><meta http-equiv=\"refresh\" content=\"0; url=query/\"></head><body><p><a href=\"query/\">Query the catalogue</a></p></body></html>\n";
    let mut writes: Vec<(String, Vec<u8>)> = vec![
        (path.into(), render::minify(&html, &render::minify_cfg())),
        ("index.html".into(), home.as_bytes().to_vec()),
    ];
    for (name, bytes) in &theme.statics {
        writes.push((format!("static/{name}"), bytes.to_vec()));
    }
    for (rel, bytes) in writes {
        let p = out.join(&rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(|e| Error::output(d, e))?;
        }
        std::fs::write(&p, bytes).map_err(|e| Error::output(&p, e))?;
    }
    Ok(report)
}

/// Detection (measurement) columns the catalogue pages show besides those of the downloads,
/// by their 4XMM and their stacked-catalogue names.
const PAGE_DETECTION_COLUMNS: [&str; 28] = [
    "DETECTED",
    "PPS_SRCNUM",
    "MJD_FIRST",
    "EP_FLUX",
    "EP_FLUX_ERR",
    "PN_FLUX",
    "M1_FLUX",
    "M2_FLUX",
    "EP_DET_ML",
    "DETID",
    "SRCID",
    "SRC_NUM",
    "OBS_ID",
    "RA",
    "DEC",
    "MJD_START",
    "EP_8_FLUX",
    "EP_8_FLUX_ERR",
    "PN_8_FLUX",
    "M1_8_FLUX",
    "M2_8_FLUX",
    "EP_8_DET_ML",
    "EP_OFFAX",
    "EP_EXTENT",
    "SUM_FLAG",
    "SPECTRA",
    "VAR_INST_ID",
    "VAR_EXP_ID",
];

/// Whether a site uses a measurement column: on its pages, in the downloads, or to make the
/// observations table. The others of a stacked catalogue are not even read by a build.
fn page_measurement_column(name: &str) -> bool {
    PAGE_DETECTION_COLUMNS.contains(&name)
        || export::EXPORT_COLUMNS.contains(&name)
        || crate::catalog::group::observation_inputs().any(|n| n == name)
        || matches!(name, "RA" | "DEC" | "SPECTRA" | "MJD_LAST")
}

/// Which measurement columns of a stacked catalogue a build reads: all of them when it writes
/// the HATS catalogues (whose detections have every column), else those the pages use.
fn measurement_filter(config: &Config) -> Option<&'static dyn Fn(&str) -> bool> {
    (!config.hats.enabled).then_some(&page_measurement_column as &dyn Fn(&str) -> bool)
}

/// Drops the detection columns that no page, download or data file uses (the sources and
/// observations tables are already made).
fn keep_page_columns(cat: &mut Catalogue) {
    let d = &cat.detections;
    let mut keep = export::columns(d, &cat.extra_columns);
    keep.extend(
        PAGE_DETECTION_COLUMNS
            .iter()
            .filter_map(|n| d.schema().position(n)),
    );
    keep.sort_unstable();
    keep.dedup();
    let rows = d.rows();
    let (fields, columns) =
        std::mem::replace(&mut cat.detections, xcat_core::Table::with_rows(rows)).into_parts();
    for (i, (f, c)) in fields.into_iter().zip(columns).enumerate() {
        if keep.binary_search(&i).is_ok() {
            cat.detections
                .push(f, c)
                .expect("columns of one table have its length");
        }
    }
}

/// Renders `items` pages in parallel, streaming each to the output; returns how many.
fn render_parallel(
    n: usize,
    what: &str,
    progress: &(dyn Progress + Sync),
    one: &(dyn Fn(usize) -> Result<()> + Sync),
) -> Result<usize> {
    progress.start(what, Some(n));
    let done = AtomicUsize::new(0);
    (0..n).into_par_iter().try_for_each(|i| {
        one(i)?;
        let k = done.fetch_add(1, Ordering::Relaxed) + 1;
        if k.is_multiple_of(4096) {
            progress.advance(k);
        }
        Ok::<(), Error>(())
    })?;
    progress.advance(n);
    progress.finish();
    Ok(n)
}

/// Which catalogue [`catalogue_pages`] renders: the site's only one, or release `index` of
/// several.
enum Part<'a> {
    Single,
    Release {
        releases: &'a releases::Releases,
        index: usize,
    },
}

impl Part<'_> {
    /// Folder of its query-engine data in the output.
    fn data_dir(&self) -> String {
        match self {
            Part::Single => "data".into(),
            Part::Release { releases, index } => {
                format!("data/{}", releases.summaries[*index].id)
            }
        }
    }

    /// Whether it writes the catalogue's coverage map and HiPS catalogue (the current
    /// release's, on a site with several).
    fn sky(&self) -> bool {
        match self {
            Part::Single => true,
            Part::Release { releases, index } => releases.summaries[*index].current,
        }
    }
}

/// The pages of every release, one release in memory at a time: a first pass reads each
/// for its summary ([`releases::Summary`]), which links them; the second renders each with
/// those links. Returns the build state (without digest and input stamps) and the sky report.
#[allow(clippy::too_many_arguments)] // the build's shared state, passed explicitly
fn release_pages(
    config: &Config,
    list: &[Release],
    theme: &Theme,
    tera: &tera::Tera,
    site: &mut Json,
    output: &Output,
    progress: &(dyn Progress + Sync),
    report: &mut BuildReport,
) -> Result<(State, sky::SkyReport)> {
    let load = |r: &Release, keep: Option<&dyn Fn(&str) -> bool>| -> Result<Catalogue> {
        let cat = Catalogue::load_with(&r.config, &r.files, progress, keep)?;
        cat.check_buildable(&r.files[0])?;
        Ok(cat)
    };
    let mut summaries = Vec::new();
    for r in list {
        let cat = load(r, Some(&page_measurement_column))?;
        summaries.push(releases::Summary::of(r, &cat));
    }
    progress.start("matching the releases' sources", None);
    let links = releases::Releases::new(summaries, &config.file.clone().unwrap_or_default())?;
    progress.finish();
    site["releases"] = json!(
        list.iter()
            .map(
                |r| json!({"id": r.id, "title": r.title, "current": r.current, "prefix": r.prefix})
            )
            .collect::<Vec<_>>()
    );
    let mut sky_report = sky::SkyReport::default();
    let mut schemas = Vec::new();
    let mut state = State {
        format: STATE_FORMAT,
        catalogue: String::new(),
        stats: Stats::default(),
        schema: Vec::new(),
        catalogue_files: Vec::new(),
        manifest: String::new(),
        inputs: Vec::new(),
        releases: Vec::new(),
        sums: BTreeMap::new(),
    };
    for (index, r) in list.iter().enumerate() {
        let mut cat = load(r, measurement_filter(config))?;
        report
            .warnings
            .extend(cat.warnings.iter().map(|w| format!("{}: {w}", r.id)));
        links.add_columns(index, &mut cat)?;
        let schema = stats::schema(&cat);
        if config.hats.enabled {
            report.hats.push(hats::write(
                config, &cat, &r.id, &r.title, output, progress,
            )?);
        }
        keep_page_columns(&mut cat);
        let t0 = std::time::Instant::now();
        progress.start("computing the coverage maps", None);
        let coverage = sky::Coverage::new(&cat);
        progress.finish();
        sky_report.moc_ms += t0.elapsed().as_millis() as u64;
        let part = Part::Release {
            releases: &links,
            index,
        };
        let (files, manifest, pages) = catalogue_pages(
            &r.config,
            &cat,
            &part,
            theme,
            tera,
            site,
            output,
            &coverage,
            &mut sky_report,
            progress,
        )?;
        report.pages += pages;
        let st = stats::stats(&cat, &coverage.catalogue);
        schemas.push(schema.clone());
        if r.current {
            state.stats = st.clone();
            state.manifest = manifest.clone();
        }
        state.catalogue_files.extend(files);
        state.schema.extend(schema.into_iter().map(|mut t| {
            t.name = format!("{} {}", r.title, t.name);
            t
        }));
        state.releases.push(ReleaseState {
            id: r.id.clone(),
            title: r.title.clone(),
            current: r.current,
            prefix: r.prefix.clone(),
            manifest,
            stats: st,
        });
    }
    // The releases for the query engine: `id<TAB>prefix<TAB>current<TAB>title` per line.
    let mut index = String::new();
    for r in &state.releases {
        index.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            r.id,
            r.prefix,
            u8::from(r.current),
            r.title.replace(['\t', '\n'], " ")
        ));
    }
    output.write("data/releases.txt", index.as_bytes())?;
    let entries: Vec<api::IndexEntry> = state
        .releases
        .iter()
        .zip(&schemas)
        .map(|(r, schema)| api::IndexEntry {
            id: &r.id,
            title: &r.title,
            current: r.current,
            manifest: &r.manifest,
            schema,
        })
        .collect();
    let api_index = api::index(config, &entries);
    output.write(API_INDEX, &api_index)?;
    state.catalogue_files.push(API_INDEX.into());
    report.match_seconds = Some(links.match_seconds);
    Ok((state, sky_report))
}

/// The pages and files made from the catalogue alone; returns (the files outside its folders:
/// sitemaps and data schemas, manifest path,
/// pages rendered).
#[allow(clippy::too_many_arguments)] // the build's shared state, passed explicitly
fn catalogue_pages(
    config: &Config,
    cat: &Catalogue,
    part: &Part,
    theme: &Theme,
    tera: &tera::Tera,
    site: &Json,
    output: &Output,
    coverage: &sky::Coverage,
    sky_report: &mut sky::SkyReport,
    progress: &(dyn Progress + Sync),
) -> Result<(Vec<String>, String, usize)> {
    let fit = !config.site.fit_server_url.trim().is_empty();
    let mut catalog =
        pages::Catalog::new(cat, site.clone(), config.site.neighbour_radius_arcmin, fit);
    if let Part::Release { releases, index } = part {
        catalog = catalog.with_releases(releases, *index);
    }
    // On a site with several releases, an observation's page is rendered by the first
    // release (the current one first) that has it, and lists the others' sources too.
    let observations: Vec<usize> = (0..cat.observations.rows())
        .filter(|&i| catalog.renders_observation(i))
        .collect();
    let cfg = render::minify_cfg();
    // The templates are minified already (render::templates) and what the pages add is
    // compact, so pages are written as rendered; a template of a user theme that could not be
    // minified safely has its pages minified whole.
    let minified = [
        render::is_minified(theme, "source.html"),
        render::is_minified(theme, "observation.html"),
    ];
    let finish = |template: &str, html: String| -> std::borrow::Cow<'static, [u8]> {
        if minified[usize::from(template == "observation.html")] {
            html.into_bytes().into()
        } else {
            render::minify(&html, &cfg).into()
        }
    };
    let data_files = config.site.data_files;
    let mut catalogue_files = Vec::new();
    for (path, bytes) in catalog.data_schemas() {
        output.write(&path, &bytes)?;
        catalogue_files.push(path);
    }
    // The query engine's data and the sky products are written while the pages render: they
    // are mostly one thread's work (compression, HiPS tiling), and the pages keep the other
    // core busy meanwhile.
    let scratch = output.scratch("data")?;
    let (pages, data) = rayon::join(
        || -> Result<usize> {
            let pages = render_parallel(
                cat.sources.rows(),
                "rendering source pages",
                progress,
                &|i| {
                    let path = catalog.source_path(i);
                    let html =
                        render::render_context(tera, "source.html", &catalog.source(i), &path)?;
                    output.write(&path, &finish("source.html", html))?;
                    if data_files {
                        let dir = path.trim_end_matches("index.html");
                        let (json, vot) = catalog.source_data(i);
                        output.write(&format!("{dir}source.json"), &json)?;
                        output.write(&format!("{dir}source.vot"), &vot)?;
                    }
                    Ok(())
                },
            )?;
            Ok(pages
                + render_parallel(
                    observations.len(),
                    "rendering observation pages",
                    progress,
                    &|k| {
                        let i = observations[k];
                        let path = catalog.observation_path(i);
                        let mut ctx = catalog.observation(i);
                        let m = &coverage.observations[i];
                        ctx["moc"] = json!({
                            "area": format!("{:.3}", crate::vo::moc::area_deg2(m)),
                            "order": crate::vo::moc::DEPTH,
                            "fits": "moc.fits",
                            "json": "moc.json",
                        });
                        let obs_id = ctx["o"]["obs_id"].as_str().unwrap_or("").to_string();
                        let html = render::render(tera, "observation.html", ctx, &path)?;
                        output.write(&path, &finish("observation.html", html))?;
                        if data_files {
                            let dir = path.trim_end_matches("index.html");
                            let (json, vot) = catalog.observation_data(i);
                            output.write(&format!("{dir}observation.json"), &json)?;
                            output.write(&format!("{dir}observation.vot"), &vot)?;
                        }
                        sky::write_observation_moc(output, &path, &obs_id, m)
                    },
                )?)
        },
        || -> Result<data::DataReport> {
            let mut data = data::write(config, cat, &scratch)?;
            let dir = part.data_dir();
            for e in walkdir::WalkDir::new(&scratch).sort_by_file_name() {
                let e = e.map_err(|e| Error::io(&scratch, e.into()))?;
                if e.file_type().is_file() {
                    let rel = e
                        .path()
                        .strip_prefix(scratch.join("data"))
                        .expect("under scratch/data")
                        .to_string_lossy()
                        .replace('\\', "/");
                    output.adopt(&format!("{dir}/{rel}"), e.path())?;
                }
            }
            if let Some(name) = data.manifest.strip_prefix("data/") {
                data.manifest = format!("{dir}/{name}");
            }
            if part.sky() {
                sky::write_catalogue_products(output, cat, &config.title, coverage, sky_report)?;
            }
            Ok(data)
        },
    );
    let _ = std::fs::remove_dir_all(&scratch);
    let (pages, data) = (pages?, data?);
    let catalog = &catalog;
    if !config.base_url.is_empty() {
        let mut paths: Vec<String> = (0..cat.sources.rows())
            .map(|i| format!("source/{}/", catalog.srcid(i)))
            .collect();
        paths.extend(observations.iter().map(|&i| {
            catalog
                .observation_path(i)
                .trim_end_matches("index.html")
                .to_string()
        }));
        let prefix = match part {
            Part::Single => "sitemap-catalogue".to_string(),
            Part::Release { releases, index } => {
                format!("sitemap-{}", releases.summaries[*index].id)
            }
        };
        for (name, bytes) in feeds::sitemaps(&config.base_url, &prefix, &paths) {
            output.write(&name, &bytes)?;
            catalogue_files.push(name);
        }
    }
    Ok((catalogue_files, data.manifest, pages))
}

/// The generated column reference, a docs page.
fn column_reference(schema: &[TableDoc]) -> Page {
    use format::xml_escape as e;
    let mut h = String::from(
        "<p>Every column of the three tables, as the query language and the downloads name them. Column names are case-insensitive in queries. Types: <code>bool</code>, integers (<code>i16</code>, <code>i32</code>, <code>i64</code>, <code>u8</code>), floats (<code>f32</code>, <code>f64</code>) and <code>str</code>; an empty cell is null.</p>\n<ul>",
    );
    // Anchors: the table's name in lower case, `-` for spaces (`5xmm-dr15-sources`).
    let anchor = |name: &str| e(&name.to_ascii_lowercase().replace(' ', "-"));
    for t in schema {
        h.push_str(&format!(
            "<li><a href=\"#{}\">{}</a> — {} columns, {} rows</li>",
            anchor(&t.name),
            e(&t.name),
            t.columns.len(),
            t.rows
        ));
    }
    h.push_str("</ul>\n");
    for t in schema {
        h.push_str(&format!(
            "<h2 id=\"{0}\">{1}<a class=\"anchor\" href=\"#{0}\" aria-label=\"Link to this section\">#</a></h2>\n<div class=\"scroll\"><table class=\"data\"><thead><tr><th scope=\"col\">Column</th><th scope=\"col\">Type</th><th scope=\"col\">Unit</th><th scope=\"col\">UCD</th><th scope=\"col\">Description</th></tr></thead><tbody>\n",
            anchor(&t.name),
            e(&t.name)
        ));
        for c in &t.columns {
            h.push_str(&format!(
                "<tr id=\"{}-{}\"><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                anchor(&t.name),
                e(&c.name.to_ascii_lowercase()),
                e(&c.name),
                e(&c.dtype),
                e(&c.unit),
                e(&c.ucd),
                e(&c.description)
            ));
        }
        h.push_str("</tbody></table></div>\n");
    }
    Page {
        section: "docs".into(),
        slug: "columns".into(),
        url: "docs/columns/".into(),
        title: "Column reference".into(),
        date: String::new(),
        summary: "Every column of the sources, detections and observations tables with its type, unit, UCD and description.".into(),
        weight: 30,
        html: h,
        file: PathBuf::new(),
    }
}

/// The generated page on the site's releases and how their sources are linked, a docs page.
fn releases_page(releases: &[ReleaseState]) -> Page {
    use format::xml_escape as e;
    let mut h = String::from(
        "<p>This site serves several releases of the catalogue. Each has its own sources, columns and query data; the query page and the diagrams work on one release at a time (the menu beside the search box; <code>?release=ID</code> in their addresses), the current release by default.</p>\n<div class=\"scroll\"><table class=\"data\"><thead><tr><th scope=\"col\">Release</th><th scope=\"col\">Identifier</th><th scope=\"col\">IAU names</th><th scope=\"col\">Sources</th><th scope=\"col\">Measurements</th><th scope=\"col\">Observations</th></tr></thead><tbody>\n",
    );
    for r in releases {
        h.push_str(&format!(
            "<tr><td><a href=\"../../query/?release={}\">{}</a>{}</td><td><code>{}</code></td><td>{} J…</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            e(&r.id),
            e(&r.title),
            if r.current { " (current)" } else { " (legacy)" },
            e(&r.id),
            e(&r.prefix),
            r.stats.sources,
            r.stats.detections,
            r.stats.observations
        ));
    }
    h.push_str("</tbody></table></div>\n");
    h.push_str("<h2 id=\"links\">Links across releases</h2>\n<p>Every source has its page at <code>source/&lt;SRCID&gt;/</code> whatever its release: the SRCIDs of different releases never coincide (a build that finds two equal ones stops with an error), so a link to a source page stays valid when a new release is added. Observation pages list the sources of every release measured in the observation.</p>\n");
    h.push_str("<h2 id=\"counterparts\">Counterparts</h2>\n<p>When the site is built, the sources of each release are matched by position with those of every other release. Each source has a total 1σ position error: its statistical error and its release's systematic error added in quadrature (<code>SC_POSERR</code> and <code>POSERR</code> include the systematic error already; a release whose sources have only <code>RADEC_ERR</code> adds its configured systematic error, 0.37″ unless set). A source of the other release is a candidate counterpart when the separation <i>d</i> satisfies <i>d</i> ≤ 3 √(<i>e</i><sub>a</sub>² + <i>e</i><sub>b</sub>²) and <i>d</i> ≤ 15″; for Gaussian errors a true pair is missed with probability exp(−9) ≈ 0.012 %. The counterpart is the candidate with the smallest separation in units of the combined error; when several qualify, the match is marked ambiguous with the number of candidates.</p>\n<p>Source pages show the counterparts (name, SRCID, separation, ambiguity), and the page of a legacy source says which current source supersedes it. The query language offers the match as columns of each release: <code>SRCID_&lt;RELEASE&gt;</code>, <code>SEP_&lt;RELEASE&gt;</code> (arcsec) and <code>NCAND_&lt;RELEASE&gt;</code>, for example <code>srcid_4xmm_dr14 IS NULL</code> on the current release for its new sources. An IAU name of another release typed on the query page (<code>4XMM J…</code> on the 5XMM release) stands for its counterpart: the cone is centred on it, and the page names it.</p>\n");
    Page {
        section: "docs".into(),
        slug: "releases".into(),
        url: "docs/releases/".into(),
        title: "Releases".into(),
        date: String::new(),
        summary: "The catalogue releases this site serves, their identifiers and sizes, and how their sources are matched and linked.".into(),
        weight: 25,
        html: h,
        file: PathBuf::new(),
    }
}

fn examples(stats: &Stats) -> Vec<Json> {
    let det_ml = if stats.det_ml.is_empty() {
        "sc_det_ml".to_string()
    } else {
        stats.det_ml.to_ascii_lowercase()
    };
    let mut v = vec![
        json!({"q": format!("cone('M31', '1deg') AND {det_ml} < 100"), "what": "faint sources within 1° of M31"}),
    ];
    if stats.has_ulx {
        v.push(json!({"q": "is_ulx = true AND n_detections > 2", "what": "ultraluminous X-ray source candidates detected more than twice"}));
    }
    if !stats.example_name.is_empty() {
        v.push(json!({"q": stats.example_name, "what": "a source by its IAU name"}));
    }
    if !stats.example_srcids.is_empty() {
        let ids: Vec<String> = stats.example_srcids.iter().map(i64::to_string).collect();
        v.push(json!({"q": format!("srcid IN {{{}}}", ids.join(", ")), "what": "sources by identifier"}));
    }
    v.push(json!({"q": "M82", "what": "everything within the default radius of M82"}));
    for e in &mut v {
        let q = e["q"].as_str().unwrap_or("").to_string();
        e["href"] = json!(format!("query/?q={}", format::url_encode(&q)));
    }
    v
}

fn page_ref(p: &Page) -> Json {
    json!({"slug": p.slug, "title": p.title, "url": p.url, "date": p.date, "summary": p.summary})
}

/// The pages that do not come from the catalogue; returns how many HTML pages.
fn content_pages(
    config: &Config,
    tera: &tera::Tera,
    theme: &Theme,
    site: &Json,
    state: &State,
    output: &Output,
) -> Result<usize> {
    let cfg = render::minify_cfg();
    let html_page = |template: &str, mut ctx: Json, extra: Json| -> Result<()> {
        let path = ctx["path"].as_str().unwrap_or("index.html").to_string();
        if let (Some(c), Json::Object(x)) = (ctx.as_object_mut(), extra) {
            c.extend(x);
        }
        let html = render::render(tera, template, ctx, &path)?;
        output.write(&path, &render::minify(&html, &cfg))
    };
    let root = config.site.content.as_ref().map(|p| config.resolve(p));
    let (mut docs, news) = match &root {
        Some(r) => (
            content::load_section(r, "docs")?,
            content::load_section(r, "news")?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    if !docs.iter().any(|d| d.slug == "columns") {
        docs.push(column_reference(&state.schema));
    }
    if !state.releases.is_empty() && !docs.iter().any(|d| d.slug == "releases") {
        docs.push(releases_page(&state.releases));
    }
    docs.sort_by(|a, b| a.weight.cmp(&b.weight).then(a.title.cmp(&b.title)));
    let docs_list: Vec<Json> = docs.iter().map(page_ref).collect();
    let news_list: Vec<Json> = news.iter().map(page_ref).collect();
    let mut n = 0;
    for d in &docs {
        let path = format!("{}index.html", d.url);
        html_page(
            "page.html",
            render::base(site, &path),
            json!({"page": d, "section": "docs", "docs": docs_list}),
        )?;
        n += 1;
    }
    html_page(
        "section.html",
        render::base(site, "docs/index.html"),
        json!({"heading": "Documentation", "section": "docs", "pages": docs_list}),
    )?;
    for p in &news {
        let path = format!("{}index.html", p.url);
        html_page(
            "page.html",
            render::base(site, &path),
            json!({"page": p, "section": "news"}),
        )?;
        n += 1;
    }
    html_page(
        "section.html",
        render::base(site, "news/index.html"),
        json!({"heading": "News", "section": "news", "pages": news_list}),
    )?;
    let atom = render::render(
        tera,
        "atom.xml",
        feeds::atom_context(site, &news),
        "news/atom.xml",
    )?;
    output.write("news/atom.xml", atom.as_bytes())?;
    html_page(
        "index.html",
        render::base(site, "index.html"),
        json!({"stats": state.stats, "examples": examples(&state.stats),
               "news": news_list.iter().take(3).collect::<Vec<_>>()}),
    )?;
    let css =
        String::from_utf8_lossy(theme.statics.get("style.css").map_or(&[][..], |v| v)).into_owned();
    // The 404 page answers at any address, so its links are absolute: under the site's
    // address when it is configured, else from the host's root.
    let home = if config.base_url.is_empty() {
        "/".to_string()
    } else if config.base_url.ends_with('/') {
        config.base_url.clone()
    } else {
        format!("{}/", config.base_url)
    };
    html_page(
        "404.html",
        render::base(site, "404.html"),
        json!({"css": css, "home": home}),
    )?;
    n += 4;
    let mut extra_pages = Vec::new();
    for (template, dir) in [("query.html", "query"), ("diagrams.html", "diagrams")] {
        if site["has_query"] == json!(true) && theme.has_template(template) {
            let path = format!("{dir}/index.html");
            html_page(
                template,
                render::base(site, &path),
                json!({"manifest": state.manifest, "stats": state.stats}),
            )?;
            extra_pages.push(format!("{dir}/"));
            n += 1;
        }
    }
    for (name, bytes) in &theme.statics {
        output.write(&format!("static/{name}"), bytes)?;
    }
    output.write("robots.txt", &feeds::robots(&config.base_url))?;
    output.write(
        "_headers",
        policy::headers_file(&config.site.fit_server_url).as_bytes(),
    )?;
    if !config.base_url.is_empty() {
        let mut paths = vec![String::new(), "docs/".to_string(), "news/".to_string()];
        paths.extend(extra_pages);
        paths.extend(docs.iter().map(|d| d.url.clone()));
        paths.extend(news.iter().map(|d| d.url.clone()));
        let mut files = Vec::new();
        for (name, bytes) in feeds::sitemaps(&config.base_url, "sitemap-pages", &paths) {
            output.write(&name, &bytes)?;
            files.push(name);
        }
        files.extend(
            state
                .catalogue_files
                .iter()
                .filter(|f| f.starts_with("sitemap-"))
                .cloned(),
        );
        output.write(
            "sitemap.xml",
            &feeds::sitemap_index(&config.base_url, &files),
        )?;
    }
    Ok(n)
}

/// The VO server's base URL as pages state it: trimmed, ending in `/` (empty for none).
fn vo_server_url(configured: &str) -> String {
    let url = configured.trim();
    if url.is_empty() || url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}
