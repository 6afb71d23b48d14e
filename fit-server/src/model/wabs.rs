//! Photoelectric absorption with the Morrison & McCammon (1983, ApJ 270, 119) cross-sections.
//!
//! MM83 Table 2 fits the effective cross-section per hydrogen atom (solar abundances, no
//! grains) in 14 energy ranges from 0.03 to 10 keV as
//! σ(E) = (c0 + c1·E + c2·E²)·E⁻³ × 10⁻²⁴ cm² (E in keV). The coefficients below are that
//! table. Outside it we follow the conventions of XSPEC's `wabs`: above 10 keV the last
//! range continues as a pure E⁻³ law matching σ at 10 keV; below 0.03 keV σ ∝ E⁻³ matching
//! σ at 0.03 keV; no absorption below the hydrogen ionisation edge (13.6 eV).
//!
//! Like XSPEC, the transmission of a bin is the trapezoid-rule average of exp(−N_H σ) over the
//! bin, with the bin split at every table edge so that each piece uses its own coefficients.

/// Upper edges (keV) of the MM83 energy ranges; the first range starts at 0.03 keV.
const EDGES: [f64; 14] = [
    0.100, 0.284, 0.400, 0.532, 0.707, 0.867, 1.303, 1.840, 2.471, 3.210, 4.038, 7.111, 8.331,
    10.000,
];
/// MM83 Table 2: c0, c1, c2 for each range (σ in 10⁻²⁴ cm², E in keV).
const COEFFS: [[f64; 3]; 14] = [
    [17.3, 608.1, -2150.0],
    [34.6, 267.9, -476.1],
    [78.1, 18.8, 4.3],
    [71.4, 66.8, -51.4],
    [95.5, 145.8, -61.1],
    [308.9, -380.6, 294.0],
    [120.6, 169.3, -47.7],
    [141.3, 146.8, -31.5],
    [202.7, 104.7, -17.0],
    [342.7, 18.7, 0.0],
    [352.2, 18.7, 0.0],
    [433.9, -2.4, 0.75],
    [629.0, 30.9, 0.0],
    [701.2, 25.2, 0.0],
];
const TABLE_LO: f64 = 0.03;
/// Hydrogen ionisation energy, keV.
const LYMAN_LIMIT: f64 = 0.0135984;

/// Index of the range a point belongs to, with ranges −1 (below 0.03 keV) and 14 (above 10).
/// Energies exactly on an edge belong to the range below it.
fn range_of(e: f64) -> i32 {
    if e <= TABLE_LO {
        return -1;
    }
    for (i, edge) in EDGES.iter().enumerate() {
        if e <= *edge {
            return i as i32;
        }
    }
    EDGES.len() as i32
}

/// σ(E) in units of 10⁻²² cm² evaluated with the coefficients of range `r`.
fn sigma_in_range(e: f64, r: i32) -> f64 {
    let poly = |c: &[f64; 3], x: f64| c[0] + c[1] * x + c[2] * x * x;
    let numerator = match r {
        -1 => poly(&COEFFS[0], TABLE_LO),
        14 => poly(&COEFFS[13], EDGES[13]),
        r => poly(&COEFFS[r as usize], e),
    };
    numerator / (e * e * e) * 1e-2
}

/// Cross-section per H atom at energy `e` (keV), in 10⁻²² cm².
pub fn cross_section(e: f64) -> f64 {
    if e < LYMAN_LIMIT {
        return 0.0;
    }
    sigma_in_range(e, range_of(e))
}

fn transmission(nh: f64, e: f64, r: i32) -> f64 {
    if e < LYMAN_LIMIT {
        1.0
    } else {
        (-nh * sigma_in_range(e, r)).exp()
    }
}

/// Boundaries between ranges: 0.03 keV then the table edges.
fn boundary(k: i32) -> f64 {
    if k < 0 { TABLE_LO } else { EDGES[k as usize] }
}

/// Bin-averaged transmission for column `nh` (10²² cm⁻²) on bins `[lo[i], hi[i]]`.
pub fn eval(nh: f64, lo: &[f64], hi: &[f64], out: &mut [f64]) {
    for i in 0..lo.len() {
        let (a, b) = (lo[i], hi[i]);
        if b <= a {
            out[i] = transmission(nh, a, range_of(a));
            continue;
        }
        // Range used just above `a`: an energy exactly on an edge starts the next range.
        let mut r = range_of(a);
        if r < 14 && a == boundary(r) {
            r += 1;
        }
        let mut x = a;
        let mut acc = 0.0;
        loop {
            let end = if r < 14 { boundary(r).min(b) } else { b };
            let end = end.max(x);
            acc += 0.5 * (end - x) * (transmission(nh, x, r) + transmission(nh, end, r));
            if end >= b {
                break;
            }
            x = end;
            r += 1;
        }
        out[i] = acc / (b - a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_section_matches_the_table_at_one_kev() {
        // MM83 Table 2, 0.867–1.303 keV: (120.6 + 169.3 − 47.7) × 1e-24 cm² at 1 keV.
        approx::assert_relative_eq!(cross_section(1.0), 2.422, max_relative = 1e-12);
        // Above 10 keV: E⁻³ continuation of σ(10 keV) = (701.2 + 252) / 1000 × 1e-24.
        approx::assert_relative_eq!(
            cross_section(20.0),
            cross_section(10.0) / 8.0,
            max_relative = 1e-12
        );
        assert_eq!(cross_section(0.01), 0.0);
    }

    #[test]
    fn narrow_bins_converge_to_the_point_transmission() {
        let mut out = [0.0];
        eval(1.0, &[1.9999], &[2.0001], &mut out);
        approx::assert_relative_eq!(out[0], (-cross_section(2.0)).exp(), max_relative = 1e-6);
    }

    #[test]
    fn bins_straddling_an_edge_use_both_ranges() {
        // The oxygen edge at 0.532 keV: the average over a bin across it lies between the
        // transmissions just below and just above the edge.
        let mut out = [0.0];
        eval(0.1, &[0.5], &[0.56], &mut out);
        let below = (-0.1 * sigma_in_range(0.532, 3)).exp();
        let above = (-0.1 * sigma_in_range(0.532, 4)).exp();
        assert!(out[0] < below && out[0] > (-0.1 * cross_section(0.5)).exp().min(above) - 0.1);
        let mut zero = [0.0];
        eval(0.0, &[0.5], &[0.56], &mut zero);
        assert_eq!(zero[0], 1.0);
    }
}
