//! Descriptions and IVOA UCDs of the 4XMM (and 3XMM) catalogue columns.
//!
//! Written from the 4XMM-DR14 catalogue user guide (XMM-Newton Survey Science Centre,
//! "4XMM-DR14 Catalogue User Guide", column descriptions section) in our own words. Most of
//! the 336 columns follow patterns (`<instrument>_<band>_<quantity>`), so the text is composed
//! from the instrument, the band and the quantity; the remaining columns are listed one by one.

/// Energy range of an XMM catalogue band number.
pub fn band_range(band: &str) -> Option<&'static str> {
    Some(match band {
        "1" => "0.2–0.5 keV",
        "2" => "0.5–1.0 keV",
        "3" => "1.0–2.0 keV",
        "4" => "2.0–4.5 keV",
        "5" => "4.5–12.0 keV",
        "8" => "0.2–12.0 keV",
        "9" => "0.5–4.5 keV",
        _ => return None,
    })
}

fn instrument(code: &str) -> Option<&'static str> {
    Some(match code {
        "EP" => "all EPIC cameras combined",
        "PN" => "the EPIC-pn camera",
        "M1" => "the EPIC-MOS1 camera",
        "M2" => "the EPIC-MOS2 camera",
        _ => return None,
    })
}

/// Description and UCD of a column, or `None` for a name the project does not know.
pub fn describe(name: &str) -> Option<(String, &'static str)> {
    let upper = name.to_ascii_uppercase();
    if let Some(d) = fixed(&upper).or_else(|| stacked(&upper)) {
        return Some((d.0.to_string(), d.1));
    }
    if let Some(rest) = upper.strip_prefix("SC_") {
        return source_level(rest);
    }
    patterned(&upper)
}

