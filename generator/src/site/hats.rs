//! The HATS catalogues of a build: each release (or the one catalogue) also as HEALPix-
//! partitioned Parquet under `hats/<release>/`, which LSDB opens locally or over HTTP
//! (`lsdb.open_catalog("https://…/hats/<release>")`): a collection of the sources with their
//! margin catalogue, and beside it the detections (or a stacked catalogue's measurements) with
//! theirs.

use super::output::Output;
use crate::catalog::{Catalogue, Progress, roles};
use crate::config::Config;
use crate::error::{Error, Result};
use xcat_core::Table;

/// Folder of the HATS catalogues in the output.
pub const DIR: &str = "hats/";

/// The energy band of the catalogue, 0.2–12 keV, as wavelengths in metres (`em_min`,
/// `em_max` of HATS and HiPS properties): λ = hc/E with hc = 1.239 841 98 × 10⁻⁶ eV m (CODATA
/// 2018).
const EM_MIN_M: f64 = 1.239_841_98e-6 / 12_000.0;
const EM_MAX_M: f64 = 1.239_841_98e-6 / 200.0;

/// The folder of the HATS collection of release `id` (`""` on a site with one catalogue).
pub fn dir_of(id: &str) -> String {
    format!("hats/{}", if id.is_empty() { "catalogue" } else { id })
}

/// What the build wrote for one release.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HatsReport {
    /// Folder (`hats/5xmm-dr15`).
    pub dir: String,
    /// The sources catalogue.
    pub sources: xcat_hats::Written,
    /// The detections catalogue.
    pub detections: xcat_hats::Written,
    /// Seconds it took.
    pub seconds: f64,
}

/// Writes the HATS collection of `cat` under `hats/<id>/` of the output ([`dir_of`]), before the pages drop the detection columns they do
/// not show: the HATS detections catalogue has them all.
pub fn write(
    config: &Config,
    cat: &Catalogue,
    id: &str,
    title: &str,
    output: &Output,
    progress: &(dyn Progress + Sync),
) -> Result<HatsReport> {
    let t0 = std::time::Instant::now();
    let dir = dir_of(id);
    let options = xcat_hats::Options {
        max_rows: config.hats.max_rows,
        margin_arcsec: config.hats.margin_arcsec,
        ..xcat_hats::Options::default()
    };
    let sink = |rel: &str, bytes: &[u8]| output.write(rel, bytes).map_err(|e| e.to_string());
    let fail = |e: xcat_hats::Error| Error::Hats {
        dir: dir.clone(),
        detail: e.to_string(),
        hint: "set `[hats] enabled = false` in xcat.toml to build the site without HATS catalogues"
            .into(),
    };
    // Named as the VO server names the release's ADQL schema (`xmm5_dr15`).
    let slug = xcat_core::query::adql::schema_name(id);
    let mut common = vec![("obs_regime".to_string(), "X-ray".to_string())];
    if let Some((t_min, t_max)) = time_range(&cat.observations) {
        common.push(("t_min".into(), t_min.to_string()));
        common.push(("t_max".into(), t_max.to_string()));
    }
    common.push(("em_min".into(), format!("{EM_MIN_M:e}")));
    common.push(("em_max".into(), format!("{EM_MAX_M:e}")));

    progress.start("writing the HATS catalogue of the sources", None);
    let s = &cat.sources;
    let mut props = vec![("obs_title".to_string(), format!("{title}: sources"))];
    props.extend(common.iter().cloned());
    let sources = xcat_hats::write_catalog(
        &dir,
        &xcat_hats::Catalog {
            name: "sources".into(),
            collection: format!("{slug}_sources"),
            table: s,
            ra: roles::pick(s, roles::RA).into(),
            dec: roles::pick(s, roles::DEC).into(),
            kind: "object",
            default_columns: present(
                s,
                &[
                    &["SRCID"],
                    &["IAUNAME"],
                    roles::RA,
                    roles::DEC,
                    roles::POSERR,
                    roles::DET_ML,
                    roles::FLUX,
                    roles::FLUX_ERR,
                    roles::EXTENT,
                    roles::SUM_FLAG,
                    roles::VAR_FLAG,
                    &["N_DETECTIONS"],
                ],
            ),
            properties: props,
        },
        &options,
        &sink,
    )
    .map_err(fail)?;
    progress.finish();

    progress.start("writing the HATS catalogue of the detections", None);
    let d = &cat.detections;
    let mut props = vec![(
        "obs_title".to_string(),
        format!(
            "{title}: detections{}",
            if cat.detection_marker.is_some() {
                " and upper limits"
            } else {
                ""
            }
        ),
    )];
    props.extend(common.iter().cloned());
    let detections = xcat_hats::write_catalog(
        &dir,
        &xcat_hats::Catalog {
            name: "detections".into(),
            collection: format!("{slug}_detections"),
            table: d,
            ra: "RA".into(),
            dec: "DEC".into(),
            kind: "source",
            default_columns: present(
                d,
                &[
                    &["DETID"],
                    &["SRCID"],
                    &["OBS_ID"],
                    &["RA"],
                    &["DEC"],
                    &["RADEC_ERR", "POSERR"],
                    &["EP_8_DET_ML", "EP_DET_ML"],
                    &["EP_8_FLUX", "EP_FLUX"],
                    &["EP_8_FLUX_ERR", "EP_FLUX_ERR"],
                    &["MJD_START"],
                    &["DETECTED", "DET_FLAG"],
                ],
            ),
            properties: props,
        },
        &options,
        &sink,
    )
    .map_err(fail)?;
    let margins: Vec<String> = (options.margin_arcsec > 0.0)
        .then(|| xcat_hats::catalog::margin_name("sources", options.margin_arcsec))
        .into_iter()
        .collect();
    xcat_hats::write_collection(
        &dir,
        &slug,
        "sources",
        &margins,
        &[("obs_title".to_string(), title.to_string())],
        &sink,
    )
    .map_err(fail)?;
    progress.finish();
    Ok(HatsReport {
        dir,
        sources,
        detections,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// The columns of `t` among the candidates of each role (the first it has).
fn present(t: &Table, roles: &[&[&str]]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in roles {
        if let Some(c) = roles::find(t, r)
            && !out.iter().any(|o| o == c)
        {
            out.push(c.to_string());
        }
    }
    out
}

/// The first start and last end of the observations (MJD), if they have any.
fn time_range(obs: &Table) -> Option<(f64, f64)> {
    let (start, stop) = (obs.column("MJD_START")?, obs.column("MJD_STOP")?);
    let fold = |c: &xcat_core::Column, f: fn(f64, f64) -> f64| {
        (0..c.len())
            .filter_map(|i| c.f64(i))
            .filter(|x| x.is_finite())
            .reduce(f)
    };
    Some((fold(start, f64::min)?, fold(stop, f64::max)?))
}
