//! `xcat.toml`: the site's inputs and settings.
//!
//! Every path in the file is relative to the file's own folder. Unknown keys are errors, so a
//! typo never silently falls back to a default.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site title.
    #[serde(default = "default_title")]
    pub title: String,
    /// Public URL of the site (for canonical links and the sitemap); empty = unknown.
    #[serde(default)]
    pub base_url: String,
    /// Catalogue inputs.
    #[serde(default)]
    pub catalog: CatalogConfig,
    /// Canonical 4XMM column name → name in the input file, for other releases and exports.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Tables that add queryable columns, joined by a key.
    #[serde(default)]
    pub extra: Vec<ExtraTable>,
    /// Name tables for the object-name resolver.
    #[serde(default)]
    pub names: Vec<NameTable>,
    /// Site settings.
    #[serde(default)]
    pub site: SiteConfig,
    /// Catalogue releases of a site that serves several (`[[release]]`); empty: the one
    /// catalogue of `[catalog]`.
    #[serde(default)]
    pub release: Vec<ReleaseConfig>,
    /// The HATS catalogues of the build (`hats/<release>/`).
    #[serde(default)]
    pub hats: HatsConfig,
    /// Folder the configuration was read from (paths are relative to it).
    #[serde(skip)]
    pub root: PathBuf,
    /// Folder of the build cache (`xcat build --cache`); by default `.xcat-cache` beside the
    /// configuration file, or beside the output without one.
    #[serde(skip)]
    pub cache: Option<PathBuf>,
    /// Leave the query and diagrams pages out (`xcat build --no-query`).
    #[serde(skip)]
    pub no_query: bool,
    /// The configuration file, if any.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

fn default_title() -> String {
    "xcat — XMM-Newton serendipitous source catalogue".to_string()
}

/// Catalogue inputs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    /// Detection catalogue file(s) with identical layouts, concatenated in order.
    #[serde(default)]
    pub detections: Vec<PathBuf>,
    /// HDU holding the table: a number (0 = primary) or an EXTNAME; default the first BINTABLE.
    #[serde(default)]
    pub hdu: Option<HduSpec>,
    /// Optional slim source catalogue (one row per SRCID); its columns take precedence.
    #[serde(default)]
    pub sources: Option<PathBuf>,
    /// Optional observation list (one row per OBS_ID, CSV or FITS); its columns take precedence.
    #[serde(default)]
    pub observations: Option<PathBuf>,
    /// Layout of the catalogue file (`detections` or `stacked`); default: detected from the
    /// file's columns and header.
    #[serde(default)]
    pub layout: Option<crate::catalog::Layout>,
    /// Prefix of IAU names (`4XMM`, `3XMM`, …), used when names are built from positions.
    #[serde(default = "default_prefix")]
    pub iau_prefix: String,
}

fn default_prefix() -> String {
    "4XMM".to_string()
}

impl Default for CatalogConfig {
    fn default() -> Self {
        CatalogConfig {
            detections: Vec::new(),
            hdu: None,
            layout: None,
            sources: None,
            observations: None,
            iau_prefix: default_prefix(),
        }
    }
}

/// One catalogue release of a site that serves several (5XMM-DR15 beside 4XMM-DR14).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseConfig {
    /// Identifier in URLs and data paths: lowercase letters, digits and `-` (`5xmm-dr15`).
    pub id: String,
    /// Title shown to readers (`5XMM-DR15`); default: the identifier in capitals.
    #[serde(default)]
    pub title: String,
    /// Whether this is the current release (the default of the query page); default: the
    /// first release.
    #[serde(default)]
    pub current: bool,
    /// Catalogue file(s) of the release, concatenated in order.
    #[serde(default)]
    pub files: Vec<PathBuf>,
    /// HDU holding the table, as `catalog.hdu`.
    #[serde(default)]
    pub hdu: Option<HduSpec>,
    /// Layout of the file(s), as `catalog.layout`; default: detected.
    #[serde(default)]
    pub layout: Option<crate::catalog::Layout>,
    /// Optional slim source catalogue, as `catalog.sources`.
    #[serde(default)]
    pub sources: Option<PathBuf>,
    /// Optional observation list, as `catalog.observations`.
    #[serde(default)]
    pub observations: Option<PathBuf>,
    /// Prefix of the release's IAU names; default: from the identifier (`5xmm-dr15` → `5XMM`).
    #[serde(default)]
    pub iau_prefix: Option<String>,
    /// Systematic position error (arcsec) added in quadrature to a statistical-only position
    /// error (RADEC_ERR) in the cross-release match; default 0.37″ (Rosen et al. 2016, 3XMM).
    #[serde(default)]
    pub systematic_arcsec: Option<f64>,
}