/// Columns with a name of their own.
fn fixed(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "DETID" => (
            "Unique number of this detection (one row of the catalogue).",
            "meta.id",
        ),
        "SRCID" => (
            "Unique number of the source: all detections of one sky source share it.",
            "meta.id;meta.main",
        ),
        "DR3SRCID" => (
            "SRCID of the matching source in the 3XMM-DR3 catalogue.",
            "meta.id.cross",
        ),
        "DR3DETID" => (
            "DETID of the matching detection in 3XMM-DR3.",
            "meta.id.cross",
        ),
        "DR3DETDIST" => (
            "Distance to the matching 3XMM-DR3 detection.",
            "pos.angDistance",
        ),
        "DR3SRCDIST" => (
            "Distance to the matching 3XMM-DR3 source.",
            "pos.angDistance",
        ),
        "DR3MULT" => (
            "Number of 3XMM-DR3 sources matched to this source.",
            "meta.number",
        ),
        "DR4SRCID" => (
            "SRCID of the matching source in the 3XMM-DR4 catalogue.",
            "meta.id.cross",
        ),
        "DR4DETID" => (
            "DETID of the matching detection in 3XMM-DR4.",
            "meta.id.cross",
        ),
        "DR4DETDIST" => (
            "Distance to the matching 3XMM-DR4 detection.",
            "pos.angDistance",
        ),
        "DR4SRCDIST" => (
            "Distance to the matching 3XMM-DR4 source.",
            "pos.angDistance",
        ),
        "DR4MULT" => (
            "Number of 3XMM-DR4 sources matched to this source.",
            "meta.number",
        ),
        "IAUNAME" => (
            "IAU designation of the source, built from its truncated position (4XMM JHHMMSS.s±DDMMSS).",
            "meta.id",
        ),
        "SRC_NUM" => (
            "Number of the detection in the source list of its observation (pipeline SRCNUM).",
            "meta.id;obs",
        ),
        "OBS_ID" => (
            "XMM-Newton observation identifier (10 digits).",
            "meta.id;obs",
        ),
        "REVOLUT" => (
            "XMM-Newton orbit (revolution) number of the observation.",
            "obs.param",
        ),
        "MJD_START" => (
            "Start of the observation (Modified Julian Date).",
            "time.start;obs",
        ),
        "MJD_STOP" => (
            "End of the observation (Modified Julian Date).",
            "time.end;obs",
        ),
        "OBS_CLASS" => (
            "Quality class of the observation, 0 (no problems) to 5 (most of the field flagged).",
            "meta.code.qual;obs",
        ),
        "PN_FILTER" | "M1_FILTER" | "M2_FILTER" => (
            "Optical blocking filter of the camera (Thin1, Thin2, Medium, Thick, or UNDEF when the camera was off).",
            "meta.code;instr.filter",
        ),
        "PN_SUBMODE" | "M1_SUBMODE" | "M2_SUBMODE" => (
            "Observing sub-mode of the camera (e.g. PrimeFullWindow), UNDEFINED when not used.",
            "instr.setup",
        ),
        "RA" => (
            "Right ascension (ICRS) of the detection, after astrometric correction.",
            "pos.eq.ra;meta.main",
        ),
        "DEC" => (
            "Declination (ICRS) of the detection, after astrometric correction.",
            "pos.eq.dec;meta.main",
        ),
        "POSERR" => (
            "Total 1σ position uncertainty of the detection, including the systematic error.",
            "stat.error;pos",
        ),
        "LII" => ("Galactic longitude of the detection.", "pos.galactic.lon"),
        "BII" => ("Galactic latitude of the detection.", "pos.galactic.lat"),
        "RADEC_ERR" => (
            "Statistical 1σ position uncertainty from the source fit.",
            "stat.error;pos",
        ),
        "SYSERRCC" => (
            "Systematic position error added after astrometric correction.",
            "stat.error.sys;pos",
        ),
        "REFCAT" => (
            "Reference catalogue used for the astrometric correction of the field (code).",
            "meta.code",
        ),
        "POSCOROK" => (
            "Whether the astrometric correction of the field succeeded.",
            "meta.code.qual",
        ),
        "RA_UNC" => (
            "Right ascension before astrometric correction.",
            "pos.eq.ra",
        ),
        "DEC_UNC" => ("Declination before astrometric correction.", "pos.eq.dec"),
        "CCDPN" | "CCDM1" | "CCDM2" => (
            "CCD of the camera on which the detection lies.",
            "meta.id;instr.det",
        ),
        "PN_RAWX" | "M1_RAWX" | "M2_RAWX" => (
            "Detector RAWX pixel of the detection.",
            "pos.cartesian.x;instr.det",
        ),
        "PN_RAWY" | "M1_RAWY" | "M2_RAWY" => (
            "Detector RAWY pixel of the detection.",
            "pos.cartesian.y;instr.det",
        ),
        "EP_EXTENT" => (
            "Core radius of the fitted extended-source (beta) model; 0 for point-like detections.",
            "phys.angSize;src",
        ),
        "EP_EXTENT_ERR" => ("1σ error of EP_EXTENT.", "stat.error;phys.angSize;src"),
        "EP_EXTENT_ML" => (
            "Likelihood of the detection being extended rather than point-like.",
            "stat.likelihood;phys.angSize",
        ),
        "PN_PILEUP" | "M1_PILEUP" | "M2_PILEUP" => (
            "Pile-up level of the camera: counts per frame over the level at which pile-up becomes significant (≥ 1 means likely piled up).",
            "instr.det.noise",
        ),
        "PN_ONTIME" | "M1_ONTIME" | "M2_ONTIME" => (
            "Good exposure time (ONTIME) of the CCD of the camera on which the detection lies.",
            "time.duration;obs.exposure",
        ),
        "EP_ONTIME" => (
            "Largest of the cameras' ONTIME values for this detection.",
            "time.duration;obs.exposure",
        ),
        "PN_OFFAX" | "M1_OFFAX" | "M2_OFFAX" => (
            "Off-axis angle of the detection from the camera's optical axis.",
            "pos.angDistance;instr.fov",
        ),
        "EP_OFFAX" => (
            "Off-axis angle of the detection, averaged over the cameras.",
            "pos.angDistance;instr.fov",
        ),
        "PN_MASKFRAC" | "M1_MASKFRAC" | "M2_MASKFRAC" => (
            "Fraction of the point-spread function of the detection that falls on good pixels of the camera.",
            "instr.param",
        ),
        "DIST_NN" => (
            "Distance to the nearest neighbouring detection in the same observation.",
            "pos.angDistance",
        ),
        "SUM_FLAG" => (
            "Summary quality flag of the detection: 0 good, 1–2 possible spurious or problem region, 3–4 likely spurious (see the user guide).",
            "meta.code.qual",
        ),
        "EP_FLAG" | "PN_FLAG" | "M1_FLAG" | "M2_FLAG" => (
            "Twelve quality flags (T true, F false, X not set) from automatic and visual screening.",
            "meta.code.qual",
        ),
        "TSERIES" => (
            "Whether the pipeline extracted a light curve for this detection.",
            "meta.code",
        ),
        "SPECTRA" => (
            "Whether the pipeline extracted a spectrum for this detection.",
            "meta.code",
        ),
        "EP_CHI2PROB" => (
            "Lowest χ² probability of the detection's light curves being constant; small values mean variability.",
            "stat.probability;src.var",
        ),
        "PN_CHI2PROB" | "M1_CHI2PROB" | "M2_CHI2PROB" => (
            "χ² probability that the camera's light curve of the detection is constant.",
            "stat.probability;src.var",
        ),
        "PN_FVAR" | "M1_FVAR" | "M2_FVAR" => (
            "Fractional excess variance of the camera's light curve.",
            "src.var",
        ),
        "PN_FVARERR" | "M1_FVARERR" | "M2_FVARERR" => (
            "Error of the fractional excess variance.",
            "stat.error;src.var",
        ),
        "VAR_FLAG" => (
            "Whether the detection is variable within its observation (χ² probability < 1e-5).",
            "meta.code;src.var",
        ),
        "VAR_EXP_ID" => (
            "Exposure identifier of the light curve with the lowest χ² probability.",
            "meta.id;obs.exposure",
        ),
        "VAR_INST_ID" => (
            "Camera of the light curve with the lowest χ² probability.",
            "meta.id;instr",
        ),
        "MJD_FIRST" => (
            "Start of the first observation of the source (Modified Julian Date).",
            "time.start",
        ),
        "MJD_LAST" => (
            "End of the last observation of the source (Modified Julian Date).",
            "time.end",
        ),
        "N_DETECTIONS" => (
            "Number of detections of the source in the catalogue.",
            "meta.number",
        ),
        "CONFUSED" => (
            "Whether the source may be confused with a neighbour (ambiguous matching).",
            "meta.code.qual",
        ),
        "HIGH_BACKGROUND" => (
            "Whether the detection lies in a field with high background (part of a 'clean' subsample selection).",
            "meta.code.qual",
        ),
        _ => return None,
    })
}

