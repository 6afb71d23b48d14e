//! Counterparts between two catalogue releases (5XMM-DR15 ↔ 4XMM-DR14, …): a positional match
//! in which each source brings its own position error.
//!
//! **Criterion.** Each source has a total 1σ position error `e` (arcsec): its statistical error
//! (RADEC_ERR, SC_POSERR: the RA and DEC errors added in quadrature) and its release's
//! systematic error, added in quadrature. Source `b` of the other release is a candidate
//! counterpart of `a` when their separation `d` satisfies
//! `d ≤ k · √(e_a² + e_b²)` and `d ≤ r_max`. For circular Gaussian errors the separation of two
//! positions of one source exceeds `k · √(e_a² + e_b²)` with probability `exp(−k²)`: k = 3
//! misses 0.012 % of true pairs. `r_max` keeps sources with huge errors (extended, faint) from
//! collecting unrelated counterparts. The counterpart of `a` is its candidate with the smallest
//! normalised separation `d / √(e_a² + e_b²)` (ties: the lower row); it is **ambiguous** when
//! more than one candidate qualifies.
//!
//! Candidates come from a zones index ([`ZoneIndex`]; Gray, Nieto-Santisteban & Szalay 2007) of
//! radius `r_max`, so the match is O(n log n); [`brute_force`] is the O(n·m) definition it must
//! equal (tests, also at the poles and across RA = 0/360).

use crate::site::neighbours::ZoneIndex;
use xcat_core::coords::angular_distance;

/// Positions of one release's sources.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Positions {
    /// Right ascension, degrees.
    pub ra: Vec<f64>,
    /// Declination, degrees.
    pub dec: Vec<f64>,
    /// Total 1σ position error (statistical and systematic), arcsec.
    pub err_arcsec: Vec<f64>,
}

impl Positions {
    /// Number of sources.
    pub fn len(&self) -> usize {
        self.ra.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ra.is_empty()
    }

    /// Adds a source with statistical error `stat` and systematic error `sys` (arcsec); a
    /// missing or invalid statistical error counts as 0.
    pub fn push(&mut self, ra: f64, dec: f64, stat: Option<f64>, sys: f64) {
        let stat = stat.filter(|e| e.is_finite() && *e >= 0.0).unwrap_or(0.0);
        self.ra.push(ra);
        self.dec.push(dec);
        self.err_arcsec.push(stat.hypot(sys));
    }
}

/// The match parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchParams {
    /// Multiple of the combined error within which a candidate qualifies.
    pub k: f64,
    /// Largest separation of a counterpart, arcsec.
    pub max_radius_arcsec: f64,
}

impl Default for MatchParams {
    fn default() -> Self {
        MatchParams {
            k: 3.0,
            max_radius_arcsec: 15.0,
        }
    }
}

/// The counterpart of one source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counterpart {
    /// Row of the source in the first release.
    pub a: u32,
    /// Row of its counterpart in the second.
    pub b: u32,
    /// Separation, arcsec.
    pub sep_arcsec: f64,
    /// Number of qualifying candidates (≥ 1).
    pub candidates: u32,
}

impl Counterpart {
    /// Whether more than one source of the other release qualified.
    pub fn ambiguous(&self) -> bool {
        self.candidates > 1
    }
}

/// Whether `b` qualifies for `a` at separation `d` (arcsec); returns the normalised separation.
fn qualifies(
    a: &Positions,
    i: usize,
    b: &Positions,
    j: usize,
    d: f64,
    p: &MatchParams,
) -> Option<f64> {
    let s = a.err_arcsec[i].hypot(b.err_arcsec[j]);
    if d <= p.max_radius_arcsec && d <= p.k * s {
        Some(if s > 0.0 {
            d / s
        } else if d == 0.0 {
            0.0
        } else {
            f64::INFINITY
        })
    } else {
        None
    }
}

/// The best of `(j, d)` candidates of source `i`.
fn best(
    a: &Positions,
    i: usize,
    b: &Positions,
    candidates: impl Iterator<Item = (usize, f64)>,
    p: &MatchParams,
) -> Option<Counterpart> {
    let mut n = 0u32;
    let mut top: Option<(f64, usize, f64)> = None;
    for (j, d) in candidates {
        let Some(z) = qualifies(a, i, b, j, d, p) else {
            continue;
        };
        n += 1;
        let better = match top {
            None => true,
            Some((tz, tj, _)) => z < tz || (z == tz && j < tj),
        };
        if better {
            top = Some((z, j, d));
        }
    }
    top.map(|(_, j, d)| Counterpart {
        a: i as u32,
        b: j as u32,
        sep_arcsec: d,
        candidates: n,
    })
}

/// The counterpart in `b` of every source of `a` that has one, in the order of `a`.
pub fn crossmatch(a: &Positions, b: &Positions, p: &MatchParams) -> Vec<Counterpart> {
    use rayon::prelude::*;
    let index = ZoneIndex::new(
        b.ra.iter().copied().zip(b.dec.iter().copied()),
        p.max_radius_arcsec / 3600.0,
    );
    (0..a.len())
        .into_par_iter()
        .filter_map(|i| {
            let near = index.near(a.ra[i], a.dec[i], None);
            best(a, i, b, near.into_iter().map(|(j, d)| (j, d * 3600.0)), p)
        })
        .collect()
}

