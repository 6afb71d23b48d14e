//! Model components with XSPEC names, parameter names, defaults and limits.
//!
//! Additive components return photons cm⁻² s⁻¹ integrated over each energy bin (keV);
//! multiplicative ones return the bin-averaged factor. Definitions follow the XSPEC manual:
//! `powerlaw` K·E^−Γ (the same function as Sherpa's `powlaw1d` with ref = 1 keV);
//! `bbody` K·8.0525·E²/((kT)⁴(e^{E/kT}−1)) (K = L₃₉/D₁₀²); `bbodyrad`
//! K·1.0344×10⁻³·E²/(e^{E/kT}−1) (K = R²_km/D₁₀²); `diskbb`, the multicolour disc of Mitsuda
//! et al. (1984, PASJ 36, 741) with K = (R_in,km/D₁₀)² cos i; `constant`; `wabs`
//! (Morrison & McCammon 1983, see [`super::wabs`]).

use std::sync::OnceLock;

use super::wabs;

/// The component types this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Power law K·E^−Γ.
    Powerlaw,
    /// Blackbody normalised to luminosity.
    Bbody,
    /// Blackbody normalised to radius.
    Bbodyrad,
    /// Multicolour disc blackbody.
    Diskbb,
    /// Energy-independent factor.
    Constant,
    /// Morrison & McCammon absorption.
    Wabs,
}

/// Default value and limits of one parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// XSPEC parameter name.
    pub name: &'static str,
    /// Default value.
    pub value: f64,
    /// Lower limit.
    pub min: f64,
    /// Upper limit.
    pub max: f64,
}

const fn p(name: &'static str, value: f64, min: f64, max: f64) -> ParamSpec {
    ParamSpec {
        name,
        value,
        min,
        max,
    }
}

impl Kind {
    /// Looks a component up by its XSPEC name (case-insensitive; Sherpa's `xs` prefix and
    /// `powlaw1d` are accepted too).
    pub fn from_name(name: &str) -> Option<Kind> {
        let n = name.to_ascii_lowercase();
        let n = n.strip_prefix("xs").unwrap_or(&n);
        Some(match n {
            "powerlaw" | "pow" | "powlaw1d" => Kind::Powerlaw,
            "bbody" | "bb" => Kind::Bbody,
            "bbodyrad" | "bbrad" => Kind::Bbodyrad,
            "diskbb" => Kind::Diskbb,
            "constant" | "const" => Kind::Constant,
            "wabs" => Kind::Wabs,
            _ => return None,
        })
    }

    /// The canonical (XSPEC) name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Powerlaw => "powerlaw",
            Kind::Bbody => "bbody",
            Kind::Bbodyrad => "bbodyrad",
            Kind::Diskbb => "diskbb",
            Kind::Constant => "constant",
            Kind::Wabs => "wabs",
        }
    }

    /// Whether the component is multiplicative.
    pub fn is_multiplicative(self) -> bool {
        matches!(self, Kind::Constant | Kind::Wabs)
    }

    /// Whether the component models absorption (removed for unabsorbed fluxes).
    pub fn is_absorption(self) -> bool {
        matches!(self, Kind::Wabs)
    }

    /// Parameters with XSPEC's defaults and hard limits.
    pub fn params(self) -> &'static [ParamSpec] {
        const POW: [ParamSpec; 2] = [p("PhoIndex", 1.0, -3.0, 10.0), p("norm", 1.0, 0.0, 1e24)];
        const BB: [ParamSpec; 2] = [p("kT", 3.0, 1e-4, 200.0), p("norm", 1.0, 0.0, 1e24)];
        const DISK: [ParamSpec; 2] = [p("Tin", 1.0, 0.0, 1000.0), p("norm", 1.0, 0.0, 1e24)];
        const CONST: [ParamSpec; 1] = [p("factor", 1.0, 0.0, 1e10)];
        const WABS: [ParamSpec; 1] = [p("nH", 1.0, 0.0, 1e6)];
        match self {
            Kind::Powerlaw => &POW,
            Kind::Bbody | Kind::Bbodyrad => &BB,
            Kind::Diskbb => &DISK,
            Kind::Constant => &CONST,
            Kind::Wabs => &WABS,
        }
    }

    /// Evaluates the component on bins `[lo, hi]` (keV).
    pub fn eval(self, p: &[f64], lo: &[f64], hi: &[f64], out: &mut [f64]) {
        match self {
            Kind::Powerlaw => powerlaw(p[0], p[1], lo, hi, out),
            Kind::Bbody => {
                let kt = p[0];
                let k = p[1] * 8.0525 / kt.powi(4);
                gauss_integrate(lo, hi, out, |e| k * e * e / expm1_safe(e / kt));
            }
            Kind::Bbodyrad => {
                let kt = p[0];
                let k = p[1] * 1.0344e-3;
                gauss_integrate(lo, hi, out, |e| k * e * e / expm1_safe(e / kt));
            }
            Kind::Diskbb => {
                let tin = p[0];
                let k = p[1] * 8.0 / 3.0 * 1.0344e-3 * tin.powf(8.0 / 3.0);
                gauss_integrate(lo, hi, out, |e| {
                    if tin <= 0.0 {
                        0.0
                    } else {
                        k * e.powf(-2.0 / 3.0) * disk_integral(e / tin)
                    }
                });
            }
            Kind::Constant => out.iter_mut().for_each(|o| *o = p[0]),
            Kind::Wabs => wabs::eval(p[0], lo, hi, out),
        }
    }
}

