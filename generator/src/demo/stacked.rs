//! The demo catalogue in the 5XMM-DR15 stacked layout ([`crate::catalog::layout_5xmm`]): the
//! *same synthetic sky* as the 4XMM demo of the same seed — the same fields, pointings and
//! sources, drawn from the same random streams — observed again as a stacked catalogue.
//!
//! Each field may have observations beyond those of the 4XMM demo (later epochs; deep fields
//! up to 97 in all), numbered `09nnnnnn01`, and fainter sources that only the stack finds (10 %
//! more per observation beyond the first). Every source is measured in every observation whose
//! field of view covers it: a **detection** when that observation's likelihood reaches 6 (it
//! gets a `PPS_SRCNUM`, ranked by count rate), else an **upper limit** (PSF photometry at the
//! source position, `PPS_SRCNUM` null). The summary row combines them: error-weighted fluxes,
//! rates and hardness ratios, summed likelihood (`STACK_DET_ML`, at least 6, as in the
//! catalogue), counts and exposures, inter-observation variability (`VAR_CHI`, `VAR_PROB`), and
//! Gaia DR3 / WISE counterparts for part of the point sources. SRCIDs follow the 5XMM pattern
//! `3` + first OBS_ID + a 5-digit number, so they never equal a 4XMM SRCID.
//!
//! The measurement noise comes from streams of its own, so the 4XMM demo is unchanged by this
//! module and both releases describe one sky.

use super::columns::Layout;
use super::field::{
    Det, FOV_DEG, FieldPlan, Pointing, Source, Ulx, add_ulx_sources, detect, gamma_q, pointings,
    sources, weighted,
};
use super::rng::Rng;
use super::targets::Kind;
use xcat_core::coords::{angular_distance, equatorial_to_galactic, iau_name};

/// Random stream (or-ed with the field index) of the number of extra observations.
const EXTRA_COUNT_STREAM: u64 = 1 << 62;
/// Random stream of the extra observations themselves.
const EXTRA_STREAM: u64 = 1 << 61;
/// Random stream of the measurements.
const MEASURE_STREAM: u64 = 1 << 60;

/// Observations of a field in the stacked release beyond those of the 4XMM demo.
pub fn extra_pointings(plan: &FieldPlan, seed: u64) -> u32 {
    let mut r = Rng::new(seed, plan.index | EXTRA_COUNT_STREAM);
    match plan.target.map(|t| t.kind) {
        // The deepest fields: 90 to 97 observations in all, as the most observed 5XMM sources.
        Some(Kind::Deep) => (90 + r.below(8) as u32).saturating_sub(plan.pointings),
        Some(_) => 2 + r.poisson(4.0) as u32,
        // Random fields: a few once-observed fields were observed again; fields observed
        // more than once, more often still. With the fainter sources of such fields this gives
        // about half the sources in more than one observation (DR15: 411,307 of 818,656).
        None if plan.pointings == 1 => {
            if r.chance(0.05) {
                1 + r.poisson(0.5) as u32
            } else {
                0
            }
        }
        None => r.poisson(2.5) as u32,
    }
}

/// Random stream of the fainter sources only the stacked release has.
const FAINT_STREAM: u64 = 1 << 59;

/// Sources of a field with `sources` sources (in both layouts) that only the stacked release
/// finds, observed `pointings` times in all: 10 % more per observation beyond the first, at most
/// twice as many (the stack reaches fainter fluxes where a field is observed more).
pub fn faint_sources(sources: u32, pointings: u32) -> u32 {
    let extra = f64::from(sources) * 0.1 * f64::from(pointings.saturating_sub(1));
    (extra.round() as u32).min(2 * sources)
}