/// A release of a site that serves several, resolved by [`Config::releases`].
#[derive(Debug, Clone)]
pub struct Release {
    /// Identifier (`5xmm-dr15`): data under `data/<id>/`, `?release=<id>` on the query page.
    pub id: String,
    /// Title shown to readers.
    pub title: String,
    /// Whether this is the current release.
    pub current: bool,
    /// Prefix of its IAU names (`5XMM`).
    pub prefix: String,
    /// Systematic position error added to statistical-only errors in the match, arcsec.
    pub systematic_arcsec: f64,
    /// The site's configuration with this release as its catalogue (and only the extra tables
    /// that join it).
    pub config: Config,
    /// Its catalogue files, resolved.
    pub files: Vec<PathBuf>,
}

/// An HDU by number or name.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum HduSpec {
    /// HDU number, 0 = primary.
    Index(usize),
    /// EXTNAME.
    Name(String),
}

/// Key of an extra-column table.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum JoinKey {
    /// Source identifier: columns go to the sources table.
    Srcid,
    /// IAU name: columns go to the sources table.
    Iauname,
    /// Detection identifier: columns go to the detections table.
    Detid,
}

impl JoinKey {
    /// Canonical catalogue column of the key.
    pub fn column(self) -> &'static str {
        match self {
            JoinKey::Srcid => "SRCID",
            JoinKey::Iauname => "IAUNAME",
            JoinKey::Detid => "DETID",
        }
    }
}

/// A table of extra columns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraTable {
    /// CSV (with a header line) or FITS file.
    pub file: PathBuf,
    /// Join key.
    pub key: JoinKey,
    /// Columns to take (default: all but the key).
    #[serde(default)]
    pub columns: Vec<String>,
    /// Value of its boolean columns for catalogue rows the table does not list (default: null),
    /// e.g. `false` for a table that lists only the flagged sources.
    #[serde(default)]
    pub missing: Option<String>,
    /// Description shown in the column reference, per column.
    #[serde(default)]
    pub descriptions: BTreeMap<String, String>,
    /// Identifier of the release whose catalogue the table joins; default: every release.
    #[serde(default)]
    pub release: Option<String>,
}

/// Format of a name table.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum NameFormat {
    /// `name,ra,dec` in degrees, with a header line.
    #[default]
    Csv,
    /// OpenNGC's semicolon-separated NGC.csv / addendum.csv.
    Openngc,
}

/// A name table for the resolver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameTable {
    /// File.
    pub file: PathBuf,
    /// Format.
    #[serde(default)]
    pub format: NameFormat,
}

/// Site settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Radius of a bare-name query, arcmin.
    #[serde(default = "default_radius")]
    pub default_radius_arcmin: f64,
    /// Radius for "neighbouring sources" on source pages, arcmin.
    #[serde(default = "default_neighbours")]
    pub neighbour_radius_arcmin: f64,
    /// URL of an `xcat-fit` server; empty = no fitting on the site.
    #[serde(default)]
    pub fit_server_url: String,
    /// Base URL of an `xcat vo` server over this site's data (its TAP service is
    /// `<url>tap`): the query page then sends a result to SAMP applications as the TAP query
    /// that gives it, which they fetch themselves. Absolute (`https://…/vo/`) or a path on the
    /// site's host (`/vo/`); empty = none.
    #[serde(default)]
    pub vo_server_url: String,
    /// A theme folder whose templates and static files override the default theme by name.
    #[serde(default)]
    pub theme: Option<PathBuf>,
    /// Folder with `docs/` and `news/` Markdown.
    #[serde(default)]
    pub content: Option<PathBuf>,
    /// Whether every source and observation page has its `.json` and `.vot` data files beside
    /// it (on a DR14-scale site: 1.4 million files, 12.9 GB).
    #[serde(default = "yes")]
    pub data_files: bool,
    /// Terms of use of the site's data, stated in `api/index.json` and the docs.
    #[serde(default = "default_licence")]
    pub licence: String,
    /// How to cite the catalogue, stated in `api/index.json`.
    #[serde(default = "default_citation")]
    pub citation: String,
}

