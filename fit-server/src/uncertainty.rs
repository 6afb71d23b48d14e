//! Parameter uncertainties.
//!
//! * Fit covariance: (JᵀJ)⁻¹ from the Jacobian J of the residuals at the best fit (the
//!   Gauss–Newton approximation of (H/2)⁻¹; what Levenberg–Marquardt implementations such as
//!   MINPACK, and so Sherpa's fit results, report).
//! * Covariance: the Hessian H of the statistic at the best fit by central differences with
//!   Richardson extrapolation; the covariance is (H/2)⁻¹ and the 1σ errors the square roots of
//!   its diagonal (as Sherpa's `covariance`, for statistics that are −2 ln L or χ²).
//! * Confidence intervals by profiling (as Sherpa's `conf`): for each parameter, the values
//!   where the statistic, minimised over the other free parameters, rises by Δ = 1 (1σ for
//!   one parameter) above its minimum, found by bracketing and bisection.

use std::time::Instant;

use crate::optim::{self, OptOptions};

/// (JᵀJ)⁻¹ with J from forward differences of the residuals `f` at `x`, using the step of
/// MINPACK's `fdjac2` with Sherpa's `epsfcn` (the float32 machine epsilon):
/// h = √ε·|x| (√ε when x = 0). The truncation error of this step is part of the reported
/// covariance in Sherpa, so it is kept for comparability.
pub fn fit_covariance(
    f: &mut dyn FnMut(&[f64], &mut Vec<f64>),
    x: &[f64],
) -> Option<Vec<Vec<f64>>> {
    let n = x.len();
    let mut jac: Vec<Vec<f64>> = Vec::with_capacity(n);
    let (mut r0, mut rp) = (Vec::new(), Vec::new());
    f(x, &mut r0);
    let eps = (f32::EPSILON as f64).sqrt();
    for j in 0..n {
        let h = if x[j] == 0.0 { eps } else { eps * x[j].abs() };
        let mut y = x.to_vec();
        y[j] = x[j] + h;
        f(&y, &mut rp);
        jac.push(rp.iter().zip(&r0).map(|(a, b)| (a - b) / h).collect());
    }
    let a: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|k| jac[i].iter().zip(&jac[k]).map(|(p, q)| p * q).sum())
                .collect()
        })
        .collect();
    optim::invert_spd(&a)
}

/// Hessian of `f` at `x` using steps `h`.
fn hessian(f: &mut dyn FnMut(&[f64]) -> f64, x: &[f64], h: &[f64]) -> Vec<Vec<f64>> {
    let n = x.len();
    let f0 = f(x);
    let mut hs = vec![vec![0.0; n]; n];
    let at = |f: &mut dyn FnMut(&[f64]) -> f64, d: &[(usize, f64)]| {
        let mut y = x.to_vec();
        for &(j, s) in d {
            y[j] += s;
        }
        f(&y)
    };
    for i in 0..n {
        let fp = at(f, &[(i, h[i])]);
        let fm = at(f, &[(i, -h[i])]);
        hs[i][i] = (fp - 2.0 * f0 + fm) / (h[i] * h[i]);
        for j in 0..i {
            let fpp = at(f, &[(i, h[i]), (j, h[j])]);
            let fpm = at(f, &[(i, h[i]), (j, -h[j])]);
            let fmp = at(f, &[(i, -h[i]), (j, h[j])]);
            let fmm = at(f, &[(i, -h[i]), (j, -h[j])]);
            let v = (fpp - fpm - fmp + fmm) / (4.0 * h[i] * h[j]);
            hs[i][j] = v;
            hs[j][i] = v;
        }
    }
    hs
}

/// Covariance matrix of the free parameters at the minimum `x` of the statistic `f`;
/// `scale` gives a typical size for each parameter's step (e.g. a rough error).
pub fn covariance(
    f: &mut dyn FnMut(&[f64]) -> f64,
    x: &[f64],
    scale: &[f64],
) -> Option<Vec<Vec<f64>>> {
    let h: Vec<f64> = x
        .iter()
        .zip(scale)
        .map(|(v, s)| {
            let s = if s.is_finite() && *s > 0.0 {
                *s
            } else {
                1e-3 * v.abs().max(1e-6)
            };
            0.05 * s
        })
        .collect();
    let h2: Vec<f64> = h.iter().map(|v| v * 0.5).collect();
    let a = hessian(f, x, &h);
    let b = hessian(f, x, &h2);
    let n = x.len();
    let half: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| 0.5 * (4.0 * b[i][j] - a[i][j]) / 3.0)
                .collect()
        })
        .collect();
    optim::invert_spd(&half)
}

