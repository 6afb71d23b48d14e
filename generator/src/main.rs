//! The `xcat` command line: `build`, `serve`, `headers`, `check`, `demo-catalogue`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use xcat::catalog::{Catalogue, Layout, Progress};
use xcat::config::{Config, ExtraTable, JoinKey, NameFormat, NameTable, Release, ReleaseConfig};
use xcat::demo::{self, DemoOptions};

/// mimalloc: the site build allocates and frees many small strings per page on every thread,
/// where it is markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "xcat",
    version,
    about = "Static website generator for the XMM-Newton serendipitous source catalogue"
)]
struct Cli {
    /// Print nothing but errors and warnings.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// Server configuration formats of `xcat headers`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum HeadersFormat {
    Nginx,
    Apache,
    Netlify,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site. With no configuration and no catalogue, builds the demo site from the
    /// built-in demo catalogue.
    Build {
        /// Configuration file (default: ./xcat.toml if it exists).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Detection catalogue(s), replacing catalog.detections of the configuration.
        #[arg(long = "catalog", value_name = "FILE")]
        catalogs: Vec<PathBuf>,
        /// A release of a site that serves several: `ID=FILE` (repeatable; a configured
        /// [[release]] ID gets these files, a new ID adds a release; the first is current
        /// unless the configuration marks one).
        #[arg(long = "release", value_name = "ID=FILE", value_parser = parse_release)]
        releases: Vec<(String, PathBuf)>,
        /// Output folder.
        #[arg(long, short, default_value = "dist")]
        out: PathBuf,
        /// Build only part of the site into a new or empty folder: `query` writes the query
        /// engine's data, the query page and the static files (for benchmarks at scale).
        #[arg(long, value_enum, value_name = "PART")]
        only: Option<Part>,
        /// Build cache folder, for quick rebuilds (default: .xcat-cache beside the
        /// configuration file, or beside the output folder without one). Never published;
        /// deleting it only makes the next build slower.
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
        /// Leave out the query and diagrams pages (which need the browser query module built
        /// into xcat); the catalogue's data files are still written.
        #[arg(long)]
        no_query: bool,
    },
    /// Print the digest of a built site's folder: the same files with the same bytes give the
    /// same digest (the one `xcat build` prints), so a mirror can check its copy.
    Digest {
        /// Folder of the built site.
        #[arg(long, default_value = "dist")]
        dir: PathBuf,
    },
    /// Serve a built site on 127.0.0.1 for previewing.
    Serve {
        /// Folder to serve.
        #[arg(long, default_value = "dist")]
        dir: PathBuf,
        /// Port.
        #[arg(long, short, default_value_t = 8000)]
        port: u16,
    },
    /// Serve the Virtual Observatory services of a built site: Simple Cone Search (/scs) and
    /// TAP with ADQL (/tap), over the same data as its query page.
    Vo {
        /// Folder of the built site.
        #[arg(long, default_value = "dist")]
        dir: PathBuf,
        /// Port.
        #[arg(long, short, default_value_t = 8001)]
        port: u16,
        /// Address to listen on (127.0.0.1; 0.0.0.0 for every interface, behind a proxy).
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Most query data (decoded chunks) kept in memory, MiB, shared by the releases;
        /// beyond it the files read longest ago are dropped and read again when needed
        /// (0: keep everything read).
        #[arg(long, default_value_t = 1024)]
        memory_mb: u64,
    },
    /// Print a built site's response headers (its `_headers` file) as configuration for nginx
    /// or Apache httpd, for mirrors that serve the folder with those.
    Headers {
        /// Folder of the built site.
        #[arg(long, default_value = "dist")]
        dir: PathBuf,
        /// nginx (`add_header` lines and `location` blocks for a `server` block), apache
        /// (mod_headers lines for a virtual host or .htaccess) or netlify (the `_headers` file).
        #[arg(long, value_enum, default_value_t = HeadersFormat::Nginx)]
        format: HeadersFormat,
    },
    /// Validate the configuration and inputs, and describe the catalogue.
    Check {
        /// Configuration file (default: ./xcat.toml if it exists).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Detection catalogue(s), replacing catalog.detections of the configuration.
        #[arg(long = "catalog", value_name = "FILE")]
        catalogs: Vec<PathBuf>,
        /// A release to check: `ID=FILE` (repeatable), as for `build`.
        #[arg(long = "release", value_name = "ID=FILE", value_parser = parse_release)]
        releases: Vec<(String, PathBuf)>,
    },
    /// Write the deterministic demo catalogue (4XMM layout) plus its ULX and name tables.
    DemoCatalogue {
        /// Output FITS file.
        #[arg(long, short)]
        out: PathBuf,
        /// Number of sources (700000 ≈ 4XMM-DR14 scale).
        #[arg(long, default_value_t = demo::DEFAULT_SOURCES)]
        sources: u32,
        /// Random seed: the same seed describes the same sky in both layouts.
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        /// Catalogue layout: `4xmm` (detections) or `5xmm` (5XMM-DR15 stacked, with upper
        /// limits; 818656 sources ≈ DR15 scale).
        #[arg(long, value_enum, default_value_t = DemoLayoutArg::Fourxmm)]
        layout: DemoLayoutArg,
    },
    /// Write synthetic EPIC-pn event lists (OGIP EVENTS + per-CCD GTIs, as the pipeline writes
    /// them) for the observations of the demo catalogue: source photons from its fluxes through
    /// the pn response, sky and particle background, flares, variable sources.
    DemoEvents {
        /// Output folder (one P<OBS_ID>PNS003PIEVLI0000.FIT per observation).
        #[arg(long, short)]
        out: PathBuf,
        /// Number of observations.
        #[arg(long, default_value_t = 3)]
        observations: usize,
        /// Random seed (of the events; the catalogue is the default demo's).
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        /// Sources of the demo catalogue the observations come from.
        #[arg(long, default_value_t = demo::DEFAULT_SOURCES)]
        sources: u32,
        /// The pn ancillary response (OGIP ARF).
        #[arg(
            long,
            default_value = "../shared/data/spectra/xmm_pn_0760940101/P0760940101PNS003SRCARF0017.FTZ"
        )]
        arf: PathBuf,
        /// The pn redistribution matrix (OGIP RMF) on the ARF's energy grid.
        #[arg(
            long,
            default_value = "../shared/data/spectra/xmm_pn_0760940101/epn_e3_ef20_sdY6_v19.0.rmf"
        )]
        rmf: PathBuf,
    },
}

