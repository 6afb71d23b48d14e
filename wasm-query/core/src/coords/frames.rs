//! Display frames beyond galactic: the J2000 mean ecliptic and the FK4 B1950 equatorial system.
//!
//! * Ecliptic: the IAU 2006 mean ecliptic and equinox of J2000, reached from ICRS by the
//!   Fukushima–Williams bias-precession angles at J2000 (Hilton et al. 2006; ERFA `pfw06`,
//!   `ecm06`), which is exactly what astropy's `BarycentricMeanEcliptic(equinox='J2000')` does.
//!   Without the ~20 mas frame bias this is the classic rotation by the J2000 mean obliquity
//!   ε₀ = 84381.406″.
//! * FK4 B1950 ↔ FK5 J2000: the method of Standish (1982) and Aoki et al. (1983, A&A 128, 263)
//!   in the matrix form of Murray (1989, A&A 218, 325, eqs. 28–29), with the E-terms of
//!   aberration of the Explanatory Supplement (Seidelmann 1992), as astropy implements it for
//!   positions without proper motion (equinox and epoch B1950).

use super::{lon_lat, unit_vector};

const ARCSEC: f64 = std::f64::consts::PI / (180.0 * 3600.0);

/// ERFA-style rotation about the x axis (rotates the frame by `a` radians).
fn r1(a: f64) -> [[f64; 3]; 3] {
    let (s, c) = a.sin_cos();
    [[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]]
}

/// ERFA-style rotation about the z axis.
fn r3(a: f64) -> [[f64; 3]; 3] {
    let (s, c) = a.sin_cos();
    [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]]
}

