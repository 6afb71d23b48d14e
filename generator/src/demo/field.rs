//! Simulates one sky field of the demo catalogue: its XMM-Newton pointings, the X-ray sources
//! in it, and every detection of those sources, with the values of all 336 4XMM columns.
//!
//! The physics is simple but keeps the catalogue's internal relations: band fluxes follow an
//! absorbed power law; count rates are fluxes times the EPIC energy conversion factors of the
//! 4XMM user guide; counts follow from exposure and vignetting; detection likelihoods come from
//! a Poisson likelihood ratio against the background; hardness ratios from the band rates;
//! source-level (`SC_`) values are error-weighted combinations of the detections.

use super::columns::{Layout, q};
use super::rng::Rng;
use super::targets::{Kind, Target};
use xcat_core::coords::{angular_distance, equatorial_to_galactic, iau_name, offset};

/// The EPIC field-of-view radius used for source placement and detection, degrees.
pub(super) const FOV_DEG: f64 = 15.0 / 60.0;

/// Energy conversion factors, counts s⁻¹ per 1e-11 erg cm⁻² s⁻¹, bands 1–5 (4XMM user guide,
/// thin filter, Γ = 1.42, NH = 1.7e20): pn, then MOS (both MOS cameras alike).
const ECF_PN: [f64; 5] = [9.52, 8.12, 5.87, 1.95, 0.58];
const ECF_MOS: [f64; 5] = [1.68, 1.91, 2.01, 0.74, 0.15];
/// Band edges in keV.
const EDGES: [f64; 6] = [0.2, 0.5, 1.0, 2.0, 4.5, 12.0];

/// A planned field: where, how many pointings, how many sources.
#[derive(Debug, Clone)]
pub struct FieldPlan {
    /// Index of the field (also its random stream).
    pub index: u64,
    /// Centre, degrees.
    pub ra: f64,
    /// Centre, degrees.
    pub dec: f64,
    /// Famous target, if any.
    pub target: Option<Target>,
    /// Number of pointings.
    pub pointings: u32,
    /// Index of the first pointing among all fields (for OBS_ID numbering).
    pub first_pointing: u64,
    /// Number of sources.
    pub sources: u32,
    /// Further, fainter sources that only the stacked (5XMM) layout has.
    pub faint_sources: u32,
    /// Observations that only the stacked (5XMM) layout has.
    pub extra_pointings: u32,
}