/// `--layout` of `xcat demo-catalogue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DemoLayoutArg {
    /// The 4XMM detection catalogue.
    #[value(name = "4xmm")]
    Fourxmm,
    /// The 5XMM-DR15 stacked catalogue.
    #[value(name = "5xmm")]
    Fivexmm,
}

/// `ID=FILE` of `--release`; a relative FILE is relative to the working folder.
fn parse_release(text: &str) -> Result<(String, PathBuf), String> {
    let (id, file) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not ID=FILE (such as 5xmm-dr15=5xmm.fits)"))?;
    if id.trim().is_empty() || file.trim().is_empty() {
        return Err(format!(
            "{text:?} is not ID=FILE (such as 5xmm-dr15=5xmm.fits)"
        ));
    }
    let file = PathBuf::from(file);
    let file = if file.is_absolute() {
        file
    } else {
        std::env::current_dir()
            .map_err(|e| format!("cannot read the working folder: {e}"))?
            .join(file)
    };
    Ok((id.trim().to_string(), file))
}

/// Progress bars on stderr, each step ending in a line with its time; nothing with --quiet.
struct Bars {
    quiet: bool,
    bar: std::sync::Mutex<Option<(ProgressBar, String, std::time::Instant)>>,
}

impl Bars {
    fn new(quiet: bool) -> Self {
        Bars {
            quiet,
            bar: std::sync::Mutex::new(None),
        }
    }
}

