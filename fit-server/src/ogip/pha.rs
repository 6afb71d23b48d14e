//! PHA type I spectra (OGIP/92-007).
//!
//! Reads COUNTS (or RATE, converted to counts with EXPOSURE), CHANNEL with its TLMIN offset,
//! GROUPING and QUALITY (column or keyword), BACKSCAL and AREASCAL (keyword or column),
//! STAT_ERR when POISSERR is false, and the BACKFILE / ANCRFILE / RESPFILE links, resolved
//! relative to the spectrum's directory.

use std::path::{Path, PathBuf};

use super::OgipError;
use super::fits::FitsTable;

/// One PHA type I spectrum.
#[derive(Debug, Clone)]
pub struct Pha {
    /// File the spectrum came from.
    pub path: PathBuf,
    /// Channel numbers (as written, e.g. starting at TLMIN1).
    pub channels: Vec<i64>,
    /// Counts per channel (RATE × EXPOSURE for rate spectra).
    pub counts: Vec<f64>,
    /// Exposure time in seconds.
    pub exposure: f64,
    /// BACKSCAL per channel.
    pub backscal: Vec<f64>,
    /// AREASCAL per channel.
    pub areascal: Vec<f64>,
    /// GROUPING flags (1 starts a group, -1 continues it), if any.
    pub grouping: Option<Vec<i32>>,
    /// QUALITY flags (0 good), if any.
    pub quality: Option<Vec<i32>>,
    /// Statistical errors in counts, present only when POISSERR is false.
    pub stat_err: Option<Vec<f64>>,
    /// Whether errors are Poisson (POISSERR keyword; true when absent and no STAT_ERR).
    pub poisserr: bool,
    /// BACKFILE resolved relative to the spectrum, if named.
    pub backfile: Option<PathBuf>,
    /// ANCRFILE resolved relative to the spectrum, if named.
    pub ancrfile: Option<PathBuf>,
    /// RESPFILE resolved relative to the spectrum, if named.
    pub respfile: Option<PathBuf>,
}

fn linked_file(base: &Path, value: Option<String>) -> Option<PathBuf> {
    let v = value?;
    let v = v.trim();
    if v.is_empty() || v.eq_ignore_ascii_case("none") {
        return None;
    }
    // Strip an extension specifier such as `file.pha[2]` or `file.pha{1}`.
    let v = v.split(['[', '{']).next().unwrap_or(v).trim();
    let p = Path::new(v);
    Some(if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.parent().unwrap_or(Path::new(".")).join(p)
    })
}

fn per_channel(
    t: &mut FitsTable,
    name: &str,
    n: usize,
    default: f64,
) -> Result<Vec<f64>, OgipError> {
    if let Some(col) = t.column(name)? {
        return t.read_scalar(name, col);
    }
    Ok(vec![t.key_f64(name)?.unwrap_or(default); n])
}

fn flags(t: &mut FitsTable, name: &str, n: usize) -> Result<Option<Vec<i32>>, OgipError> {
    if let Some(col) = t.column(name)? {
        let v = t.read_scalar(name, col)?;
        return Ok(Some(v.into_iter().map(|x| x as i32).collect()));
    }
    match t.key_f64(name)? {
        Some(k) if k != 0.0 => Ok(Some(vec![k as i32; n])),
        _ => Ok(None),
    }
}

