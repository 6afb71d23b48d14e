//! Redistribution matrices (CAL/GEN/92-002): the MATRIX (or SPECRESP MATRIX) extension with
//! N_GRP / F_CHAN / N_CHAN / MATRIX in fixed-width or variable-length columns, and EBOUNDS.
//!
//! The first channel number comes from TLMIN of F_CHAN; when that keyword is missing (many
//! XMM-Newton canned matrices) TLMIN of the EBOUNDS CHANNEL column is used, then the first
//! EBOUNDS channel (Sherpa falls back to TLMIN of EBOUNDS CHANNEL, then 1).

use std::path::{Path, PathBuf};

use super::OgipError;
use super::arf::check_grid;
use super::fits::FitsTable;

/// Nominal channel energy bounds (EBOUNDS).
#[derive(Debug, Clone)]
pub struct Ebounds {
    /// Channel numbers.
    pub channel: Vec<i64>,
    /// Lower channel energy, keV.
    pub e_min: Vec<f64>,
    /// Upper channel energy, keV.
    pub e_max: Vec<f64>,
}

/// A sparse redistribution matrix: for each energy bin, runs of consecutive channels.
#[derive(Debug, Clone)]
pub struct Rmf {
    /// File the matrix came from.
    pub path: PathBuf,
    /// Lower energy bin edges, keV.
    pub energ_lo: Vec<f64>,
    /// Upper energy bin edges, keV.
    pub energ_hi: Vec<f64>,
    /// Number of channels.
    pub detchans: usize,
    /// Channel number of the first channel (matrix column 0).
    pub offset: i64,
    /// Start of each energy row's runs in `runs` (length = energies + 1).
    pub row_start: Vec<usize>,
    /// Runs: (first channel index from 0, start in `values`, length).
    pub runs: Vec<(usize, usize, usize)>,
    /// Matrix elements.
    pub values: Vec<f64>,
    /// Channel energy bounds.
    pub ebounds: Ebounds,
}