fn yes() -> bool {
    true
}

/// The HATS catalogues (HEALPix-partitioned Parquet that LSDB reads) the build writes beside
/// the site: `hats/<release>/` with the sources, their margin, the detections and theirs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HatsConfig {
    /// Whether the build writes them.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Most rows of one partition (`hats_max_rows`).
    #[serde(default = "default_hats_rows")]
    pub max_rows: usize,
    /// Width of the margin catalogues, arcsec (`hats_margin_threshold`); 0 = none.
    #[serde(default = "default_hats_margin")]
    pub margin_arcsec: f64,
}

fn default_hats_rows() -> usize {
    xcat_hats::Options::default().max_rows
}

fn default_hats_margin() -> f64 {
    xcat_hats::Options::default().margin_arcsec
}

impl Default for HatsConfig {
    fn default() -> Self {
        HatsConfig {
            enabled: true,
            max_rows: default_hats_rows(),
            margin_arcsec: default_hats_margin(),
        }
    }
}

fn default_licence() -> String {
    "XMM-Newton catalogue data of the European Space Agency, public and free to use with acknowledgement of ESA's XMM-Newton mission and the XMM-Newton Survey Science Centre.".into()
}

fn default_citation() -> String {
    "Webb N. A. et al. 2020, A&A 641, A136 (the 4XMM catalogue); Traulsen I. et al. 2019, A&A 624, A77 (the stacked catalogue).".into()
}

fn default_radius() -> f64 {
    10.0
}

fn default_neighbours() -> f64 {
    1.0
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            default_radius_arcmin: default_radius(),
            neighbour_radius_arcmin: default_neighbours(),
            fit_server_url: String::new(),
            vo_server_url: String::new(),
            theme: None,
            content: None,
            data_files: true,
            licence: default_licence(),
            citation: default_citation(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::parse("", Path::new(".")).expect("the empty configuration is valid")
    }
}

