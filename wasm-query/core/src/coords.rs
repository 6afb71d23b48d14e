//! Sky coordinates: angular distance, equatorial ↔ galactic conversion, sexagesimal
//! formatting and parsing, angular radii, IAU catalogue designations, and (in [`frames`]) the
//! J2000 ecliptic and FK4 B1950 frames used for display.
//!
//! The galactic frame uses the ICRS → galactic rotation matrix of the Hipparcos catalogue
//! (ESA 1997, vol. 1, §1.5.3), which is also what astropy applies between ICRS and Galactic.

pub mod frames;
pub mod parse;

pub use frames::{b1950_to_j2000, ecliptic_to_equatorial, equatorial_to_ecliptic, j2000_to_b1950};
pub use parse::{CoordError, looks_like_position, parse_position, parse_radius};

/// Degrees in a radian.
const DEG: f64 = 180.0 / std::f64::consts::PI;

/// ICRS (≈ J2000 equatorial) → galactic rotation matrix, Hipparcos vol. 1 eq. 1.5.11.
const ICRS_TO_GAL: [[f64; 3]; 3] = [
    [
        -0.054_875_560_416_215_4,
        -0.873_437_090_234_885,
        -0.483_835_015_548_713_2,
    ],
    [
        0.494_109_427_875_583_7,
        -0.444_829_629_960_011_2,
        0.746_982_244_497_219,
    ],
    [
        -0.867_666_149_019_004_7,
        -0.198_076_373_431_201_5,
        0.455_983_776_175_066_9,
    ],
];