impl Progress for Bars {
    fn start(&self, what: &str, total: Option<usize>) {
        if self.quiet {
            return;
        }
        let pb = match total {
            Some(n) => ProgressBar::new(n as u64),
            None => ProgressBar::new_spinner(),
        };
        pb.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos} {elapsed}")
                .expect("valid template"),
        );
        pb.set_message(what.to_string());
        let step = (pb, what.to_string(), std::time::Instant::now());
        *self.bar.lock().expect("not poisoned") = Some(step);
    }
    fn advance(&self, done: usize) {
        if let Some((b, _, _)) = self.bar.lock().expect("not poisoned").as_ref() {
            b.set_position(done as u64);
        }
    }
    fn finish(&self) {
        if let Some((b, what, t0)) = self.bar.lock().expect("not poisoned").take() {
            b.finish_and_clear();
            let n = b.position();
            let count = if n > 0 {
                format!(" ({n})")
            } else {
                String::new()
            };
            eprintln!("{:>7.1} s  {what}{count}", t0.elapsed().as_secs_f64());
        }
    }
}

/// What a command reads: the configuration, the catalogue files of a one-catalogue site, the
/// releases of a site with several (empty otherwise), and the temporary folder that keeps the
/// demo inputs alive.
struct Inputs {
    config: Config,
    files: Vec<PathBuf>,
    releases: Vec<Release>,
    _tmp: Option<tempfile::TempDir>,
}

/// The inputs of a command: from the configuration and the command line, or the built-in demo
/// (5XMM-DR15 current and 4XMM-DR14 of the same synthetic sky) when neither names any.
fn inputs(
    config: Option<PathBuf>,
    catalogs: Vec<PathBuf>,
    releases: Vec<(String, PathBuf)>,
    quiet: bool,
) -> anyhow::Result<Inputs> {
    let config_path = config.or_else(|| Some(PathBuf::from("xcat.toml")).filter(|p| p.is_file()));
    let mut cfg = match &config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let done = |cfg: Config, files: Vec<PathBuf>| -> anyhow::Result<Inputs> {
        let releases = if files.is_empty() || !releases.is_empty() {
            cfg.releases(&releases)?
        } else {
            Vec::new()
        };
        Ok(Inputs {
            config: cfg,
            files,
            releases,
            _tmp: None,
        })
    };
    if !catalogs.is_empty() {
        anyhow::ensure!(
            releases.is_empty(),
            "--catalog and --release do not go together: a site has one catalogue or several releases"
        );
        return done(cfg, catalogs);
    }
    if config_path.is_some() || !releases.is_empty() {
        let files = if cfg.release.is_empty() && releases.is_empty() {
            cfg.catalog
                .detections
                .iter()
                .map(|p| cfg.resolve(p))
                .collect()
        } else {
            Vec::new()
        };
        return done(cfg, files);
    }
    let tmp = tempfile::tempdir().context("creating a temporary folder for the demo catalogue")?;
    let demo = |name: &str, layout: demo::DemoLayout, sources: u32| -> anyhow::Result<_> {
        Ok(demo::write(
            &tmp.path().join(name),
            &DemoOptions {
                sources,
                layout,
                prefix: layout.prefix().into(),
                ..DemoOptions::default()
            },
            &|_, _| {},
        )?)
    };
    let four = demo(
        "xcat-demo-4xmm.fits",
        demo::DemoLayout::FourXmm,
        demo::DEFAULT_SOURCES,
    )?;
    let five = demo(
        "xcat-demo-5xmm.fits",
        demo::DemoLayout::FiveXmm,
        demo::stacked_sources_for(demo::DEFAULT_SOURCES, demo::DEFAULT_SEED),
    )?;
    if !quiet {
        eprintln!(
            "No xcat.toml and no --catalog: using the built-in demo catalogues, 5XMM-DR15 ({} sources, {} detections and upper limits) and 4XMM-DR14 ({} sources, {} detections) of one synthetic sky.",
            five.sources, five.detections, four.sources, four.detections
        );
    }
    let content = Path::new("content");
    cfg.title = "xcat demo — synthetic XMM-Newton catalogue".into();
    // The address `xcat serve` previews on, for canonical links and the sitemap.
    cfg.base_url = "http://127.0.0.1:8000/".into();
    for (id, title, files) in [
        ("5xmm-dr15", "5XMM-DR15", &five),
        ("4xmm-dr14", "4XMM-DR14", &four),
    ] {
        cfg.release.push(ReleaseConfig {
            id: id.into(),
            title: title.into(),
            current: id == "5xmm-dr15",
            files: vec![files.catalogue.clone()],
            hdu: None,
            layout: None,
            sources: None,
            observations: None,
            iau_prefix: None,
            systematic_arcsec: None,
        });
        cfg.extra.push(ExtraTable {
            file: files.ulx.clone(),
            key: JoinKey::Srcid,
            columns: Vec::new(),
            missing: Some("false".into()),
            descriptions: [
                ("is_ulx".to_string(), "Whether the source is an ultraluminous X-ray source candidate: off-nuclear in a nearby galaxy with L(0.2–12 keV) > 1e39 erg/s (demo table).".to_string()),
                ("ulx_host".to_string(), "Host galaxy of the ULX candidate (demo table).".to_string()),
                ("ulx_log_lx".to_string(), "log10 of the 0.2–12 keV luminosity of the ULX candidate in erg/s (demo table).".to_string()),
            ]
            .into_iter()
            .collect(),
            release: Some(id.into()),
        });
    }
    cfg.names.push(NameTable {
        file: four.names.clone(),
        format: NameFormat::Csv,
    });
    if content.is_dir() {
        cfg.site.content = Some(content.to_path_buf());
    }
    let releases = cfg.releases(&[])?;
    Ok(Inputs {
        config: cfg,
        files: Vec::new(),
        releases,
        _tmp: Some(tmp),
    })
}

