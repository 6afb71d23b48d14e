//! Bounded minimisers: Levenberg–Marquardt on residual vectors (Levenberg 1944; Marquardt
//! 1963; the scaled-diagonal damping of MINPACK's `lmdif`, which Sherpa's `levmar` wraps) and
//! a Nelder–Mead simplex (Nelder & Mead 1965) used as a fallback.
//!
//! Bounds are honoured by projection: a trial point is clipped into the box, and parameters
//! sitting on a bound with the gradient pointing outward are held fixed for that step.

use std::time::Instant;

/// Stopping rules shared by both minimisers.
#[derive(Debug, Clone, Copy)]
pub struct OptOptions {
    /// Maximum number of function evaluations.
    pub max_nfev: usize,
    /// Relative change of the function value regarded as converged.
    pub ftol: f64,
    /// Give up (not converged) after this instant.
    pub deadline: Option<Instant>,
}

impl Default for OptOptions {
    fn default() -> Self {
        OptOptions {
            max_nfev: 5000,
            ftol: 1e-12,
            deadline: None,
        }
    }
}

/// Outcome of a minimisation.
#[derive(Debug, Clone)]
pub struct OptResult {
    /// Best point found.
    pub x: Vec<f64>,
    /// Function value there.
    pub fval: f64,
    /// Function evaluations used.
    pub nfev: usize,
    /// Whether a convergence criterion was met.
    pub converged: bool,
    /// Whether the deadline stopped the search.
    pub timed_out: bool,
    /// "levmar" or "neldermead".
    pub method: &'static str,
}

fn clamp(x: &mut [f64], lo: &[f64], hi: &[f64]) {
    for j in 0..x.len() {
        x[j] = x[j].clamp(lo[j], hi[j]);
    }
}

fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Solves the symmetric positive-definite system `a x = b` (Cholesky); `None` if singular.
pub fn solve_spd(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            if i == j {
                if !(s > 0.0) || !s.is_finite() {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i][k] * y[k];
        }
        y[i] = s / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= l[k][i] * x[k];
        }
        x[i] = s / l[i][i];
    }
    Some(x)
}

/// Inverse of a symmetric positive-definite matrix; `None` if singular.
pub fn invert_spd(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut inv = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut e = vec![0.0; n];
        e[j] = 1.0;
        let col = solve_spd(a, &e)?;
        for i in 0..n {
            inv[i][j] = col[i];
        }
    }
    Some(inv)
}

