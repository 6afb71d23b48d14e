//! The function a fit minimises: data bins, folded responses, models and a statistic.
//!
//! With a background model (`--bkg-model`) the source and background spectra are fitted
//! jointly, as Sherpa does after `set_bkg_source`: the source bins are predicted by the
//! source model plus the background model scaled by BACKSCAL_src/BACKSCAL_bkg (and AREASCAL),
//! the background bins by the background model, and the statistic is summed over both.
//! Without one, χ² statistics subtract the scaled background and `wstat` profiles it.

use crate::dataset::{DataOptions, Response, Spectrum};
use crate::model::Model;
use crate::stat::{self, Statistic};

/// Why a problem could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ProblemError {
    /// Nothing left to fit after filtering.
    #[error("no bins left after grouping and filtering ({0})")]
    NoBins(String),
    /// The statistic needs something the data lacks.
    #[error("{0}")]
    Unsuitable(String),
}

/// Data and responses for one spectrum restricted to its noticed bins.
#[derive(Debug, Clone)]
pub struct Bins {
    /// Channel index ranges `[a, b)` of the bins.
    pub groups: Vec<(usize, usize)>,
    /// Lower / upper energy of each bin (EBOUNDS), keV.
    pub e_lo: Vec<f64>,
    /// Upper energy of each bin, keV.
    pub e_hi: Vec<f64>,
    /// Counts per bin.
    pub counts: Vec<f64>,
    /// Response folding photon flux to counts in these bins.
    pub response: Response,
}

/// Everything needed to evaluate the statistic for a parameter vector.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The statistic.
    pub stat: Statistic,
    /// Source model.
    pub model: Model,
    /// Background model, fitted jointly when present.
    pub bkg_model: Option<Model>,
    /// Source bins.
    pub src: Bins,
    /// Background counts per source bin (grouped like the source), if a background exists.
    pub bkg_counts: Option<Vec<f64>>,
    /// Background scale r per bin (for subtraction and wstat).
    pub bkg_scale: Vec<f64>,
    /// BACKSCAL·AREASCAL ratio per bin (background model into the source region).
    pub bkg_model_scale: Vec<f64>,
    /// Background response with the background exposure (joint fits only).
    pub bkg_response: Option<Response>,
    /// Model energy grid, keV.
    pub energ_lo: Vec<f64>,
    /// Model energy grid upper edges, keV.
    pub energ_hi: Vec<f64>,
    /// χ² σ per source bin (background subtracted); empty for Poisson statistics.
    sigma: Vec<f64>,
    /// χ² σ per background bin for joint χ² fits.
    bkg_sigma: Vec<f64>,
}

fn mean_over(groups: &[(usize, usize)], spec: &Spectrum, v: &[f64]) -> Vec<f64> {
    groups
        .iter()
        .map(|&(a, b)| {
            let idx: Vec<usize> = (a..b).filter(|&i| spec.good(i)).collect();
            idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len().max(1) as f64
        })
        .collect()
}

