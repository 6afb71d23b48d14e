//! Contexts of the catalogue pages: a page per source (`source/<SRCID>/`) with its
//! detections' downloads, and a page per observation (`observation/<OBS_ID>/`).

use super::export;
use super::format::{NULL, cell, fixed, mjd_date, mjd_iso, sci_or_null, url_encode};
use super::neighbours::ZoneIndex;
use super::releases::Releases;
use super::render;
use super::svg::{self, LcPoint, SkyPoint};
use crate::catalog::{Catalogue, roles};
use serde_json::{Value as Json, json};
use xcat_core::coords::{equatorial_to_galactic, format_dec_dms, format_ra_hms};
use xcat_core::{Column, Table};

/// A tera map from `"key": value` pairs: static keys, values anything `Into<tera::Value>`.
/// The source pages' contexts are built as tera values directly (no JSON in between).
macro_rules! map {
    ({ $($k:literal : $v:expr),* $(,)? }) => {{
        let mut m = tera::Map::with_capacity([$($k),*].len());
        $( m.insert(tera::value::Key::Str($k), tera::Value::from($v)); )*
        tera::Value::from(m)
    }};
}

/// The bands of the 4XMM fluxes: number and energy range.
pub const BANDS: [(u8, &str); 7] = [
    (1, "0.2–0.5 keV"),
    (2, "0.5–1.0 keV"),
    (3, "1.0–2.0 keV"),
    (4, "2.0–4.5 keV"),
    (5, "4.5–12.0 keV"),
    (8, "0.2–12.0 keV"),
    (9, "0.5–4.5 keV"),
];

/// A column of a table resolved once by name (absent columns read as nulls), so that a page
/// does not look its columns up by name again and again.
#[derive(Clone, Copy)]
struct Col<'a>(Option<&'a Column>);

impl<'a> Col<'a> {
    fn of(t: &'a Table, name: &str) -> Self {
        Col(t.column(name))
    }

    /// A finite number.
    fn f(self, i: usize) -> Option<f64> {
        self.0.and_then(|c| c.f64(i)).filter(|x| x.is_finite())
    }

    fn s(self, i: usize) -> Option<&'a str> {
        self.0.and_then(|c| c.str(i))
    }

    fn txt(self, i: usize) -> String {
        cell(&self.0.map_or(xcat_core::Value::Null, |c| c.value(i)))
    }

    fn flag(self, i: usize) -> bool {
        self.0.and_then(|c| c.bool(i)).unwrap_or(false)
    }

    /// `{"v": value, "e": error}` with `decimals` decimals.
    fn pm(self, err: Col<'_>, i: usize, decimals: usize) -> tera::Value {
        map!({"v": fixed(self.f(i), decimals), "e": fixed(err.f(i), decimals)})
    }

    /// `{"v": value, "e": error}` in scientific notation.
    fn pm_sci(self, err: Col<'_>, i: usize) -> tera::Value {
        map!({"v": sci_or_null(self.f(i)), "e": sci_or_null(err.f(i))})
    }
}

/// The source columns of the source pages.
struct SourceCols<'a> {
    ra: Col<'a>,
    dec: Col<'a>,
    iauname: Col<'a>,
    poserr: Col<'a>,
    det_ml: Col<'a>,
    extent: Col<'a>,
    ext_err: Col<'a>,
    ext_ml: Col<'a>,
    sum_flag: Col<'a>,
    confused: Col<'a>,
    high_background: Col<'a>,
    n_detections: Col<'a>,
    n_observations: Col<'a>,
    mjd_first: Col<'a>,
    mjd_last: Col<'a>,
    has_spectrum: Col<'a>,
    chi2prob: Col<'a>,
    fvar: Col<'a>,
    fvar_err: Col<'a>,
    var_flag: Col<'a>,
    fmin: Col<'a>,
    fmin_err: Col<'a>,
    fmax: Col<'a>,
    fmax_err: Col<'a>,
    ep8: Col<'a>,
    /// SC_EP_<n>_FLUX and its error for each of [`BANDS`].
    fluxes: Vec<(Col<'a>, Col<'a>)>,
    /// SC_HR<n> and its error, n = 1…4.
    hrs: Vec<(Col<'a>, Col<'a>)>,
}