/// Levenberg–Marquardt minimisation of Σ rᵢ(x)² within `[lo, hi]`.
pub fn levmar(
    f: &mut dyn FnMut(&[f64], &mut Vec<f64>),
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    opts: &OptOptions,
) -> OptResult {
    let n = x0.len();
    let mut x = x0.to_vec();
    clamp(&mut x, lo, hi);
    let mut r = Vec::new();
    f(&x, &mut r);
    let mut nfev = 1;
    let sumsq = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>();
    let mut s = sumsq(&r);
    let result =
        |x: Vec<f64>, fval: f64, nfev: usize, converged: bool, timed_out: bool| OptResult {
            x,
            fval,
            nfev,
            converged,
            timed_out,
            method: "levmar",
        };
    if !s.is_finite() {
        return result(x, f64::INFINITY, nfev, false, false);
    }
    if n == 0 {
        return result(x, s, nfev, true, false);
    }
    let m = r.len();
    let mut lambda = 1e-3;
    let mut jac = vec![vec![0.0; m]; n];
    let mut rt = Vec::new();
    let mut small_steps = 0;
    loop {
        if past(opts.deadline) {
            return result(x, s, nfev, false, true);
        }
        if nfev >= opts.max_nfev {
            return result(x, s, nfev, false, false);
        }
        // Forward-difference Jacobian (backward at an upper bound).
        for j in 0..n {
            let mut h = 1.5e-8 * x[j].abs().max(1e-6 * (1.0 + x[j].abs()));
            if x[j] + h > hi[j] {
                h = -h;
            }
            let mut xt = x.clone();
            xt[j] += h;
            f(&xt, &mut rt);
            nfev += 1;
            for i in 0..m {
                jac[j][i] = (rt[i] - r[i]) / h;
            }
        }
        let mut a = vec![vec![0.0; n]; n];
        let mut g = vec![0.0; n];
        for j in 0..n {
            for k in 0..=j {
                let v: f64 = jac[j].iter().zip(&jac[k]).map(|(p, q)| p * q).sum();
                a[j][k] = v;
                a[k][j] = v;
            }
            g[j] = jac[j].iter().zip(&r).map(|(p, q)| p * q).sum();
        }
        // Hold parameters on a bound whose gradient points out of the box.
        let held: Vec<bool> = (0..n)
            .map(|j| (x[j] <= lo[j] && g[j] > 0.0) || (x[j] >= hi[j] && g[j] < 0.0))
            .collect();
        let mut improved = false;
        while !improved {
            if nfev >= opts.max_nfev || past(opts.deadline) {
                let t = past(opts.deadline);
                return result(x, s, nfev, false, t);
            }
            let mut damped = a.clone();
            let mut rhs: Vec<f64> = g.iter().map(|v| -v).collect();
            for j in 0..n {
                let d = a[j][j].max(1e-300);
                damped[j][j] = a[j][j] + lambda * d;
                if held[j] {
                    for k in 0..n {
                        damped[j][k] = 0.0;
                        damped[k][j] = 0.0;
                    }
                    damped[j][j] = 1.0;
                    rhs[j] = 0.0;
                }
            }
            let Some(step) = solve_spd(&damped, &rhs) else {
                lambda *= 10.0;
                if lambda > 1e20 {
                    return result(x, s, nfev, false, false);
                }
                continue;
            };
            let mut xt: Vec<f64> = x.iter().zip(&step).map(|(a, b)| a + b).collect();
            clamp(&mut xt, lo, hi);
            f(&xt, &mut rt);
            nfev += 1;
            let st = sumsq(&rt);
            if st.is_finite() && st <= s {
                let rel_f = (s - st) / s.max(1e-300);
                let rel_x = (0..n)
                    .map(|j| (xt[j] - x[j]).abs() / x[j].abs().max(1e-300))
                    .fold(0.0, f64::max);
                x = xt;
                std::mem::swap(&mut r, &mut rt);
                s = st;
                lambda = (lambda / 10.0).max(1e-15);
                improved = true;
                if rel_f < opts.ftol || rel_x < 1e-12 {
                    small_steps += 1;
                    if small_steps >= 2 {
                        return result(x, s, nfev, true, false);
                    }
                } else {
                    small_steps = 0;
                }
            } else {
                lambda *= 10.0;
                if lambda > 1e16 {
                    // No downhill step even with tiny steps: at a (bounded) minimum.
                    return result(x, s, nfev, true, false);
                }
            }
        }
    }
}

/// Nelder–Mead simplex minimisation of `f` within `[lo, hi]`.
pub fn neldermead(
    f: &mut dyn FnMut(&[f64]) -> f64,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    opts: &OptOptions,
) -> OptResult {
    let n = x0.len();
    let mut eval = |x: &mut Vec<f64>, nfev: &mut usize| {
        clamp(x, lo, hi);
        *nfev += 1;
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut nfev = 0;
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    let mut start = x0.to_vec();
    let v0 = eval(&mut start, &mut nfev);
    simplex.push((start.clone(), v0));
    for j in 0..n {
        let mut p = start.clone();
        let step = if p[j] != 0.0 { 0.1 * p[j].abs() } else { 0.01 };
        p[j] = if p[j] + step <= hi[j] {
            p[j] + step
        } else {
            p[j] - step
        };
        let v = eval(&mut p, &mut nfev);
        simplex.push((p, v));
    }
    let mut timed_out = false;
    let mut converged = false;
    while nfev < opts.max_nfev {
        if past(opts.deadline) {
            timed_out = true;
            break;
        }
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[n].1);
        if (worst - best).abs() <= opts.ftol * best.abs().max(1e-10) {
            converged = true;
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|p| p.0[j]).sum::<f64>() / n as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..n)
                .map(|j| centroid[j] + t * (simplex[n].0[j] - centroid[j]))
                .collect()
        };
        let mut xr = along(-1.0);
        let fr = eval(&mut xr, &mut nfev);
        if fr < simplex[0].1 {
            let mut xe = along(-2.0);
            let fe = eval(&mut xe, &mut nfev);
            simplex[n] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (xr, fr);
        } else {
            let t = if fr < simplex[n].1 { -0.5 } else { 0.5 };
            let mut xc = along(t);
            let fc = eval(&mut xc, &mut nfev);
            if fc < simplex[n].1.min(fr) {
                simplex[n] = (xc, fc);
            } else {
                let b = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    let mut q: Vec<f64> = (0..n).map(|j| b[j] + 0.5 * (p.0[j] - b[j])).collect();
                    let v = eval(&mut q, &mut nfev);
                    *p = (q, v);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, fval) = simplex.swap_remove(0);
    OptResult {
        x,
        fval,
        nfev,
        converged,
        timed_out,
        method: "neldermead",
    }
}

