//! Fit statistics as Sherpa defines them.
//!
//! * `chi2gehrels` (Sherpa's default): σ = 1 + √(N + 0.75) (Gehrels 1986, ApJ 303, 336).
//! * `chi2datavar`: σ² = N. With a background both are background-subtracted:
//!   d = S − r·B, σ² = σ_S² + r²·σ_B².
//! * `cash`: C = 2 Σ (m − d ln m) (Cash 1979, ApJ 228, 939).
//! * `cstat`: C = 2 Σ (m − d + d (ln d − ln m)), the XSPEC form of Cash's statistic.
//! * `wstat`: the profile-likelihood W statistic for source and background counts without a
//!   background model (XSPEC manual, appendix B; Sherpa `WStat`), including its special
//!   cases for zero source or background counts.
//!
//! Model values ≤ 0 inside a logarithm are replaced by 1e-25, as Sherpa does.
//! Every statistic is also written as a sum of non-negative per-bin terms ("deviances": for
//! cash, cstat's terms, which differ from cash by a constant), whose signed square roots are
//! the residuals the Levenberg–Marquardt optimiser minimises.

use std::fmt;
use std::str::FromStr;

const TRUNC: f64 = 1e-25;

/// A fit statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    /// χ² with Gehrels errors.
    Chi2Gehrels,
    /// χ² with data-variance errors.
    Chi2DataVar,
    /// Cash.
    Cash,
    /// C-statistic.
    CStat,
    /// W-statistic (Poisson background, profiled).
    WStat,
}

impl Statistic {
    /// Sherpa name.
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Chi2Gehrels => "chi2gehrels",
            Statistic::Chi2DataVar => "chi2datavar",
            Statistic::Cash => "cash",
            Statistic::CStat => "cstat",
            Statistic::WStat => "wstat",
        }
    }

    /// Whether this is a χ² statistic (background subtracted).
    pub fn is_chi2(self) -> bool {
        matches!(self, Statistic::Chi2Gehrels | Statistic::Chi2DataVar)
    }

    /// Statistical error of `n` counts for a χ² statistic.
    pub fn sigma(self, n: f64) -> f64 {
        match self {
            Statistic::Chi2Gehrels => 1.0 + (n + 0.75).max(0.0).sqrt(),
            _ => n.max(0.0).sqrt(),
        }
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Statistic {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "chi2" | "chi2gehrels" | "chi" => Statistic::Chi2Gehrels,
            "chi2datavar" | "datavar" => Statistic::Chi2DataVar,
            "cash" => Statistic::Cash,
            "cstat" | "c" => Statistic::CStat,
            "wstat" | "w" => Statistic::WStat,
            other => {
                return Err(format!(
                    "unknown statistic {other:?} (use chi2gehrels, chi2datavar, cash, cstat or wstat)"
                ));
            }
        })
    }
}

fn ln_model(m: f64) -> f64 {
    if m > 0.0 { m.ln() } else { TRUNC.ln() }
}

/// Per-bin C-statistic deviance 2(m − d + d ln(d/m)) (≥ 0).
pub fn cstat_term(d: f64, m: f64) -> f64 {
    if d > 0.0 {
        2.0 * (m - d + d * (d.ln() - ln_model(m)))
    } else {
        2.0 * m
    }
}

/// Per-bin Cash value 2(m − d ln m).
pub fn cash_term(d: f64, m: f64) -> f64 {
    2.0 * (m - d * ln_model(m))
}

/// Per-bin W-statistic for source counts `s`, background counts `b`, source model counts
/// `mu` and background scale `r` (expected background counts in the source region per count
/// in the background region).
pub fn wstat_term(s: f64, b: f64, mu: f64, r: f64) -> f64 {
    let c = 1.0 + 1.0 / r;
    let half = if s == 0.0 {
        mu + b * (1.0 + r).ln()
    } else if b == 0.0 {
        if mu < s / c {
            -mu / r + s * c.ln()
        } else {
            mu + s * (s.ln() - ln_model(mu) - 1.0)
        }
    } else {
        let q = c * mu - s - b;
        let f = (-q + (q * q + 4.0 * c * b * mu).sqrt()) / (2.0 * c);
        mu + c * f
            - s * ln_model(mu + f)
            - b * ln_model(f / r)
            - s * (1.0 - s.ln())
            - b * (1.0 - b.ln())
    };
    2.0 * half
}

/// Signed square root of a non-negative deviance, positive when the model exceeds the data.
pub fn signed_root(dev: f64, model_above: bool) -> f64 {
    let r = dev.max(0.0).sqrt();
    if model_above { r } else { -r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cstat_is_zero_at_the_data_and_positive_elsewhere() {
        assert_eq!(cstat_term(5.0, 5.0), 0.0);
        assert!(cstat_term(5.0, 4.0) > 0.0);
        approx::assert_relative_eq!(cstat_term(0.0, 2.5), 5.0);
        // cash and cstat differ by a model-independent constant.
        let d = 7.0;
        let k = cash_term(d, 3.0) - cstat_term(d, 3.0);
        approx::assert_relative_eq!(cash_term(d, 9.0) - cstat_term(d, 9.0), k, epsilon = 1e-12);
    }

    #[test]
    fn wstat_minimum_over_the_background_is_the_profile() {
        // W/2 = μ + (1+1/r)f − s ln(μ+f) − b ln(f/r) + const is minimised by the closed form f.
        let (s, b, mu, r) = (12.0, 30.0, 4.0, 0.2);
        let w = |f: f64| {
            2.0 * (mu + (1.0 + 1.0 / r) * f
                - s * (mu + f).ln()
                - b * (f / r).ln()
                - s * (1.0 - s.ln())
                - b * (1.0 - b.ln()))
        };
        let best = wstat_term(s, b, mu, r);
        let mut lowest = f64::INFINITY;
        for k in 1..20000 {
            lowest = lowest.min(w(k as f64 * 0.001));
        }
        approx::assert_relative_eq!(best, lowest, max_relative = 1e-6);
        assert!(best >= 0.0);
        // Special cases are continuous with the general formula.
        approx::assert_relative_eq!(
            wstat_term(1e-9, 3.0, 2.0, 0.5),
            wstat_term(0.0, 3.0, 2.0, 0.5),
            max_relative = 1e-6
        );
        approx::assert_relative_eq!(
            wstat_term(3.0, 1e-12, 2.0, 0.5),
            wstat_term(3.0, 0.0, 2.0, 0.5),
            max_relative = 1e-6
        );
    }

    #[test]
    fn parses_names() {
        assert_eq!("CSTAT".parse::<Statistic>().unwrap(), Statistic::CStat);
        assert_eq!("chi2".parse::<Statistic>().unwrap(), Statistic::Chi2Gehrels);
        assert!("lsq".parse::<Statistic>().is_err());
    }
}