impl<'a> SourceCols<'a> {
    fn new(t: &'a Table) -> Self {
        let c = |n: &str| Col::of(t, n);
        let r = |candidates: &[&str]| Col::of(t, roles::pick(t, candidates));
        SourceCols {
            ra: r(roles::RA),
            dec: r(roles::DEC),
            iauname: c("IAUNAME"),
            poserr: r(roles::POSERR),
            det_ml: r(roles::DET_ML),
            extent: r(roles::EXTENT),
            ext_err: r(roles::EXT_ERR),
            ext_ml: r(roles::EXT_ML),
            sum_flag: r(roles::SUM_FLAG),
            confused: c("CONFUSED"),
            high_background: c("HIGH_BACKGROUND"),
            n_detections: c("N_DETECTIONS"),
            // Stacked catalogues: the observations covering the source.
            n_observations: r(&["N_OBSERVATIONS", "N_CONTRIB", "N_OBS"]),
            mjd_first: c("MJD_FIRST"),
            mjd_last: c("MJD_LAST"),
            has_spectrum: c("HAS_SPECTRUM"),
            chi2prob: r(roles::CHI2PROB),
            fvar: r(roles::FVAR),
            fvar_err: r(roles::FVAR_ERR),
            var_flag: r(roles::VAR_FLAG),
            fmin: c("SC_EP_8_FMIN"),
            fmin_err: c("SC_EP_8_FMIN_ERR"),
            fmax: c("SC_EP_8_FMAX"),
            fmax_err: c("SC_EP_8_FMAX_ERR"),
            ep8: r(roles::FLUX),
            fluxes: BANDS
                .iter()
                .map(|&(n, _)| {
                    if n == 8 {
                        (r(roles::FLUX), r(roles::FLUX_ERR))
                    } else {
                        let [a, b] = roles::band_flux(n);
                        (
                            r(&[a.as_str(), b.as_str()]),
                            r(&[format!("{a}_ERR").as_str(), format!("{b}_ERR").as_str()]),
                        )
                    }
                })
                .collect(),
            hrs: (1..=4)
                .map(|n| {
                    let [a, b] = roles::hardness_ratio(n);
                    (
                        r(&[a.as_str(), b.as_str()]),
                        r(&[format!("{a}_ERR").as_str(), format!("{b}_ERR").as_str()]),
                    )
                })
                .collect(),
        }
    }
}

/// The columns of a stacked catalogue's summary rows that only its source pages show.
struct StackCols<'a> {
    n_obs: Col<'a>,
    n_contrib: Col<'a>,
    n_ul: Col<'a>,
    gamma: Col<'a>,
    nh: Col<'a>,
    var_prob: Col<'a>,
    var_chi: Col<'a>,
    gaia: Col<'a>,
    gaia_prob: Col<'a>,
    wise: Col<'a>,
    wise_prob: Col<'a>,
}

impl<'a> StackCols<'a> {
    fn new(t: &'a Table) -> Self {
        let c = |n: &str| Col::of(t, n);
        StackCols {
            n_obs: c("N_OBS"),
            n_contrib: c("N_CONTRIB"),
            n_ul: c("N_UPPER_LIMITS"),
            gamma: c("STACK_GAMMA"),
            nh: c("STACK_NH"),
            var_prob: c("VAR_PROB"),
            var_chi: c("VAR_CHI"),
            gaia: c("GAIADR3_SOURCE_ID"),
            gaia_prob: c("GAIA_MATCH_PROB"),
            wise: c("WISE_NAME"),
            wise_prob: c("WISE_MATCH_PROB"),
        }
    }
}

/// The detection (measurement) columns of the source pages, by the names of the catalogue's
/// layout (4XMM `EP_8_FLUX`, 5XMM `EP_FLUX`, …).
struct DetectionCols<'a> {
    detid: Col<'a>,
    obs_id: Col<'a>,
    src_num: Col<'a>,
    mjd_start: Col<'a>,
    ep8: Col<'a>,
    ep8_err: Col<'a>,
    pn8: Col<'a>,
    m18: Col<'a>,
    m28: Col<'a>,
    det_ml: Col<'a>,
    offax: Col<'a>,
    extent: Col<'a>,
    sum_flag: Col<'a>,
    spectra: Col<'a>,
    inst: Col<'a>,
    exp: Col<'a>,
    /// Detection (true) or upper limit (false) of a stacked catalogue; absent otherwise.
    detected: Col<'a>,
}

impl<'a> DetectionCols<'a> {
    fn new(t: &'a Table) -> Self {
        let c = |n: &[&str]| Col::of(t, roles::pick(t, n));
        DetectionCols {
            detid: c(&["DETID"]),
            obs_id: c(&["OBS_ID"]),
            src_num: c(&["SRC_NUM", "PPS_SRCNUM"]),
            mjd_start: c(&["MJD_START", "MJD_FIRST"]),
            ep8: c(&["EP_8_FLUX", "EP_FLUX"]),
            ep8_err: c(&["EP_8_FLUX_ERR", "EP_FLUX_ERR"]),
            pn8: c(&["PN_8_FLUX", "PN_FLUX"]),
            m18: c(&["M1_8_FLUX", "M1_FLUX"]),
            m28: c(&["M2_8_FLUX", "M2_FLUX"]),
            det_ml: c(&["EP_8_DET_ML", "EP_DET_ML"]),
            offax: c(&["EP_OFFAX"]),
            extent: c(&["EP_EXTENT", "EXTENT"]),
            sum_flag: c(&["SUM_FLAG"]),
            spectra: c(&["SPECTRA"]),
            inst: c(&["VAR_INST_ID"]),
            exp: c(&["VAR_EXP_ID"]),
            detected: c(&[crate::catalog::stacked::DETECTED]),
        }
    }

    /// `detection`, `upper limit`, or `` where the catalogue does not tell (4XMM detections).
    fn kind(&self, r: usize) -> &'static str {
        match self.detected.0.and_then(|c| c.bool(r)) {
            Some(true) => "detection",
            Some(false) => "upper limit",
            None => "",
        }
    }
}