impl Problem {
    /// Builds the problem; `model` and `bkg_model` carry the starting parameters.
    pub fn new(
        spec: &Spectrum,
        opts: &DataOptions,
        stat: Statistic,
        model: Model,
        bkg_model: Option<Model>,
    ) -> Result<Self, ProblemError> {
        let groups = spec.noticed_groups(opts);
        if groups.is_empty() {
            return Err(ProblemError::NoBins(format!(
                "{} has {} groups before filtering",
                spec.path().display(),
                spec.groups(opts).len()
            )));
        }
        let eb = &spec.rmf.ebounds;
        let e_lo = groups.iter().map(|&(a, _)| eb.e_min[a]).collect();
        let e_hi = groups.iter().map(|&(_, b)| eb.e_max[b - 1]).collect();
        let counts = spec.group_sum(&groups, &spec.src.counts);
        let response = spec.fold_response(&groups, spec.src.exposure, &spec.src.areascal);
        let (energ_lo, energ_hi) = spec.energy_grid();
        let bkg_counts = spec
            .bkg
            .as_ref()
            .map(|b| spec.group_sum(&groups, &b.counts));
        let (bkg_scale, bkg_model_scale, bkg_response) = match (&spec.bkg, spec.bkg_scale()) {
            (Some(b), Some(r)) => {
                let ratio: Vec<f64> = (0..spec.src.len())
                    .map(|i| {
                        (spec.src.backscal[i] * spec.src.areascal[i])
                            / (b.backscal[i] * b.areascal[i])
                    })
                    .collect();
                let resp = bkg_model
                    .as_ref()
                    .map(|_| spec.fold_response(&groups, b.exposure, &b.areascal));
                (
                    mean_over(&groups, spec, &r),
                    mean_over(&groups, spec, &ratio),
                    resp,
                )
            }
            _ => (vec![0.0; groups.len()], vec![0.0; groups.len()], None),
        };
        if bkg_model.is_some() && bkg_counts.is_none() {
            return Err(ProblemError::Unsuitable(
                "a background model needs a background spectrum (--bkg or BACKFILE)".into(),
            ));
        }
        if stat == Statistic::WStat && bkg_counts.is_none() {
            return Err(ProblemError::Unsuitable(
                "wstat needs a background spectrum (--bkg or BACKFILE); use cstat without one"
                    .into(),
            ));
        }
        if stat == Statistic::WStat && bkg_model.is_some() {
            return Err(ProblemError::Unsuitable(
                "wstat profiles the background and cannot be combined with --bkg-model; use cstat"
                    .into(),
            ));
        }
        let mut sigma = Vec::new();
        let mut bkg_sigma = Vec::new();
        if stat.is_chi2() {
            let joint = bkg_model.is_some();
            for (g, &s) in counts.iter().enumerate() {
                let mut var = stat.sigma(s).powi(2);
                if let (Some(b), false) = (&bkg_counts, joint) {
                    var += (bkg_scale[g] * stat.sigma(b[g])).powi(2);
                }
                sigma.push(var.sqrt());
            }
            if joint {
                bkg_sigma = bkg_counts
                    .as_ref()
                    .map(|b| b.iter().map(|&n| stat.sigma(n)).collect())
                    .unwrap_or_default();
            }
            if let Some(i) = sigma.iter().chain(&bkg_sigma).position(|s| !(*s > 0.0)) {
                return Err(ProblemError::Unsuitable(format!(
                    "bin {} has zero variance with {stat}; group the data (--group-min) or use chi2gehrels/cstat",
                    i % groups.len() + 1
                )));
            }
        }
        Ok(Problem {
            stat,
            model,
            bkg_model,
            src: Bins {
                groups,
                e_lo,
                e_hi,
                counts,
                response,
            },
            bkg_counts,
            bkg_scale,
            bkg_model_scale,
            bkg_response,
            energ_lo: energ_lo.to_vec(),
            energ_hi: energ_hi.to_vec(),
            sigma,
            bkg_sigma,
        })
    }

    /// Number of source-model parameters (background-model ones follow them).
    pub fn n_src_params(&self) -> usize {
        self.model.params.len()
    }