/// Levenberg–Marquardt, restarted once from its result to confirm convergence, with a
/// Nelder–Mead fallback (followed by a final Levenberg–Marquardt polish) when it fails.
pub fn minimize(
    f: &mut dyn FnMut(&[f64], &mut Vec<f64>),
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    opts: &OptOptions,
) -> OptResult {
    let mut first = levmar(f, x0, lo, hi, opts);
    if first.timed_out {
        return first;
    }
    if first.converged {
        let again = levmar(f, &first.x, lo, hi, opts);
        let nfev = first.nfev + again.nfev;
        if again.fval <= first.fval {
            first = again;
        }
        first.nfev = nfev;
        if first.converged || first.timed_out {
            return first;
        }
    }
    let mut buf = Vec::new();
    let mut scalar = |x: &[f64]| {
        f(x, &mut buf);
        buf.iter().map(|v| v * v).sum::<f64>()
    };
    let nm = neldermead(&mut scalar, &first.x, lo, hi, opts);
    let polish = levmar(f, &nm.x, lo, hi, opts);
    let nfev = first.nfev + nm.nfev + polish.nfev;
    let mut best = if polish.fval <= nm.fval { polish } else { nm };
    if first.fval < best.fval {
        best = first;
    }
    best.nfev = nfev;
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levmar_fits_an_exponential_and_respects_bounds() {
        let t: Vec<f64> = (0..20).map(|i| i as f64 * 0.25).collect();
        let y: Vec<f64> = t.iter().map(|t| 3.0 * (-0.7 * t).exp()).collect();
        let mut f = |x: &[f64], r: &mut Vec<f64>| {
            r.clear();
            r.extend(t.iter().zip(&y).map(|(t, y)| x[0] * (-x[1] * t).exp() - y));
        };
        let res = levmar(
            &mut f,
            &[1.0, 0.1],
            &[0.0, 0.0],
            &[10.0, 10.0],
            &OptOptions::default(),
        );
        assert!(res.converged);
        approx::assert_relative_eq!(res.x[0], 3.0, max_relative = 1e-7);
        approx::assert_relative_eq!(res.x[1], 0.7, max_relative = 1e-7);
        let bounded = levmar(
            &mut f,
            &[1.0, 0.1],
            &[0.0, 0.0],
            &[2.0, 10.0],
            &OptOptions::default(),
        );
        assert_eq!(bounded.x[0], 2.0);
    }

    #[test]
    fn neldermead_finds_the_rosenbrock_minimum() {
        let mut f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let opts = OptOptions {
            ftol: 1e-14,
            ..OptOptions::default()
        };
        let res = neldermead(&mut f, &[-1.2, 1.0], &[-5.0, -5.0], &[5.0, 5.0], &opts);
        assert!(res.converged);
        approx::assert_abs_diff_eq!(res.x[0], 1.0, epsilon = 1e-4);
    }

    #[test]
    fn spd_inverse() {
        let a = vec![vec![4.0, 1.0], vec![1.0, 3.0]];
        let inv = invert_spd(&a).unwrap();
        approx::assert_relative_eq!(inv[0][0], 3.0 / 11.0, max_relative = 1e-12);
        approx::assert_relative_eq!(inv[0][1], -1.0 / 11.0, max_relative = 1e-12);
        assert!(invert_spd(&[vec![1.0, 1.0], vec![1.0, 1.0]]).is_none());
    }
}