/// What the catalogue pages share.
pub struct Catalog<'a> {
    cat: &'a Catalogue,
    /// `site` as a tera value, shared by every source page's context.
    site_value: tera::Value,
    sc: SourceCols<'a>,
    dc: DetectionCols<'a>,
    stack_cols: StackCols<'a>,
    site: Json,
    neighbours: ZoneIndex,
    neighbour_radius_arcmin: f64,
    srcids: Vec<i64>,
    /// Joined source columns shown on the source pages: name, column, description.
    extra_sources: Vec<(String, Col<'a>, String)>,
    exporter: export::Exporter,
    /// The data files beside the pages.
    data: super::api::DataFiles,
    fit: bool,
    /// The names of the columns that play each role on the source pages (`SC_DET_ML` or
    /// `STACK_DET_ML`, …), for the pages' labels.
    names: tera::Value,
    /// Flux axis title of the light curves: the measurements' total-band flux column.
    lc_label: String,
    /// On a site with several releases: all of them, and which this catalogue is.
    releases: Option<(&'a Releases, usize)>,
}

impl std::fmt::Debug for Catalog<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").finish_non_exhaustive()
    }
}

fn f(t: &Table, name: &str, i: usize) -> Option<f64> {
    t.column(name)
        .and_then(|c| c.f64(i))
        .filter(|x| x.is_finite())
}

fn s<'t>(t: &'t Table, name: &str, i: usize) -> Option<&'t str> {
    t.column(name).and_then(|c| c.str(i))
}

fn txt(t: &Table, name: &str, i: usize) -> String {
    cell(&t.value(name, i))
}

/// The full name of an EPIC observing mode as the catalogue stores it: its `*_SUBMODE`
/// columns hold 15 characters, which cut the longer names (`PrimeLargeWindo`). A name that
/// is cut ambiguously (`PrimeFullWindow` of `PrimeFullWindowExtended`) stays as written.
fn submode_name(stored: &str) -> String {
    const FULL: [&str; 5] = [
        "PrimeLargeWindow",
        "PrimeSmallWindow",
        "FastUncompressed",
        "PrimePartialRFS",
        "PrimeFullWindowExtended",
    ];
    let t = stored.trim();
    if t.len() == 15 {
        let longer: Vec<&str> = FULL
            .iter()
            .copied()
            .filter(|f| f.len() > 15 && f.starts_with(t))
            .collect();
        // One longer name begins so, and no shorter mode is exactly the text.
        if let [full] = longer[..]
            && t != "PrimeFullWindow"
        {
            return full.to_string();
        }
    }
    t.to_string()
}

fn flag_text(v: Option<f64>) -> String {
    match v.map(|x| x as i64) {
        None => NULL.into(),
        Some(0) => "0 — good".into(),
        Some(1) => "1 — low-level warnings".into(),
        Some(2) => "2 — possibly spurious (manually flagged)".into(),
        Some(3) => "3 — low-level warnings, possibly spurious".into(),
        Some(4) => "4 — within an extended source or flagged manually".into(),
        Some(n) => n.to_string(),
    }
}

impl<'a> Catalog<'a> {
    /// Prepares the catalogue pages; `site` is the `site` object of every context.
    pub fn new(cat: &'a Catalogue, site: Json, neighbour_radius_arcmin: f64, fit: bool) -> Self {
        let t = &cat.sources;
        let neighbours = ZoneIndex::new(
            (0..t.rows()).map(|i| {
                (
                    f(t, roles::pick(t, roles::RA), i).unwrap_or(f64::NAN),
                    f(t, roles::pick(t, roles::DEC), i).unwrap_or(f64::NAN),
                )
            }),
            neighbour_radius_arcmin / 60.0,
        );
        let srcid = t.column("SRCID").expect("sources have SRCID");
        let srcids = (0..t.rows())
            .map(|i| srcid.i64(i).unwrap_or(i64::MIN))
            .collect();
        let extra_sources = cat
            .extra_columns
            .iter()
            .filter_map(|c| c.strip_prefix("sources."))
            .map(|n| {
                let description = t.schema().get(n).map_or("", |f| f.description.as_str());
                (n.to_string(), Col::of(t, n), description.to_string())
            })
            .collect();
        let export_cols = export::columns(&cat.detections, &cat.extra_columns);
        let exporter = export::Exporter::new(&cat.detections, export_cols.clone());
        let title = site["title"].as_str().unwrap_or("").to_string();
        let data = super::api::DataFiles::new(cat, &title, export_cols);
        Catalog {
            cat,
            site_value: render::value(site.clone()),
            lc_label: format!(
                "{} (erg cm⁻² s⁻¹)",
                roles::pick(&cat.detections, &["EP_8_FLUX", "EP_FLUX"])
            ),
            names: {
                let (t, d) = (&cat.sources, &cat.detections);
                map!({
                    "det_ml": roles::pick(t, roles::DET_ML),
                    "extent": roles::pick(t, roles::EXTENT),
                    "sum_flag": roles::pick(t, roles::SUM_FLAG),
                    "chi2prob": roles::pick(t, roles::CHI2PROB),
                    "fvar": roles::pick(t, roles::FVAR),
                    "var_flag": roles::pick(t, roles::VAR_FLAG),
                    // Stacked catalogues number a measurement by the pipeline's source number.
                    "id": roles::pick(d, &["DETID", "PPS_SRCNUM"]),
                })
            },
            sc: SourceCols::new(&cat.sources),
            dc: DetectionCols::new(&cat.detections),
            stack_cols: StackCols::new(&cat.sources),
            site,
            neighbours,
            neighbour_radius_arcmin,
            srcids,
            extra_sources,
            exporter,
            data,
            fit,
            releases: None,
        }
    }

