//! XMM-Newton EPIC calibrated event lists (OGIP EVENTS extension, as the SAS and the pipeline
//! write them: `*EVLI*.FIT[Z]`, `*_evts.fits`): the events' time, sky pixels, energy channel,
//! pattern, flag and CCD, the X/Y world coordinate system, and the good time intervals of each
//! CCD. Gzip-compressed files (`.FTZ`, `.gz`) are read as they are.

use crate::wcs::SkyWcs;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xcat_fit::ogip::OgipError;
use xcat_fit::ogip::fits::FitsTable;

/// A problem reading an event list; every variant names the file (and extension, column or
/// keyword).
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The FITS layer failed or a column or keyword is missing.
    #[error("{0}")]
    Fits(#[from] OgipError),
    /// Content that breaks the format (an unsupported projection, a CCD without GTIs, …).
    #[error("{path}, extension {hdu}: {message}\n  hint: {hint}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Extension.
        hdu: String,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },
}

/// The events of one list, column by column (one entry per event, in file order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Events {
    /// Arrival time, seconds since the mission reference (`MJDREF`, TT).
    pub time: Vec<f64>,
    /// Sky pixel X (NaN when the event has no sky position: `TNULL`).
    pub x: Vec<f64>,
    /// Sky pixel Y.
    pub y: Vec<f64>,
    /// Energy channel (PI; 1 channel = 1 eV for EPIC).
    pub pi: Vec<u16>,
    /// Event pattern (0 single, 1–4 doubles, 1–12 up to quadruples for MOS, …).
    pub pattern: Vec<u8>,
    /// Quality flag bits (0 = good; the pipeline keeps flagged events in unfiltered lists).
    pub flag: Vec<u32>,
    /// CCD number.
    pub ccdnr: Vec<u8>,
}

impl Events {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }
}

/// One EPIC event list.
#[derive(Debug, Clone)]
pub struct EventList {
    /// The file.
    pub path: PathBuf,
    /// Observation identifier (`OBS_ID`, 10 digits).
    pub obs_id: String,
    /// Camera (`INSTRUME`: `EMOS1`, `EMOS2`, `EPN`).
    pub instrument: String,
    /// Exposure identifier (`EXPIDSTR`, e.g. `S001`), empty when absent.
    pub exposure_id: String,
    /// Filter (`FILTER`), empty when absent.
    pub filter: String,
    /// Sub-mode (`SUBMODE`), empty when absent.
    pub submode: String,
    /// Start of the observation (`DATE-OBS`).
    pub date_obs: String,
    /// Start and stop of the data (`TSTART`, `TSTOP`), mission seconds.
    pub tstart: f64,
    /// See `tstart`.
    pub tstop: f64,
    /// MJD of time zero (`MJDREF`, or `MJDREFI` + `MJDREFF`).
    pub mjdref: f64,
    /// The sky pixels' coordinate system.
    pub wcs: SkyWcs,
    /// The events.
    pub events: Events,
    /// Good time intervals of each CCD: the intersection of every GTI extension for that CCD
    /// (`STDGTInn` and any filtering GTIs), sorted and disjoint.
    pub gti: BTreeMap<u8, Vec<(f64, f64)>>,
    /// Events without a sky position (null X or Y).
    pub no_position: usize,
    /// Events outside the good time intervals of their CCD.
    pub outside_gti: usize,
}

/// XMM-Newton's time reference, MJD 50814.0 (1998-01-01T00:00:00 TT), used when a list states
/// none.
pub const XMM_MJDREF: f64 = 50814.0;

const EVENTS: &str = "EVENTS";

