//! Synthetic EPIC-pn event lists of the demo catalogue's observations, in the format of the
//! real ones (an EVENTS extension with TIME, X/Y sky pixels and their tangent-projection WCS,
//! PI, PATTERN, FLAG and CCDNR; one STDGTInn extension per CCD), for the photon store's tests
//! and benchmarks.
//!
//! Each observation's pn exposure holds:
//! - the photons of every detection of the observation: the catalogue's 0.2–12 keV pn flux
//!   (`PN_8_FLUX`, else `EP_8_FLUX`) turned into counts with an absorbed power law (Γ = 1.7,
//!   N_H = 3 × 10²⁰ cm⁻², the spectrum the catalogue's conversion factors assume) through the
//!   given ARF; energies drawn from that spectrum and redistributed through the RMF into PI
//!   (eV); positions drawn from a King profile (core 5.5″, slope 1.5, out to 60″; an extended
//!   source's core is its `EP_EXTENT`); variable sources (`VAR_FLAG`) add a burst;
//! - a sky background (0.4 counts ks⁻¹ arcmin⁻², the ARF times a Γ = 1.4 power law) and a
//!   particle background (1.2 counts ks⁻¹ arcmin⁻², flat in PI from 0.2 to 12 keV, with the
//!   Al Kα line at 1.487 keV and the Cu Kα line at 8.048 keV), ten times brighter during
//!   soft-proton flares, which the good time intervals leave out (the events stay in the list,
//!   as in an unfiltered pipeline product);
//! - patterns (singles 75 %, doubles 22 %, triples and quadruples 3 %) and a few flagged
//!   events (1 %, FLAG bit 0x10: next to a bad pixel).
//!
//! The camera is simplified: twelve CCDs of 4.4′ × 13.6′ in two rows of six, aligned with the
//! sky (no roll), the same ARF everywhere (no vignetting). The same catalogue, seed and
//! response give the same bytes.

use super::rng::Rng;
use crate::catalog::Catalogue;
use crate::error::{Error, Result};
use crate::fits::raw::CFits;
use std::path::{Path, PathBuf};
use xcat_photons::SkyWcs;

/// What to write.
#[derive(Debug, Clone)]
pub struct EventOptions {
    /// Observations (the first by OBS_ID that had the pn on).
    pub observations: usize,
    /// Random seed.
    pub seed: u64,
    /// Ancillary response of the pn (OGIP ARF).
    pub arf: PathBuf,
    /// Redistribution matrix of the pn (OGIP RMF), on the ARF's energy grid.
    pub rmf: PathBuf,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct EventReport {
    /// One event list per observation.
    pub files: Vec<PathBuf>,
    /// Events in all.
    pub events: u64,
    /// Of which source photons.
    pub source_photons: u64,
}

/// XMM-Newton's time zero, MJD 50814.0 TT.
const MJDREF: f64 = 50814.0;
/// Sky pixel size, degrees (0.05″), and the reference pixel, as the SAS writes them.
const PIXEL_DEG: f64 = 0.05 / 3600.0;
const CRPIX: f64 = 25921.0;
/// keV in erg.
const KEV_ERG: f64 = 1.602_176_634e-9;

/// The pn response: energy bins (keV), effective area (cm²) and, per bin, the cumulative
/// redistribution over channels with each channel's energy range (keV).
struct Response {
    lo: Vec<f64>,
    hi: Vec<f64>,
    area: Vec<f64>,
    /// Per energy bin: (channel index, cumulative probability), ascending.
    redistribution: Vec<Vec<(usize, f64)>>,
    channel_kev: Vec<(f64, f64)>,
}

impl Response {
    fn read(arf: &Path, rmf: &Path) -> Result<Self> {
        let fail = |path: &Path, e: String| Error::Incomplete {
            detail: format!("cannot read the pn response {}: {e}", path.display()),
            hint: "give an OGIP ARF and RMF of EPIC-pn with --arf and --rmf".into(),
        };
        let a = xcat_fit::ogip::Arf::read(arf).map_err(|e| fail(arf, e.to_string()))?;
        let r = xcat_fit::ogip::Rmf::read(rmf).map_err(|e| fail(rmf, e.to_string()))?;
        if a.energ_lo.len() != r.energ_lo.len() {
            return Err(fail(
                arf,
                format!(
                    "{} energy bins, the RMF {} has {}",
                    a.energ_lo.len(),
                    rmf.display(),
                    r.energ_lo.len()
                ),
            ));
        }
        let mut redistribution = Vec::with_capacity(r.energ_lo.len());
        for e in 0..r.energ_lo.len() {
            let mut row = Vec::new();
            let mut acc = 0.0;
            for &(first, start, len) in &r.runs[r.row_start[e]..r.row_start[e + 1]] {
                for k in 0..len {
                    acc += r.values[start + k];
                    row.push((first + k, acc));
                }
            }
            redistribution.push(row);
        }
        let channel_kev = (0..r.detchans)
            .map(|c| {
                (
                    r.ebounds.e_min.get(c).copied().unwrap_or(0.0),
                    r.ebounds.e_max.get(c).copied().unwrap_or(0.0),
                )
            })
            .collect();
        Ok(Response {
            lo: a.energ_lo,
            hi: a.energ_hi,
            area: a.specresp,
            redistribution,
            channel_kev,
        })
    }

