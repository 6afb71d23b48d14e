//! One fit from start to finish: set up the problem, minimise (or only evaluate), estimate
//! errors and fluxes, and describe the result in a serialisable form (the CLI's `--json` and
//! the server's answer).

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::dataset::{DataOptions, Spectrum};
use crate::flux;
use crate::model::{Model, ModelError};
use crate::optim::{self, OptOptions};
use crate::problem::{Problem, ProblemError};
use crate::stat::Statistic;
use crate::uncertainty;

/// What to fit and how.
#[derive(Debug, Clone)]
pub struct FitRequest {
    /// Source model expression, e.g. `wabs*powerlaw`.
    pub model: String,
    /// Background model expression, fitted jointly.
    pub bkg_model: Option<String>,
    /// Statistic.
    pub stat: Statistic,
    /// Binning and filters.
    pub data: DataOptions,
    /// Parameter values or limits (`name`, `name.min`, `name.max`); background-model
    /// parameters are prefixed `bkg.`.
    pub set: Vec<(String, f64)>,
    /// Parameters to freeze, optionally at a value.
    pub freeze: Vec<(String, Option<f64>)>,
    /// Only evaluate the statistic at the given parameters.
    pub eval_only: bool,
    /// Flux bands in keV.
    pub flux_bands: Vec<(f64, f64)>,
    /// Compute profile confidence intervals.
    pub conf: bool,
    /// Include data/model/residual arrays.
    pub plot: bool,
    /// Stop working after this instant.
    pub deadline: Option<Instant>,
}

impl Default for FitRequest {
    fn default() -> Self {
        FitRequest {
            model: "powerlaw".into(),
            bkg_model: None,
            stat: Statistic::Chi2Gehrels,
            data: DataOptions::default(),
            set: Vec::new(),
            freeze: Vec::new(),
            eval_only: false,
            flux_bands: vec![(0.5, 2.0), (2.0, 10.0), (0.5, 10.0)],
            conf: false,
            plot: false,
            deadline: None,
        }
    }
}

/// Why a fit could not be done.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// Bad model expression or parameter.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Data unsuitable for the request.
    #[error(transparent)]
    Problem(#[from] ProblemError),
    /// The deadline passed.
    #[error("the fit did not finish within its time limit")]
    TimedOut,
    /// The statistic could not be evaluated at the starting point.
    #[error(
        "the statistic is not finite at the starting parameters; set better starting values (--set)"
    )]
    BadStart,
}

/// Statistic summary.
#[derive(Debug, Clone, Serialize)]
pub struct StatInfo {
    /// Statistic name.
    pub name: &'static str,
    /// Value at the reported parameters.
    pub value: f64,
    /// Number of bins summed.
    pub numpoints: usize,
    /// Degrees of freedom (bins − free parameters).
    pub dof: i64,
    /// value / dof.
    pub reduced: Option<f64>,
    /// Optimiser used ("none" for --eval).
    pub method: &'static str,
    /// Whether the optimiser met its convergence criterion.
    pub converged: bool,
    /// Statistic evaluations used.
    pub nfev: usize,
}

/// One parameter of the result.
#[derive(Debug, Clone, Serialize)]
pub struct ParamInfo {
    /// Value.
    pub value: f64,
    /// 1σ error from the fit covariance (JᵀJ)⁻¹ (null when frozen or not computable); the
    /// errors Sherpa's and XSPEC's fit results report.
    pub error: Option<f64>,
    /// 1σ error from the inverse Hessian of the statistic (Sherpa's `covar()`).
    pub covar_error: Option<f64>,
    /// Whether the parameter was held fixed.
    pub frozen: bool,
    /// Lower limit.
    pub min: f64,
    /// Upper limit.
    pub max: f64,
    /// Profile confidence interval, when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conf: Option<[Option<f64>; 2]>,
}

/// Fluxes in one band.
#[derive(Debug, Clone, Serialize)]
pub struct FluxInfo {
    /// Band lower edge, keV.
    pub lo: f64,
    /// Band upper edge, keV.
    pub hi: f64,
    /// Photon flux, photons cm⁻² s⁻¹.
    pub photon: f64,
    /// Energy flux, erg cm⁻² s⁻¹.
    pub energy: f64,
    /// Photon flux without absorption components.
    pub photon_unabsorbed: f64,
    /// Energy flux without absorption components.
    pub energy_unabsorbed: f64,
    /// Background-model photon flux (joint fits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bkg_photon: Option<f64>,
    /// Background-model energy flux (joint fits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bkg_energy: Option<f64>,
}