/// A profile-likelihood interval for one parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Interval {
    /// Lower bound (None if it hit the parameter limit or could not be found).
    pub lower: Option<f64>,
    /// Upper bound.
    pub upper: Option<f64>,
}

/// Profiles parameter `j` around the best fit `x` (statistic `fmin`) of the residual function
/// `f` (its squares sum to the statistic up to a constant), with bounds `lo`/`hi` and a
/// starting error `sigma`.
#[allow(clippy::too_many_arguments)]
pub fn profile_interval(
    f: &mut dyn FnMut(&[f64], &mut Vec<f64>),
    x: &[f64],
    fmin: f64,
    lo: &[f64],
    hi: &[f64],
    j: usize,
    sigma: f64,
    deadline: Option<Instant>,
) -> Interval {
    let target = fmin + 1.0;
    let opts = OptOptions {
        deadline,
        max_nfev: 2000,
        ..OptOptions::default()
    };
    let mut profile = |t: f64| -> f64 {
        let others: Vec<usize> = (0..x.len()).filter(|&k| k != j).collect();
        let mut g = |y: &[f64], r: &mut Vec<f64>| {
            let mut full = x.to_vec();
            full[j] = t;
            for (k, &i) in others.iter().enumerate() {
                full[i] = y[k];
            }
            f(&full, r);
        };
        let y0: Vec<f64> = others.iter().map(|&i| x[i]).collect();
        let l: Vec<f64> = others.iter().map(|&i| lo[i]).collect();
        let h: Vec<f64> = others.iter().map(|&i| hi[i]).collect();
        optim::levmar(&mut g, &y0, &l, &h, &opts).fval
    };
    let sigma = if sigma.is_finite() && sigma > 0.0 {
        sigma
    } else {
        0.1 * x[j].abs().max(1e-3)
    };
    let mut side = |dir: f64| -> Option<f64> {
        let limit = if dir > 0.0 { hi[j] } else { lo[j] };
        let (mut inside, mut step) = (x[j], sigma);
        let mut outside = None;
        for _ in 0..12 {
            let t = x[j] + dir * step;
            let t = if dir > 0.0 {
                t.min(limit)
            } else {
                t.max(limit)
            };
            if profile(t) >= target {
                outside = Some(t);
                break;
            }
            inside = t;
            if t == limit || deadline.is_some_and(|d| Instant::now() >= d) {
                return None;
            }
            step *= 2.0;
        }
        let mut out = outside?;
        for _ in 0..30 {
            let mid = 0.5 * (inside + out);
            if profile(mid) >= target {
                out = mid;
            } else {
                inside = mid;
            }
            if (out - inside).abs() <= 1e-4 * sigma {
                break;
            }
        }
        Some(0.5 * (inside + out))
    };
    let lower = side(-1.0);
    let upper = side(1.0);
    Interval { lower, upper }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covariance_of_a_quadratic_is_exact() {
        // χ²(x) = (x0/2)² + (x1/3)²  →  σ = 2, 3.
        let mut f = |x: &[f64]| (x[0] / 2.0).powi(2) + (x[1] / 3.0).powi(2);
        let c = covariance(&mut f, &[0.0, 0.0], &[1.0, 1.0]).unwrap();
        approx::assert_relative_eq!(c[0][0].sqrt(), 2.0, max_relative = 1e-8);
        approx::assert_relative_eq!(c[1][1].sqrt(), 3.0, max_relative = 1e-8);
    }

    #[test]
    fn profile_of_correlated_quadratic() {
        // r = (x0 + x1, x1 − 1): minimum at (−1, 1); profiling x0 gives Δχ² = x0'²/2 → ±√2.
        let mut f = |x: &[f64], r: &mut Vec<f64>| {
            r.clear();
            r.push(x[0] + x[1]);
            r.push(x[1] - 1.0);
        };
        let i = profile_interval(
            &mut f,
            &[-1.0, 1.0],
            0.0,
            &[-10.0, -10.0],
            &[10.0, 10.0],
            0,
            1.0,
            None,
        );
        approx::assert_abs_diff_eq!(i.lower.unwrap(), -1.0 - 2f64.sqrt(), epsilon = 1e-3);
        approx::assert_abs_diff_eq!(i.upper.unwrap(), -1.0 + 2f64.sqrt(), epsilon = 1e-3);
    }
}