    /// Photons cm⁻² s⁻¹ per bin of an absorbed power law (normalisation 1 at 1 keV).
    fn power_law(&self, gamma: f64, nh22: f64) -> Vec<f64> {
        let mut absorbed = vec![0.0; self.lo.len()];
        xcat_fit::model::wabs::eval(nh22, &self.lo, &self.hi, &mut absorbed);
        (0..self.lo.len())
            .map(|i| {
                let (a, b) = (self.lo[i], self.hi[i]);
                let n = if (gamma - 1.0).abs() < 1e-9 {
                    (b / a).ln()
                } else {
                    (a.powf(1.0 - gamma) - b.powf(1.0 - gamma)) / (gamma - 1.0)
                };
                n * absorbed[i]
            })
            .collect()
    }

    /// Energy flux (erg cm⁻² s⁻¹) of `photons` between 0.2 and 12 keV.
    fn band_flux(&self, photons: &[f64]) -> f64 {
        (0..self.lo.len())
            .filter(|&i| self.lo[i] >= 0.2 && self.hi[i] <= 12.0)
            .map(|i| photons[i] * 0.5 * (self.lo[i] + self.hi[i]) * KEV_ERG)
            .sum()
    }

    /// Cumulative count spectrum of `photons` through the ARF, and its total (counts s⁻¹).
    fn counts(&self, photons: &[f64]) -> (Vec<f64>, f64) {
        let mut acc = 0.0;
        let cum = photons
            .iter()
            .zip(&self.area)
            .map(|(p, a)| {
                acc += p * a;
                acc
            })
            .collect();
        (cum, acc)
    }