/// What a field contributes to the stacked catalogue.
#[derive(Debug, Default)]
pub struct StackedOutput {
    /// FITS rows: per source (SRCID order) its summary row, then its observation rows.
    pub rows: Vec<u8>,
    /// Sources (summary rows).
    pub sources: usize,
    /// Observation-specific rows.
    pub measurements: usize,
    /// ULX candidates, by 5XMM SRCID.
    pub ulx: Vec<Ulx>,
}

/// One source's measurements: indices into the field's measurements.
struct Stack {
    src: usize,
    members: Vec<usize>,
    /// Summed total-band likelihood.
    ml: f64,
    flux: f64,
}

/// Simulates the field of `plan` as a stacked catalogue; `first_extra` numbers its extra
/// observations among all fields'.
pub fn simulate(
    plan: &FieldPlan,
    seed: u64,
    l4: &Layout,
    l5: &Layout,
    prefix: &str,
    first_extra: u64,
) -> StackedOutput {
    // The sky of the 4XMM demo: the same stream, drawn in the same order.
    let mut rng = Rng::new(seed, plan.index);
    let mut ps = pointings(plan, &mut rng);
    let mut src = sources(plan, &mut rng);
    add_ulx_sources(plan, &mut src, &mut rng);
    if plan.faint_sources > 0 {
        // Scattered like the field's other sources, a third as bright.
        let faint = FieldPlan {
            target: None,
            sources: plan.faint_sources,
            ..plan.clone()
        };
        let mut rf = Rng::new(seed, plan.index | FAINT_STREAM);
        src.extend(sources(&faint, &mut rf).into_iter().map(|mut s| {
            s.flux /= 3.0;
            s
        }));
    }
    let extra = plan.extra_pointings;
    if extra > 0 {
        let mut rx = Rng::new(seed, plan.index | EXTRA_STREAM);
        let more = FieldPlan {
            pointings: extra,
            ..plan.clone()
        };
        let mut xs = pointings(&more, &mut rx);
        for (k, p) in xs.iter_mut().enumerate() {
            p.obs_id = format!("09{:06}01", first_extra + k as u64);
            p.obs_num = p.obs_id.parse().expect("digits");
        }
        ps.extend(xs);
        ps.sort_by(|a, b| {
            a.mjd_start
                .total_cmp(&b.mjd_start)
                .then(a.obs_num.cmp(&b.obs_num))
        });
    }
    let mut r5 = Rng::new(seed, plan.index | MEASURE_STREAM);
    let c4 = |n: &str| l4.get(n);
    let mut dets: Vec<Det> = Vec::new();
    let mut stacks: Vec<Stack> = Vec::with_capacity(src.len());
    for (si, s) in src.iter().enumerate() {
        let mut members = Vec::new();
        for (pi, p) in ps.iter().enumerate() {
            let theta = angular_distance(p.ra, p.dec, s.ra, s.dec);
            if theta > FOV_DEG {
                continue;
            }
            members.push(dets.len());
            dets.push(detect(l4, &mut r5, p, s, si, pi, theta, false));
        }
        let ml: f64 = members.iter().map(|&m| dets[m].v[c4("EP_8_DET_ML")]).sum();
        // Every simulated source is in the catalogue, as in the 4XMM demo: the stack reaches
        // the catalogue's threshold.
        let ml = if ml < 6.0 { r5.range(6.0, 9.0) } else { ml };
        stacks.push(Stack {
            src: si,
            members,
            ml,
            flux: s.flux,
        });
    }
    // PPS_SRCNUM of the detections: rank by count rate within each observation.
    let ml8 = c4("EP_8_DET_ML");
    let mut srcnum = vec![f64::NAN; dets.len()];
    for pi in 0..ps.len() {
        let mut idx: Vec<usize> = (0..dets.len())
            .filter(|&k| dets[k].pointing == pi && dets[k].v[ml8] >= 6.0)
            .collect();
        idx.sort_by(|&a, &b| dets[b].rate8.total_cmp(&dets[a].rate8).then(a.cmp(&b)));
        for (rank, &k) in idx.iter().enumerate() {
            srcnum[k] = rank as f64 + 1.0;
        }
    }
    // SRCIDs: 3, the field's first OBS_ID, the rank of the source by flux.
    stacks.sort_by(|a, b| b.flux.total_cmp(&a.flux).then(a.src.cmp(&b.src)));
    let first_obs = ps.first().map_or(0, |p| p.obs_num);
    let mut out = StackedOutput::default();
    for (rank, st) in stacks.iter().enumerate() {
        let srcid = 3_000_000_000_000_000 + first_obs * 100_000 + rank as i64 + 1;
        let s = &src[st.src];
        let mut members = st.members.clone();
        members.sort_by(|&a, &b| {
            ps[dets[a].pointing]
                .mjd_start
                .total_cmp(&ps[dets[b].pointing].mjd_start)
        });
        let summary = Summary::new(
            l4, l5, &dets, &members, &srcnum, &ps, s, st.ml, srcid, prefix, &mut r5,
        );
        l5.encode(&summary.v, &summary.s, &mut out.rows);
        for &m in &members {
            let (v, t) =
                summary.observation_row(l4, l5, &dets[m], &ps[dets[m].pointing], srcnum[m]);
            l5.encode(&v, &t, &mut out.rows);
        }
        out.sources += 1;
        out.measurements += members.len();
        if let Some(t) = plan.target.filter(|t| t.kind == Kind::Galaxy) {
            let (ra, dec) = (summary.v[l5.get("RA")], summary.v[l5.get("DEC")]);
            let f = summary.v[l5.get("EP_FLUX")];
            let r = angular_distance(t.ra, t.dec, ra, dec) * 60.0;
            let d_cm = t.distance_mpc * 3.0857e24;
            let lx = f * 4.0 * std::f64::consts::PI * d_cm * d_cm;
            if (0.3..=t.radius_arcmin).contains(&r) && lx > 1e39 {
                out.ulx.push(Ulx {
                    srcid,
                    host: t.name,
                    log_lx: lx.log10(),
                });
            }
        }
    }
    out
}