impl Pha {
    /// Reads the SPECTRUM extension of a PHA type I file.
    pub fn read(path: &Path) -> Result<Self, OgipError> {
        let mut t = FitsTable::open(path, &["SPECTRUM"], Some(("HDUCLAS1", "SPECTRUM")))?;
        let n = t.nrows();
        let invalid = |t: &FitsTable, message: String| OgipError::Invalid {
            path: t.path().to_path_buf(),
            hdu: t.hdu().to_string(),
            message,
        };
        if n == 0 {
            return Err(invalid(&t, "the spectrum has no rows".into()));
        }
        if t.key_str("HDUCLAS4")?
            .is_some_and(|s| s.eq_ignore_ascii_case("TYPE:II"))
        {
            return Err(invalid(
                &t,
                "PHA type II files are not supported; extract one spectrum (type I) first".into(),
            ));
        }
        let exposure = t.key_f64("EXPOSURE")?;
        let (counts, is_rate) = if let Some(col) = t.column("COUNTS")? {
            if col.repeat != 1 || col.variable {
                return Err(invalid(
                    &t,
                    "COUNTS holds several values per row: a PHA type II file is not supported"
                        .into(),
                ));
            }
            (t.read_scalar("COUNTS", col)?, false)
        } else if let Some(col) = t.column("RATE")? {
            (t.read_scalar("RATE", col)?, true)
        } else {
            return Err(OgipError::MissingColumn {
                path: path.to_path_buf(),
                hdu: t.hdu().to_string(),
                column: "COUNTS".into(),
                why: "a PHA spectrum needs COUNTS or RATE".into(),
            });
        };
        let exposure = match exposure {
            Some(e) if e > 0.0 && e.is_finite() => e,
            _ => {
                return Err(OgipError::MissingKeyword {
                    path: path.to_path_buf(),
                    hdu: t.hdu().to_string(),
                    keyword: "EXPOSURE".into(),
                    why: "a positive exposure time is needed to predict counts".into(),
                });
            }
        };
        if let Some(i) = counts.iter().position(|c| !c.is_finite()) {
            return Err(invalid(&t, format!("non-finite value in row {}", i + 1)));
        }
        let scale = if is_rate { exposure } else { 1.0 };
        let counts: Vec<f64> = counts.into_iter().map(|c| c * scale).collect();

        let channels = match t.column("CHANNEL")? {
            Some(col) => t
                .read_scalar("CHANNEL", col)?
                .into_iter()
                .map(|c| c.round() as i64)
                .collect(),
            None => {
                let first = t.key_f64("TLMIN1")?.unwrap_or(1.0) as i64;
                (0..n as i64).map(|i| first + i).collect()
            }
        };
        let backscal = per_channel(&mut t, "BACKSCAL", n, 1.0)?;
        let areascal = per_channel(&mut t, "AREASCAL", n, 1.0)?;
        let grouping = flags(&mut t, "GROUPING", n)?;
        let quality = flags(&mut t, "QUALITY", n)?;
        let poisserr_key = t.key_bool("POISSERR")?;
        let stat_err = if poisserr_key == Some(true) {
            None
        } else if let Some(col) = t.column("STAT_ERR")? {
            let v = t.read_scalar("STAT_ERR", col)?;
            Some(v.into_iter().map(|e| e * scale).collect())
        } else {
            None
        };
        let poisserr = stat_err.is_none();
        let backfile = linked_file(path, t.key_str("BACKFILE")?);
        let ancrfile = linked_file(path, t.key_str("ANCRFILE")?);
        let respfile = linked_file(path, t.key_str("RESPFILE")?);
        if let Some(i) = backscal.iter().chain(&areascal).position(|v| !(*v > 0.0)) {
            return Err(invalid(
                &t,
                format!("BACKSCAL and AREASCAL must be positive (row {})", i % n + 1),
            ));
        }
        Ok(Pha {
            path: path.to_path_buf(),
            channels,
            counts,
            exposure,
            backscal,
            areascal,
            grouping,
            quality,
            stat_err,
            poisserr,
            backfile,
            ancrfile,
            respfile,
        })
    }

    /// Number of channels.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// True when the spectrum has no channels (never the case for a file read successfully).
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Total counts.
    pub fn total_counts(&self) -> f64 {
        self.counts.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_files_resolve_relative_to_the_spectrum() {
        let base = Path::new("/data/obs/src.pi");
        assert_eq!(
            linked_file(base, Some("bkg.pi".into())),
            Some(PathBuf::from("/data/obs/bkg.pi"))
        );
        assert_eq!(linked_file(base, Some("none".into())), None);
        assert_eq!(linked_file(base, Some("  ".into())), None);
        assert_eq!(
            linked_file(base, Some("/abs/r.rmf".into())),
            Some(PathBuf::from("/abs/r.rmf"))
        );
        assert_eq!(
            linked_file(base, Some("r.pha[2]".into())),
            Some(PathBuf::from("/data/obs/r.pha"))
        );
    }
}