impl EventList {
    /// Reads the list at `path`.
    pub fn read(path: &Path) -> Result<Self, EventError> {
        let mut t = FitsTable::open(path, &[EVENTS], Some(("HDUCLAS1", "EVENTS")))?;
        let invalid = |t: &FitsTable, message: String, hint: &str| EventError::Invalid {
            path: t.path().to_path_buf(),
            hdu: t.hdu().to_string(),
            message,
            hint: hint.to_string(),
        };
        let missing = |t: &FitsTable, key: &str, why: &str| -> EventError {
            OgipError::MissingKeyword {
                path: t.path().to_path_buf(),
                hdu: t.hdu().to_string(),
                keyword: key.into(),
                why: why.into(),
            }
            .into()
        };
        let need_str = |t: &mut FitsTable, key: &str, why: &str| -> Result<String, EventError> {
            let v = t.key_str(key)?.filter(|v| !v.is_empty());
            v.ok_or_else(|| missing(t, key, why))
        };
        let need_f64 = |t: &mut FitsTable, key: &str, why: &str| -> Result<f64, EventError> {
            let v = t.key_f64(key)?;
            v.ok_or_else(|| missing(t, key, why))
        };
        let obs_id = need_str(&mut t, "OBS_ID", "the observation the events belong to")?;
        let instrument = need_str(&mut t, "INSTRUME", "the camera")?;
        let date_obs = need_str(&mut t, "DATE-OBS", "the start of the observation")?;
        let tstart = need_f64(&mut t, "TSTART", "the start of the data")?;
        let tstop = need_f64(&mut t, "TSTOP", "the end of the data")?;
        let mjdref = match (t.key_f64("MJDREF")?, t.key_f64("MJDREFI")?) {
            (Some(m), _) => m,
            (None, Some(i)) => i + t.key_f64("MJDREFF")?.unwrap_or(0.0),
            (None, None) => XMM_MJDREF,
        };
        let optional = |t: &mut FitsTable, key: &str| -> Result<String, EventError> {
            Ok(t.key_str(key)?.unwrap_or_default())
        };
        let exposure_id = optional(&mut t, "EXPIDSTR")?;
        let filter = optional(&mut t, "FILTER")?;
        let submode = optional(&mut t, "SUBMODE")?;

        let wcs_axis = |t: &mut FitsTable, column: &str, ctype: &str| {
            let col = t.require(column, "the sky pixels")?;
            let n = col.num;
            let kind = need_str(t, &format!("TCTYP{n}"), "the projection of the sky pixels")?;
            if !kind.eq_ignore_ascii_case(ctype) {
                return Err(invalid(
                    t,
                    format!("column {column} has TCTYP{n} = {kind:?}; only {ctype} is read"),
                    "give an event list with sky pixels in the tangent projection (the SAS writes RA---TAN / DEC--TAN)",
                ));
            }
            let why = "the world coordinates of the sky pixels";
            let crval = need_f64(t, &format!("TCRVL{n}"), why)?;
            let crpix = need_f64(t, &format!("TCRPX{n}"), why)?;
            let cdelt = need_f64(t, &format!("TCDLT{n}"), why)?;
            if !(crval.is_finite() && crpix.is_finite() && cdelt.is_finite() && cdelt != 0.0) {
                return Err(invalid(
                    t,
                    format!(
                        "column {column}: TCRVL{n} = {crval}, TCRPX{n} = {crpix}, TCDLT{n} = {cdelt} do not define a coordinate system"
                    ),
                    "the reference value and pixel must be finite and the pixel size non-zero",
                ));
            }
            Ok::<_, EventError>((col, crval, crpix, cdelt))
        };
        let (xcol, ra0, xpix, xdelt) = wcs_axis(&mut t, "X", "RA---TAN")?;
        let (ycol, dec0, ypix, ydelt) = wcs_axis(&mut t, "Y", "DEC--TAN")?;
        if !(-90.0..=90.0).contains(&dec0) {
            return Err(invalid(
                &t,
                format!(
                    "the reference declination (TCRVL{} = {dec0}) is off the sky",
                    ycol.num
                ),
                "a declination lies between -90 and 90 degrees",
            ));
        }
        let wcs = SkyWcs {
            crval: (ra0, dec0),
            crpix: (xpix, ypix),
            cdelt: (xdelt, ydelt),
        };
        let column = |t: &mut FitsTable, name: &str, why: &str| -> Result<Vec<f64>, EventError> {
            let c = t.require(name, why)?;
            Ok(t.read_scalar(name, c)?)
        };
        let time = column(&mut t, "TIME", "the arrival time of each event")?;
        let x = t.read_scalar("X", xcol)?;
        let y = t.read_scalar("Y", ycol)?;
        let pi = column(&mut t, "PI", "the energy of each event")?;
        let pattern = column(&mut t, "PATTERN", "the event pattern")?;
        let flag = column(&mut t, "FLAG", "the quality flags")?;
        let ccdnr = column(&mut t, "CCDNR", "the CCD of each event")?;
        let row_check = |what: &str, v: &[f64], lo: f64, hi: f64| -> Result<(), EventError> {
            match v.iter().position(|&x| !(x >= lo && x <= hi)) {
                None => Ok(()),
                Some(i) => Err(invalid(
                    &t,
                    format!("row {}: {what} = {} is outside {lo}–{hi}", i + 1, v[i]),
                    "the file may be damaged; check it with fverify",
                )),
            }
        };
        row_check("TIME", &time, f64::MIN, f64::MAX)?;
        row_check("PI", &pi, 0.0, u16::MAX as f64)?;
        row_check("PATTERN", &pattern, 0.0, 255.0)?;
        row_check("FLAG", &flag, 0.0, u32::MAX as f64)?;
        row_check("CCDNR", &ccdnr, 0.0, 255.0)?;
        let events = Events {
            time,
            x,
            y,
            pi: pi.iter().map(|&v| v as u16).collect(),
            pattern: pattern.iter().map(|&v| v as u8).collect(),
            flag: flag.iter().map(|&v| v as u32).collect(),
            ccdnr: ccdnr.iter().map(|&v| v as u8).collect(),
        };
        let events_hdu = t.hdu().to_string();

        // Good time intervals: every GTI extension, by CCD.
        let mut per_ccd: BTreeMap<u8, Vec<Vec<(f64, f64)>>> = BTreeMap::new();
        let mut all_ccds: Vec<Vec<(f64, f64)>> = Vec::new();
        for (hdunum, extname) in t.tables()? {
            t.goto(hdunum)?;
            let class = t.key_str("HDUCLAS1")?.unwrap_or_default();
            let name = extname.to_ascii_uppercase();
            if !(class.eq_ignore_ascii_case("GTI")
                || name.starts_with("STDGTI")
                || name.starts_with("GTI"))
            {
                continue;
            }
            let start = column(&mut t, "START", "the start of each good time interval")?;
            let stop = column(&mut t, "STOP", "the end of each good time interval")?;
            if let Some(i) =
                (0..start.len()).find(|&i| !(start[i].is_finite() && stop[i].is_finite()))
            {
                return Err(invalid(
                    &t,
                    format!(
                        "row {}: START = {}, STOP = {} is not an interval",
                        i + 1,
                        start[i],
                        stop[i]
                    ),
                    "the file may be damaged; check it with fverify",
                ));
            }
            let intervals = normalise(start.into_iter().zip(stop).collect());
            // The CCD: CCDID (SAS filtering GTIs), else the number of STDGTInn (pipeline
            // products name it only there); a GTI of neither kind holds for every CCD.
            let by_name = name
                .strip_prefix("STDGTI")
                .and_then(|n| n.parse::<u8>().ok())
                .map(f64::from);
            match t.key_f64("CCDID")?.or(t.key_f64("CCDNR")?).or(by_name) {
                Some(ccd) if (0.0..=255.0).contains(&ccd) => {
                    per_ccd.entry(ccd as u8).or_default().push(intervals)
                }
                _ => all_ccds.push(intervals),
            }
        }
        let mut gti = BTreeMap::new();
        let ccds: std::collections::BTreeSet<u8> = events.ccdnr.iter().copied().collect();
        for ccd in ccds.iter().copied().chain(per_ccd.keys().copied()) {
            let lists = per_ccd.get(&ccd).into_iter().flatten().chain(&all_ccds);
            let mut acc: Option<Vec<(f64, f64)>> = None;
            for l in lists {
                acc = Some(match acc {
                    None => l.clone(),
                    Some(a) => intersect(&a, l),
                });
            }
            match acc {
                Some(g) => {
                    gti.insert(ccd, g);
                }
                None => {
                    return Err(EventError::Invalid {
                        path: path.to_path_buf(),
                        hdu: events_hdu,
                        message: format!("CCD {ccd} has events but no good time interval extension (STDGTI{ccd:02} or one with HDUCLAS1 = GTI and CCDID = {ccd})"),
                        hint: "rates and upper limits need the exposure of every CCD: give the event list as the SAS or the pipeline wrote it, with its GTI extensions".into(),
                    });
                }
            }
        }
        let no_position = (0..events.len())
            .filter(|&i| !(events.x[i].is_finite() && events.y[i].is_finite()))
            .count();
        let outside_gti = (0..events.len())
            .filter(|&i| !within(&gti[&events.ccdnr[i]], events.time[i]))
            .count();
        Ok(EventList {
            path: path.to_path_buf(),
            obs_id,
            instrument,
            exposure_id,
            filter,
            submode,
            date_obs,
            tstart,
            tstop,
            mjdref,
            wcs,
            events,
            gti,
            no_position,
            outside_gti,
        })
    }