impl Rmf {
    /// Reads the matrix and EBOUNDS extensions.
    pub fn read(path: &Path) -> Result<Self, OgipError> {
        let (ebounds, ebounds_tlmin) = read_ebounds(path)?;
        let mut t = FitsTable::open(
            path,
            &["MATRIX", "SPECRESP MATRIX"],
            Some(("HDUCLAS2", "RSP_MATRIX")),
        )?;
        let why = "an RMF needs ENERG_LO, ENERG_HI, N_GRP, F_CHAN, N_CHAN and MATRIX";
        let c = t.require("ENERG_LO", why)?;
        let energ_lo = t.read_scalar("ENERG_LO", c)?;
        let c = t.require("ENERG_HI", why)?;
        let energ_hi = t.read_scalar("ENERG_HI", c)?;
        check_grid(&t, &energ_lo, &energ_hi)?;
        let ngrp_col = t.require("N_GRP", why)?;
        let ngrp = t.read_scalar("N_GRP", ngrp_col)?;
        let fchan_col = t.require("F_CHAN", why)?;
        let nchan_col = t.require("N_CHAN", why)?;
        let matrix_col = t.require("MATRIX", why)?;
        let detchans = match t.key_f64("DETCHANS")? {
            Some(d) if d >= 1.0 => d as usize,
            _ => ebounds.channel.len(),
        };
        if detchans != ebounds.channel.len() {
            return Err(OgipError::Mismatch(format!(
                "{}: DETCHANS of HDU {} is {detchans} but EBOUNDS has {} rows",
                path.display(),
                t.hdu(),
                ebounds.channel.len()
            )));
        }
        let offset = match t.tlmin(fchan_col)? {
            Some(v) => v as i64,
            None => ebounds_tlmin.unwrap_or(ebounds.channel[0]),
        };
        let invalid = |t: &FitsTable, row: usize, message: String| OgipError::Invalid {
            path: t.path().to_path_buf(),
            hdu: t.hdu().to_string(),
            message: format!("row {}: {message}", row + 1),
        };
        let mut row_start = Vec::with_capacity(energ_lo.len() + 1);
        let mut runs = Vec::new();
        let mut values = Vec::new();
        for row in 0..energ_lo.len() {
            row_start.push(runs.len());
            let ng = ngrp[row];
            if !(ng >= 0.0) || ng > detchans as f64 {
                return Err(invalid(&t, row, format!("N_GRP = {ng} is out of range")));
            }
            let ng = ng as usize;
            if ng == 0 {
                continue;
            }
            let fchan = t.read_row("F_CHAN", fchan_col, row)?;
            let nchan = t.read_row("N_CHAN", nchan_col, row)?;
            let m = t.read_row("MATRIX", matrix_col, row)?;
            if fchan.len() < ng || nchan.len() < ng {
                return Err(invalid(
                    &t,
                    row,
                    format!(
                        "N_GRP = {ng} but F_CHAN/N_CHAN hold {} values",
                        fchan.len().min(nchan.len())
                    ),
                ));
            }
            let mut k = 0usize;
            for g in 0..ng {
                let first = fchan[g] as i64 - offset;
                let n = nchan[g] as i64;
                if n <= 0 {
                    continue;
                }
                if first < 0 || first + n > detchans as i64 {
                    return Err(invalid(
                        &t,
                        row,
                        format!(
                            "channels {}..{} fall outside the {detchans} channels starting at {offset} (check TLMIN of F_CHAN)",
                            fchan[g],
                            fchan[g] as i64 + n - 1
                        ),
                    ));
                }
                let n = n as usize;
                if k + n > m.len() {
                    return Err(invalid(
                        &t,
                        row,
                        format!("MATRIX holds {} values but N_CHAN needs {}", m.len(), k + n),
                    ));
                }
                runs.push((first as usize, values.len(), n));
                values.extend(
                    m[k..k + n]
                        .iter()
                        .map(|v| if v.is_finite() { *v } else { 0.0 }),
                );
                k += n;
            }
        }
        row_start.push(runs.len());
        Ok(Rmf {
            path: path.to_path_buf(),
            energ_lo,
            energ_hi,
            detchans,
            offset,
            row_start,
            runs,
            values,
            ebounds,
        })
    }

    /// Number of energy bins.
    pub fn n_energies(&self) -> usize {
        self.energ_lo.len()
    }

    /// Runs of energy row `i`: (first channel index, matrix elements).
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, &[f64])> {
        self.runs[self.row_start[i]..self.row_start[i + 1]]
            .iter()
            .map(|&(ch, start, n)| (ch, &self.values[start..start + n]))
    }
}

fn read_ebounds(path: &Path) -> Result<(Ebounds, Option<i64>), OgipError> {
    let mut t = FitsTable::open(path, &["EBOUNDS"], Some(("HDUCLAS2", "EBOUNDS")))?;
    let why = "EBOUNDS needs CHANNEL, E_MIN and E_MAX";
    let c = t.require("CHANNEL", why)?;
    let tlmin = t.tlmin(c)?;
    // Some writers store CHANNEL as a float column (e.g. Chandra 3c273.rmf): round it.
    let channel: Vec<i64> = t
        .read_scalar("CHANNEL", c)?
        .into_iter()
        .map(|v| v.round() as i64)
        .collect();
    let c = t.require("E_MIN", why)?;
    let e_min = t.read_scalar("E_MIN", c)?;
    let c = t.require("E_MAX", why)?;
    let e_max = t.read_scalar("E_MAX", c)?;
    if channel.is_empty() {
        return Err(OgipError::Invalid {
            path: path.to_path_buf(),
            hdu: t.hdu().to_string(),
            message: "EBOUNDS has no rows".into(),
        });
    }
    Ok((
        Ebounds {
            channel,
            e_min,
            e_max,
        },
        tlmin.map(|v| v.round() as i64),
    ))
}