    /// The same pages for release `index` of `releases`: counterparts in the other releases
    /// on source pages, the other releases' sources on observation pages.
    pub fn with_releases(mut self, releases: &'a Releases, index: usize) -> Self {
        self.releases = Some((releases, index));
        let me = &releases.summaries[index];
        self.data = self.data.for_release(&me.id, &me.title);
        self
    }

    /// Rows of source row `i`'s detections, earliest first.
    fn detection_rows(&self, i: usize) -> Vec<usize> {
        let dc = &self.dc;
        let mut rows: Vec<usize> = self
            .cat
            .source_detections
            .members(i)
            .iter()
            .map(|&r| r as usize)
            .collect();
        rows.sort_by(|&a, &b| {
            (dc.mjd_start.f(a).unwrap_or(0.0))
                .total_cmp(&dc.mjd_start.f(b).unwrap_or(0.0))
                .then(a.cmp(&b))
        });
        rows
    }

    /// The sources near source row `i`, nearest first: (row, separation in degrees).
    fn neighbours_of(&self, i: usize) -> Vec<(usize, f64)> {
        let ra = self.sc.ra.f(i).unwrap_or(f64::NAN);
        let dec = self.sc.dec.f(i).unwrap_or(f64::NAN);
        self.neighbours.near(ra, dec, Some(i))
    }

    /// `source.json` and `source.vot` of source row `i` (see [`super::api`]).
    pub fn source_data(&self, i: usize) -> (Vec<u8>, Vec<u8>) {
        let neighbours: Vec<super::api::Neighbour> = self
            .neighbours_of(i)
            .into_iter()
            .map(|(j, sep)| {
                (
                    self.srcids[j],
                    self.sc.iauname.s(j).unwrap_or(""),
                    sep * 3600.0,
                )
            })
            .collect();
        let counterparts: Vec<super::api::Counterpart> = match self.releases {
            None => Vec::new(),
            Some((all, r)) => all
                .counterparts(r, i)
                .map(|(o, m)| {
                    let other = &all.summaries[o];
                    super::api::Counterpart {
                        release: &other.id,
                        srcid: other.srcids[m.row as usize],
                        iauname: &other.names[m.row as usize],
                        sep_arcsec: f64::from(m.sep_arcsec),
                        candidates: m.candidates,
                    }
                })
                .collect(),
        };
        self.data.source(
            self.cat,
            i,
            &self.detection_rows(i),
            &neighbours,
            &counterparts,
        )
    }

    /// `observation.json` and `observation.vot` of observation row `i`.
    pub fn observation_data(&self, i: usize) -> (Vec<u8>, Vec<u8>) {
        self.data
            .observation(self.cat, i, &self.observation_rows(i))
    }

    /// Rows of observation row `i`'s detections by source number.
    fn observation_rows(&self, i: usize) -> Vec<usize> {
        let dc = &self.dc;
        let mut rows: Vec<usize> = self
            .cat
            .observation_detections
            .members(i)
            .iter()
            .map(|&r| r as usize)
            .collect();
        rows.sort_by_key(|&r| (dc.src_num.0.and_then(|c| c.i64(r)).unwrap_or(i64::MAX), r));
        rows
    }

    /// The JSON Schemas of the data files: (path, bytes).
    pub fn data_schemas(&self) -> Vec<(String, Vec<u8>)> {
        self.data.schemas()
    }

    /// Whether this catalogue renders the page of observation row `i` (on a site with
    /// several releases, the first release that has the observation does).
    pub fn renders_observation(&self, i: usize) -> bool {
        match self.releases {
            None => true,
            Some((all, r)) => all.owns(r, s(&self.cat.observations, "OBS_ID", i).unwrap_or("")),
        }
    }