/// Arrays for plotting the fit, per noticed bin of the source spectrum.
#[derive(Debug, Clone, Serialize)]
pub struct PlotData {
    /// Bin lower energy, keV.
    pub e_lo: Vec<f64>,
    /// Bin upper energy, keV.
    pub e_hi: Vec<f64>,
    /// Data in counts s⁻¹ keV⁻¹ (background subtracted for χ²).
    pub data: Vec<f64>,
    /// 1σ errors of `data`.
    pub error: Vec<f64>,
    /// Model in counts s⁻¹ keV⁻¹.
    pub model: Vec<f64>,
    /// (data − model) / error.
    pub residual: Vec<f64>,
}

/// The outcome of a fit.
#[derive(Debug, Clone, Serialize)]
pub struct FitOutput {
    /// Model expression.
    pub model: String,
    /// Background model expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bkg_model: Option<String>,
    /// Statistic summary.
    pub stat: StatInfo,
    /// Parameters by name.
    pub params: BTreeMap<String, ParamInfo>,
    /// Fluxes by band name ("0.5-2").
    pub fluxes: BTreeMap<String, FluxInfo>,
    /// Notes on the data (e.g. a missing BACKFILE).
    pub warnings: Vec<String>,
    /// Plot arrays, when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot: Option<PlotData>,
}

fn band_name(lo: f64, hi: f64) -> String {
    format!("{lo}-{hi}")
}

/// Fits (or evaluates) `req` on `spec`.
pub fn run(spec: &Spectrum, req: &FitRequest) -> Result<FitOutput, FitError> {
    let mut model = Model::parse(&req.model)?;
    let mut bkg_model = match &req.bkg_model {
        Some(e) => Some(Model::parse(e)?),
        None => None,
    };
    for (name, value) in &req.set {
        let (m, n) = target(&mut model, &mut bkg_model, name)?;
        m.set(&n, *value)?;
    }
    for (name, value) in &req.freeze {
        let (m, n) = target(&mut model, &mut bkg_model, name)?;
        m.freeze(&n, *value)?;
    }
    let problem = Problem::new(spec, &req.data, req.stat, model, bkg_model)?;
    let all = problem_params(&problem);
    let values: Vec<f64> = all.iter().map(|p| p.value).collect();
    let free: Vec<usize> = (0..all.len()).filter(|&i| !all[i].frozen).collect();
    let lo: Vec<f64> = free.iter().map(|&i| all[i].min).collect();
    let hi: Vec<f64> = free.iter().map(|&i| all[i].max).collect();
    let full = |x: &[f64]| {
        let mut v = values.clone();
        for (k, &i) in free.iter().enumerate() {
            v[i] = x[k];
        }
        v
    };
    let mut residuals = |x: &[f64], r: &mut Vec<f64>| {
        problem.eval(&full(x), r);
    };
    let x0: Vec<f64> = free.iter().map(|&i| values[i]).collect();
    let mut scratch = Vec::new();
    if !problem.eval(&values, &mut scratch).is_finite() {
        return Err(FitError::BadStart);
    }
    let (best, method, converged, nfev) = if req.eval_only || free.is_empty() {
        (x0.clone(), "none", true, 1)
    } else {
        let opts = OptOptions {
            deadline: req.deadline,
            ..OptOptions::default()
        };
        let r = optim::minimize(&mut residuals, &x0, &lo, &hi, &opts);
        if r.timed_out {
            return Err(FitError::TimedOut);
        }
        (r.x, r.method, r.converged, r.nfev)
    };
    let pbest = full(&best);
    let value = problem.eval(&pbest, &mut scratch);
    let sumsq_best: f64 = scratch.iter().map(|v| v * v).sum();

    // Errors from the covariance of the free parameters.
    let mut errors = vec![None; all.len()];
    let mut covar_errors = vec![None; all.len()];
    let mut confs = vec![None; all.len()];
    if !free.is_empty() && !req.eval_only {
        let mut sumsq = |x: &[f64]| {
            let mut r = Vec::new();
            problem.eval(&full(x), &mut r);
            r.iter().map(|v| v * v).sum::<f64>()
        };
        let fit_cov = uncertainty::fit_covariance(&mut residuals, &best);
        let sqrt_diag = |c: &Vec<Vec<f64>>, k: usize| (c[k][k] > 0.0).then(|| c[k][k].sqrt());
        if let Some(cov) = &fit_cov {
            for (k, &i) in free.iter().enumerate() {
                errors[i] = sqrt_diag(cov, k);
            }
        }
        let scale: Vec<f64> = (0..free.len())
            .map(|k| {
                fit_cov
                    .as_ref()
                    .and_then(|c| sqrt_diag(c, k))
                    .unwrap_or(1e-2 * best[k].abs().max(1e-6))
            })
            .collect();
        if let Some(cov) = uncertainty::covariance(&mut sumsq, &best, &scale) {
            for (k, &i) in free.iter().enumerate() {
                covar_errors[i] = sqrt_diag(&cov, k);
            }
        }
        if req.conf {
            for (k, &i) in free.iter().enumerate() {
                let iv = uncertainty::profile_interval(
                    &mut residuals,
                    &best,
                    sumsq_best,
                    &lo,
                    &hi,
                    k,
                    errors[i].unwrap_or(f64::NAN),
                    req.deadline,
                );
                confs[i] = Some([iv.lower, iv.upper]);
            }
            if req.deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(FitError::TimedOut);
            }
        }
    }

    let names = problem.param_names();
    let mut params = BTreeMap::new();
    for (i, p) in all.iter().enumerate() {
        params.insert(
            names[i].clone(),
            ParamInfo {
                value: pbest[i],
                error: errors[i],
                covar_error: covar_errors[i],
                frozen: p.frozen,
                min: p.min,
                max: p.max,
                conf: confs[i],
            },
        );
    }
    let ns = problem.n_src_params();
    let mut fluxes = BTreeMap::new();
    for &(blo, bhi) in &req.flux_bands {
        let (elo, ehi) = (&problem.energ_lo, &problem.energ_hi);
        let (photon, energy) =
            flux::fluxes(&problem.model, &pbest[..ns], elo, ehi, blo, bhi, false);
        let (photon_u, energy_u) =
            flux::fluxes(&problem.model, &pbest[..ns], elo, ehi, blo, bhi, true);
        let bkg = problem
            .bkg_model
            .as_ref()
            .map(|m| flux::fluxes(m, &pbest[ns..], elo, ehi, blo, bhi, false));
        fluxes.insert(
            band_name(blo, bhi),
            FluxInfo {
                lo: blo,
                hi: bhi,
                photon,
                energy,
                photon_unabsorbed: photon_u,
                energy_unabsorbed: energy_u,
                bkg_photon: bkg.map(|b| b.0),
                bkg_energy: bkg.map(|b| b.1),
            },
        );
    }
    let numpoints = problem.numpoints();
    let dof = numpoints as i64 - free.len() as i64;
    let plot = req.plot.then(|| plot_data(&problem, &pbest, spec));
    Ok(FitOutput {
        model: problem.model.expr().to_string(),
        bkg_model: problem.bkg_model.as_ref().map(|m| m.expr().to_string()),
        stat: StatInfo {
            name: req.stat.name(),
            value,
            numpoints,
            dof,
            reduced: (dof > 0).then(|| value / dof as f64),
            method,
            converged,
            nfev,
        },
        params,
        fluxes,
        warnings: spec.warnings.clone(),
        plot,
    })
}