/// Columns of the stacked catalogues (5XMM-DR15 Catalogue User Guide, section 4; 4XMM-DRns):
/// identification of summary and observation-specific rows, the stack's fit, counterparts.
fn stacked(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "N_OBS" => (
            "Number of observations in the stack of the source; set on its summary row only (N_OBS > 0 selects one row per source).",
            "meta.number;obs",
        ),
        "N_CONTRIB" => (
            "Number of observations that contribute to the source: those with the source in their field of view; set on the summary row only.",
            "meta.number;obs",
        ),
        "N_EXP" => (
            "Number of exposures (EPIC cameras) that contribute to the row.",
            "meta.number;obs.exposure",
        ),
        "PPS_SRCNUM" => (
            "Source number the pipeline gave the detection in this observation; null on upper-limit rows and summary rows.",
            "meta.id.part",
        ),
        "STACK_DET_ML" => (
            "Detection likelihood of the simultaneous fit of all observations of the source (−ln of the chance probability; the catalogue keeps ≥ 6).",
            "stat.likelihood;em.X-ray",
        ),
        "STACK_FLUX" => (
            "Flux of the source from the simultaneous fit of all its observations.",
            "phot.flux;em.X-ray",
        ),
        "STACK_GAMMA" => (
            "Photon index of the absorbed power law fitted to the band count rates of the stack.",
            "spect.index;em.X-ray",
        ),
        "STACK_NH" => (
            "Absorbing column density of that power-law fit.",
            "phys.columnDensity",
        ),
        "STACK_FLAG" => (
            "Quality flag of the stacked detection (4XMM-DRns): 0 clean, 1 reduced quality in an image, 2 possibly spurious, 3 spurious in every observation.",
            "meta.code.qual",
        ),
        "EXTENT" => (
            "Extent (core radius) of the source; 0 for point-like sources.",
            "phys.angSize;src",
        ),
        "EXTENT_ERR" => ("1σ error of EXTENT.", "stat.error;phys.angSize;src"),
        "EXTENT_ERR_LO" => (
            "Lower bound of the EXTENT interval.",
            "stat.error;phys.angSize;src",
        ),
        "EXTENT_ERR_UP" => (
            "Upper bound of the EXTENT interval.",
            "stat.error;phys.angSize;src",
        ),
        "EXTENT_ML" => (
            "Likelihood that the source is extended.",
            "stat.likelihood;phys.angSize",
        ),
        "RADEC_ERR" => (
            "Statistical 1σ position error of the source (RA and DEC errors added in quadrature).",
            "stat.error;pos.eq",
        ),
        "ELL_MAJOR" => (
            "Semi-major axis of the 68 % position error ellipse.",
            "stat.error;pos.errorEllipse",
        ),
        "ELL_MINOR" => (
            "Semi-minor axis of the 68 % position error ellipse.",
            "stat.error;pos.errorEllipse",
        ),
        "ELL_PA" => (
            "Position angle of the position error ellipse.",
            "pos.posAng;pos.errorEllipse",
        ),
        "CHI2PROB" => (
            "Smallest χ² probability, over cameras and exposures, that a light curve of the source is constant.",
            "stat.probability;src.var",
        ),
        "FVAR" => (
            "Fractional rms variability amplitude of the most variable light curve.",
            "src.var",
        ),
        "FVARERR" => ("Error of FVAR.", "stat.error;src.var"),
        "VAR_CHI" => (
            "Reduced χ² of the total-band fluxes between observations, for a constant flux.",
            "stat.fit.chi2;src.var",
        ),
        "VAR_PROB" => (
            "Probability that the total-band fluxes between observations are constant.",
            "stat.probability;src.var",
        ),
        "GAIADR3_SOURCE_ID" => (
            "Gaia DR3 source_id of the most probable optical counterpart.",
            "meta.id.cross",
        ),
        "GAIA_MATCH_PROB" => (
            "Probability of the association with that Gaia DR3 source.",
            "stat.probability",
        ),
        "WISE_NAME" => (
            "Designation of the most probable WISE counterpart.",
            "meta.id.cross",
        ),
        "WISE_MATCH_PROB" => (
            "Probability of the association with that WISE source.",
            "stat.probability",
        ),
        "INFO_COUNTERPARTS" => (
            "Web page listing every counterpart of the source.",
            "meta.ref.url",
        ),
        _ => return None,
    })
}