    /// A PI value (eV) for a photon drawn from the cumulative count spectrum `cum`.
    fn draw_pi(&self, cum: &[f64], rng: &mut Rng) -> Option<u16> {
        let total = *cum.last()?;
        let u = rng.f64() * total;
        let bin = cum.partition_point(|&c| c < u).min(cum.len() - 1);
        let row = &self.redistribution[bin];
        let norm = row.last()?.1;
        if norm <= 0.0 {
            return None;
        }
        let v = rng.f64() * norm;
        let (channel, _) = row[row.partition_point(|&(_, c)| c < v).min(row.len() - 1)];
        let (lo, hi) = self.channel_kev.get(channel).copied()?;
        Some(
            ((lo + rng.f64() * (hi - lo)) * 1000.0)
                .round()
                .clamp(0.0, 65535.0) as u16,
        )
    }
}

/// One event before writing.
#[derive(Clone, Copy)]
struct Event {
    time: f64,
    x: i32,
    y: i32,
    pi: u16,
    pattern: u8,
    flag: u32,
    ccd: u8,
}

/// The CCD (1–12) of a detector position in arcmin from the pointing (+x to the west, as sky
/// pixel X grows), `None` off the chips.
fn ccd_of(dx: f64, dy: f64) -> Option<u8> {
    let col = ((dx + 13.2) / 4.4).floor();
    if !(0.0..6.0).contains(&col) || dy.abs() > 13.6 {
        return None;
    }
    Some(col as u8 + if dy >= 0.0 { 1 } else { 7 })
}

/// A King-profile radius (arcsec): P(<r) ∝ 1 − (1 + (r/rc)²)^(1−α), cut at `max`.
fn king_radius(rng: &mut Rng, rc: f64, alpha: f64, max: f64) -> f64 {
    let f_max = 1.0 - (1.0 + (max / rc).powi(2)).powf(1.0 - alpha);
    let u = rng.f64() * f_max;
    rc * ((1.0 - u).powf(1.0 / (1.0 - alpha)) - 1.0).max(0.0).sqrt()
}

/// A time in the intervals, uniform over their total length.
fn time_in(intervals: &[(f64, f64)], rng: &mut Rng) -> f64 {
    let total: f64 = intervals.iter().map(|(a, b)| b - a).sum();
    let mut u = rng.f64() * total;
    for &(a, b) in intervals {
        if u < b - a {
            return a + u;
        }
        u -= b - a;
    }
    intervals.last().map_or(0.0, |i| i.1)
}

/// Writes the event lists of the first `opts.observations` observations of `cat` (those with
/// a pn exposure) into `out`, one `P<OBS_ID>PNS003PIEVLI0000.FIT` each.
pub fn write_events(cat: &Catalogue, out: &Path, opts: &EventOptions) -> Result<EventReport> {
    let response = Response::read(&opts.arf, &opts.rmf)?;
    std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
    let obs = &cat.observations;
    let col = |t: &xcat_core::Table, name: &str| -> Result<xcat_core::Column> {
        t.column(name).cloned().ok_or_else(|| Error::Incomplete {
            detail: format!("the catalogue has no column {name}, which the demo event lists need"),
            hint: "use the demo catalogue (xcat demo-catalogue --layout 4xmm)".into(),
        })
    };
    let (ra_c, dec_c) = (col(obs, "RA_CENTRE")?, col(obs, "DEC_CENTRE")?);
    let (start_c, stop_c) = (col(obs, "MJD_START")?, col(obs, "MJD_STOP")?);
    let ontime_c = col(obs, "PN_ONTIME")?;
    let obs_id_c = col(obs, "OBS_ID")?;
    let filter_c = obs.column("PN_FILTER").cloned();
    let submode_c = obs.column("PN_SUBMODE").cloned();
    let det = &cat.detections;
    let (dra, ddec) = (col(det, "RA")?, col(det, "DEC")?);
    let flux_pn = det.column("PN_8_FLUX").cloned();
    let flux_ep = col(det, "EP_8_FLUX")?;
    let extent = det.column("EP_EXTENT").cloned();
    let var_flag = det.column("VAR_FLAG").cloned();

    let source_spectrum = response.power_law(1.7, 0.03);
    let source_flux = response.band_flux(&source_spectrum);
    let (source_cum, source_rate) = response.counts(&source_spectrum);
    let sky_spectrum = response.power_law(1.4, 0.03);
    let (sky_cum, _) = response.counts(&sky_spectrum);

    let mut report = EventReport::default();
    let chosen: Vec<usize> = (0..obs.rows())
        .filter(|&i| ontime_c.f64(i).is_some_and(|t| t > 0.0))
        .filter(|&i| ra_c.f64(i).is_some() && dec_c.f64(i).is_some())
        .filter(|&i| start_c.f64(i).is_some() && stop_c.f64(i).is_some())
        .take(opts.observations)
        .collect();
    for (n, &i) in chosen.iter().enumerate() {
        let obs_id = obs_id_c.str(i).unwrap_or_default().to_string();
        let mut rng = Rng::new(opts.seed, 0x5e_0000 + i as u64);
        let (ra0, dec0) = (ra_c.f64(i).unwrap_or(0.0), dec_c.f64(i).unwrap_or(0.0));
        let wcs = SkyWcs {
            crval: (ra0, dec0),
            crpix: (CRPIX, CRPIX),
            cdelt: (-PIXEL_DEG, PIXEL_DEG),
        };
        let mjd0 = start_c.f64(i).unwrap_or(0.0);
        // The pn exposure: the catalogue's ON time plus the flares it loses, from the start of
        // the observation; 0 to 3 soft-proton flares of 500–4000 s, left out of the GTIs.
        let tstart = (mjd0 - MJDREF) * 86_400.0;
        let lengths: Vec<f64> = (0..rng.below(4))
            .map(|_| rng.range(500.0, 4000.0))
            .collect();
        let tstop = tstart + ontime_c.f64(i).unwrap_or(0.0) + lengths.iter().sum::<f64>();
        let flares: Vec<(f64, f64)> = lengths
            .iter()
            .map(|&len| {
                let a = rng.range(tstart, (tstop - len).max(tstart));
                (a, a + len)
            })
            .collect();
        let mut good = vec![(tstart, tstop)];
        for &(a, b) in &flares {
            good = xcat_photons::events::intersect(
                &good,
                &xcat_photons::events::normalise(vec![(f64::MIN, a), (b, f64::MAX)]),
            );
        }
        // Each CCD starts a few seconds after the first (read-out set-up), as in real lists.
        let gti: Vec<Vec<(f64, f64)>> = (0..12)
            .map(|_| {
                let delay = rng.range(0.0, 5.0);
                xcat_photons::events::intersect(&good, &[(tstart + delay, tstop)])
            })
            .collect();
        let ontime: f64 = good.iter().map(|(a, b)| b - a).sum();
        let mut events: Vec<Event> = Vec::new();
        let place =
            |ra: f64, dec: f64, time: f64, pi: u16, rng: &mut Rng, events: &mut Vec<Event>| {
                let Some((x, y)) = wcs.pixel(ra, dec) else {
                    return;
                };
                let (dx, dy) = (
                    (CRPIX - x) * PIXEL_DEG * 60.0,
                    (y - CRPIX) * PIXEL_DEG * 60.0,
                );
                let Some(ccd) = ccd_of(-dx, dy) else { return };
                let u = rng.f64();
                let pattern = if u < 0.75 {
                    0
                } else if u < 0.97 {
                    1 + rng.below(4) as u8
                } else {
                    5 + rng.below(8) as u8
                };
                let flag = if rng.chance(0.01) { 0x10 } else { 0 };
                events.push(Event {
                    time,
                    x: x.round() as i32,
                    y: y.round() as i32,
                    pi,
                    pattern,
                    flag,
                    ccd,
                });
            };
        // Source photons.
        let obs_key = obs_id.as_str();
        let rows = cat.observation_detections.members(i);
        for &d in rows {
            let d = d as usize;
            if det.column("OBS_ID").and_then(|c| c.str(d)) != Some(obs_key) {
                continue;
            }
            let flux = flux_pn
                .as_ref()
                .and_then(|c| c.f64(d))
                .or_else(|| flux_ep.f64(d))
                .filter(|f| *f > 0.0);
            let (Some(flux), Some(sra), Some(sdec)) = (flux, dra.f64(d), ddec.f64(d)) else {
                continue;
            };
            let rate = source_rate * flux / source_flux;
            let photons = rng.poisson(rate * ontime);
            let rc = extent
                .as_ref()
                .and_then(|c| c.f64(d))
                .filter(|e| *e > 5.5)
                .unwrap_or(5.5);
            let variable = var_flag
                .as_ref()
                .and_then(|c| c.bool(d).or(c.i64(d).map(|v| v != 0)))
                == Some(true);
            // A variable source: half its photons in a burst of a tenth of the exposure.
            let burst = variable.then(|| {
                let t = time_in(&good, &mut rng);
                (t, 0.05 * ontime)
            });
            for _ in 0..photons {
                let time = match burst {
                    Some((t, w)) if rng.chance(0.5) => t + rng.gauss(0.0, w / 2.0),
                    _ => time_in(&good, &mut rng),
                };
                let r = king_radius(&mut rng, rc, 1.5, (3.0 * rc).max(60.0)) / 3600.0;
                let phi = rng.range(0.0, std::f64::consts::TAU);
                let dec = sdec + r * phi.sin();
                let ra = sra + r * phi.cos() / sdec.to_radians().cos().max(1e-6);
                if let Some(pi) = response.draw_pi(&source_cum, &mut rng) {
                    place(ra, dec, time, pi, &mut rng, &mut events);
                    report.source_photons += 1;
                }
            }
        }
        // Backgrounds over the chips (27.2′ × 27.2′ around the pointing).
        let area = 26.4 * 27.2;
        let background = |rate_per_ks_arcmin2: f64,
                          spans: &[(f64, f64)],
                          sky: bool,
                          rng: &mut Rng,
                          events: &mut Vec<Event>| {
            let length: f64 = spans.iter().map(|(a, b)| b - a).sum();
            let n = rng.poisson(rate_per_ks_arcmin2 * 1e-3 * area * length);
            for _ in 0..n {
                let (dx, dy) = (rng.range(-13.2, 13.2), rng.range(-13.6, 13.6));
                let (x, y) = (
                    CRPIX - dx / (PIXEL_DEG * 60.0),
                    CRPIX + dy / (PIXEL_DEG * 60.0),
                );
                let (ra, dec) = wcs.sky(x, y);
                let pi = if sky {
                    response.draw_pi(&sky_cum, rng)
                } else {
                    let u = rng.f64();
                    Some(if u < 0.05 {
                        rng.gauss(1486.7, 60.0)
                    } else if u < 0.15 {
                        rng.gauss(8047.8, 90.0)
                    } else {
                        rng.range(200.0, 12000.0)
                    } as u16)
                };
                if let Some(pi) = pi {
                    let t = time_in(spans, rng);
                    place(ra, dec, t, pi, rng, events);
                }
            }
        };
        background(0.4, &good, true, &mut rng, &mut events);
        background(1.2, &good, false, &mut rng, &mut events);
        for &(a, b) in &flares {
            background(12.0, &[(a, b.min(tstop))], false, &mut rng, &mut events);
        }
        events.sort_by(|a, b| a.time.total_cmp(&b.time));
        let name = format!("P{obs_id}PNS003PIEVLI0000.FIT");
        let path = out.join(&name);
        let meta = ListMeta {
            obs_id: &obs_id,
            date_obs: crate::site::format::mjd_iso(Some(mjd0)),
            date_end: crate::site::format::mjd_iso(Some(MJDREF + tstop / 86_400.0)),
            tstart,
            tstop,
            filter: filter_c.as_ref().and_then(|c| c.str(i)).unwrap_or("Medium"),
            submode: submode_c
                .as_ref()
                .and_then(|c| c.str(i))
                .unwrap_or("PrimeFullWindow"),
            wcs,
        };
        write_list(&path, &meta, &events, &gti)?;
        report.events += events.len() as u64;
        report.files.push(path);
        let _ = n;
    }
    Ok(report)
}

/// Header values of one list.
struct ListMeta<'a> {
    obs_id: &'a str,
    date_obs: String,
    date_end: String,
    tstart: f64,
    tstop: f64,
    filter: &'a str,
    submode: &'a str,
    wcs: SkyWcs,
}