/// The same match by comparing every pair (the definition [`crossmatch`] must equal).
pub fn brute_force(a: &Positions, b: &Positions, p: &MatchParams) -> Vec<Counterpart> {
    (0..a.len())
        .filter_map(|i| {
            let all = (0..b.len()).map(|j| {
                (
                    j,
                    angular_distance(a.ra[i], a.dec[i], b.ra[j], b.dec[j]) * 3600.0,
                )
            });
            best(a, i, b, all, p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::rng::Rng;

    /// Sources of release A in clusters at the poles, across RA = 0 and elsewhere; release B
    /// re-observes most of them (offsets of about their errors), splits some into two (the
    /// ambiguous cases) and adds unrelated sources.
    fn skies(seed: u64) -> (Positions, Positions) {
        let mut rng = Rng::new(seed, 7);
        let centres = [
            (0.0, 0.0),
            (359.9995, 10.0),
            (123.0, 89.999),
            (300.0, -89.998),
            (45.0, -30.0),
        ];
        let (mut a, mut b) = (Positions::default(), Positions::default());
        for i in 0..2_000 {
            let (ra0, dec0) = centres[i % centres.len()];
            // Within about 2′ of the centre.
            let dec = (dec0 + rng.range(-0.03, 0.03)).clamp(-90.0, 90.0);
            let ra =
                (ra0 + rng.range(-0.03, 0.03) / dec.to_radians().cos().max(1e-3)).rem_euclid(360.0);
            let err = rng.range(0.3, 4.0);
            a.push(ra, dec, Some(err), 0.5);
            if rng.chance(0.8) {
                let shift = |x: f64, s: f64| x + s / 3600.0;
                let dd = rng.normal() * err / 2f64.sqrt();
                let dr = rng.normal() * err / 2f64.sqrt() / dec.to_radians().cos().max(1e-3);
                let (rb, db) = (
                    shift(ra, dr).rem_euclid(360.0),
                    shift(dec, dd).clamp(-90.0, 90.0),
                );
                b.push(rb, db, Some(rng.range(0.3, 4.0)), 0.88);
                if rng.chance(0.1) {
                    b.push((rb + 1.5 / 3600.0).rem_euclid(360.0), db, Some(2.0), 0.88);
                }
            }
            if rng.chance(0.3) {
                b.push(
                    (ra + rng.range(-0.01, 0.01)).rem_euclid(360.0),
                    (dec + rng.range(-0.01, 0.01)).clamp(-90.0, 90.0),
                    None,
                    0.88,
                );
            }
        }
        (a, b)
    }

    #[test]
    fn the_zones_match_equals_the_brute_force_match() {
        for seed in [1, 2, 3] {
            let (a, b) = skies(seed);
            let p = MatchParams::default();
            let fast = crossmatch(&a, &b, &p);
            let slow = brute_force(&a, &b, &p);
            assert_eq!(fast.len(), slow.len(), "seed {seed}");
            for (f, s) in fast.iter().zip(&slow) {
                assert_eq!(
                    (f.a, f.b, f.candidates),
                    (s.a, s.b, s.candidates),
                    "seed {seed}"
                );
                // Same pair, same formula: equal to rounding.
                assert!((f.sep_arcsec - s.sep_arcsec).abs() < 1e-9, "{f:?} {s:?}");
            }
            // The skies hold matches at every centre, ambiguous ones, and across RA = 0.
            assert!(fast.len() > 1_000, "{}", fast.len());
            assert!(fast.iter().any(Counterpart::ambiguous));
            assert!(
                fast.iter()
                    .any(|c| (a.ra[c.a as usize] < 0.01) != (b.ra[c.b as usize] < 0.01))
            );
            assert!(fast.iter().any(|c| a.dec[c.a as usize] > 89.99));
            assert!(fast.iter().any(|c| a.dec[c.a as usize] < -89.99));
        }
    }

    #[test]
    fn the_criterion_uses_both_errors_and_the_cap() {
        let mut a = Positions::default();
        a.push(10.0, 20.0, Some(1.0), 0.0);
        let mut b = Positions::default();
        // 4″ north: within 3 × √(1² + 1²) = 4.24″, not within 3 × √(1² + 0.5²) = 3.35″.
        b.push(10.0, 20.0 + 4.0 / 3600.0, Some(1.0), 0.0);
        let p = MatchParams::default();
        let m = crossmatch(&a, &b, &p);
        assert_eq!(m.len(), 1);
        assert!((m[0].sep_arcsec - 4.0).abs() < 1e-6, "{}", m[0].sep_arcsec);
        assert!(!m[0].ambiguous());
        let mut tight = Positions::default();
        tight.push(10.0, 20.0 + 4.0 / 3600.0, Some(0.5), 0.0);
        assert!(crossmatch(&a, &tight, &p).is_empty());
        // Large errors still stop at the cap.
        let mut wide = Positions::default();
        wide.push(10.0, 20.0 + 16.0 / 3600.0, Some(30.0), 0.0);
        assert!(crossmatch(&a, &wide, &p).is_empty());
        // Two qualifying candidates: the nearer in units of its error wins, flagged ambiguous.
        let mut two = Positions::default();
        two.push(10.0, 20.0 + 3.0 / 3600.0, Some(0.5), 0.0);
        two.push(10.0, 20.0 + 3.5 / 3600.0, Some(3.0), 0.0);
        let m = crossmatch(&a, &two, &p);
        assert_eq!((m[0].b, m[0].candidates), (1, 2));
        assert!(m[0].ambiguous());
    }
}