fn mat_mul(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

fn apply(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

fn apply_transposed(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    [
        m[0][0] * v[0] + m[1][0] * v[1] + m[2][0] * v[2],
        m[0][1] * v[0] + m[1][1] * v[1] + m[2][1] * v[2],
        m[0][2] * v[0] + m[1][2] * v[1] + m[2][2] * v[2],
    ]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalised(v: [f64; 3]) -> [f64; 3] {
    let n = dot(v, v).sqrt();
    [v[0] / n, v[1] / n, v[2] / n]
}

/// The J2000 mean obliquity of the ecliptic, IAU 2006 (Hilton et al. 2006), in arcseconds.
pub const OBLIQUITY_J2000_ARCSEC: f64 = 84381.406;

/// ICRS → mean ecliptic and equinox of J2000: `R3(−ψ̄)·R1(φ̄)·R3(γ̄)` with the Fukushima–Williams
/// angles at J2000 (ERFA `pfw06`, t = 0), i.e. ERFA `ecm06` at J2000 where the obliquity
/// rotation cancels.
fn icrs_to_ecliptic_matrix() -> [[f64; 3]; 3] {
    let gamb = -0.052928 * ARCSEC;
    let phib = 84381.412819 * ARCSEC;
    let psib = -0.041775 * ARCSEC;
    mat_mul(&r3(-psib), &mat_mul(&r1(phib), &r3(gamb)))
}

/// Ecliptic longitude and latitude (mean ecliptic and equinox of J2000, IAU 2006) in degrees of
/// an ICRS position in degrees.
pub fn equatorial_to_ecliptic(ra: f64, dec: f64) -> (f64, f64) {
    lon_lat(apply(&icrs_to_ecliptic_matrix(), unit_vector(ra, dec)))
}

/// ICRS (ra, dec) in degrees of a position in J2000 mean ecliptic coordinates in degrees.
pub fn ecliptic_to_equatorial(lon: f64, lat: f64) -> (f64, f64) {
    lon_lat(apply_transposed(
        &icrs_to_ecliptic_matrix(),
        unit_vector(lon, lat),
    ))
}

/// FK4 (no E-terms, B1950) → FK5 (J2000) matrix of Murray (1989) eq. 28.
const B1950_TO_J2000: [[f64; 3]; 3] = [
    [
        0.999_925_679_495_687_7,
        -0.011_181_483_220_466_2,
        -0.004_859_003_815_359_2,
    ],
    [
        0.011_181_483_239_171_7,
        0.999_937_484_893_313_5,
        -0.000_027_162_594_714_2,
    ],
    [
        0.004_859_003_772_314_3,
        -0.000_027_170_293_744_0,
        0.999_988_194_602_374_2,
    ],
];

/// Correction for the rotation of the FK4 system, per Julian century from 1950 (Murray 1989
/// eq. 29), in units of 1e-6.
const FK4_CORRECTION: [[f64; 3]; 3] = [
    [-0.002_645_526_2, -1.153_991_868_9, 2.111_134_619_0],
    [1.154_062_816_1, -0.012_904_299_7, 0.023_602_147_8],
    [-2.111_297_904_8, -0.005_602_444_8, 0.010_258_773_4],
];

/// Julian date of the Besselian epoch B1950.0.
const JD_B1950: f64 = 2_433_282.423_459_05;

/// The FK4 → FK5 matrix for epoch (observation time) B1950, as astropy uses by default.
fn fk4_to_fk5_matrix() -> [[f64; 3]; 3] {
    // Julian centuries between 1950.0 (Julian) and the epoch B1950.0.
    let jyear = 2000.0 + (JD_B1950 - 2_451_545.0) / 365.25;
    let t = (jyear - 1950.0) / 100.0;
    let mut m = B1950_TO_J2000;
    for (row, corr) in m.iter_mut().zip(FK4_CORRECTION.iter()) {
        for (cell, c) in row.iter_mut().zip(corr.iter()) {
            *cell += c * 1e-6 * t;
        }
    }
    m
}

/// The E-terms of aberration vector for equinox B1950 (Explanatory Supplement 1992, as in
/// astropy's `fk4_e_terms`): eccentricity, perigee longitude and IAU 1980 obliquity at B1950.
fn e_terms_b1950() -> [f64; 3] {
    // Constant of aberration, degrees; T = 0 for equinox B1950.
    let k: f64 = 0.005_693_2;
    let ek = k.to_radians() * 0.016_730_11;
    let g = (1_015_489.951 / 3600.0_f64).to_radians();
    // IAU 1980 mean obliquity (ERFA obl80) at JD_B1950.
    let t = (JD_B1950 - 2_451_545.0) / 36_525.0;
    let eps = (84_381.448 + (-46.8150 + (-0.00059 + 0.001813 * t) * t) * t) * ARCSEC;
    let minus_ek_cos_g = -ek * g.cos();
    [
        ek * g.sin(),
        minus_ek_cos_g * eps.cos(),
        minus_ek_cos_g * eps.sin(),
    ]
}

/// FK5 J2000 (ra, dec) in degrees of an FK4 B1950 position (equinox and epoch B1950, with the
/// E-terms of aberration, no proper motion).
pub fn b1950_to_j2000(ra: f64, dec: f64) -> (f64, f64) {
    let r = unit_vector(ra, dec);
    let a = e_terms_b1950();
    // Remove the E-terms: r' = r − A + (A·r) r.
    let ar = dot(a, r);
    let r = normalised([
        r[0] - a[0] + ar * r[0],
        r[1] - a[1] + ar * r[1],
        r[2] - a[2] + ar * r[2],
    ]);
    lon_lat(apply(&fk4_to_fk5_matrix(), r))
}

/// FK4 B1950 (ra, dec) in degrees, with the E-terms of aberration, of an FK5 J2000 position in
/// degrees (ICRS positions may be given directly: the frames differ by a few tens of mas).
pub fn j2000_to_b1950(ra: f64, dec: f64) -> (f64, f64) {
    let r = apply_transposed(&fk4_to_fk5_matrix(), unit_vector(ra, dec));
    let a = e_terms_b1950();
    // Add the E-terms by fixed-point iteration of r = (A + r₀) / (1 + A·r), as astropy does.
    let start = [a[0] + r[0], a[1] + r[1], a[2] + r[2]];
    let mut v = r;
    for _ in 0..10 {
        let d = 1.0 + dot(a, v);
        v = [start[0] / d, start[1] / d, start[2] / d];
    }
    lon_lat(normalised(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coords::angular_distance;

    /// Separation in arcseconds.
    fn sep(a: (f64, f64), b: (f64, f64)) -> f64 {
        angular_distance(a.0, a.1, b.0, b.1) * 3600.0
    }

    #[test]
    fn ecliptic_matches_astropy() {
        // astropy 8.0.2: SkyCoord(ra, dec, frame='icrs')
        //   .transform_to(BarycentricMeanEcliptic(equinox='J2000')) -> (lon, lat) degrees.
        // Tolerance 1 mas (both apply the same IAU 2006 angles).
        let cases = [
            (10.68, 41.27, 27.846095771, 33.351367034),
            (201.69, -47.48, 219.752751563, -35.230305338),
            (0.0, 0.0, 0.000001885, -0.000005848),
            (359.9, -89.0, 272.512423054, -66.538855592),
            (83.633, 22.0145, 84.097428703, -1.294419166),
            (120.0, 89.9, 90.125250247, 66.474065999),
            (270.0, 66.56, 270.466243874, 89.999281315),
        ];
        for (ra, dec, lon, lat) in cases {
            let got = equatorial_to_ecliptic(ra, dec);
            assert!(
                sep(got, (lon, lat)) < 1e-3,
                "({ra}, {dec}) -> {got:?}, want ({lon}, {lat})"
            );
            let back = ecliptic_to_equatorial(got.0, got.1);
            assert!(
                sep(back, (ra, dec)) < 1e-6,
                "round trip of ({ra}, {dec}): {back:?}"
            );
        }
    }

    #[test]
    fn obliquity_rotation_without_bias_is_within_50_mas() {
        // The ecliptic pole is at RA 270°, Dec 90° − ε₀ (exact for the bias-free rotation); the
        // frame bias moves it by a few tens of mas.
        let eps_deg = OBLIQUITY_J2000_ARCSEC / 3600.0;
        let (_, lat) = equatorial_to_ecliptic(270.0, 90.0 - eps_deg);
        assert!((90.0 - lat) * 3600.0 < 0.05, "pole latitude {lat}");
    }

    #[test]
    fn fk4_matches_astropy() {
        // astropy 8.0.2: SkyCoord(ra, dec, frame=FK5(equinox='J2000'))
        //   .transform_to(FK4(equinox='B1950')), and FK4(B1950) -> FK5(J2000) for the same
        // numbers read as B1950. Tolerance 1 mas.
        let to_b1950 = [
            (10.68, 41.27, 9.995694226, 40.996169857),
            (201.69, -47.48, 200.939446126, -47.220574359),
            (0.0, 0.0, 359.359307960, -0.278409890),
            (359.9, -89.0, 359.095623964, -89.278488408),
            (83.633, 22.0145, 82.880733243, 21.981813699),
            (120.0, 89.9, 20.468695474, 89.755268842),
        ];
        for (ra, dec, bra, bdec) in to_b1950 {
            let got = j2000_to_b1950(ra, dec);
            assert!(sep(got, (bra, bdec)) < 1e-3, "({ra}, {dec}) -> {got:?}");
        }
        let to_j2000 = [
            (10.68, 41.27, 11.367614778, 41.543212009),
            (201.69, -47.48, 202.445280362, -47.738073609),
            (0.0, 0.0, 0.640691001, 0.278409429),
            (359.9, -89.0, 0.493511576, -88.721502546),
            (83.633, 22.0145, 84.385603683, 22.043553140),
            (120.0, 89.9, 165.606785465, 89.660056477),
        ];
        for (ra, dec, jra, jdec) in to_j2000 {
            let got = b1950_to_j2000(ra, dec);
            assert!(sep(got, (jra, jdec)) < 1e-3, "({ra}, {dec}) -> {got:?}");
        }
    }

    #[test]
    fn fk4_round_trip() {
        for (ra, dec) in [
            (10.68, 41.27),
            (359.99, -0.5),
            (180.0, 89.99),
            (45.0, -89.99),
        ] {
            let (b_ra, b_dec) = j2000_to_b1950(ra, dec);
            let back = b1950_to_j2000(b_ra, b_dec);
            // The E-term inversion iterates; 10 iterations converge far below 1 µas.
            assert!(sep(back, (ra, dec)) < 1e-6, "({ra}, {dec}) -> {back:?}");
        }
    }
}