/// Columns named `<instrument>_<band>_<quantity>` or `<instrument>_<quantity>`.
fn patterned(name: &str) -> Option<(String, &'static str)> {
    let (inst, rest) = name.split_once('_')?;
    let who = instrument(inst)?;
    let (band, qty) = match rest.split_once('_') {
        Some((b, q)) if band_range(b).is_some() => (Some(b), q),
        _ => (None, rest),
    };
    let band_text = band.and_then(band_range);
    Some(match (band_text, qty) {
        (Some(b), "FLUX") => (
            format!("Flux in band {} ({b}) from {who}.", band?),
            "phot.flux;em.X-ray",
        ),
        (Some(b), "FLUX_ERR") => (
            format!("1σ error of the band {} ({b}) flux from {who}.", band?),
            "stat.error;phot.flux;em.X-ray",
        ),
        (Some(b), "RATE") => (
            format!("Count rate in band {} ({b}) in {who}.", band?),
            "arith.rate;phot.count;em.X-ray",
        ),
        (Some(b), "RATE_ERR") => (
            format!("1σ error of the band {} ({b}) count rate in {who}.", band?),
            "stat.error;phot.count;em.X-ray",
        ),
        (Some(b), "CTS") => (
            format!("Source counts in band {} ({b}) in {who}.", band?),
            "phot.count;em.X-ray",
        ),
        (Some(b), "CTS_ERR") => (
            format!("1σ error of the band {} ({b}) counts in {who}.", band?),
            "stat.error;phot.count;em.X-ray",
        ),
        (Some(b), "DET_ML") => (
            format!(
                "Detection likelihood in band {} ({b}) in {who} (−ln of the chance probability).",
                band?
            ),
            "stat.likelihood;em.X-ray",
        ),
        (Some(b), "EXP") => (
            format!(
                "Exposure at the detection's position in band {} ({b}) in {who}, vignetting not applied.",
                band?
            ),
            "time.duration;obs.exposure",
        ),
        (Some(b), "BG") => (
            format!(
                "Background at the detection's position in band {} ({b}) in {who}.",
                band?
            ),
            "phot.count;instr.background",
        ),
        (Some(b), "VIG") => (
            format!(
                "Vignetting factor at the detection's position in band {} ({b}) in {who}.",
                band?
            ),
            "instr.param",
        ),
        (None, q) if q.starts_with("HR") && q.len() == 3 => {
            let n: u8 = q[2..].parse().ok()?;
            (
                format!(
                    "Hardness ratio {n} from {who}: (R{} − R{n}) / (R{} + R{n}) of the band count rates.",
                    n + 1,
                    n + 1
                ),
                "phot.color;em.X-ray",
            )
        }
        // Stacked catalogues (5XMM-DR15) name the total band without a number.
        (None, "FLUX") => (
            format!("Flux in the total band (0.2–12.0 keV) from {who}."),
            "phot.flux;em.X-ray",
        ),
        (None, "FLUX_ERR") => (
            format!("1σ error of the total-band (0.2–12.0 keV) flux from {who}."),
            "stat.error;phot.flux;em.X-ray",
        ),
        (None, "RATE") => (
            format!("Count rate in the total band (0.2–12.0 keV) in {who}."),
            "arith.rate;phot.count;em.X-ray",
        ),
        (None, "RATE_ERR") => (
            format!("1σ error of the total-band count rate in {who}."),
            "stat.error;phot.count;em.X-ray",
        ),
        (None, "CTS") => (
            format!("Source counts in the total band (0.2–12.0 keV) in {who}."),
            "phot.count;em.X-ray",
        ),
        (None, "CTS_ERR") => (
            format!("1σ error of the total-band counts in {who}."),
            "stat.error;phot.count;em.X-ray",
        ),
        (None, "DET_ML") => (
            format!(
                "Detection likelihood in the total band in {who} (−ln of the chance probability)."
            ),
            "stat.likelihood;em.X-ray",
        ),
        (None, q) if q.starts_with("HR") && q.ends_with("_ERR") => (
            format!("1σ error of hardness ratio {} from {who}.", &q[2..3]),
            "stat.error;phot.color;em.X-ray",
        ),
        _ => return None,
    })
}