/// Unit vector of a position given in degrees.
pub fn unit_vector(lon_deg: f64, lat_deg: f64) -> [f64; 3] {
    let (lon, lat) = (lon_deg / DEG, lat_deg / DEG);
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Longitude in [0, 360) and latitude in [-90, 90] degrees of a (not necessarily unit) vector.
pub fn lon_lat(v: [f64; 3]) -> (f64, f64) {
    let lon = v[1].atan2(v[0]) * DEG;
    let lat = v[2].atan2(v[0].hypot(v[1])) * DEG;
    (normalize_lon(lon), lat)
}

/// Maps any longitude onto [0, 360).
pub fn normalize_lon(lon: f64) -> f64 {
    let l = lon.rem_euclid(360.0);
    if l >= 360.0 { 0.0 } else { l }
}

fn rotate(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

fn rotate_transposed(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    [
        m[0][0] * v[0] + m[1][0] * v[1] + m[2][0] * v[2],
        m[0][1] * v[0] + m[1][1] * v[1] + m[2][1] * v[2],
        m[0][2] * v[0] + m[1][2] * v[1] + m[2][2] * v[2],
    ]
}

/// Galactic (l, b) in degrees of an ICRS/J2000 position in degrees.
pub fn equatorial_to_galactic(ra: f64, dec: f64) -> (f64, f64) {
    lon_lat(rotate(&ICRS_TO_GAL, unit_vector(ra, dec)))
}

/// ICRS/J2000 (ra, dec) in degrees of a galactic position in degrees.
pub fn galactic_to_equatorial(l: f64, b: f64) -> (f64, f64) {
    lon_lat(rotate_transposed(&ICRS_TO_GAL, unit_vector(l, b)))
}

/// Great-circle distance in degrees between two positions in degrees (Vincenty's formula,
/// accurate at all separations).
pub fn angular_distance(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (l1, b1, l2, b2) = (ra1 / DEG, dec1 / DEG, ra2 / DEG, dec2 / DEG);
    let dl = l2 - l1;
    let (sb1, cb1, sb2, cb2) = (b1.sin(), b1.cos(), b2.sin(), b2.cos());
    let num1 = cb2 * dl.sin();
    let num2 = cb1 * sb2 - sb1 * cb2 * dl.cos();
    let den = sb1 * sb2 + cb1 * cb2 * dl.cos();
    num1.hypot(num2).atan2(den) * DEG
}

/// Position `dist_deg` away from (ra, dec) along position angle `pa_deg` (east of north).
pub fn offset(ra: f64, dec: f64, pa_deg: f64, dist_deg: f64) -> (f64, f64) {
    let (a, d, pa, r) = (ra / DEG, dec / DEG, pa_deg / DEG, dist_deg / DEG);
    let sd = d.sin() * r.cos() + d.cos() * r.sin() * pa.cos();
    let dec2 = sd.clamp(-1.0, 1.0).asin();
    let ra2 = a + (pa.sin() * r.sin() * d.cos()).atan2(r.cos() - d.sin() * sd);
    (normalize_lon(ra2 * DEG), dec2 * DEG)
}

/// Sexagesimal parts of a non-negative quantity truncated (not rounded) to `decimals` decimals
/// of the last part: (whole units, minutes, seconds scaled by 10^decimals).
fn sexagesimal_truncated(x: f64, decimals: u32) -> (u64, u64, u64) {
    let scale = 10u64.pow(decimals);
    // A tiny epsilon keeps values such as 12.3 s, stored as 12.299999…, from dropping a digit.
    let total = (x * 3600.0 * scale as f64 + 1e-6).floor() as u64;
    let per_min = 60 * scale;
    let per_unit = 60 * per_min;
    (
        total / per_unit,
        (total % per_unit) / per_min,
        total % per_min,
    )
}

/// Sexagesimal parts rounded to `decimals` decimals of seconds, with carries.
fn sexagesimal_rounded(x: f64, decimals: u32) -> (u64, u64, u64) {
    let scale = 10u64.pow(decimals);
    let total = (x * 3600.0 * scale as f64).round() as u64;
    let per_min = 60 * scale;
    let per_unit = 60 * per_min;
    (
        total / per_unit,
        (total % per_unit) / per_min,
        total % per_min,
    )
}

fn seconds_text(sec_scaled: u64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals);
    if decimals == 0 {
        format!("{sec_scaled:02}")
    } else {
        format!(
            "{:02}.{:0width$}",
            sec_scaled / scale,
            sec_scaled % scale,
            width = decimals as usize
        )
    }
}

/// Right ascension in degrees as `HH:MM:SS.ss` (seconds rounded to `decimals`).
pub fn format_ra_hms(ra_deg: f64, decimals: u32, sep: char) -> String {
    let (h, m, s) = sexagesimal_rounded(normalize_lon(ra_deg) / 15.0, decimals);
    format!(
        "{:02}{sep}{:02}{sep}{}",
        h % 24,
        m,
        seconds_text(s, decimals)
    )
}

/// Declination in degrees as `+DD:MM:SS.s` (seconds rounded to `decimals`).
pub fn format_dec_dms(dec_deg: f64, decimals: u32, sep: char) -> String {
    let sign = if dec_deg < 0.0 { '-' } else { '+' };
    let (d, m, s) = sexagesimal_rounded(dec_deg.abs(), decimals);
    format!("{sign}{d:02}{sep}{m:02}{sep}{}", seconds_text(s, decimals))
}

/// IAU designation `PREFIX JHHMMSS.s±DDMMSS` of a position in degrees, with both coordinates
/// truncated as the IAU recommends and the XMM-Newton catalogues do (`4XMM J132652.4-472736`).
pub fn iau_name(prefix: &str, ra_deg: f64, dec_deg: f64) -> String {
    let (h, m, s) = sexagesimal_truncated(normalize_lon(ra_deg) / 15.0, 1);
    let sign = if dec_deg < 0.0 { '-' } else { '+' };
    let (d, dm, ds) = sexagesimal_truncated(dec_deg.abs(), 0);
    format!(
        "{prefix} J{:02}{:02}{:02}.{}{sign}{:02}{:02}{:02}",
        h % 24,
        m,
        s / 10,
        s % 10,
        d,
        dm,
        ds
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn galactic_centre_and_pole() {
        // The galactic centre and north pole in ICRS, from astropy 8.0.2
        // (`SkyCoord(l=0, b=0, frame='galactic').icrs`): 266.404988, -28.936178 deg;
        // pole: 192.859478, 27.128252 deg. Tolerance 1e-4 deg (0.4 arcsec).
        let (ra, dec) = galactic_to_equatorial(0.0, 0.0);
        assert_abs_diff_eq!(ra, 266.40500, epsilon = 1e-4);
        assert_abs_diff_eq!(dec, -28.93617, epsilon = 1e-4);
        let (ra, dec) = galactic_to_equatorial(0.0, 90.0);
        assert_abs_diff_eq!(ra, 192.85948, epsilon = 1e-4);
        assert_abs_diff_eq!(dec, 27.12825, epsilon = 1e-4);
    }

    #[test]
    fn galactic_round_trip() {
        for &(ra, dec) in &[(0.0, 0.0), (359.9, -89.0), (201.69, -47.48), (10.68, 41.27)] {
            let (l, b) = equatorial_to_galactic(ra, dec);
            let (r2, d2) = galactic_to_equatorial(l, b);
            assert!(angular_distance(ra, dec, r2, d2) < 1e-9);
        }
    }

    #[test]
    fn distances() {
        assert_abs_diff_eq!(angular_distance(0.0, 0.0, 90.0, 0.0), 90.0, epsilon = 1e-12);
        assert_abs_diff_eq!(angular_distance(359.5, 0.0, 0.5, 0.0), 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(
            angular_distance(10.0, 90.0, 200.0, 89.0),
            1.0,
            epsilon = 1e-12
        );
        assert_abs_diff_eq!(
            angular_distance(0.0, 0.0, 180.0, 0.0),
            180.0,
            epsilon = 1e-12
        );
    }

    #[test]
    fn offset_is_inverse_of_distance() {
        let (ra, dec) = offset(359.99, 45.0, 90.0, 0.5);
        assert_abs_diff_eq!(
            angular_distance(359.99, 45.0, ra, dec),
            0.5,
            epsilon = 1e-10
        );
        assert!(ra < 1.0, "crossed RA = 0: {ra}");
    }

    #[test]
    fn sexagesimal_formatting() {
        assert_eq!(format_ra_hms(201.718798, 2, ':'), "13:26:52.51");
        assert_eq!(format_dec_dms(-47.460382, 1, ':'), "-47:27:37.4");
        assert_eq!(format_ra_hms(359.99999999, 1, ' '), "00 00 00.0");
        assert_eq!(format_dec_dms(0.0, 0, ':'), "+00:00:00");
    }

    #[test]
    fn iau_names_truncate() {
        assert_eq!(
            iau_name("4XMM", 201.71879851, -47.46038246),
            "4XMM J132652.5-472737"
        );
        // 12h exactly minus a hair must not round up to 12h.
        assert_eq!(
            iau_name("4XMM", 179.99999, 0.000001),
            "4XMM J115959.9+000000"
        );
        assert_eq!(iau_name("4XMM", 10.0, -0.5), "4XMM J004000.0-003000");
    }
}
