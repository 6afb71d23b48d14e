//! Ancillary response files (CAL/GEN/92-002): effective area on an energy grid.

use std::path::{Path, PathBuf};

use super::OgipError;
use super::fits::FitsTable;

/// Effective area (cm²) per energy bin (keV).
#[derive(Debug, Clone)]
pub struct Arf {
    /// File the ARF came from.
    pub path: PathBuf,
    /// Lower bin edges, keV.
    pub energ_lo: Vec<f64>,
    /// Upper bin edges, keV.
    pub energ_hi: Vec<f64>,
    /// Effective area, cm².
    pub specresp: Vec<f64>,
}

impl Arf {
    /// Reads the SPECRESP extension.
    pub fn read(path: &Path) -> Result<Self, OgipError> {
        let mut t = FitsTable::open(path, &["SPECRESP"], Some(("HDUCLAS2", "SPECRESP")))?;
        let why = "an ARF needs ENERG_LO, ENERG_HI and SPECRESP";
        let c = t.require("ENERG_LO", why)?;
        let energ_lo = t.read_scalar("ENERG_LO", c)?;
        let c = t.require("ENERG_HI", why)?;
        let energ_hi = t.read_scalar("ENERG_HI", c)?;
        let c = t.require("SPECRESP", why)?;
        let specresp = t.read_scalar("SPECRESP", c)?;
        check_grid(&t, &energ_lo, &energ_hi)?;
        if let Some(i) = specresp.iter().position(|a| !a.is_finite() || *a < 0.0) {
            return Err(OgipError::Invalid {
                path: path.to_path_buf(),
                hdu: t.hdu().to_string(),
                message: format!("SPECRESP row {} is negative or not finite", i + 1),
            });
        }
        Ok(Arf {
            path: path.to_path_buf(),
            energ_lo,
            energ_hi,
            specresp,
        })
    }
}

/// Checks an energy grid: non-empty, finite, each bin with lo < hi, increasing.
pub(super) fn check_grid(t: &FitsTable, lo: &[f64], hi: &[f64]) -> Result<(), OgipError> {
    let bad = |message: String| OgipError::Invalid {
        path: t.path().to_path_buf(),
        hdu: t.hdu().to_string(),
        message,
    };
    if lo.is_empty() {
        return Err(bad("the energy grid is empty".into()));
    }
    for i in 0..lo.len() {
        if !(lo[i].is_finite() && hi[i].is_finite() && lo[i] >= 0.0 && hi[i] > lo[i]) {
            return Err(bad(format!(
                "energy bin {} is invalid (ENERG_LO {}, ENERG_HI {})",
                i + 1,
                lo[i],
                hi[i]
            )));
        }
        if i > 0 && lo[i] < lo[i - 1] {
            return Err(bad(format!("energy grid decreases at row {}", i + 1)));
        }
    }
    Ok(())
}