    /// Right ascension and declination (degrees) of event `i`, `None` without a sky position.
    pub fn sky(&self, i: usize) -> Option<(f64, f64)> {
        let (x, y) = (self.events.x[i], self.events.y[i]);
        (x.is_finite() && y.is_finite()).then(|| self.wcs.sky(x, y))
    }

    /// Good time of a CCD, seconds (the sum of its intervals: `ONTIME`).
    pub fn ontime(&self, ccd: u8) -> f64 {
        self.gti
            .get(&ccd)
            .map_or(0.0, |g| g.iter().map(|(a, b)| b - a).sum())
    }
}

/// Intervals sorted, overlapping ones merged, empty ones dropped.
pub fn normalise(mut v: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    v.retain(|(a, b)| b > a);
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The intersection of two normalised interval lists.
pub use xcat_core::chunk::gather::intersect;

/// Whether `t` lies in one of the normalised intervals (start included, stop excluded).
pub fn within(intervals: &[(f64, f64)], t: f64) -> bool {
    let k = intervals.partition_point(|&(a, _)| a <= t);
    k > 0 && t < intervals[k - 1].1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_merge_intersect_and_contain() {
        let a = normalise(vec![(5.0, 7.0), (0.0, 2.0), (1.0, 3.0), (9.0, 9.0)]);
        assert_eq!(a, [(0.0, 3.0), (5.0, 7.0)]);
        let b = normalise(vec![(2.0, 6.0), (6.5, 10.0)]);
        assert_eq!(intersect(&a, &b), [(2.0, 3.0), (5.0, 6.0), (6.5, 7.0)]);
        assert!(within(&a, 0.0) && within(&a, 2.999) && !within(&a, 3.0) && !within(&a, 4.0));
        assert!(!within(&a, -1.0) && !within(&[], 1.0));
    }
}