    /// The release of the pages and the counterparts of source row `i` in the others.
    fn release_context(&self, i: usize, root: &str) -> Option<(tera::Value, tera::Value)> {
        let (all, r) = self.releases?;
        let me = &all.summaries[r];
        let current = all.summaries.iter().position(|x| x.current).unwrap_or(0);
        // A legacy source is superseded by its counterpart in the current release.
        let superseded = (!me.current)
            .then(|| all.counterparts(r, i).find(|(o, _)| *o == current))
            .flatten()
            .map(|(o, m)| {
                let other = &all.summaries[o];
                let row = m.row as usize;
                map!({
                    "iauname": other.names[row].as_str(),
                    "srcid": other.srcids[row],
                    "href": other.href(root, row),
                    "ambiguous": m.candidates > 1,
                })
            });
        let release = map!({
            "id": me.id.as_str(),
            "title": me.title.as_str(),
            "current": me.current,
            "current_title": all.summaries[current].title.as_str(),
            "superseded_by": superseded.unwrap_or(tera::Value::none()),
        });
        let counterparts: Vec<tera::Value> = all
            .counterparts(r, i)
            .map(|(o, m)| {
                let other = &all.summaries[o];
                let row = m.row as usize;
                map!({
                    "release": other.title.as_str(),
                    "release_id": other.id.as_str(),
                    "current": other.current,
                    "srcid": other.srcids[row],
                    "iauname": other.names[row].as_str(),
                    "href": other.href(root, row),
                    "sep": format!("{:.2}", m.sep_arcsec),
                    "candidates": m.candidates,
                    "ambiguous": m.candidates > 1,
                })
            })
            .collect();
        Some((release, counterparts.into()))
    }

    /// The other releases' sources in observation `obs_id`, per release.
    fn observation_others(&self, obs_id: &str, root: &str) -> Json {
        let Some((all, r)) = self.releases else {
            return Json::Array(Vec::new());
        };
        let list: Vec<Json> = all
            .summaries
            .iter()
            .enumerate()
            .filter(|(o, _)| *o != r)
            .filter_map(|(_, other)| {
                let rows = other.observations.get(obs_id)?;
                let sources: Vec<Json> = rows
                    .iter()
                    .map(|&(row, detected)| {
                        let row = row as usize;
                        json!({
                            "srcid": other.srcids[row].to_string(),
                            "iauname": other.names[row],
                            "href": other.href(root, row),
                            "kind": match detected {
                                Some(true) => "detection",
                                Some(false) => "upper limit",
                                None => "",
                            },
                        })
                    })
                    .collect();
                Some(json!({"id": other.id, "title": other.title, "current": other.current, "sources": sources}))
            })
            .collect();
        Json::Array(list)
    }

    /// Source row of a SRCID.
    pub fn source_row(&self, srcid: i64) -> Option<usize> {
        self.srcids.binary_search(&srcid).ok()
    }

    /// SRCID of source row `i`.
    pub fn srcid(&self, i: usize) -> i64 {
        self.srcids[i]
    }

    /// Output path of the page of source row `i`.
    pub fn source_path(&self, i: usize) -> String {
        format!("source/{}/index.html", self.srcids[i])
    }

    /// The CSV download of source row `i`'s detections, for its page: inline (a `data:` URL,
    /// so that it needs neither a file of its own nor JavaScript). The page links the
    /// source's `source.vot` and `source.json` beside it too.
    fn source_downloads(&self, i: usize) -> tera::Value {
        let rows = self.cat.source_detections.members(i);
        let id = self.srcids[i];
        let csv = self.exporter.csv(&self.cat.detections, rows);
        map!({
            "csv": export::data_url("text/csv;charset=utf-8", &csv),
            "csv_name": format!("xmm_detections_{id}.csv"),
            "vot_name": format!("xmm_source_{id}.vot"),
        })
    }