    /// All parameters (source then background model), with background names prefixed `bkg.`.
    pub fn param_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.model.params.iter().map(|p| p.name.clone()).collect();
        if let Some(b) = &self.bkg_model {
            v.extend(b.params.iter().map(|p| format!("bkg.{}", p.name)));
        }
        v
    }

    /// Number of data points the statistic sums over.
    pub fn numpoints(&self) -> usize {
        self.src.counts.len() * if self.bkg_model.is_some() { 2 } else { 1 }
    }

    /// Predicted source-model counts per source bin (without any background contribution).
    pub fn source_counts(&self, p: &[f64]) -> Vec<f64> {
        let flux = self.model.eval(
            &p[..self.n_src_params()],
            &self.energ_lo,
            &self.energ_hi,
            false,
        );
        self.src.response.fold(&flux)
    }

    /// Predicted counts: (source bins, background bins if jointly fitted).
    pub fn predicted(&self, p: &[f64]) -> (Vec<f64>, Option<Vec<f64>>) {
        let ns = self.n_src_params();
        let mut src = self.source_counts(p);
        let bkg = match (&self.bkg_model, &self.bkg_response) {
            (Some(bm), Some(br)) => {
                let flux = bm.eval(&p[ns..], &self.energ_lo, &self.energ_hi, false);
                // The background model seen through the source response and exposure.
                let in_src = self.src.response.fold(&flux);
                for (g, v) in in_src.iter().enumerate() {
                    src[g] += self.bkg_model_scale[g] * v;
                }
                Some(br.fold(&flux))
            }
            _ => None,
        };
        (src, bkg)
    }

    /// The data the model is compared with (background-subtracted for χ² without a
    /// background model).
    pub fn data(&self) -> Vec<f64> {
        match (
            &self.bkg_counts,
            self.stat.is_chi2() && self.bkg_model.is_none(),
        ) {
            (Some(b), true) => self
                .src
                .counts
                .iter()
                .zip(b)
                .zip(&self.bkg_scale)
                .map(|((s, b), r)| s - r * b)
                .collect(),
            _ => self.src.counts.clone(),
        }
    }

    /// Error bars for plotting: χ² σ, or √N for Poisson statistics.
    pub fn errors(&self) -> Vec<f64> {
        if self.stat.is_chi2() {
            self.sigma.clone()
        } else {
            self.data().iter().map(|d| d.max(1.0).sqrt()).collect()
        }
    }

    /// Statistic value; `res` receives the residuals whose squares sum to the minimised
    /// function (equal to the statistic up to a constant for cash).
    pub fn eval(&self, p: &[f64], res: &mut Vec<f64>) -> f64 {
        res.clear();
        let (src, bkg) = self.predicted(p);
        let mut total = 0.0;
        let data = &self.src.counts;
        match self.stat {
            Statistic::Chi2Gehrels | Statistic::Chi2DataVar => {
                let d = self.data();
                for g in 0..src.len() {
                    let r = (d[g] - src[g]) / self.sigma[g];
                    res.push(r);
                    total += r * r;
                }
                if let (Some(bm), Some(bc)) = (&bkg, &self.bkg_counts) {
                    for g in 0..bm.len() {
                        let r = (bc[g] - bm[g]) / self.bkg_sigma[g];
                        res.push(r);
                        total += r * r;
                    }
                }
            }
            Statistic::Cash | Statistic::CStat => {
                let mut add = |d: f64, m: f64| {
                    let dev = stat::cstat_term(d, m);
                    res.push(stat::signed_root(dev, m > d));
                    total += if self.stat == Statistic::Cash {
                        stat::cash_term(d, m)
                    } else {
                        dev
                    };
                };
                for g in 0..src.len() {
                    add(data[g], src[g]);
                }
                if let (Some(bm), Some(bc)) = (&bkg, &self.bkg_counts) {
                    for g in 0..bm.len() {
                        add(bc[g], bm[g]);
                    }
                }
            }
            Statistic::WStat => {
                let bc = self.bkg_counts.as_deref().unwrap_or(&[]);
                for g in 0..src.len() {
                    let dev = stat::wstat_term(data[g], bc[g], src[g], self.bkg_scale[g]);
                    // Sign: model plus the background it implies above the data or not.
                    res.push(stat::signed_root(
                        dev,
                        src[g] + self.bkg_scale[g] * bc[g] > data[g],
                    ));
                    total += dev;
                }
            }
        }
        if !total.is_finite() {
            return f64::INFINITY;
        }
        total
    }

    /// Statistic value only.
    pub fn stat_value(&self, p: &[f64]) -> f64 {
        let mut res = Vec::new();
        self.eval(p, &mut res)
    }
}