/// Resolves a parameter name to the model holding it (`bkg.` prefix → background model).
fn target<'a>(
    model: &'a mut Model,
    bkg: &'a mut Option<Model>,
    name: &str,
) -> Result<(&'a mut Model, String), ModelError> {
    if let Some(rest) = name
        .strip_prefix("bkg.")
        .or_else(|| name.strip_prefix("BKG."))
    {
        if let Some(b) = bkg.as_mut() {
            return Ok((b, rest.to_string()));
        }
        return Err(ModelError::UnknownParam {
            name: name.to_string(),
            known: "no background model was given (--bkg-model)".into(),
        });
    }
    Ok((model, name.to_string()))
}

fn problem_params(p: &Problem) -> Vec<crate::model::Param> {
    let mut v = p.model.params.clone();
    if let Some(b) = &p.bkg_model {
        v.extend(b.params.iter().cloned());
    }
    v
}

fn plot_data(problem: &Problem, p: &[f64], spec: &Spectrum) -> PlotData {
    let (model, _) = problem.predicted(p);
    let data = problem.data();
    let err = problem.errors();
    let exposure = spec.src.exposure;
    let b = &problem.src;
    let mut out = PlotData {
        e_lo: b.e_lo.clone(),
        e_hi: b.e_hi.clone(),
        data: Vec::new(),
        error: Vec::new(),
        model: Vec::new(),
        residual: Vec::new(),
    };
    for g in 0..b.e_lo.len() {
        let w = (b.e_hi[g] - b.e_lo[g]).max(1e-12) * exposure;
        // For joint fits the model includes the scaled background model.
        out.data.push(data[g] / w);
        out.error.push(err[g] / w);
        out.model.push(model[g] / w);
        out.residual.push((data[g] - model[g]) / err[g].max(1e-12));
    }
    out
}