/// Writes one event list (beside its path, renamed into place when complete).
fn write_list(path: &Path, m: &ListMeta, events: &[Event], gti: &[Vec<(f64, f64)>]) -> Result<()> {
    let tmp = path.with_extension("FIT.partial");
    let fail = |e: crate::fits::raw::CfitsioError| Error::Fits {
        path: path.to_path_buf(),
        detail: format!("writing failed: {e}"),
        hint: "check free disk space and permissions of the output folder".into(),
    };
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> std::result::Result<(), crate::fits::raw::CfitsioError> {
        let mut f = CFits::create(&tmp)?;
        f.create_bintable(
            "EVENTS",
            &["TIME", "X", "Y", "PI", "PATTERN", "FLAG", "CCDNR"],
            &["D", "J", "J", "I", "B", "J", "B"],
            &["s", "pixel", "pixel", "CHAN", "", "", ""],
        )?;
        for (k, v) in [
            ("HDUCLAS1", "EVENTS"),
            ("TELESCOP", "XMM"),
            ("INSTRUME", "EPN"),
            ("OBS_ID", m.obs_id),
            ("EXPIDSTR", "S003"),
            ("DATE-OBS", &m.date_obs),
            ("DATE-END", &m.date_end),
            ("TIMESYS", "TT"),
            ("TIMEUNIT", "s"),
            ("FILTER", m.filter),
            ("SUBMODE", m.submode),
            ("TCTYP2", "RA---TAN"),
            ("TCTYP3", "DEC--TAN"),
            ("TCUNI2", "deg"),
            ("TCUNI3", "deg"),
            ("CREATOR", "xcat demo-events"),
        ] {
            f.write_key_str(k, v, "")?;
        }
        for (k, v) in [
            ("TSTART", m.tstart),
            ("TSTOP", m.tstop),
            ("MJDREF", MJDREF),
            ("RA_PNT", m.wcs.crval.0),
            ("DEC_PNT", m.wcs.crval.1),
            ("TCRVL2", m.wcs.crval.0),
            ("TCRVL3", m.wcs.crval.1),
            ("TCRPX2", m.wcs.crpix.0),
            ("TCRPX3", m.wcs.crpix.1),
            ("TCDLT2", m.wcs.cdelt.0),
            ("TCDLT3", m.wcs.cdelt.1),
        ] {
            f.write_key_f64(k, v, "")?;
        }
        for (k, v) in [
            ("TNULL2", -99_999_999),
            ("TNULL3", -99_999_999),
            ("TLMIN2", 1),
            ("TLMAX2", 51_840),
            ("TLMIN3", 1),
            ("TLMAX3", 51_840),
            ("TLMIN4", 0),
            ("TLMAX4", 20_479),
        ] {
            f.write_key_int(k, v, "")?;
        }
        let mut bytes = Vec::with_capacity(events.len() * 24);
        for e in events {
            bytes.extend_from_slice(&e.time.to_be_bytes());
            bytes.extend_from_slice(&e.x.to_be_bytes());
            bytes.extend_from_slice(&e.y.to_be_bytes());
            bytes.extend_from_slice(&(e.pi as i16).to_be_bytes());
            bytes.push(e.pattern);
            bytes.extend_from_slice(&(e.flag as i32).to_be_bytes());
            bytes.push(e.ccd);
        }
        f.write_rows(0, &bytes)?;
        for (k, intervals) in gti.iter().enumerate() {
            let ccd = k + 1;
            f.create_bintable(
                &format!("STDGTI{ccd:02}"),
                &["START", "STOP"],
                &["D", "D"],
                &["s", "s"],
            )?;
            f.write_key_str("HDUCLAS1", "GTI", "")?;
            f.write_key_str("HDUCLAS2", "STANDARD", "")?;
            f.write_key_int("CCDID", ccd as i64, "")?;
            f.write_key_f64("ONTIME", intervals.iter().map(|(a, b)| b - a).sum(), "")?;
            let mut bytes = Vec::with_capacity(intervals.len() * 16);
            for (a, b) in intervals {
                bytes.extend_from_slice(&a.to_be_bytes());
                bytes.extend_from_slice(&b.to_be_bytes());
            }
            f.write_rows(0, &bytes)?;
        }
        f.close()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::output(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ccds_tile_the_field_in_two_rows_of_six() {
        assert_eq!(ccd_of(-13.0, 1.0), Some(1));
        assert_eq!(ccd_of(13.0, 1.0), Some(6));
        assert_eq!(ccd_of(-13.0, -1.0), Some(7));
        assert_eq!(ccd_of(13.0, -13.0), Some(12));
        assert_eq!(ccd_of(14.0, 0.0), None);
        assert_eq!(ccd_of(0.0, 14.0), None);
    }

    #[test]
    fn king_radii_follow_the_profile() {
        // Half of the photons of a King profile (rc, α = 1.5) cut at R lie within the radius
        // where 1 − (1 + (r/rc)²)^(−0.5) is half its value at R.
        let mut rng = Rng::new(7, 1);
        let (rc, max) = (5.5, 60.0);
        let n = 20_000;
        let mut r: Vec<f64> = (0..n)
            .map(|_| king_radius(&mut rng, rc, 1.5, max))
            .collect();
        r.sort_by(f64::total_cmp);
        let f = |r: f64| 1.0 - (1.0 + (r / rc).powi(2)).powf(-0.5);
        let half = f(max) / 2.0;
        // Invert f at half: (1 + (r/rc)²)^(−0.5) = 1 − half.
        let median = rc * ((1.0 - half).powi(-2) - 1.0).sqrt();
        assert!(
            (r[n / 2] - median).abs() < 0.05 * median,
            "{} vs {median}",
            r[n / 2]
        );
        assert!(r.iter().all(|&x| (0.0..=max).contains(&x)));
    }
}