fn print_warnings(cat: &Catalogue) {
    for w in &cat.warnings {
        eprintln!("warning: {w}");
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let bars = Bars::new(cli.quiet);
    match cli.command {
        Command::Build {
            config,
            catalogs,
            releases,
            out,
            only: Some(Part::Query),
            cache: _,
            no_query: _,
        } => {
            let t0 = std::time::Instant::now();
            let i = inputs(config, catalogs, releases, cli.quiet)?;
            // A query-only build measures one catalogue: the current release of several.
            let report = match i.releases.first() {
                Some(r) => xcat::site::build_query(&r.config, &r.files, &out, &bars)?,
                None => xcat::site::build_query(&i.config, &i.files, &out, &bars)?,
            };
            if !cli.quiet {
                eprintln!(
                    "Built the query data and page into {} in {:.1} s: {} files ({:.1} MB), manifest {}.",
                    out.display(),
                    t0.elapsed().as_secs_f64(),
                    report.files,
                    report.bytes as f64 / 1e6,
                    report.manifest
                );
            }
        }
        Command::Build {
            config,
            catalogs,
            releases,
            out,
            only: None,
            cache,
            no_query,
        } => {
            let t0 = std::time::Instant::now();
            let mut i = inputs(config, catalogs, releases, cli.quiet)?;
            i.config.cache = cache;
            i.config.no_query = no_query;
            let report = xcat::site::build_releases(&i.config, &i.files, &i.releases, &out, &bars)?;
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            if !cli.quiet {
                eprintln!(
                    "Built {} into {} in {:.1} s: {} pages rendered{}; {} files ({:.1} MB), {} written, {} unchanged, {} stale deleted.",
                    if report.catalogue_skipped {
                        "the site (catalogue unchanged: its pages kept)"
                    } else {
                        "the site"
                    },
                    out.display(),
                    t0.elapsed().as_secs_f64(),
                    report.pages,
                    if report.catalogue_skipped {
                        ""
                    } else {
                        " incl. every source and observation"
                    },
                    report.files,
                    report.bytes as f64 / 1e6,
                    report.written,
                    report.unchanged,
                    report.deleted,
                );
                if let Some(s) = report.match_seconds {
                    eprintln!("Releases cross-matched in {s:.2} s.");
                }
                eprintln!(
                    "Tree digest {:032x} (`xcat digest --dir {}` gives it for a copy).",
                    report.digest,
                    out.display()
                );
                for h in &report.hats {
                    eprintln!(
                        "HATS: {}/ in {:.2} s: sources {} rows in {} partitions (orders 0–{}), margin {} rows; detections {} rows in {} partitions, margin {} rows; {} files, {:.1} MB.",
                        h.dir,
                        h.seconds,
                        h.sources.rows,
                        h.sources.partitions,
                        h.sources.max_order,
                        h.sources.margin_rows,
                        h.detections.rows,
                        h.detections.partitions,
                        h.detections.margin_rows,
                        h.sources.files + h.detections.files + 1,
                        (h.sources.bytes + h.detections.bytes) as f64 / 1e6,
                    );
                }
                if let Some(s) = &report.sky {
                    eprintln!(
                        "Sky products: HiPS catalogue in hips/ ({} files, {:.1} MB, orders 1–{}) and catalogue MOC written in {:.2} s; {} MOC files; coverage maps computed in {:.2} s.",
                        s.hips_files,
                        s.hips_bytes as f64 / 1e6,
                        s.hips_order,
                        s.hips_ms as f64 / 1e3,
                        s.moc_files,
                        s.moc_ms as f64 / 1e3,
                    );
                }
            }
        }
        Command::Serve { dir, port } => {
            anyhow::ensure!(
                dir.join("index.html").is_file(),
                "{} holds no built site (no index.html); run `xcat build` first",
                dir.display()
            );
            xcat::serve::serve(&dir, port)?;
        }
        Command::Vo {
            dir,
            port,
            host,
            memory_mb,
        } => {
            anyhow::ensure!(
                dir.join("data").is_dir(),
                "{} holds no built site with query data (no data/); run `xcat build` first",
                dir.display()
            );
            xcat::vo::server::serve(&dir, &host, port, memory_mb)?;
        }
        Command::Digest { dir } => {
            anyhow::ensure!(
                dir.is_dir(),
                "{} is not a folder; give the built site's folder with --dir",
                dir.display()
            );
            println!("{:032x}", xcat::site::output::tree_digest(&dir)?);
        }
        Command::Headers { dir, format } => {
            anyhow::ensure!(
                dir.join("index.html").is_file(),
                "{} holds no built site (no index.html); run `xcat build` first",
                dir.display()
            );
            let rules = xcat::serve::site_rules(&dir)?;
            print!(
                "{}",
                match format {
                    HeadersFormat::Nginx => rules.nginx(),
                    HeadersFormat::Apache => rules.apache(),
                    HeadersFormat::Netlify => rules.render(),
                }
            );
        }
        Command::Check {
            config,
            catalogs,
            releases,
        } => {
            let i = inputs(config, catalogs, releases, cli.quiet)?;
            if i.releases.is_empty() {
                check(&i.config, &i.files, &bars)?;
            } else {
                for r in &i.releases {
                    println!(
                        "release: {} ({}{}; IAU names {} J…)",
                        r.id,
                        r.title,
                        if r.current { ", current" } else { "" },
                        r.prefix
                    );
                    check(&r.config, &r.files, &bars)?;
                }
            }
        }
        Command::DemoCatalogue {
            out,
            sources,
            seed,
            layout,
        } => {
            let layout = match layout {
                DemoLayoutArg::Fourxmm => demo::DemoLayout::FourXmm,
                DemoLayoutArg::Fivexmm => demo::DemoLayout::FiveXmm,
            };
            let t0 = std::time::Instant::now();
            let pb = if cli.quiet {
                ProgressBar::hidden()
            } else {
                ProgressBar::new(u64::from(sources))
            };
            pb.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} sources {elapsed}")
                    .expect("valid template"),
            );
            let opts = DemoOptions {
                sources,
                seed,
                prefix: layout.prefix().into(),
                layout,
            };
            let files = demo::write(&out, &opts, &|done, _| pb.set_position(done))?;
            pb.finish_and_clear();
            if !cli.quiet {
                eprintln!(
                    "Wrote {} ({} sources, {} {}), {} and {} in {:.1} s.",
                    files.catalogue.display(),
                    files.sources,
                    files.detections,
                    match layout {
                        demo::DemoLayout::FourXmm => "detections",
                        demo::DemoLayout::FiveXmm =>
                            "observation rows: detections and upper limits",
                    },
                    files.ulx.display(),
                    files.names.display(),
                    t0.elapsed().as_secs_f64()
                );
            }
        }
        Command::DemoEvents {
            out,
            observations,
            seed,
            sources,
            arf,
            rmf,
        } => {
            let t0 = std::time::Instant::now();
            let tmp = tempfile::tempdir()
                .context("creating a temporary folder for the demo catalogue")?;
            let files = demo::write(
                &tmp.path().join("demo.fits"),
                &DemoOptions {
                    sources,
                    ..DemoOptions::default()
                },
                &|_, _| {},
            )?;
            let cat = Catalogue::load(
                &Config::default(),
                &[files.catalogue],
                &xcat::catalog::Quiet,
            )?;
            let report = demo::events::write_events(
                &cat,
                &out,
                &demo::events::EventOptions {
                    observations,
                    seed,
                    arf,
                    rmf,
                },
            )?;
            if !cli.quiet {
                eprintln!(
                    "Wrote {} event lists into {} ({} events, {} of them source photons) in {:.1} s.",
                    report.files.len(),
                    out.display(),
                    report.events,
                    report.source_photons,
                    t0.elapsed().as_secs_f64()
                );
            }
        }
    }
    Ok(())
}

