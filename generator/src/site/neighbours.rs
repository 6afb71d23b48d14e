//! Neighbouring sources within a small radius, with the zones algorithm (Gray, Nieto-Santisteban
//! & Szalay 2007, "The Zones Algorithm for Finding Points-Near-a-Point or Cross-Matching Spatial
//! Datasets", MSR-TR-2006-52): points are bucketed in declination zones of the search radius and
//! sorted by RA inside each zone, so a search scans three zones over a narrow RA window —
//! O(log n + k) per source instead of O(n).

use xcat_core::coords::angular_distance;

/// A spatial index of points on the sky.
#[derive(Debug)]
pub struct ZoneIndex {
    radius: f64,
    zones: Vec<Vec<(f64, f64, u32)>>,
}

impl ZoneIndex {
    /// Indexes points `(ra, dec)` in degrees for searches of radius `radius_deg`; points with
    /// non-finite coordinates are left out.
    pub fn new(points: impl Iterator<Item = (f64, f64)>, radius_deg: f64) -> Self {
        let n_zones = (180.0 / radius_deg).ceil() as usize + 1;
        let mut zones: Vec<Vec<(f64, f64, u32)>> = vec![Vec::new(); n_zones];
        for (i, (ra, dec)) in points.enumerate() {
            if ra.is_finite() && dec.is_finite() {
                let z = Self::zone_of(dec, radius_deg, n_zones);
                zones[z].push((ra.rem_euclid(360.0), dec, i as u32));
            }
        }
        for z in &mut zones {
            z.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        }
        ZoneIndex {
            radius: radius_deg,
            zones,
        }
    }

    fn zone_of(dec: f64, r: f64, n: usize) -> usize {
        (((dec + 90.0) / r).floor().max(0.0) as usize).min(n - 1)
    }

    /// Points within the index radius of `(ra, dec)` as `(index, separation in degrees)`,
    /// nearest first, excluding `exclude`.
    pub fn near(&self, ra: f64, dec: f64, exclude: Option<usize>) -> Vec<(usize, f64)> {
        let r = self.radius;
        let mut out = Vec::new();
        if !(ra.is_finite() && dec.is_finite()) {
            return out;
        }
        let ra = ra.rem_euclid(360.0);
        let n = self.zones.len();
        let z = Self::zone_of(dec, r, n);
        let max_abs_dec = (dec.abs() + r).min(90.0);
        let cos = max_abs_dec.to_radians().cos();
        let window = if max_abs_dec >= 89.999 || r / cos >= 180.0 {
            180.0
        } else {
            (r / cos).min(180.0)
        };
        for zi in z.saturating_sub(1)..=(z + 1).min(n - 1) {
            let zone = &self.zones[zi];
            let mut scan = |lo: f64, hi: f64| {
                let start = zone.partition_point(|p| p.0 < lo);
                for p in &zone[start..] {
                    if p.0 > hi {
                        break;
                    }
                    if Some(p.2 as usize) == exclude {
                        continue;
                    }
                    let d = angular_distance(ra, dec, p.0, p.1);
                    if d <= r {
                        out.push((p.2 as usize, d));
                    }
                }
            };
            if window >= 180.0 {
                scan(0.0, 360.0);
            } else {
                let (lo, hi) = (ra - window, ra + window);
                if lo < 0.0 {
                    scan(lo + 360.0, 360.0);
                    scan(0.0, hi);
                } else if hi >= 360.0 {
                    scan(lo, 360.0);
                    scan(0.0, hi - 360.0);
                } else {
                    scan(lo, hi);
                }
            }
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(pts: &[(f64, f64)], i: usize, r: f64) -> Vec<usize> {
        let mut v: Vec<usize> = (0..pts.len())
            .filter(|&j| j != i && angular_distance(pts[i].0, pts[i].1, pts[j].0, pts[j].1) <= r)
            .collect();
        v.sort();
        v
    }

    #[test]
    fn matches_brute_force_at_poles_and_across_ra_zero() {
        let mut pts = Vec::new();
        let mut s = 12345u64;
        let mut rnd = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for &(ra0, dec0) in &[
            (0.0, 0.0),
            (359.99, 10.0),
            (10.0, 89.95),
            (200.0, -89.98),
            (120.0, 45.0),
        ] {
            for _ in 0..200 {
                pts.push((
                    (ra0 + (rnd() - 0.5) * 0.2f64).rem_euclid(360.0),
                    (dec0 + (rnd() - 0.5) * 0.1f64).clamp(-90.0, 90.0),
                ));
            }
        }
        let r = 1.0 / 60.0;
        let idx = ZoneIndex::new(pts.iter().copied(), r);
        let mut total = 0;
        for i in 0..pts.len() {
            let mut got: Vec<usize> = idx
                .near(pts[i].0, pts[i].1, Some(i))
                .into_iter()
                .map(|p| p.0)
                .collect();
            got.sort();
            let want = brute(&pts, i, r);
            total += want.len();
            assert_eq!(got, want, "point {i} at {:?}", pts[i]);
        }
        assert!(total > 100, "the test exercises real neighbours ({total})");
    }
}