/// A source's summary row, and what its observation rows repeat from it.
struct Summary {
    v: Vec<f64>,
    s: Vec<String>,
}

/// 5XMM columns whose summary value is the sum over the source's observations, with the 4XMM
/// demo column each observation row takes its value from.
const SUMMED: [(&str, &str); 10] = [
    ("PN_DET_ML", "PN_8_DET_ML"),
    ("M1_DET_ML", "M1_8_DET_ML"),
    ("M2_DET_ML", "M2_8_DET_ML"),
    ("EP_CTS", "EP_8_CTS"),
    ("PN_CTS", "PN_8_CTS"),
    ("M1_CTS", "M1_8_CTS"),
    ("M2_CTS", "M2_8_CTS"),
    ("PN_ONTIME", "PN_ONTIME"),
    ("M1_ONTIME", "M1_ONTIME"),
    ("M2_ONTIME", "M2_ONTIME"),
];

/// The all-EPIC and per-camera names shared by both layouts (rates, hardness ratios).
fn shared_names() -> Vec<(String, String)> {
    let mut v = Vec::new();
    for b in 1..=5 {
        v.push((format!("EP_{b}_FLUX"), format!("EP_{b}_FLUX_ERR")));
    }
    for i in ["PN", "M1", "M2"] {
        for b in 1..=5 {
            v.push((format!("{i}_{b}_RATE"), format!("{i}_{b}_RATE_ERR")));
        }
    }
    for i in ["EP", "PN", "M1", "M2"] {
        for h in 1..=4 {
            v.push((format!("{i}_HR{h}"), format!("{i}_HR{h}_ERR")));
        }
    }
    v
}