/// Describes the catalogue of `files` (`xcat check`).
fn check(cfg: &Config, files: &[PathBuf], bars: &Bars) -> anyhow::Result<()> {
    let cat = Catalogue::load(cfg, files, bars)?;
    print_warnings(&cat);
    let d = &cat.detections;
    let nulls = d.null_count();
    println!(
        "inputs: {}",
        files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let kind = match cat.layout {
        Layout::Detections => "detections",
        Layout::Stacked => "measurements",
    };
    println!("layout: {}", cat.layout.name());
    match cat.layout {
        Layout::Detections => println!("detections: {}", d.rows()),
        Layout::Stacked => {
            let flag = d.column(xcat::catalog::stacked::DETECTED);
            let count = |want: bool| {
                (0..d.rows())
                    .filter(|&i| flag.and_then(|c| c.bool(i)) == Some(want))
                    .count()
            };
            println!("measurements: {} (observation-specific rows)", d.rows());
            match cat.detection_marker {
                Some(m) => println!(
                    "  detections: {}, upper limits: {} (a detection has {m} set)",
                    count(true),
                    count(false)
                ),
                None => println!(
                    "  detections and upper limits: unknown (no PPS_SRCNUM, SRC_NUM or DETID column)"
                ),
            }
            let g = &cat.source_detections;
            let per: Vec<usize> = (0..g.len()).map(|k| g.members(k).len()).collect();
            let multi = per.iter().filter(|&&n| n > 1).count();
            println!(
                "  per source: {:.2} rows on average (summary row included), {} sources ({:.1}%) in more than one observation, at most {}",
                1.0 + d.rows() as f64 / per.len().max(1) as f64,
                multi,
                100.0 * multi as f64 / per.len().max(1) as f64,
                per.iter().max().copied().unwrap_or(0)
            );
        }
    }
    println!("sources: {}", cat.sources.rows());
    println!("observations: {}", cat.observations.rows());
    let positions = xcat::catalog::roles::find(&cat.sources, xcat::catalog::roles::RA).zip(
        xcat::catalog::roles::find(&cat.sources, xcat::catalog::roles::DEC),
    );
    match positions {
        Some((ra, dec)) => println!("positions: {ra}, {dec}"),
        None => println!("positions: none (no RA/DEC columns: `xcat build` needs them)"),
    }
    println!(
        "columns: {} ({kind}), {} (sources), {} (observations)",
        d.schema().len(),
        cat.sources.schema().len(),
        cat.observations.schema().len()
    );
    if !cat.extra_columns.is_empty() {
        println!("extra columns: {}", cat.extra_columns.join(", "));
    }
    println!(
        "null cells: {nulls} of {} in {kind}",
        d.rows() * d.schema().len()
    );
    let mut by_col: Vec<(usize, &str)> = d
        .schema()
        .fields()
        .iter()
        .zip(d.columns())
        .map(|(f, c)| (c.null_count(), f.name.as_str()))
        .filter(|(n, _)| *n > 0)
        .collect();
    by_col.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    for (n, name) in by_col.iter().take(10) {
        println!("  {name}: {n} nulls");
    }
    println!("warnings: {}", cat.warnings.len());
    println!("ok");
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            // Problems with the user's inputs exit 2; anything else 1.
            if e.downcast_ref::<xcat::Error>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// A part of the site `xcat build --only` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// The query engine's data, the query page and the static files.
    Query,
}
