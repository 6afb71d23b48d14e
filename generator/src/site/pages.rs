//! Contexts of the catalogue pages: a page per source (`source/<SRCID>/`) with its
//! detections' downloads, and a page per observation (`observation/<OBS_ID>/`).

use super::export;
use super::format::{NULL, cell, fixed, mjd_date, mjd_iso, sci_or_null, url_encode};
use super::neighbours::ZoneIndex;
use super::render;
use super::svg::{self, LcPoint, SkyPoint};
use crate::catalog::Catalogue;
use serde_json::{Value as Json, json};
use xcat_core::Table;
use xcat_core::coords::{equatorial_to_galactic, format_dec_dms, format_ra_hms};

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

/// What the catalogue pages share.
pub struct Catalog<'a> {
    cat: &'a Catalogue,
    site: Json,
    neighbours: ZoneIndex,
    neighbour_radius_arcmin: f64,
    srcids: Vec<i64>,
    extra_sources: Vec<String>,
    exporter: export::Exporter,
    fit: bool,
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

fn pm(t: &Table, name: &str, err: &str, i: usize, decimals: usize) -> Json {
    json!({"v": fixed(f(t, name, i), decimals), "e": fixed(f(t, err, i), decimals)})
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
                    f(t, "SC_RA", i).unwrap_or(f64::NAN),
                    f(t, "SC_DEC", i).unwrap_or(f64::NAN),
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
            .filter_map(|c| c.strip_prefix("sources.").map(str::to_string))
            .collect();
        let exporter = export::Exporter::new(
            &cat.detections,
            export::columns(&cat.detections, &cat.extra_columns),
        );
        Catalog {
            cat,
            site,
            neighbours,
            neighbour_radius_arcmin,
            srcids,
            extra_sources,
            exporter,
            fit,
        }
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

    /// The column descriptions of the VOTable downloads, shared by every source page (see
    /// [`export::Exporter::votable_fields`]), and their path.
    pub fn votable_fields(&self) -> (&'static str, Vec<u8>) {
        (export::VOTABLE_FIELDS_PATH, self.exporter.votable_fields())
    }

    /// The downloads of source row `i`'s detections, for its page: the CSV inline (a `data:`
    /// URL, so that it needs neither a file of its own nor JavaScript) and what the page's
    /// script needs to make the VOTable from it.
    fn source_downloads(&self, i: usize) -> Json {
        let rows = self.cat.source_detections.members(i);
        let id = self.srcids[i];
        let name = s(&self.cat.sources, "IAUNAME", i).unwrap_or("");
        let csv = self.exporter.csv(&self.cat.detections, rows);
        json!({
            "csv": export::data_url("text/csv;charset=utf-8", &csv),
            "csv_name": format!("xmm_detections_{id}.csv"),
            "vot_name": format!("xmm_detections_{id}.vot"),
            "vot_table": format!("detections_{id}"),
            "vot_description": format!("XMM-Newton detections of {name} (SRCID {id})"),
        })
    }

    /// Context of the page of source row `i`.
    pub fn source(&self, i: usize) -> Json {
        let t = &self.cat.sources;
        let d = &self.cat.detections;
        let path = self.source_path(i);
        let mut c = render::base(&self.site, &path);
        let ra = f(t, "SC_RA", i).unwrap_or(f64::NAN);
        let dec = f(t, "SC_DEC", i).unwrap_or(f64::NAN);
        let (l, b) = equatorial_to_galactic(ra, dec);
        let fluxes: Vec<Json> = BANDS
            .iter()
            .map(|(n, range)| {
                json!({"band": n, "range": range,
                    "v": sci_or_null(f(t, &format!("SC_EP_{n}_FLUX"), i)),
                    "e": sci_or_null(f(t, &format!("SC_EP_{n}_FLUX_ERR"), i))})
            })
            .collect();
        let hrs: Vec<Json> = (1..=4)
            .map(|n| {
                let mut v = pm(t, &format!("SC_HR{n}"), &format!("SC_HR{n}_ERR"), i, 3);
                v["n"] = json!(n);
                v["bands"] = json!(format!("{} / {}", BANDS[n - 1].1, BANDS[n].1));
                v
            })
            .collect();
        let rows = self.cat.source_detections.members(i);
        let mut det_rows: Vec<usize> = rows.iter().map(|&r| r as usize).collect();
        det_rows.sort_by(|&a, &b| {
            f(d, "MJD_START", a)
                .unwrap_or(0.0)
                .total_cmp(&f(d, "MJD_START", b).unwrap_or(0.0))
                .then(a.cmp(&b))
        });
        let root = c["root"].as_str().unwrap_or("").to_string();
        let detections: Vec<Json> = det_rows
            .iter()
            .map(|&r| {
                json!({
                    "detid": txt(d, "DETID", r),
                    "obs_id": s(d, "OBS_ID", r).unwrap_or(""),
                    "src_num": txt(d, "SRC_NUM", r),
                    "date": mjd_date(f(d, "MJD_START", r)),
                    "mjd": fixed(f(d, "MJD_START", r), 3),
                    "ep": sci_or_null(f(d, "EP_8_FLUX", r)),
                    "ep_err": sci_or_null(f(d, "EP_8_FLUX_ERR", r)),
                    "pn": sci_or_null(f(d, "PN_8_FLUX", r)),
                    "m1": sci_or_null(f(d, "M1_8_FLUX", r)),
                    "m2": sci_or_null(f(d, "M2_8_FLUX", r)),
                    "det_ml": fixed(f(d, "EP_8_DET_ML", r), 1),
                    "offax": fixed(f(d, "EP_OFFAX", r), 2),
                    "flag": txt(d, "SUM_FLAG", r),
                    "spectra": d.column("SPECTRA").and_then(|c| c.bool(r)).unwrap_or(false),
                    "inst": spectrum_inst(d, r),
                })
            })
            .collect();
        let lc: Vec<LcPoint> = det_rows
            .iter()
            .filter_map(|&r| {
                Some(LcPoint {
                    mjd: f(d, "MJD_START", r)?,
                    flux: f(d, "EP_8_FLUX", r)?,
                    err: f(d, "EP_8_FLUX_ERR", r).unwrap_or(0.0),
                    label: s(d, "OBS_ID", r).unwrap_or("").to_string(),
                })
            })
            .collect();
        let neighbours: Vec<Json> = self
            .neighbours
            .near(ra, dec, Some(i))
            .into_iter()
            .map(|(j, sep)| {
                json!({
                    "srcid": self.srcids[j],
                    "iauname": s(t, "IAUNAME", j).unwrap_or(""),
                    "sep": format!("{:.1}", sep * 3600.0),
                    "flux": sci_or_null(f(t, "SC_EP_8_FLUX", j)),
                    "n": txt(t, "N_DETECTIONS", j),
                })
            })
            .collect();
        let extra: Vec<Json> = self
            .extra_sources
            .iter()
            .map(|n| {
                let field = t.schema().get(n);
                json!({"name": n, "v": txt(t, n, i),
                    "description": field.map_or("", |f| f.description.as_str())})
            })
            .collect();
        let pos = format!("{ra:.6} {dec:+.6}");
        let has_spectrum = t
            .column("HAS_SPECTRUM")
            .and_then(|c| c.bool(i))
            .unwrap_or(false);
        c["s"] = json!({
            "srcid": self.srcids[i],
            "iauname": s(t, "IAUNAME", i).unwrap_or(""),
            "ra": format!("{ra:.6}"),
            "dec": format!("{dec:+.6}"),
            "ra_hms": format_ra_hms(ra, 2, ':'),
            "dec_dms": format_dec_dms(dec, 1, ':'),
            "l": format!("{l:.5}"),
            "b": format!("{b:+.5}"),
            "poserr": fixed(f(t, "SC_POSERR", i), 2),
            "det_ml": fixed(f(t, "SC_DET_ML", i), 1),
            "extent": pm(t, "SC_EXTENT", "SC_EXT_ERR", i, 2),
            "ext_ml": fixed(f(t, "SC_EXT_ML", i), 1),
            "sum_flag": flag_text(f(t, "SC_SUM_FLAG", i)),
            "confused": txt(t, "CONFUSED", i),
            "high_background": txt(t, "HIGH_BACKGROUND", i),
            "n_detections": txt(t, "N_DETECTIONS", i),
            "n_observations": txt(t, "N_OBSERVATIONS", i),
            "first": mjd_date(f(t, "MJD_FIRST", i)),
            "last": mjd_date(f(t, "MJD_LAST", i)),
            "mjd_first": fixed(f(t, "MJD_FIRST", i), 3),
            "mjd_last": fixed(f(t, "MJD_LAST", i), 3),
            "has_spectrum": has_spectrum,
            "chi2prob": sci_or_null(f(t, "SC_CHI2PROB", i)),
            "fvar": pm(t, "SC_FVAR", "SC_FVARERR", i, 3),
            "var_flag": txt(t, "SC_VAR_FLAG", i),
            "fmin": json!({"v": sci_or_null(f(t, "SC_EP_8_FMIN", i)), "e": sci_or_null(f(t, "SC_EP_8_FMIN_ERR", i))}),
            "fmax": json!({"v": sci_or_null(f(t, "SC_EP_8_FMAX", i)), "e": sci_or_null(f(t, "SC_EP_8_FMAX_ERR", i))}),
        });
        c["fluxes"] = Json::Array(fluxes);
        c["hrs"] = Json::Array(hrs);
        c["detections"] = Json::Array(detections);
        // A light curve needs two points; one detection's flux is in the table of detections.
        let drawable = lc.iter().filter(|p| p.drawable()).count();
        c["lc_points"] = json!(drawable);
        c["light_curve"] = if drawable >= 2 {
            svg::light_curve(&lc, "EP_8_FLUX (erg cm⁻² s⁻¹)").map_or(Json::Null, Json::String)
        } else {
            Json::Null
        };
        c["neighbours"] = Json::Array(neighbours);
        c["neighbour_radius"] = json!(cell(&xcat_core::Value::Float(self.neighbour_radius_arcmin)));
        c["extra"] = Json::Array(extra);
        c["links"] = Json::Array(external_links(ra, dec));
        c["downloads"] = self.source_downloads(i);
        c["fit"] = json!(self.fit && has_spectrum);
        c["query_near"] = json!(format!(
            "{root}query/?q={}",
            url_encode(&format!("cone('{pos}', '1arcmin')"))
        ));
        c
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
        let mut rows: Vec<usize> = self
            .cat
            .observation_detections
            .members(i)
            .iter()
            .map(|&r| r as usize)
            .collect();
        rows.sort_by_key(|&r| {
            (
                d.column("SRC_NUM")
                    .and_then(|c| c.i64(r))
                    .unwrap_or(i64::MAX),
                r,
            )
        });
        let mut sky = Vec::with_capacity(rows.len());
        let detections: Vec<Json> = rows
            .iter()
            .map(|&r| {
                let srcid = d.column("SRCID").and_then(|c| c.i64(r));
                let row = srcid.and_then(|id| self.source_row(id));
                let name = row
                    .and_then(|k| s(&self.cat.sources, "IAUNAME", k))
                    .unwrap_or("");
                let href = srcid.map(|id| format!("{root}source/{id}/"));
                if let Some(h) = &href {
                    sky.push(SkyPoint {
                        ra: f(d, "RA", r).unwrap_or(f64::NAN),
                        dec: f(d, "DEC", r).unwrap_or(f64::NAN),
                        flux: f(d, "EP_8_FLUX", r).unwrap_or(f64::NAN),
                        href: h.clone(),
                        label: format!(
                            "{} #{}: {}",
                            name,
                            txt(d, "SRC_NUM", r),
                            sci_or_null(f(d, "EP_8_FLUX", r))
                        ),
                    });
                }
                json!({
                    "src_num": txt(d, "SRC_NUM", r),
                    "srcid": srcid.map_or(String::new(), |v| v.to_string()),
                    "iauname": name,
                    "ra": fixed(f(d, "RA", r), 5),
                    "dec": fixed(f(d, "DEC", r), 5),
                    "flux": sci_or_null(f(d, "EP_8_FLUX", r)),
                    "flux_err": sci_or_null(f(d, "EP_8_FLUX_ERR", r)),
                    "det_ml": fixed(f(d, "EP_8_DET_ML", r), 1),
                    "offax": fixed(f(d, "EP_OFFAX", r), 2),
                    "extent": fixed(f(d, "EP_EXTENT", r), 1),
                    "flag": txt(d, "SUM_FLAG", r),
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
                    "submode": txt(o, &format!("{k}_SUBMODE"), i),
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
        c["sky"] = svg::sky_plot(ra, dec, &sky, 16.0).map_or(Json::Null, Json::String);
        c
    }
}

/// The instrument and exposure of a detection's spectrum for the fit server, when known.
fn spectrum_inst(d: &Table, r: usize) -> Json {
    let inst = s(d, "VAR_INST_ID", r).unwrap_or("");
    let exp = s(d, "VAR_EXP_ID", r).unwrap_or("");
    json!({"inst": inst, "expid": exp})
}

/// Links to other archives by position.
pub fn external_links(ra: f64, dec: f64) -> Vec<Json> {
    let pos = url_encode(&format!("{ra:.6} {dec:+.6}"));
    vec![
        json!({"name": "SIMBAD", "what": "objects within 10″", "url": format!("https://simbad.cds.unistra.fr/simbad/sim-coo?Coord={pos}&Radius=10&Radius.unit=arcsec")}),
        json!({"name": "NED", "what": "objects within 10″", "url": format!("https://ned.ipac.caltech.edu/conesearch?search_type=Near%20Position%20Search&coordinates={pos}&radius=0.1667&in_csys=Equatorial&in_equinox=J2000")}),
        json!({"name": "VizieR", "what": "catalogue entries within 10″", "url": format!("https://vizier.cds.unistra.fr/viz-bin/VizieR-4?-c={pos}&-c.rs=10")}),
        json!({"name": "ESASky", "what": "all-mission sky view", "url": format!("https://sky.esa.int/esasky/?target={pos}&fov=0.1&cooframe=J2000")}),
        json!({"name": "XMM-Newton Science Archive", "what": "observations covering the position", "url": format!("https://nxsa.esac.esa.int/nxsa-web/#search?target={pos}")}),
        json!({"name": "HEASARC", "what": "Xamin query of all HEASARC tables within 1′", "url": format!("https://heasarc.gsfc.nasa.gov/xamin/?position={pos}&radius=1")}),
    ]
}