/// Source-level (`SC_`) columns: combinations of all detections of a source.
fn source_level(rest: &str) -> Option<(String, &'static str)> {
    let fixed = match rest {
        "RA" => Some((
            "Right ascension (ICRS) of the source: error-weighted mean of its detections.",
            "pos.eq.ra;meta.main",
        )),
        "DEC" => Some((
            "Declination (ICRS) of the source: error-weighted mean of its detections.",
            "pos.eq.dec;meta.main",
        )),
        "POSERR" => Some(("1σ position uncertainty of the source.", "stat.error;pos")),
        "DET_ML" => Some((
            "Total detection likelihood of the source over all its detections.",
            "stat.likelihood;em.X-ray",
        )),
        "EXTENT" => Some((
            "Error-weighted mean extent (core radius) of the source.",
            "phys.angSize;src",
        )),
        "EXT_ERR" => Some(("1σ error of SC_EXTENT.", "stat.error;phys.angSize;src")),
        "EXT_ML" => Some((
            "Total extent likelihood of the source.",
            "stat.likelihood;phys.angSize",
        )),
        "CHI2PROB" => Some((
            "χ² probability that the source's fluxes are constant between observations (long-term variability).",
            "stat.probability;src.var",
        )),
        "FVAR" => Some((
            "Fractional excess variance of the source's fluxes between observations.",
            "src.var",
        )),
        "FVARERR" => Some(("Error of SC_FVAR.", "stat.error;src.var")),
        "VAR_FLAG" => Some((
            "Whether any detection of the source is flagged variable within its observation.",
            "meta.code;src.var",
        )),
        "SUM_FLAG" => Some((
            "Highest SUM_FLAG of the source's detections.",
            "meta.code.qual",
        )),
        "EP_8_FMIN" => Some((
            "Lowest band-8 (0.2–12 keV) flux among the source's detections.",
            "phot.flux;stat.min;em.X-ray",
        )),
        "EP_8_FMIN_ERR" => Some(("1σ error of SC_EP_8_FMIN.", "stat.error;phot.flux;em.X-ray")),
        "EP_8_FMAX" => Some((
            "Highest band-8 (0.2–12 keV) flux among the source's detections.",
            "phot.flux;stat.max;em.X-ray",
        )),
        "EP_8_FMAX_ERR" => Some(("1σ error of SC_EP_8_FMAX.", "stat.error;phot.flux;em.X-ray")),
        _ => None,
    };
    if let Some((d, u)) = fixed {
        return Some((d.to_string(), u));
    }
    if let Some(n) = rest.strip_prefix("HR") {
        if let Some(n) = n.strip_suffix("_ERR") {
            return Some((
                format!("1σ error of SC_HR{n}."),
                "stat.error;phot.color;em.X-ray",
            ));
        }
        return Some((
            format!(
                "Error-weighted mean of the EPIC hardness ratio {n} of the source's detections."
            ),
            "phot.color;em.X-ray",
        ));
    }
    let (d, ucd) = patterned(rest)?;
    let d = d
        .trim_end_matches('.')
        .replacen("Flux", "Mean flux", 1)
        .replacen("1σ error of the", "1σ error of the mean", 1);
    Some((
        format!("{d}, error-weighted over the source's detections."),
        ucd,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::layout_4xmm::LAYOUT;

    #[test]
    fn every_4xmm_column_is_described() {
        let missing: Vec<&str> = LAYOUT
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| describe(n).is_none())
            .collect();
        assert!(missing.is_empty(), "undescribed columns: {missing:?}");
    }

    #[test]
    fn patterns_compose() {
        let (d, ucd) = describe("pn_3_flux").unwrap();
        assert_eq!(d, "Flux in band 3 (1.0–2.0 keV) from the EPIC-pn camera.");
        assert_eq!(ucd, "phot.flux;em.X-ray");
        let (d, _) = describe("SC_EP_8_FLUX").unwrap();
        assert_eq!(
            d,
            "Mean flux in band 8 (0.2–12.0 keV) from all EPIC cameras combined, error-weighted over the source's detections."
        );
        let (d, _) = describe("EP_HR2").unwrap();
        assert!(d.contains("(R3 − R2) / (R3 + R2)"), "{d}");
        assert!(describe("NOT_A_COLUMN").is_none());
        // 5XMM-DR15's unsuffixed total band and stack columns.
        let (d, _) = describe("EP_FLUX").unwrap();
        assert_eq!(
            d,
            "Flux in the total band (0.2–12.0 keV) from all EPIC cameras combined."
        );
        assert!(
            describe("stack_det_ml")
                .unwrap()
                .0
                .contains("simultaneous fit")
        );
        assert!(describe("N_OBS").unwrap().0.contains("N_OBS > 0"));
    }
}