    /// Context of the page of source row `i`.
    pub fn source(&self, i: usize) -> tera::Context {
        let (sc, dc) = (&self.sc, &self.dc);
        let path = self.source_path(i);
        let (mut c, root) = render::base_context(&self.site_value, &path);
        let ra = sc.ra.f(i).unwrap_or(f64::NAN);
        let dec = sc.dec.f(i).unwrap_or(f64::NAN);
        let (l, b) = equatorial_to_galactic(ra, dec);
        let fluxes: Vec<tera::Value> = BANDS
            .iter()
            .zip(&sc.fluxes)
            .map(|((n, range), (v, e))| {
                map!({"band": *n, "range": *range,
                    "v": sci_or_null(v.f(i)), "e": sci_or_null(e.f(i))})
            })
            .collect();
        let hrs: Vec<tera::Value> = sc
            .hrs
            .iter()
            .enumerate()
            .map(|(k, (v, e))| {
                map!({
                    "n": k + 1,
                    "bands": format!("{} / {}", BANDS[k].1, BANDS[k + 1].1),
                    "v": fixed(v.f(i), 3),
                    "e": fixed(e.f(i), 3),
                })
            })
            .collect();
        let det_rows = self.detection_rows(i);
        let detections: Vec<tera::Value> = det_rows
            .iter()
            .map(|&r| {
                map!({
                    "detid": if dc.detid.0.is_some() { dc.detid.txt(r) } else { dc.src_num.txt(r) },
                    "obs_id": dc.obs_id.s(r).unwrap_or(""),
                    "src_num": dc.src_num.txt(r),
                    "date": mjd_date(dc.mjd_start.f(r)),
                    "mjd": fixed(dc.mjd_start.f(r), 3),
                    "ep": sci_or_null(dc.ep8.f(r)),
                    "ep_err": sci_or_null(dc.ep8_err.f(r)),
                    "pn": sci_or_null(dc.pn8.f(r)),
                    "m1": sci_or_null(dc.m18.f(r)),
                    "m2": sci_or_null(dc.m28.f(r)),
                    "det_ml": fixed(dc.det_ml.f(r), 1),
                    "offax": fixed(dc.offax.f(r), 2),
                    "flag": dc.sum_flag.txt(r),
                    "spectra": dc.spectra.flag(r),
                    "inst": map!({"inst": dc.inst.s(r).unwrap_or(""), "expid": dc.exp.s(r).unwrap_or("")}),
                    "kind": dc.kind(r),
                })
            })
            .collect();
        // Upper limits of a stacked catalogue are arrows from the 3σ upper bound of the flux
        // measured at the source position: max(flux, 0) + 3 × its error.
        let lc: Vec<LcPoint> = det_rows
            .iter()
            .filter_map(|&r| {
                let upper = dc.kind(r) == "upper limit";
                let (flux, err) = (dc.ep8.f(r)?, dc.ep8_err.f(r).unwrap_or(0.0));
                Some(LcPoint {
                    mjd: dc.mjd_start.f(r)?,
                    flux: if upper {
                        flux.max(0.0) + 3.0 * err
                    } else {
                        flux
                    },
                    err: if upper { 0.0 } else { err },
                    label: dc.obs_id.s(r).unwrap_or("").to_string(),
                    upper,
                })
            })
            .collect();
        let neighbours: Vec<tera::Value> = self
            .neighbours_of(i)
            .into_iter()
            .map(|(j, sep)| {
                map!({
                    "srcid": self.srcids[j],
                    "iauname": sc.iauname.s(j).unwrap_or(""),
                    "sep": format!("{:.1}", sep * 3600.0),
                    "flux": sci_or_null(sc.ep8.f(j)),
                    "n": sc.n_detections.txt(j),
                })
            })
            .collect();
        let extra: Vec<tera::Value> = self
            .extra_sources
            .iter()
            .map(|(name, col, description)| {
                map!({"name": name.as_str(), "v": col.txt(i), "description": description.as_str()})
            })
            .collect();
        let pos = format!("{ra:.6} {dec:+.6}");
        let has_spectrum = sc.has_spectrum.flag(i);
        c.insert_value(
            "s",
            map!({
                "srcid": self.srcids[i],
                "iauname": sc.iauname.s(i).unwrap_or(""),
                "ra": format!("{ra:.6}"),
                "dec": format!("{dec:+.6}"),
                "ra_hms": format_ra_hms(ra, 2, ':'),
                "dec_dms": format_dec_dms(dec, 1, ':'),
                "l": format!("{l:.5}"),
                "b": format!("{b:+.5}"),
                "poserr": fixed(sc.poserr.f(i), 2),
                "det_ml": fixed(sc.det_ml.f(i), 1),
                "extent": sc.extent.pm(sc.ext_err, i, 2),
                // The catalogue writes 0 (or nothing) as the extent of a point-like source.
                "extended": sc.extent.f(i).is_some_and(|x| x > 0.0),
                "ext_ml": fixed(sc.ext_ml.f(i), 1),
                "sum_flag": flag_text(sc.sum_flag.f(i)),
                "confused": sc.confused.txt(i),
                "high_background": sc.high_background.txt(i),
                "n_detections": sc.n_detections.txt(i),
                "n_observations": sc.n_observations.txt(i),
                "first": mjd_date(sc.mjd_first.f(i)),
                "last": mjd_date(sc.mjd_last.f(i)),
                "mjd_first": fixed(sc.mjd_first.f(i), 3),
                "mjd_last": fixed(sc.mjd_last.f(i), 3),
                "has_spectrum": has_spectrum,
                "chi2prob": sci_or_null(sc.chi2prob.f(i)),
                "fvar": sc.fvar.pm(sc.fvar_err, i, 3),
                "var_flag": sc.var_flag.txt(i),
                "fmin": sc.fmin.pm_sci(sc.fmin_err, i),
                "fmax": sc.fmax.pm_sci(sc.fmax_err, i),
            }),
        );
        c.insert_value("cols", self.names.clone());
        if let Some((release, counterparts)) = self.release_context(i, &root) {
            c.insert_value("release", release);
            c.insert_value("counterparts", counterparts);
        }
        if self.cat.layout == crate::catalog::Layout::Stacked {
            c.insert_value("stack", self.stack(i));
        }
        c.insert_value("fluxes", fluxes.into());
        c.insert_value("hrs", hrs.into());
        c.insert_value("detections", detections.into());
        c.insert_value(
            "stacked",
            (self.cat.layout == crate::catalog::Layout::Stacked).into(),
        );
        // A light curve needs two points; one detection's flux is in the table of detections.
        let drawable = lc.iter().filter(|p| p.drawable()).count();
        c.insert_value("lc_points", drawable.into());
        c.insert_value(
            "lc_upper_limits",
            lc.iter().filter(|p| p.upper && p.drawable()).count().into(),
        );
        let light_curve = if drawable >= 2 {
            svg::light_curve(&lc, &self.lc_label)
        } else {
            None
        };
        c.insert_value("light_curve", light_curve.into());
        c.insert_value("neighbours", neighbours.into());
        c.insert_value(
            "neighbour_radius",
            cell(&xcat_core::Value::Float(self.neighbour_radius_arcmin)).into(),
        );
        c.insert_value("extra", extra.into());
        let links: Vec<tera::Value> = external_links(ra, dec)
            .into_iter()
            .map(|(name, what, url)| map!({"name": name, "what": what, "url": url}))
            .collect();
        c.insert_value("links", links.into());
        c.insert_value("downloads", self.source_downloads(i));
        c.insert_value("fit", (self.fit && has_spectrum).into());
        c.insert_value(
            "query_near",
            format!(
                "{root}query/?q={}",
                url_encode(&format!("cone('{pos}', '1arcmin')"))
            )
            .into(),
        );
        c
    }