/// XMM-Newton observation of a field.
#[derive(Debug, Clone)]
pub(super) struct Pointing {
    pub(super) obs_id: String,
    pub(super) obs_num: i64,
    pub(super) ra: f64,
    pub(super) dec: f64,
    pub(super) mjd_start: f64,
    pub(super) mjd_stop: f64,
    obs_class: i32,
    /// pn, MOS1, MOS2 exposures in s; `None` when the camera was off.
    pub(super) ontime: [Option<f64>; 3],
    filters: [&'static str; 3],
    submodes: [&'static str; 3],
    high_bg: bool,
    poscorok: bool,
    /// Astrometric shift applied by the correction, degrees (ra, dec).
    shift: (f64, f64),
}

/// A simulated source.
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub(super) ra: f64,
    pub(super) dec: f64,
    /// True 0.2–12 keV flux, erg cm⁻² s⁻¹.
    pub(super) flux: f64,
    /// Fraction of the band-8 energy flux in bands 1–5.
    fractions: [f64; 5],
    /// Photon index and absorbing column (cm⁻²) of the spectrum.
    pub(super) gamma: f64,
    pub(super) nh: f64,
    /// Core radius in arcsec, 0 for point-like.
    pub(super) extent: f64,
    pub(super) variable: bool,
    confused: bool,
}

/// A detection being built: all column values.
pub(super) struct Det {
    pub(super) src: usize,
    pub(super) pointing: usize,
    pub(super) v: Vec<f64>,
    pub(super) s: Vec<String>,
    pub(super) rate8: f64,
}

/// A ULX candidate found in a galaxy field.
#[derive(Debug, Clone)]
pub struct Ulx {
    /// Source identifier.
    pub srcid: i64,
    /// Host galaxy.
    pub host: &'static str,
    /// log10 of the 0.2–12 keV luminosity, erg/s.
    pub log_lx: f64,
}

/// What a field contributes to the catalogue.
#[derive(Debug, Default)]
pub struct FieldOutput {
    /// FITS rows, DETID order.
    pub rows: Vec<u8>,
    /// Number of rows.
    pub n_rows: usize,
    /// ULX candidates.
    pub ulx: Vec<Ulx>,
}

fn obs_id(k: u64) -> (String, i64) {
    let s = format!("0{:05}{:02}01", 10_000 + k / 4, k % 4 + 1);
    let n = s.parse().expect("digits");
    (s, n)
}

pub(super) fn pointings(plan: &FieldPlan, rng: &mut Rng) -> Vec<Pointing> {
    const FILTERS: [&str; 4] = ["Thin1", "Medium", "Medium", "Thick"];
    const PN_MODES: [&str; 4] = [
        "PrimeFullWindow",
        "PrimeFullWindow",
        "PrimeFullWindowExtended",
        "PrimeLargeWindow",
    ];
    const MOS_MODES: [&str; 3] = ["PrimeFullWindow", "PrimeFullWindow", "PrimePartialW2"];
    let mut out: Vec<Pointing> = (0..plan.pointings)
        .map(|k| {
            let (ra, dec) = if k == 0 {
                (plan.ra, plan.dec)
            } else {
                offset(
                    plan.ra,
                    plan.dec,
                    rng.range(0.0, 360.0),
                    rng.range(1.0, 4.5) / 60.0,
                )
            };
            let mjd_start = rng.range(51_560.0, 60_600.0);
            let exposure = 10f64.powf(rng.range(4.0, 5.1));
            let pn_on = !rng.chance(0.08);
            let ontime = [
                pn_on.then(|| exposure * rng.range(0.85, 0.97)),
                Some(exposure * rng.range(0.97, 1.0)),
                Some(exposure * rng.range(0.97, 1.0)),
            ];
            let filter = *rng.pick(&FILTERS);
            let obs_class = match rng.f64() {
                x if x < 0.5 => 0,
                x if x < 0.75 => 1,
                x if x < 0.9 => 2,
                x if x < 0.97 => 3,
                x if x < 0.99 => 4,
                _ => 5,
            };
            let poscorok = rng.chance(0.9);
            Pointing {
                obs_id: String::new(),
                obs_num: 0,
                ra,
                dec,
                mjd_start,
                mjd_stop: mjd_start + exposure * 1.08 / 86_400.0,
                obs_class,
                ontime,
                filters: [if pn_on { filter } else { "UNDEF" }, filter, filter],
                submodes: [
                    if pn_on {
                        *rng.pick(&PN_MODES)
                    } else {
                        "UNDEFINED"
                    },
                    *rng.pick(&MOS_MODES),
                    *rng.pick(&MOS_MODES),
                ],
                high_bg: rng.chance(0.08),
                poscorok,
                shift: (rng.gauss(0.0, 0.8) / 3600.0, rng.gauss(0.0, 0.8) / 3600.0),
            }
        })
        .collect();
    out.sort_by(|a, b| a.mjd_start.total_cmp(&b.mjd_start));
    for (k, p) in out.iter_mut().enumerate() {
        let (s, n) = obs_id(plan.first_pointing + k as u64);
        p.obs_id = s;
        p.obs_num = n;
    }
    out
}

/// Energy-flux fractions per band of a power law of photon index `gamma` absorbed by `nh`
/// (cm⁻²) with σ(E) ≈ 2.0e-22 (E/keV)^-2.5 cm² (a smooth stand-in for the photoelectric
/// cross-section).
fn band_fractions(gamma: f64, nh: f64) -> [f64; 5] {
    let mut f = [0.0; 5];
    for b in 0..5 {
        let (lo, hi) = (EDGES[b].ln(), EDGES[b + 1].ln());
        let n = 24;
        for k in 0..n {
            let e = (lo + (hi - lo) * (k as f64 + 0.5) / n as f64).exp();
            let de = e * (hi - lo) / n as f64;
            f[b] += e * e.powf(-gamma) * (-nh * 2.0e-22 * e.powf(-2.5)).exp() * de;
        }
    }
    let total: f64 = f.iter().sum();
    f.map(|x| x / total)
}

pub(super) fn sources(plan: &FieldPlan, rng: &mut Rng) -> Vec<Source> {
    let kind = plan.target.map(|t| t.kind);
    (0..plan.sources)
        .map(|k| {
            let in_galaxy = kind == Some(Kind::Galaxy) && rng.chance(0.35);
            let radius = match plan.target {
                Some(t) if in_galaxy => t.radius_arcmin.min(13.0) / 60.0,
                _ => 13.0 / 60.0,
            };
            let (ra, dec) = offset(
                plan.ra,
                plan.dec,
                rng.range(0.0, 360.0),
                radius * rng.f64().sqrt(),
            );
            let mut flux = rng.log10_normal(-14.2, 0.5).max(4e-16);
            let mut extent = if rng.chance(0.06) {
                10f64.powf(rng.range(0.8, 1.8))
            } else {
                0.0
            };
            let (mut gamma, nh) = (rng.gauss(1.8, 0.35), rng.log10_normal(21.0, 0.6));
            if k == 0 {
                // The target itself, at the field centre.
                match kind {
                    Some(Kind::Cluster) => {
                        flux = rng.log10_normal(-10.7, 0.2);
                        extent = rng.range(60.0, 80.0);
                        gamma = 2.6;
                    }
                    Some(Kind::Galactic) => flux = rng.log10_normal(-11.3, 0.4),
                    Some(Kind::Galaxy) => flux = rng.log10_normal(-12.3, 0.3),
                    _ => {}
                }
                if kind.is_some() {
                    return Source {
                        ra: plan.ra,
                        dec: plan.dec,
                        flux,
                        fractions: band_fractions(gamma, nh),
                        gamma,
                        nh,
                        extent,
                        variable: false,
                        confused: false,
                    };
                }
            }
            if extent > 0.0 {
                gamma = 2.4;
            }
            Source {
                ra,
                dec,
                flux,
                fractions: band_fractions(gamma, nh),
                gamma,
                nh,
                extent,
                variable: extent == 0.0 && rng.chance(0.12),
                confused: rng.chance(0.01),
            }
        })
        .collect()
}

/// Adds bright off-nuclear sources to a galaxy field: ULX candidates.
pub(super) fn add_ulx_sources(plan: &FieldPlan, src: &mut [Source], rng: &mut Rng) {
    // Only galaxies beyond 2 Mpc: closer ones would make ULXs brighter than any real source.
    let Some(t) = plan
        .target
        .filter(|t| t.kind == Kind::Galaxy && t.distance_mpc > 2.0)
    else {
        return;
    };
    let d_cm = t.distance_mpc * 3.0857e24;
    let n = 3 + rng.below(4) as usize;
    for _ in 0..n.min(src.len().saturating_sub(1)) {
        let k = 1 + rng.below(src.len() as u64 - 1) as usize;
        let r = rng.range(0.4, t.radius_arcmin.min(12.0)) / 60.0;
        let (ra, dec) = offset(t.ra, t.dec, rng.range(0.0, 360.0), r);
        let lx = 10f64.powf(rng.range(39.1, 40.4));
        let gamma = rng.gauss(1.7, 0.2);
        src[k] = Source {
            ra,
            dec,
            flux: lx / (4.0 * std::f64::consts::PI * d_cm * d_cm),
            fractions: band_fractions(gamma, 3e21),
            gamma,
            nh: 3e21,
            extent: 0.0,
            variable: rng.chance(0.4),
            confused: false,
        };
    }
}

/// Poisson likelihood ratio of `s` source counts over `b` background counts (Cash 1979).
pub(super) fn det_ml(s: f64, b: f64) -> f64 {
    if s <= 0.0 || b <= 0.0 {
        return 0.0;
    }
    ((s + b) * ((s + b) / b).ln() - s).max(0.0)
}

/// Regularised upper incomplete gamma function Q(a, x), for χ² probabilities.
pub(super) fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let ln_gamma_a = ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..500 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term < sum * 1e-15 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - ln_gamma_a).exp()
    } else {
        // Lentz's continued fraction.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..500 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < tiny { tiny } else { d };
            c = b + an / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (-x + a * x.ln() - ln_gamma_a).exp() * h
    }
}