impl Config {
    /// Parses configuration text; `root` is the folder relative paths refer to.
    pub fn parse(text: &str, root: &Path) -> std::result::Result<Self, toml::de::Error> {
        let mut c: Config = toml::from_str(text)?;
        c.root = root.to_path_buf();
        Ok(c)
    }

    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let root = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let mut c = Config::parse(&text, &root).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            detail: e.to_string().trim().to_string(),
            hint: "see docs/configuration for every key and its meaning".into(),
        })?;
        c.file = Some(path.to_path_buf());
        c.validate()?;
        Ok(c)
    }

    /// The build cache folder for a site built into `out`.
    pub fn cache_dir(&self, out: &Path) -> PathBuf {
        if let Some(c) = &self.cache {
            return c.clone();
        }
        match &self.file {
            Some(_) => self.root.join(".xcat-cache"),
            None => out
                .parent()
                .map_or_else(|| PathBuf::from(".xcat-cache"), |p| p.join(".xcat-cache")),
        }
    }

    /// Resolves a path from the file against the configuration's folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root.join(p)
        }
    }

    /// The site's releases, the current one first: the `[[release]]` entries with the files
    /// of `cli` (`ID=FILE` of `xcat build --release`; a new ID adds a release, a configured one
    /// gets these files instead of its own). Empty when the site serves one catalogue (no entry
    /// and no `--release`): then `[catalog]` is the catalogue, as it always was.
    pub fn releases(&self, cli: &[(String, PathBuf)]) -> Result<Vec<Release>> {
        let err = |detail: String, hint: &str| Error::Config {
            path: self.file.clone().unwrap_or_default(),
            detail,
            hint: hint.to_string(),
        };
        let mut entries = self.release.clone();
        let mut replaced: Vec<String> = Vec::new();
        for (id, file) in cli {
            match entries.iter_mut().find(|r| &r.id == id) {
                Some(r) => {
                    if !replaced.contains(id) {
                        r.files.clear();
                        replaced.push(id.clone());
                    }
                    r.files.push(file.clone());
                }
                None => {
                    replaced.push(id.clone());
                    entries.push(ReleaseConfig {
                        id: id.clone(),
                        title: String::new(),
                        current: false,
                        files: vec![file.clone()],
                        hdu: None,
                        layout: None,
                        sources: None,
                        observations: None,
                        iau_prefix: None,
                        systematic_arcsec: None,
                    });
                }
            }
        }
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let currents = entries.iter().filter(|r| r.current).count();
        if currents > 1 {
            return Err(err(
                format!("{currents} releases are marked current"),
                "mark one [[release]] with current = true (the query page's default)",
            ));
        }
        let current = entries.iter().position(|r| r.current).unwrap_or(0);
        let mut out = Vec::new();
        for (k, r) in entries.iter().enumerate() {
            let valid = !r.id.is_empty()
                && r.id.len() <= 40
                && r.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !r.id.starts_with('-');
            if !valid {
                return Err(err(
                    format!("release id {:?} is not usable in URLs and paths", r.id),
                    "use lowercase letters, digits and '-', such as 5xmm-dr15",
                ));
            }
            if entries[..k].iter().any(|o| o.id == r.id) {
                return Err(err(
                    format!("two releases have the id {:?}", r.id),
                    "give every [[release]] its own id",
                ));
            }
            if r.files.is_empty() {
                return Err(err(
                    format!("release {:?} has no catalogue file", r.id),
                    "set files = [\"…\"] in its [[release]] entry or pass --release ID=FILE",
                ));
            }
            let prefix = r
                .iau_prefix
                .clone()
                .unwrap_or_else(|| r.id.split('-').next().unwrap_or("").to_ascii_uppercase());
            let mut config = self.clone();
            config.release = Vec::new();
            config.catalog = CatalogConfig {
                detections: r.files.clone(),
                hdu: r.hdu.clone(),
                sources: r.sources.clone(),
                observations: r.observations.clone(),
                layout: r.layout,
                iau_prefix: prefix.clone(),
            };
            config
                .extra
                .retain(|x| x.release.as_ref().is_none_or(|id| id == &r.id));
            let files = r.files.iter().map(|p| config.resolve(p)).collect();
            out.push(Release {
                id: r.id.clone(),
                title: if r.title.trim().is_empty() {
                    r.id.to_ascii_uppercase()
                } else {
                    r.title.clone()
                },
                current: k == current,
                prefix,
                systematic_arcsec: r.systematic_arcsec.unwrap_or(0.37),
                config,
                files,
            });
        }
        for x in &self.extra {
            if let Some(id) = &x.release
                && !out.iter().any(|r| &r.id == id)
            {
                return Err(err(
                    format!(
                        "extra table {} names release {id:?}, which the site does not have",
                        x.file.display()
                    ),
                    "use the id of one of the [[release]] entries",
                ));
            }
        }
        out.sort_by_key(|r| !r.current);
        Ok(out)
    }

    fn validate(&self) -> Result<()> {
        let err = |detail: String, hint: &str| Error::Config {
            path: self.file.clone().unwrap_or_default(),
            detail,
            hint: hint.to_string(),
        };
        let s = &self.site;
        if !(s.default_radius_arcmin > 0.0 && s.default_radius_arcmin <= 600.0) {
            return Err(err(
                format!(
                    "site.default_radius_arcmin = {} is out of range",
                    s.default_radius_arcmin
                ),
                "use a radius between 0 and 600 arcmin",
            ));
        }
        if !(s.neighbour_radius_arcmin > 0.0 && s.neighbour_radius_arcmin <= 60.0) {
            return Err(err(
                format!(
                    "site.neighbour_radius_arcmin = {} is out of range",
                    s.neighbour_radius_arcmin
                ),
                "use a radius between 0 and 60 arcmin",
            ));
        }
        let vo = s.vo_server_url.trim();
        let absolute = ["http://", "https://"]
            .iter()
            .any(|p| vo.len() > p.len() && vo[..p.len()].eq_ignore_ascii_case(p));
        if !vo.is_empty()
            && (!(absolute || vo.starts_with('/')) || vo.contains(char::is_whitespace))
        {
            return Err(err(
                format!("site.vo_server_url = {vo:?} is not an http(s) URL or a path"),
                "give the address of the xcat vo server, e.g. \"https://example.org/vo/\" or \"/vo/\"",
            ));
        }
        let h = &self.hats;
        if h.max_rows == 0 {
            return Err(err(
                "hats.max_rows = 0".into(),
                "give the most rows of one partition, e.g. 50000",
            ));
        }
        if !(h.margin_arcsec >= 0.0 && h.margin_arcsec <= 3600.0) {
            return Err(err(
                format!("hats.margin_arcsec = {} is out of range", h.margin_arcsec),
                "use a margin between 0 (none) and 3600 arcsec",
            ));
        }
        for (canonical, in_file) in &self.columns {
            if in_file.trim().is_empty() {
                return Err(err(
                    format!("columns.{canonical} maps to an empty name"),
                    "give the column's name in the input file",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Config::default();
        assert_eq!(c.site.default_radius_arcmin, 10.0);
        assert_eq!(c.catalog.iau_prefix, "4XMM");
        assert!(c.extra.is_empty());
    }

    #[test]
    fn full_file_parses() {
        let c = Config::parse(
            r#"
title = "Mirror"
[catalog]
detections = ["a.fits", "b.fits"]
hdu = "SRCLIST"
[columns]
SRCID = "srcid"
[[extra]]
file = "ulx.csv"
key = "srcid"
missing = "false"
[[names]]
file = "NGC.csv"
format = "openngc"
[site]
default_radius_arcmin = 5
"#,
            Path::new("/data"),
        )
        .unwrap();
        assert_eq!(c.catalog.detections.len(), 2);
        assert_eq!(c.catalog.hdu, Some(HduSpec::Name("SRCLIST".into())));
        assert_eq!(c.extra[0].key, JoinKey::Srcid);
        assert_eq!(c.names[0].format, NameFormat::Openngc);
        assert_eq!(c.resolve(Path::new("x.csv")), PathBuf::from("/data/x.csv"));
    }

    #[test]
    fn vo_server_urls_are_http_urls_or_paths() {
        let check = |url: &str| {
            Config::parse(
                &format!("[site]\nvo_server_url = {url:?}\n"),
                Path::new("."),
            )
            .unwrap()
            .validate()
        };
        for ok in [
            "",
            "https://example.org/vo/",
            "HTTP://127.0.0.1:8001",
            "/vo/",
        ] {
            assert!(check(ok).is_ok(), "{ok:?}");
        }
        for bad in ["vo.example.org", "ftp://x/", "https://", "/vo /"] {
            let e = check(bad).unwrap_err().to_string();
            assert!(
                e.contains("site.vo_server_url") && e.contains("https://example.org/vo/"),
                "{bad:?}: {e}"
            );
        }
    }

    #[test]
    fn hats_settings_are_checked() {
        let check = |text: &str| {
            Config::parse(text, Path::new("."))
                .unwrap()
                .validate()
                .map_err(|e| e.to_string())
        };
        let c = Config::parse("", Path::new(".")).unwrap();
        assert!(c.hats.enabled && c.hats.margin_arcsec == 10.0 && c.hats.max_rows == 50_000);
        assert!(check("[hats]\nenabled = false\nmargin_arcsec = 0\n").is_ok());
        let e = check("[hats]\nmax_rows = 0\n").unwrap_err();
        assert!(
            e.contains("hats.max_rows = 0") && e.contains("50000"),
            "{e}"
        );
        let e = check("[hats]\nmargin_arcsec = -5\n").unwrap_err();
        assert!(
            e.contains("hats.margin_arcsec = -5") && e.contains("3600"),
            "{e}"
        );
        let e = check("[hats]\nmargin_arcsec = nan\n").unwrap_err();
        assert!(e.contains("out of range"), "{e}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = Config::parse("[site]\ndefault_radius = 3\n", Path::new(".")).unwrap_err();
        assert!(
            e.to_string().contains("unknown field `default_radius`"),
            "{e}"
        );
    }
}