    /// What a stacked catalogue says of source row `i` as a whole: its observations, the
    /// spectral shape and variability of the stack, its Gaia DR3 and WISE counterparts.
    fn stack(&self, i: usize) -> tera::Value {
        let c = &self.stack_cols;
        let gaia = c.gaia.0.and_then(|col| col.i64(i)).map(|id| {
            map!({
                "id": id,
                "prob": fixed(c.gaia_prob.f(i), 2),
                "url": format!("https://vizier.cds.unistra.fr/viz-bin/VizieR-4?-source=I/355/gaiadr3&Source={id}"),
            })
        });
        let wise = c.wise.s(i).filter(|n| !n.trim().is_empty()).map(|name| {
            map!({
                "name": name,
                "prob": fixed(c.wise_prob.f(i), 2),
                "url": format!("https://vizier.cds.unistra.fr/viz-bin/VizieR-4?-source=II/328/allwise&AllWISE={}", url_encode(name)),
            })
        });
        map!({
            "n_obs": c.n_obs.txt(i),
            "n_contrib": c.n_contrib.txt(i),
            "n_ul": c.n_ul.txt(i),
            "gamma": fixed(c.gamma.f(i), 2),
            "nh": sci_or_null(c.nh.f(i)),
            "var_prob": sci_or_null(c.var_prob.f(i)),
            "var_chi": fixed(c.var_chi.f(i), 2),
            "gaia": gaia.unwrap_or(tera::Value::none()),
            "wise": wise.unwrap_or(tera::Value::none()),
        })
    }

    /// Observation rows in output order with their output paths.
    pub fn observation_path(&self, i: usize) -> String {
        format!(
            "observation/{}/index.html",
            s(&self.cat.observations, "OBS_ID", i).unwrap_or("unknown")
        )
    }