/// ln Γ(x) by the Lanczos approximation (g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let t = x + 7.5;
    let s: f64 = C[0] + (1..9).map(|i| C[i] / (x + i as f64)).sum::<f64>();
    0.5 * (std::f64::consts::TAU).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// Simulates the field described by `plan`.
pub fn simulate(plan: &FieldPlan, seed: u64, layout: &Layout, prefix: &str) -> FieldOutput {
    let mut rng = Rng::new(seed, plan.index);
    let ps = pointings(plan, &mut rng);
    let mut src = sources(plan, &mut rng);
    add_ulx_sources(plan, &mut src, &mut rng);
    let ncol = layout.len();
    let col = |n: &str| layout.get(n);

    // Detections, pointing by pointing.
    let mut dets: Vec<Det> = Vec::new();
    let mut detected = vec![false; src.len()];
    let mut best: Vec<(f64, usize)> = vec![(-1.0, 0); src.len()];
    for pass in 0..2 {
        for (pi, p) in ps.iter().enumerate() {
            for (si, s) in src.iter().enumerate() {
                let theta = angular_distance(p.ra, p.dec, s.ra, s.dec);
                if theta > FOV_DEG {
                    continue;
                }
                let forced = pass == 1 && !detected[si] && best[si].1 == pi;
                if pass == 1 && !forced {
                    continue;
                }
                let d = detect(layout, &mut rng, p, s, si, pi, theta, forced);
                if pass == 0 && d.rate8 > best[si].0 {
                    best[si] = (d.rate8, pi);
                }
                if forced || d.v[col("EP_8_DET_ML")] >= 6.0 {
                    detected[si] = true;
                    dets.push(d);
                }
            }
        }
    }

    // SRC_NUM: rank by count rate within each observation; DETID from OBS_ID and SRC_NUM.
    let (c_srcnum, c_detid) = (col("SRC_NUM"), col("DETID"));
    for (pi, p) in ps.iter().enumerate() {
        let mut idx: Vec<usize> = (0..dets.len())
            .filter(|&k| dets[k].pointing == pi)
            .collect();
        idx.sort_by(|&a, &b| dets[b].rate8.total_cmp(&dets[a].rate8));
        for (rank, &k) in idx.iter().enumerate() {
            let n = rank as f64 + 1.0;
            dets[k].v[c_srcnum] = n;
            dets[k].v[c_detid] = (100_000_000_000_000 + p.obs_num * 10_000) as f64 + n;
        }
        nearest_neighbours(layout, &mut dets, &idx);
    }
    dets.sort_by(|a, b| a.v[c_detid].total_cmp(&b.v[c_detid]));

    // Source-level values.
    let mut ulx = Vec::new();
    for (si, source) in src.iter().enumerate() {
        let members: Vec<usize> = (0..dets.len()).filter(|&k| dets[k].src == si).collect();
        if members.is_empty() {
            continue;
        }
        let first = &dets[members[0]];
        let srcid = (first.v[c_detid] as i64) + 100_000_000_000_000;
        source_level(
            layout,
            &mut dets,
            &members,
            source,
            srcid as f64,
            prefix,
            &ps,
        );
        if let Some(t) = plan.target.filter(|t| t.kind == Kind::Galaxy) {
            let d = &dets[members[0]];
            let (ra, dec, f) = (
                d.v[col("SC_RA")],
                d.v[col("SC_DEC")],
                d.v[col("SC_EP_8_FLUX")],
            );
            let r = angular_distance(t.ra, t.dec, ra, dec) * 60.0;
            let d_cm = t.distance_mpc * 3.0857e24;
            let lx = f * 4.0 * std::f64::consts::PI * d_cm * d_cm;
            if (0.3..=t.radius_arcmin).contains(&r) && lx > 1e39 {
                ulx.push(Ulx {
                    srcid,
                    host: t.name,
                    log_lx: lx.log10(),
                });
            }
        }
    }
    let mut rows = Vec::with_capacity(dets.len() * layout.row_len);
    for d in &dets {
        debug_assert_eq!(d.v.len(), ncol);
        layout.encode(&d.v, &d.s, &mut rows);
    }
    FieldOutput {
        n_rows: dets.len(),
        rows,
        ulx,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn detect(
    layout: &Layout,
    rng: &mut Rng,
    p: &Pointing,
    s: &Source,
    si: usize,
    pi: usize,
    theta: f64,
    forced: bool,
) -> Det {
    let ncol = layout.len();
    let mut v = vec![f64::NAN; ncol];
    let mut txt = vec![String::new(); ncol];
    let c = |n: &str| layout.get(n);
    let theta_arcmin = theta * 60.0;
    let var_factor = if s.variable {
        rng.log10_normal(0.0, 0.3)
    } else {
        1.0
    };
    let flux = s.flux * var_factor;
    let mut rates = [[0.0f64; 5]; 3];
    let mut counts = [[0.0f64; 5]; 3];
    let mut bgs = [[0.0f64; 5]; 3];
    let maskfrac = if rng.chance(0.05) {
        rng.range(0.3, 0.85)
    } else {
        rng.range(0.9, 1.0)
    };
    for cam in 0..3 {
        let Some(on) = p.ontime[cam] else { continue };
        let filter_soft = match p.filters[cam] {
            "Thick" => 0.6,
            "Medium" => 0.9,
            _ => 1.0,
        };
        let ecf = if cam == 0 { ECF_PN } else { ECF_MOS };
        let cam_theta = theta_arcmin + rng.gauss(0.0, 0.3).abs();
        for b in 0..5 {
            let soft = if b < 2 { filter_soft } else { 1.0 };
            let vig = 1.0 - (0.3 + 0.05 * b as f64) * (cam_theta / 15.0).powi(2);
            let rate = flux * s.fractions[b] * ecf[b] * 1e11 * soft;
            let expect = rate * on * vig * maskfrac;
            let bg = (if cam == 0 { 0.05 } else { 0.015 }) * on / 1e4
                * rng.range(0.5, 2.0)
                * if p.high_bg { 4.0 } else { 1.0 };
            let cts = rng.poisson(expect) as f64;
            rates[cam][b] = cts / (on * vig * maskfrac);
            counts[cam][b] = cts;
            bgs[cam][b] = bg * (30.0 + s.extent * 2.0);
            let i = cam + 1;
            let set = |v: &mut Vec<f64>, qty: usize, x: f64| {
                if let Some(k) = layout.band[i][b][qty] {
                    v[k] = x;
                }
            };
            set(&mut v, q::EXP, on * rng.range(0.93, 1.0));
            set(&mut v, q::BG, bg);
            set(&mut v, q::VIG, vig);
        }
    }
    // Fluxes, rates, counts and likelihoods per camera and band (8 = sum of 1–5, 9 = 2–4).
    let band_sets: [(usize, &[usize]); 7] = [
        (0, &[0]),
        (1, &[1]),
        (2, &[2]),
        (3, &[3]),
        (4, &[4]),
        (5, &[0, 1, 2, 3, 4]),
        (6, &[1, 2, 3]),
    ];
    let mut ep = [[0.0f64; 4]; 7]; // flux, var(flux), counts, bg per band set
    for cam in 0..3 {
        if p.ontime[cam].is_none() {
            continue;
        }
        let ecf = if cam == 0 { ECF_PN } else { ECF_MOS };
        for &(bi, bands) in &band_sets {
            let (mut f, mut fvar, mut cts, mut bg, mut rate, mut rvar) =
                (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            for &b in bands {
                let on = p.ontime[cam].unwrap_or(1.0);
                let fb = rates[cam][b] / (ecf[b] * 1e11);
                let ferr = (counts[cam][b] + bgs[cam][b]).sqrt() / (on * ecf[b] * 1e11);
                f += fb;
                fvar += ferr * ferr;
                cts += counts[cam][b];
                bg += bgs[cam][b];
                rate += rates[cam][b];
                rvar += (counts[cam][b] + bgs[cam][b]) / (on * on);
            }
            let i = cam + 1;
            let set = |v: &mut Vec<f64>, qty: usize, x: f64| {
                if let Some(k) = layout.band[i][bi][qty] {
                    v[k] = x;
                }
            };
            set(&mut v, q::FLUX, f);
            set(&mut v, q::FLUX_ERR, fvar.sqrt());
            set(&mut v, q::RATE, rate);
            set(&mut v, q::RATE_ERR, rvar.sqrt());
            set(&mut v, q::CTS, cts);
            set(&mut v, q::CTS_ERR, (cts + bg).sqrt());
            set(&mut v, q::DET_ML, det_ml(cts, bg));
            let w = if fvar > 0.0 { 1.0 / fvar } else { 0.0 };
            ep[bi][0] += f * w;
            ep[bi][1] += w;
            ep[bi][2] += cts;
            ep[bi][3] += bg;
        }
    }
    let mut ml8 = det_ml(ep[5][2], ep[5][3]);
    if forced && ml8 < 6.0 {
        ml8 = rng.range(6.0, 9.0);
    }
    for (bi, e) in ep.iter().enumerate() {
        let set = |v: &mut Vec<f64>, qty: usize, x: f64| {
            if let Some(k) = layout.band[0][bi][qty] {
                v[k] = x;
            }
        };
        if e[1] > 0.0 {
            set(&mut v, q::FLUX, e[0] / e[1]);
            set(&mut v, q::FLUX_ERR, 1.0 / e[1].sqrt());
        }
        let on = p.ontime.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
        set(&mut v, q::RATE, e[2] / on.max(1.0));
        set(&mut v, q::RATE_ERR, (e[2] + e[3]).sqrt() / on.max(1.0));
        set(&mut v, q::CTS, e[2]);
        set(&mut v, q::CTS_ERR, (e[2] + e[3]).sqrt());
    }
    v[c("EP_8_DET_ML")] = ml8;
    v[c("EP_9_DET_ML")] = det_ml(ep[6][2], ep[6][3]);
    // Hardness ratios from band rates, per camera and combined.
    for inst in 0..4 {
        let r: [f64; 5] = if inst == 0 {
            std::array::from_fn(|b| (0..3).map(|c| rates[c][b]).sum())
        } else {
            rates[inst - 1]
        };
        let n: [f64; 5] = if inst == 0 {
            std::array::from_fn(|b| (0..3).map(|c| counts[c][b] + bgs[c][b]).sum())
        } else {
            std::array::from_fn(|b| counts[inst - 1][b] + bgs[inst - 1][b])
        };
        if inst > 0 && p.ontime[inst - 1].is_none() {
            continue;
        }
        for h in 0..4 {
            let (a, b) = (r[h], r[h + 1]);
            if a + b <= 0.0 {
                continue;
            }
            let hr = (b - a) / (b + a);
            let (ea, eb) = (a / n[h].max(1.0).sqrt(), b / n[h + 1].max(1.0).sqrt());
            let err = 2.0 / (a + b).powi(2) * ((b * ea).powi(2) + (a * eb).powi(2)).sqrt();
            let (kh, ke) = layout.hr[inst][h];
            v[kh] = hr.clamp(-1.0, 1.0);
            v[ke] = err.max(0.005);
        }
    }
    // Position.
    let total_counts = ep[5][2].max(3.0);
    let radec_err = 1.2 * (6.0 + s.extent * 0.3) / total_counts.sqrt() + 0.15;
    let syserr = if p.poscorok { 0.35 } else { 1.5 };
    let (ra, dec) = offset(
        s.ra,
        s.dec,
        rng.range(0.0, 360.0),
        (radec_err * rng.normal().abs() / 1.4) / 3600.0,
    );
    v[c("RA")] = ra;
    v[c("DEC")] = dec;
    v[c("RADEC_ERR")] = radec_err;
    v[c("SYSERRCC")] = syserr;
    v[c("POSERR")] = (radec_err * radec_err + syserr * syserr).sqrt();
    let (ra_unc, dec_unc) = (
        xcat_core::coords::normalize_lon(ra - p.shift.0),
        (dec - p.shift.1).clamp(-90.0, 90.0),
    );
    v[c("RA_UNC")] = ra_unc;
    v[c("DEC_UNC")] = dec_unc;
    let (l, b) = equatorial_to_galactic(ra_unc, dec_unc);
    v[c("LII")] = l;
    v[c("BII")] = b;
    v[c("REFCAT")] = if p.poscorok { 2.0 } else { -1.0 };
    v[c("POSCOROK")] = f64::from(u8::from(p.poscorok));
    // Observation.
    v[c("REVOLUT")] = ((p.mjd_start - 51_520.0) / 1.9958).floor();
    v[c("MJD_START")] = p.mjd_start;
    v[c("MJD_STOP")] = p.mjd_stop;
    v[c("OBS_CLASS")] = f64::from(p.obs_class);
    txt[c("OBS_ID")] = p.obs_id.clone();
    for (cam, name) in ["PN", "M1", "M2"].iter().enumerate() {
        txt[c(&format!("{name}_FILTER"))] = p.filters[cam].to_string();
        txt[c(&format!("{name}_SUBMODE"))] = p.submodes[cam].to_string();
        let on = p.ontime[cam];
        let ccd = if cam == 0 { 12 } else { 7 };
        let (kx, ky, kc) = (
            c(&format!("{name}_RAWX")),
            c(&format!("{name}_RAWY")),
            c(&format!("CCD{name}")),
        );
        if let Some(on) = on {
            v[kc] = (1 + rng.below(ccd)) as f64;
            v[kx] = (1 + rng.below(if cam == 0 { 64 } else { 600 })) as f64;
            v[ky] = (1 + rng.below(if cam == 0 { 200 } else { 600 })) as f64;
            v[c(&format!("{name}_ONTIME"))] = on;
            v[c(&format!("{name}_OFFAX"))] = theta_arcmin + rng.gauss(0.0, 0.2).abs();
            v[c(&format!("{name}_MASKFRAC"))] = maskfrac;
            let r8: f64 = rates[cam].iter().sum();
            v[c(&format!("{name}_PILEUP"))] = r8 / if cam == 0 { 1.5 } else { 0.7 };
        }
    }
    v[c("EP_ONTIME")] = p.ontime.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
    v[c("EP_OFFAX")] = theta_arcmin;
    // Extent.
    if s.extent > 0.0 {
        v[c("EP_EXTENT")] = (s.extent * rng.log10_normal(0.0, 0.05)).min(80.0);
        v[c("EP_EXTENT_ERR")] = s.extent * 0.15;
        v[c("EP_EXTENT_ML")] = 4.0 + total_counts.sqrt();
    } else {
        v[c("EP_EXTENT")] = 0.0;
        v[c("EP_EXTENT_ML")] = rng.gauss(0.0, 0.5);
    }
    // Quality flags.
    let sum_flag = match rng.f64() {
        x if x < 0.78 => 0,
        x if x < 0.9 => 1,
        x if x < 0.95 => 2,
        x if x < 0.99 => 3,
        _ => 4,
    };
    v[c("SUM_FLAG")] = f64::from(sum_flag);
    for (k, name) in ["EP_FLAG", "PN_FLAG", "M1_FLAG", "M2_FLAG"]
        .iter()
        .enumerate()
    {
        let off = k > 0 && p.ontime[k - 1].is_none();
        let mut flag = if off {
            "XXXXXXXXXXXX".to_string()
        } else {
            "FFFFFFFFFFFF".to_string()
        };
        if !off && sum_flag > 0 {
            let pos = [1usize, 2, 3, 8, 9][sum_flag as usize];
            flag.replace_range(pos..=pos, "T");
        }
        txt[c(name)] = flag;
    }
    // Time series, spectra, variability.
    let enough = total_counts >= 100.0;
    v[c("TSERIES")] = f64::from(u8::from(enough));
    v[c("SPECTRA")] = f64::from(u8::from(enough));
    if enough {
        let prob = if s.variable && var_factor > 0.0 && rng.chance(0.6) {
            10f64.powf(rng.range(-12.0, -5.0))
        } else {
            rng.range(0.001, 1.0)
        };
        v[c("EP_CHI2PROB")] = prob;
        for (cam, name) in ["PN", "M1", "M2"].iter().enumerate() {
            if p.ontime[cam].is_some() {
                v[c(&format!("{name}_CHI2PROB"))] = (prob * rng.range(1.0, 3.0)).min(1.0);
                if prob < 1e-3 {
                    v[c(&format!("{name}_FVAR"))] = rng.range(0.1, 0.6);
                    v[c(&format!("{name}_FVARERR"))] = rng.range(0.02, 0.08);
                }
            }
        }
        v[c("VAR_FLAG")] = f64::from(u8::from(prob < 1e-5));
        txt[c("VAR_EXP_ID")] = if p.ontime[0].is_some() {
            "S003".into()
        } else {
            "U002".into()
        };
        txt[c("VAR_INST_ID")] = if p.ontime[0].is_some() {
            "PN".into()
        } else {
            "M1".into()
        };
    } else {
        v[c("VAR_FLAG")] = 0.0;
    }
    // Cross-matches with 3XMM-DR3 (observations before MJD 56 000) and DR4 (before 56 400).
    for (tag, limit) in [("DR3", 56_000.0), ("DR4", 56_400.0)] {
        if p.mjd_start < limit {
            v[c(&format!("{tag}SRCID"))] = (si as f64) + 100_000.0 + rng.below(500_000) as f64;
            v[c(&format!("{tag}DETID"))] = (si as f64) + 200_000.0 + rng.below(500_000) as f64;
            v[c(&format!("{tag}DETDIST"))] = rng.range(0.1, 2.0);
            v[c(&format!("{tag}SRCDIST"))] = rng.range(0.1, 2.0);
            v[c(&format!("{tag}MULT"))] = 1.0;
        }
    }
    v[c("HIGH_BACKGROUND")] = f64::from(u8::from(p.high_bg));
    let rate8 = v[layout.band[0][5][q::RATE].expect("EP_8_RATE")];
    Det {
        src: si,
        pointing: pi,
        v,
        s: txt,
        rate8,
    }
}

fn nearest_neighbours(layout: &Layout, dets: &mut [Det], idx: &[usize]) {
    let (cra, cdec, cnn) = (layout.get("RA"), layout.get("DEC"), layout.get("DIST_NN"));
    for &a in idx {
        let (ra, dec) = (dets[a].v[cra], dets[a].v[cdec]);
        let nn = idx
            .iter()
            .filter(|&&b| b != a)
            .map(|&b| angular_distance(ra, dec, dets[b].v[cra], dets[b].v[cdec]))
            .fold(f64::INFINITY, f64::min);
        dets[a].v[cnn] = if nn.is_finite() {
            nn * 3600.0
        } else {
            f64::NAN
        };
    }
}

/// Error-weighted mean and its error of `(value, error)` pairs; NaNs are skipped.
pub(super) fn weighted(pairs: impl Iterator<Item = (f64, f64)>) -> Option<(f64, f64)> {
    let (mut sw, mut swx) = (0.0, 0.0);
    for (x, e) in pairs {
        if x.is_nan() || e.is_nan() || e <= 0.0 {
            continue;
        }
        let w = 1.0 / (e * e);
        sw += w;
        swx += w * x;
    }
    (sw > 0.0).then(|| (swx / sw, 1.0 / sw.sqrt()))
}

#[allow(clippy::too_many_arguments)]
fn source_level(
    layout: &Layout,
    dets: &mut [Det],
    members: &[usize],
    s: &Source,
    srcid: f64,
    prefix: &str,
    ps: &[Pointing],
) {
    let c = |n: &str| layout.get(n);
    let mut sc = vec![f64::NAN; layout.len()];
    let view: &[Det] = dets;
    let get = |k: usize| members.iter().map(move |&m| view[m].v[k]);
    // Positions: mean unit vector weighted by 1/POSERR².
    let mut vsum = [0.0; 3];
    let mut sw = 0.0;
    for ((ra, dec), e) in get(c("RA")).zip(get(c("DEC"))).zip(get(c("POSERR"))) {
        let w = 1.0 / (e * e);
        let u = xcat_core::coords::unit_vector(ra, dec);
        (0..3).for_each(|k| vsum[k] += w * u[k]);
        sw += w;
    }
    let (ra, dec) = xcat_core::coords::lon_lat(vsum);
    sc[c("SC_RA")] = ra;
    sc[c("SC_DEC")] = dec;
    sc[c("SC_POSERR")] = 1.0 / sw.sqrt();
    sc[c("SC_DET_ML")] = get(c("EP_8_DET_ML")).sum();
    for (bi, band) in ["1", "2", "3", "4", "5", "8", "9"].iter().enumerate() {
        let (kf, ke) = (
            layout.band[0][bi][q::FLUX].expect("EP flux"),
            layout.band[0][bi][q::FLUX_ERR].expect("EP flux error"),
        );
        if let Some((m, e)) = weighted(get(kf).zip(get(ke))) {
            sc[c(&format!("SC_EP_{band}_FLUX"))] = m;
            sc[c(&format!("SC_EP_{band}_FLUX_ERR"))] = e;
        }
    }
    for h in 0..4 {
        let (kh, ke) = layout.hr[0][h];
        if let Some((m, e)) = weighted(get(kh).zip(get(ke))) {
            sc[c(&format!("SC_HR{}", h + 1))] = m;
            sc[c(&format!("SC_HR{}_ERR", h + 1))] = e;
        }
    }
    let n = members.len() as f64;
    sc[c("SC_EXTENT")] = get(c("EP_EXTENT")).sum::<f64>() / n;
    if s.extent > 0.0 {
        sc[c("SC_EXT_ERR")] = get(c("EP_EXTENT_ERR")).sum::<f64>() / n;
    }
    sc[c("SC_EXT_ML")] = get(c("EP_EXTENT_ML")).sum();
    // Long-term variability of the band-8 flux.
    let (kf, ke) = (
        layout.band[0][5][q::FLUX].expect("EP_8_FLUX"),
        layout.band[0][5][q::FLUX_ERR].expect("EP_8_FLUX_ERR"),
    );
    let fluxes: Vec<(f64, f64)> = get(kf)
        .zip(get(ke))
        .filter(|(f, e)| !f.is_nan() && *e > 0.0)
        .collect();
    if fluxes.len() >= 2 {
        let mean = sc[c("SC_EP_8_FLUX")];
        let chi2: f64 = fluxes.iter().map(|(f, e)| ((f - mean) / e).powi(2)).sum();
        let dof = fluxes.len() as f64 - 1.0;
        sc[c("SC_CHI2PROB")] = gamma_q(dof / 2.0, chi2 / 2.0);
        let m = fluxes.iter().map(|p| p.0).sum::<f64>() / fluxes.len() as f64;
        let s2 = fluxes.iter().map(|p| (p.0 - m).powi(2)).sum::<f64>() / dof;
        let e2 = fluxes.iter().map(|p| p.1 * p.1).sum::<f64>() / fluxes.len() as f64;
        if s2 > e2 && m > 0.0 {
            let fvar = ((s2 - e2) / (m * m)).sqrt();
            sc[c("SC_FVAR")] = fvar;
            sc[c("SC_FVARERR")] = fvar * 0.3;
        }
    }
    let (fmin, fmax) =
        fluxes
            .iter()
            .fold((None::<(f64, f64)>, None::<(f64, f64)>), |(lo, hi), &p| {
                (
                    Some(lo.map_or(p, |l| if p.0 < l.0 { p } else { l })),
                    Some(hi.map_or(p, |h| if p.0 > h.0 { p } else { h })),
                )
            });
    if let (Some(lo), Some(hi)) = (fmin, fmax) {
        sc[c("SC_EP_8_FMIN")] = lo.0;
        sc[c("SC_EP_8_FMIN_ERR")] = lo.1;
        sc[c("SC_EP_8_FMAX")] = hi.0;
        sc[c("SC_EP_8_FMAX_ERR")] = hi.1;
    }
    sc[c("SC_VAR_FLAG")] = f64::from(u8::from(get(c("VAR_FLAG")).any(|x| x == 1.0)));
    sc[c("SC_SUM_FLAG")] = get(c("SUM_FLAG")).fold(0.0, f64::max);
    sc[c("MJD_FIRST")] = get(c("MJD_START")).fold(f64::INFINITY, f64::min);
    sc[c("MJD_LAST")] = get(c("MJD_STOP")).fold(f64::NEG_INFINITY, f64::max);
    sc[c("N_DETECTIONS")] = n;
    sc[c("CONFUSED")] = f64::from(u8::from(s.confused));
    let all_high = members.iter().all(|&m| ps[dets[m].pointing].high_bg);
    sc[c("HIGH_BACKGROUND")] = f64::from(u8::from(all_high));
    sc[c("SRCID")] = srcid;
    let name = iau_name(prefix, ra, dec);
    let is_source_col = |name: &str| crate::catalog::group::is_source_column(name);
    for &m in members {
        for (k, (col_name, _, _)) in layout.columns.iter().enumerate() {
            if is_source_col(col_name) && !layout.is_text(k) {
                dets[m].v[k] = sc[k];
            }
        }
        dets[m].s[c("IAUNAME")] = name.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_probabilities() {
        // χ² survival function in closed form: sf(3.84, 1) = erfc(√1.92) = 0.050043,
        // sf(10, 4) = Q(2, 5) = 6e⁻⁵ = 0.040428, sf(1, 10) = Q(5, 0.5) = e^-0.5 Σₖ₌₀⁴ 0.5ᵏ/k! =
        // 0.999829; tolerance 1e-4.
        assert!((gamma_q(0.5, 3.84 / 2.0) - 0.050043).abs() < 1e-4);
        assert!((gamma_q(2.0, 5.0) - 0.040428).abs() < 1e-4);
        assert!((gamma_q(5.0, 0.5) - 0.999829).abs() < 1e-4);
    }

    #[test]
    fn likelihood_grows_with_counts() {
        assert!(det_ml(10.0, 10.0) < 6.0);
        assert!(det_ml(30.0, 10.0) > 6.0);
        assert_eq!(det_ml(0.0, 5.0), 0.0);
    }

    #[test]
    fn band_fractions_sum_to_one_and_absorption_hardens() {
        let soft = band_fractions(2.0, 1e20);
        let hard = band_fractions(2.0, 1e23);
        assert!((soft.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(hard[4] > soft[4] && hard[0] < soft[0]);
    }

    #[test]
    fn obs_ids_have_ten_digits() {
        assert_eq!(obs_id(0).0, "0100000101");
        assert_eq!(obs_id(7).0, "0100010401");
        assert_eq!(obs_id(7).1, 100_010_401);
    }
}