fn expm1_safe(x: f64) -> f64 {
    if x > 700.0 { f64::INFINITY } else { x.exp_m1() }
}

/// ∫ K·E^−Γ dE over each bin, analytically.
fn powerlaw(gamma: f64, norm: f64, lo: &[f64], hi: &[f64], out: &mut [f64]) {
    let s = 1.0 - gamma;
    for i in 0..lo.len() {
        out[i] = if s.abs() < 1e-10 {
            norm * (hi[i] / lo[i]).ln()
        } else {
            norm * (hi[i].powf(s) - lo[i].powf(s)) / s
        };
    }
}

/// Five-point Gauss–Legendre quadrature of `f` over each bin.
fn gauss_integrate(lo: &[f64], hi: &[f64], out: &mut [f64], f: impl Fn(f64) -> f64) {
    const X: [f64; 5] = [
        -0.906_179_845_938_664,
        -0.538_469_310_105_683,
        0.0,
        0.538_469_310_105_683,
        0.906_179_845_938_664,
    ];
    const W: [f64; 5] = [
        0.236_926_885_056_189,
        0.478_628_670_499_366,
        0.568_888_888_888_889,
        0.478_628_670_499_366,
        0.236_926_885_056_189,
    ];
    for i in 0..lo.len() {
        let half = 0.5 * (hi[i] - lo[i]);
        let mid = 0.5 * (hi[i] + lo[i]);
        let mut acc = 0.0;
        for k in 0..5 {
            acc += W[k] * f(mid + half * X[k]);
        }
        out[i] = acc * half;
    }
}

/// G(x) = ∫ₓ^∞ u^{5/3}/(eᵘ−1) du, the multicolour-disc integral (tabulated once in ln x).
fn disk_integral(x: f64) -> f64 {
    const LN_LO: f64 = -13.815_510_557_964_274; // ln 1e-6
    const LN_HI: f64 = 5.298_317_366_548_036; // ln 200
    const N: usize = 2000;
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    if x >= 200.0 {
        return 0.0;
    }
    let table = TABLE.get_or_init(|| {
        // Integrate from the top down with Simpson's rule on a fine ln u grid.
        let step = (LN_HI - LN_LO) / N as f64;
        let f = |lnu: f64| {
            let u: f64 = lnu.exp();
            u.powf(8.0 / 3.0) / u.exp_m1()
        };
        let mut t = vec![0.0; N + 1];
        for k in (0..N).rev() {
            let a = LN_LO + k as f64 * step;
            let b = a + step;
            t[k] = t[k + 1] + step / 6.0 * (f(a) + 4.0 * f(0.5 * (a + b)) + f(b));
        }
        t
    });
    if x <= 1e-6 {
        // Below the table the integrand is ≈ u^{2/3}: add ∫ₓ^{1e-6} u^{2/3} du.
        return table[0] + 0.6 * (1e-6f64.powf(5.0 / 3.0) - x.max(0.0).powf(5.0 / 3.0));
    }
    let pos = (x.ln() - LN_LO) / (LN_HI - LN_LO) * N as f64;
    let k = (pos.floor() as usize).min(N - 1);
    let frac = pos - k as f64;
    // Interpolate ln G for accuracy across the exponential tail.
    let (a, b) = (table[k].max(1e-300).ln(), table[k + 1].max(1e-300).ln());
    (a + (b - a) * frac).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powerlaw_integral_is_analytic() {
        let mut out = [0.0; 2];
        powerlaw(2.0, 3.0, &[1.0, 2.0], &[2.0, 4.0], &mut out);
        approx::assert_relative_eq!(out[0], 1.5, max_relative = 1e-14);
        approx::assert_relative_eq!(out[1], 0.75, max_relative = 1e-14);
        powerlaw(1.0, 1e-4, &[0.5], &[7.0], &mut out[..1]);
        approx::assert_relative_eq!(out[0], 1e-4 * (7.0f64 / 0.5).ln(), max_relative = 1e-12);
    }

    #[test]
    fn disk_integral_limits() {
        // G(0) = Γ(8/3) ζ(8/3) = 1.5045755 × 1.2841905 = 1.9321616.
        approx::assert_relative_eq!(disk_integral(1e-7), 1.932_161_6, max_relative = 1e-6);
        // Large x: G(x) ≈ ∫ u^{5/3} e^{-u} du = Γ(8/3, x).
        let x: f64 = 30.0;
        let approx_tail = x.powf(5.0 / 3.0) * (-x).exp() * (1.0 + 5.0 / 3.0 / x);
        approx::assert_relative_eq!(disk_integral(x), approx_tail, max_relative = 2e-3);
    }

    #[test]
    fn bbodyrad_integrates_the_planck_shape() {
        let mut out = [0.0];
        Kind::Bbodyrad.eval(&[1.0, 1.0], &[1.0], &[1.001], &mut out);
        let mid = 1.0005f64;
        approx::assert_relative_eq!(
            out[0],
            1.0344e-3 * mid * mid / mid.exp_m1() * 0.001,
            max_relative = 1e-6
        );
    }
}