    /// Context of the page of observation row `i`.
    pub fn observation(&self, i: usize) -> Json {
        let o = &self.cat.observations;
        let d = &self.cat.detections;
        let path = self.observation_path(i);
        let mut c = render::base(&self.site, &path);
        let root = c["root"].as_str().unwrap_or("").to_string();
        let rows = self.observation_rows(i);
        let dc = &self.dc;
        // Upper limits of a stacked catalogue are listed apart from the detections.
        let (rows, limits): (Vec<usize>, Vec<usize>) =
            rows.into_iter().partition(|&r| dc.kind(r) != "upper limit");
        // The SRCID of measurement `r` and the IAU name of its source.
        let source = |r: usize| {
            let srcid = d.column("SRCID").and_then(|c| c.i64(r));
            let name = srcid
                .and_then(|id| self.source_row(id))
                .and_then(|k| self.sc.iauname.s(k))
                .unwrap_or("");
            (srcid, name)
        };
        let upper_limits: Vec<Json> = limits
            .iter()
            .map(|&r| {
                let (srcid, name) = source(r);
                json!({
                    "srcid": srcid.map_or(String::new(), |v| v.to_string()),
                    "iauname": name,
                    "ra": fixed(f(d, "RA", r), 5),
                    "dec": fixed(f(d, "DEC", r), 5),
                    "flux": sci_or_null(dc.ep8.f(r)),
                    "flux_err": sci_or_null(dc.ep8_err.f(r)),
                    "det_ml": fixed(dc.det_ml.f(r), 1),
                })
            })
            .collect();
        let mut sky = Vec::with_capacity(rows.len());
        let detections: Vec<Json> = rows
            .iter()
            .map(|&r| {
                let (srcid, name) = source(r);
                let href = srcid.map(|id| format!("{root}source/{id}/"));
                if let Some(h) = &href {
                    sky.push(SkyPoint {
                        ra: f(d, "RA", r).unwrap_or(f64::NAN),
                        dec: f(d, "DEC", r).unwrap_or(f64::NAN),
                        flux: dc.ep8.f(r).unwrap_or(f64::NAN),
                        href: h.clone(),
                        label: format!(
                            "{} #{}: {}",
                            name,
                            dc.src_num.txt(r),
                            sci_or_null(dc.ep8.f(r))
                        ),
                    });
                }
                json!({
                    "src_num": dc.src_num.txt(r),
                    "srcid": srcid.map_or(String::new(), |v| v.to_string()),
                    "iauname": name,
                    "ra": fixed(f(d, "RA", r), 5),
                    "dec": fixed(f(d, "DEC", r), 5),
                    "flux": sci_or_null(dc.ep8.f(r)),
                    "flux_err": sci_or_null(dc.ep8_err.f(r)),
                    "det_ml": fixed(dc.det_ml.f(r), 1),
                    "offax": fixed(dc.offax.f(r), 2),
                    "extent": fixed(dc.extent.f(r), 1),
                    "flag": dc.sum_flag.txt(r),
                })
            })
            .collect();
        let ra = f(o, "RA_CENTRE", i).unwrap_or(f64::NAN);
        let dec = f(o, "DEC_CENTRE", i).unwrap_or(f64::NAN);
        let cameras: Vec<Json> = [("PN", "EPIC-pn"), ("M1", "EPIC-MOS1"), ("M2", "EPIC-MOS2")]
            .iter()
            .map(|(k, label)| {
                json!({"name": label,
                    "filter": txt(o, &format!("{k}_FILTER"), i),
                    "submode": submode_name(&txt(o, &format!("{k}_SUBMODE"), i)),
                    "ontime": fixed(f(o, &format!("{k}_ONTIME"), i), 0)})
            })
            .collect();
        let start = f(o, "MJD_START", i);
        let stop = f(o, "MJD_STOP", i);
        let obs_id = s(o, "OBS_ID", i).unwrap_or("");
        c["o"] = json!({
            "obs_id": obs_id,
            "revolut": txt(o, "REVOLUT", i),
            "start": mjd_iso(start),
            "stop": mjd_iso(stop),
            "mjd_start": fixed(start, 5),
            "mjd_stop": fixed(stop, 5),
            "duration": match (start, stop) { (Some(a), Some(b)) => format!("{:.1}", (b - a) * 24.0), _ => NULL.into() },
            "obs_class": txt(o, "OBS_CLASS", i),
            "ep_ontime": fixed(f(o, "EP_ONTIME", i), 0),
            "ra": fixed(Some(ra), 5),
            "dec": fixed(Some(dec), 5),
            "ra_hms": format_ra_hms(ra, 1, ':'),
            "dec_dms": format_dec_dms(dec, 0, ':'),
            "n": txt(o, "N_DETECTIONS", i),
            "xsa": format!("https://nxsa.esac.esa.int/nxsa-web/#obsid={}", url_encode(obs_id)),
        });
        c["cameras"] = Json::Array(cameras);
        c["detections"] = Json::Array(detections);
        c["upper_limits"] = Json::Array(upper_limits);
        c["other_releases"] = self.observation_others(obs_id, &root);
        if let Some((all, r)) = self.releases {
            let me = &all.summaries[r];
            c["release"] = json!({"id": me.id, "title": me.title, "current": me.current});
        }
        c["sky"] = svg::sky_plot(ra, dec, &sky, 16.0).map_or(Json::Null, Json::String);
        c
    }
}

/// Links to other archives by position: name, what the link shows, URL.
fn external_links(ra: f64, dec: f64) -> [(&'static str, &'static str, String); 6] {
    let pos = url_encode(&format!("{ra:.6} {dec:+.6}"));
    [
        (
            "SIMBAD",
            "objects within 10″",
            format!(
                "https://simbad.cds.unistra.fr/simbad/sim-coo?Coord={pos}&Radius=10&Radius.unit=arcsec"
            ),
        ),
        (
            "NED",
            "objects within 10″",
            format!(
                "https://ned.ipac.caltech.edu/conesearch?search_type=Near%20Position%20Search&coordinates={pos}&radius=0.1667&in_csys=Equatorial&in_equinox=J2000"
            ),
        ),
        (
            "VizieR",
            "catalogue entries within 10″",
            format!("https://vizier.cds.unistra.fr/viz-bin/VizieR-4?-c={pos}&-c.rs=10"),
        ),
        (
            "ESASky",
            "all-mission sky view",
            format!("https://sky.esa.int/esasky/?target={pos}&fov=0.1&cooframe=J2000"),
        ),
        (
            "XMM-Newton Science Archive",
            "observations covering the position",
            format!("https://nxsa.esac.esa.int/nxsa-web/#search?target={pos}"),
        ),
        (
            "HEASARC",
            "Xamin query of all HEASARC tables within 1′",
            format!("https://heasarc.gsfc.nasa.gov/xamin/?position={pos}&radius=1"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::submode_name;

    /// Defect 15: the observation page showed the catalogue's 15-character cut of the modes.
    #[test]
    fn submodes_get_their_full_names() {
        for (stored, shown) in [
            ("PrimeLargeWindo", "PrimeLargeWindow"),
            ("PrimeSmallWindo", "PrimeSmallWindow"),
            ("FastUncompresse", "FastUncompressed"),
            ("PrimeFullWindow", "PrimeFullWindow"),
            ("PrimePartialW2 ", "PrimePartialW2"),
            ("UNDEFINED", "UNDEFINED"),
            ("", ""),
        ] {
            assert_eq!(submode_name(stored), shown, "{stored:?}");
        }
    }
}