impl Summary {
    #[allow(clippy::too_many_arguments)]
    fn new(
        l4: &Layout,
        l5: &Layout,
        dets: &[Det],
        members: &[usize],
        srcnum: &[f64],
        ps: &[Pointing],
        s: &Source,
        stack_ml: f64,
        srcid: i64,
        prefix: &str,
        rng: &mut Rng,
    ) -> Self {
        let (c4, c5) = (|n: &str| l4.get(n), |n: &str| l5.get(n));
        let mut v = vec![f64::NAN; l5.len()];
        let mut t = vec![String::new(); l5.len()];
        let get = |k: usize| members.iter().map(move |&m| dets[m].v[k]);
        let detected: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&m| !srcnum[m].is_nan())
            .collect();
        // Position: weighted mean of the detections' (of all measurements when none).
        let from: &[usize] = if detected.is_empty() {
            members
        } else {
            &detected
        };
        let (mut u, mut sw) = ([0.0; 3], 0.0);
        for &m in from {
            let e = dets[m].v[c4("RADEC_ERR")];
            let w = 1.0 / (e * e);
            let p = xcat_core::coords::unit_vector(dets[m].v[c4("RA")], dets[m].v[c4("DEC")]);
            (0..3).for_each(|k| u[k] += w * p[k]);
            sw += w;
        }
        let (ra, dec) = xcat_core::coords::lon_lat(u);
        let err = 1.0 / sw.sqrt();
        v[c5("SRCID")] = srcid as f64;
        t[c5("IAUNAME")] = iau_name(prefix, ra, dec);
        v[c5("N_CONTRIB")] = members.len() as f64;
        // Now and then an observation of the stack adds nothing at the source (a chip gap).
        v[c5("N_OBS")] = (members.len() + usize::from(rng.chance(0.05))) as f64;
        v[c5("N_EXP")] = members
            .iter()
            .map(|&m| ps[dets[m].pointing].ontime.iter().flatten().count() as f64)
            .sum();
        v[c5("RA")] = ra;
        v[c5("DEC")] = dec;
        v[c5("RADEC_ERR")] = err;
        let (l, b) = equatorial_to_galactic(ra, dec);
        v[c5("LII")] = l;
        v[c5("BII")] = b;
        v[c5("ELL_MAJOR")] = err * rng.range(1.0, 1.3);
        v[c5("ELL_MINOR")] = err * rng.range(0.7, 1.0);
        v[c5("ELL_PA")] = rng.range(0.0, 180.0);
        v[c5("MJD_FIRST")] = members
            .iter()
            .map(|&m| ps[dets[m].pointing].mjd_start)
            .fold(f64::INFINITY, f64::min);
        v[c5("MJD_LAST")] = members
            .iter()
            .map(|&m| ps[dets[m].pointing].mjd_stop)
            .fold(f64::NEG_INFINITY, f64::max);
        v[c5("STACK_DET_ML")] = stack_ml;
        v[c5("EP_DET_ML")] = stack_ml;
        for (n5, n4) in SUMMED {
            let x: Vec<f64> = get(c4(n4)).filter(|x| !x.is_nan()).collect();
            if !x.is_empty() {
                v[c5(n5)] = x.iter().sum();
            }
        }
        if let Some((f, e)) = weighted(get(c4("EP_8_FLUX")).zip(get(c4("EP_8_FLUX_ERR")))) {
            v[c5("EP_FLUX")] = f;
            v[c5("EP_FLUX_ERR")] = e;
            v[c5("STACK_FLUX")] = f;
        }
        for (n, e) in shared_names() {
            if let Some((x, xe)) = weighted(get(c4(&n)).zip(get(c4(&e)))) {
                v[c5(&n)] = x;
                v[c5(&e)] = xe;
            }
        }
        v[c5("STACK_GAMMA")] = (s.gamma + rng.gauss(0.0, 0.1)).clamp(0.0, 5.0);
        v[c5("STACK_NH")] = s.nh.clamp(1e19, 1e23);
        let ext = get(c4("EP_EXTENT")).sum::<f64>() / members.len() as f64;
        v[c5("EXTENT")] = ext;
        v[c5("EXTENT_ML")] = get(c4("EP_EXTENT_ML")).sum();
        if s.extent > 0.0 {
            let e = get(c4("EP_EXTENT_ERR")).sum::<f64>() / members.len() as f64;
            v[c5("EXTENT_ERR")] = e;
            v[c5("EXTENT_ERR_LO")] = (ext - e).max(0.0);
            v[c5("EXTENT_ERR_UP")] = ext + e;
        }
        // Flags: those of the worst detection.
        let worst = from
            .iter()
            .copied()
            .max_by(|&a, &b| {
                dets[a].v[c4("SUM_FLAG")]
                    .total_cmp(&dets[b].v[c4("SUM_FLAG")])
                    .then(b.cmp(&a))
            })
            .expect("every source is measured at least once");
        v[c5("SUM_FLAG")] = dets[worst].v[c4("SUM_FLAG")];
        for f in ["EP_FLAG", "PN_FLAG", "M1_FLAG", "M2_FLAG"] {
            t[c5(f)] = dets[worst].s[c4(f)].clone();
        }
        // Variability within observations: the most variable detection's.
        let chi = detected
            .iter()
            .map(|&m| dets[m].v[c4("EP_CHI2PROB")])
            .filter(|x| !x.is_nan())
            .fold(f64::NAN, f64::min);
        if !chi.is_nan() {
            v[c5("CHI2PROB")] = chi;
            v[c5("VAR_FLAG")] = f64::from(u8::from(
                detected.iter().any(|&m| dets[m].v[c4("VAR_FLAG")] == 1.0),
            ));
            let (fv, fe) = fvar(l4, dets, &detected);
            v[c5("FVAR")] = fv;
            v[c5("FVARERR")] = fe;
        }
        // Variability between observations, total band and bands 1–5.
        let bands: [(&str, &str, &str); 6] = [
            ("VAR_CHI", "VAR_PROB", "EP_8_FLUX"),
            ("VAR_CHI_1", "VAR_PROB_1", "EP_1_FLUX"),
            ("VAR_CHI_2", "VAR_PROB_2", "EP_2_FLUX"),
            ("VAR_CHI_3", "VAR_PROB_3", "EP_3_FLUX"),
            ("VAR_CHI_4", "VAR_PROB_4", "EP_4_FLUX"),
            ("VAR_CHI_5", "VAR_PROB_5", "EP_5_FLUX"),
        ];
        for (kchi, kprob, flux) in bands {
            let pairs: Vec<(f64, f64)> = get(c4(flux))
                .zip(get(c4(&format!("{flux}_ERR"))))
                .filter(|(f, e)| !f.is_nan() && *e > 0.0)
                .collect();
            if pairs.len() < 2 {
                continue;
            }
            let Some((mean, _)) = weighted(pairs.iter().copied()) else {
                continue;
            };
            let chi2: f64 = pairs.iter().map(|(f, e)| ((f - mean) / e).powi(2)).sum();
            let dof = pairs.len() as f64 - 1.0;
            v[c5(kchi)] = chi2 / dof;
            v[c5(kprob)] = gamma_q(dof / 2.0, chi2 / 2.0);
        }
        // Counterparts of point sources: Gaia DR3 for about half, WISE for fewer.
        if s.extent == 0.0 {
            if rng.chance(0.55) {
                let cell = xcat_core::coords::unit_vector(ra, dec);
                let id = ((cell[0] + 1.0) * 1.5e18) as i64 + rng.below(1 << 20) as i64;
                v[c5("GAIADR3_SOURCE_ID")] = id as f64;
                v[c5("GAIA_MATCH_PROB")] = rng.range(0.5, 1.0);
            }
            if rng.chance(0.45) {
                let (r, d) = (
                    ra + rng.gauss(0.0, 0.5) / 3600.0,
                    dec + rng.gauss(0.0, 0.5) / 3600.0,
                );
                t[c5("WISE_NAME")] = format!(
                    "J{}{}",
                    xcat_core::coords::format_ra_hms(r, 2, ':').replace(':', ""),
                    xcat_core::coords::format_dec_dms(d, 1, ':').replace(':', "")
                );
                v[c5("WISE_MATCH_PROB")] = rng.range(0.5, 1.0);
            }
        }
        Summary { v, s: t }
    }

    /// The observation-specific row of measurement `d` in pointing `p`.
    fn observation_row(
        &self,
        l4: &Layout,
        l5: &Layout,
        d: &Det,
        p: &Pointing,
        srcnum: f64,
    ) -> (Vec<f64>, Vec<String>) {
        let (c4, c5) = (|n: &str| l4.get(n), |n: &str| l5.get(n));
        let mut v = vec![f64::NAN; l5.len()];
        let mut t = vec![String::new(); l5.len()];
        // Repeated from the summary row.
        for n in [
            "SRCID",
            "RA",
            "DEC",
            "RADEC_ERR",
            "LII",
            "BII",
            "STACK_GAMMA",
            "STACK_NH",
            "EXTENT",
            "SUM_FLAG",
        ] {
            v[c5(n)] = self.v[c5(n)];
        }
        t[c5("IAUNAME")] = self.s[c5("IAUNAME")].clone();
        t[c5("OBS_ID")] = p.obs_id.clone();
        v[c5("PPS_SRCNUM")] = srcnum;
        v[c5("N_EXP")] = p.ontime.iter().flatten().count() as f64;
        v[c5("MJD_FIRST")] = p.mjd_start;
        v[c5("MJD_LAST")] = p.mjd_stop;
        let total_band = [
            ("EP_DET_ML", "EP_8_DET_ML"),
            ("EP_FLUX", "EP_8_FLUX"),
            ("EP_FLUX_ERR", "EP_8_FLUX_ERR"),
        ];
        for (n5, n4) in SUMMED.into_iter().chain(total_band) {
            v[c5(n5)] = d.v[c4(n4)];
        }
        for (n, e) in shared_names() {
            v[c5(&n)] = d.v[c4(&n)];
            v[c5(&e)] = d.v[c4(&e)];
        }
        for f in ["EP_FLAG", "PN_FLAG", "M1_FLAG", "M2_FLAG"] {
            t[c5(f)] = d.s[c4(f)].clone();
        }
        if srcnum.is_nan() {
            // An upper limit: no pipeline products, no light curve.
            v[c5("SPECTRA")] = 0.0;
            v[c5("TSERIES")] = 0.0;
            v[c5("VAR_FLAG")] = 0.0;
        } else {
            v[c5("SPECTRA")] = d.v[c4("SPECTRA")];
            v[c5("TSERIES")] = d.v[c4("TSERIES")];
            v[c5("VAR_FLAG")] = d.v[c4("VAR_FLAG")];
            v[c5("CHI2PROB")] = d.v[c4("EP_CHI2PROB")];
            let (fv, fe) = fvar(l4, std::slice::from_ref(d), &[0]);
            v[c5("FVAR")] = fv;
            v[c5("FVARERR")] = fe;
        }
        (v, t)
    }
}

/// The largest fractional variability (and its error) among the cameras of `members`.
fn fvar(l4: &Layout, dets: &[Det], members: &[usize]) -> (f64, f64) {
    let mut best = (f64::NAN, f64::NAN);
    for &m in members {
        for cam in ["PN", "M1", "M2"] {
            let x = dets[m].v[l4.get(&format!("{cam}_FVAR"))];
            if !x.is_nan() && (best.0.is_nan() || x > best.0) {
                best = (x, dets[m].v[l4.get(&format!("{cam}_FVARERR"))]);
            }
        }
    }
    best
}
