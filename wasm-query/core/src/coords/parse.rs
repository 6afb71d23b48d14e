//! Parsing of sky positions and angular radii typed by users.
//!
//! Positions are ICRS right ascension and declination, decimal or sexagesimal:
//! `10.68 +41.27`, `10.68, 41.27`, `00 42 44.3 +41 16 09`, `00:42:44.3 +41:16:09`,
//! `00h42m44.3s +41d16m09s`, `00h42m44.3s+41°16′09″`. A right ascension in one part is in
//! degrees (or hours with an `h`: `0.712h`); in two or three parts it is in hours, minutes and
//! seconds (or degrees when its first part carries `d`/`°`). Declinations are degrees, minutes,
//! seconds.
//!
//! Radii are a number with an optional unit: `1deg`, `0.5d`, `1°`, `10arcmin`, `10amin`, `10'`,
//! `30arcsec`, `30asec`, `30"`, `30''`; a bare number is in arcminutes.

/// Why a position or radius could not be read. Messages quote the input and say what is
/// expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoordError {
    /// Nothing was given.
    #[error("empty position: give RA and Dec, e.g. \"10.68 +41.27\" or \"00 42 44.3 +41 16 09\"")]
    Empty,
    /// A character that belongs to no position syntax.
    #[error(
        "unexpected '{found}' in position \"{text}\"; write e.g. \"10.68 +41.27\" or \"00 42 44.3 +41 16 09\""
    )]
    UnexpectedChar {
        /// The offending character.
        found: char,
        /// The whole input.
        text: String,
    },
    /// Only one coordinate was found.
    #[error("position \"{0}\" has only one coordinate; give both RA and Dec")]
    MissingDec(String),
    /// The RA/Dec boundary is not recognisable.
    #[error(
        "cannot tell where the declination starts in \"{0}\"; put a sign in front of it, e.g. \"00 42 44 +41 16 09\""
    )]
    AmbiguousSplit(String),
    /// More than three sexagesimal parts.
    #[error(
        "{coord} \"{part}\" has more than three parts (at most hours/degrees, minutes, seconds)"
    )]
    TooManyParts {
        /// `right ascension` or `declination`.
        coord: &'static str,
        /// The parts as typed.
        part: String,
    },
    /// A unit letter in the wrong place, e.g. `10m` as a whole RA.
    #[error(
        "{coord} \"{part}\" has units in the wrong place; write e.g. \"00h42m44.3s\" or \"+41d16m09s\""
    )]
    MisplacedUnit {
        /// `right ascension` or `declination`.
        coord: &'static str,
        /// The parts as typed.
        part: String,
    },
    /// A sign inside a coordinate, or in front of the right ascension.
    #[error("unexpected sign in {coord} \"{part}\"")]
    MisplacedSign {
        /// `right ascension` or `declination`.
        coord: &'static str,
        /// The parts as typed.
        part: String,
    },
    /// Decimals on a part that is not the last (`00 42.5 44`).
    #[error("in {coord} \"{part}\" only the last part may have decimals")]
    DecimalsNotLast {
        /// `right ascension` or `declination`.
        coord: &'static str,
        /// The parts as typed.
        part: String,
    },
    /// Minutes or seconds of 60 or more.
    #[error("minutes and seconds must be below 60 in {coord} \"{part}\"")]
    SexagesimalRange {
        /// `right ascension` or `declination`.
        coord: &'static str,
        /// The parts as typed.
        part: String,
    },
    /// Right ascension outside [0, 360) degrees or [0, 24) hours.
    #[error("right ascension \"{0}\" is out of range (0 to 360 degrees, or 0 to 24 hours)")]
    RaRange(String),
    /// Declination outside [-90, 90] degrees.
    #[error("declination \"{0}\" is out of range (-90 to +90 degrees)")]
    DecRange(String),
    /// A radius that is not a number with a known unit.
    #[error(
        "cannot read radius \"{0}\"; write e.g. '10arcmin', '30arcsec', '1deg', 10' or 30\" (a bare number is in arcminutes)"
    )]
    BadRadius(String),
    /// A radius unit that is unknown or ambiguous.
    #[error("unknown unit \"{unit}\" in radius \"{text}\"; use deg, arcmin (or '), arcsec (or \")")]
    RadiusUnit {
        /// The unit as typed.
        unit: String,
        /// The whole radius.
        text: String,
    },
    /// A radius that is zero, negative or larger than 180 degrees.
    #[error("radius \"{0}\" must be greater than 0 and at most 180 degrees")]
    RadiusRange(String),
}

/// One number of a position with what surrounds it.
#[derive(Debug, Clone)]
struct Part {
    negative: Option<bool>,
    value: f64,
    has_decimals: bool,
    unit: Option<char>,
    /// Index of the whitespace/comma-separated group the part belongs to.
    group: usize,
}

/// Replaces typographic signs and symbols by their ASCII equivalents.
fn ascii_symbols(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '°' | 'º' => 'd',
            '′' | '’' => '\'',
            '″' | '”' => '"',
            '−' | '–' => '-',
            'ʰ' => 'h',
            'ᵐ' => 'm',
            'ˢ' => 's',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn scan_parts(text: &str) -> Result<Vec<Part>, CoordError> {
    let s = ascii_symbols(text);
    let chars: Vec<char> = s.chars().collect();
    let unexpected = |c: char| CoordError::UnexpectedChar {
        found: c,
        text: text.to_string(),
    };
    let mut parts = Vec::new();
    let mut group = 0usize;
    let mut group_has_parts = false;
    let mut pending_sign: Option<bool> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ',' {
            if group_has_parts {
                group += 1;
                group_has_parts = false;
            }
            i += 1;
        } else if c == ':' {
            i += 1;
        } else if c == '+' || c == '-' {
            if pending_sign.is_some() {
                return Err(unexpected(c));
            }
            if group_has_parts {
                group += 1;
                group_has_parts = false;
            }
            pending_sign = Some(c == '-');
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let num: String = chars[start..i].iter().collect();
            let value: f64 = num.parse().map_err(|_| unexpected(c))?;
            let mut unit = None;
            if i < chars.len() && matches!(chars[i], 'h' | 'm' | 's' | 'd' | '\'' | '"') {
                unit = Some(chars[i]);
                // "deg" spelled out.
                if chars[i] == 'd'
                    && chars.get(i + 1) == Some(&'e')
                    && chars.get(i + 2) == Some(&'g')
                {
                    i += 2;
                }
                i += 1;
            }
            parts.push(Part {
                negative: pending_sign.take(),
                value,
                has_decimals: num.contains('.'),
                unit,
                group,
            });
            group_has_parts = true;
        } else {
            return Err(unexpected(chars[i]));
        }
    }
    if let Some(neg) = pending_sign {
        return Err(unexpected(if neg { '-' } else { '+' }));
    }
    Ok(parts)
}

/// Where the declination starts among `parts`.
fn split_point(parts: &[Part], text: &str) -> Result<usize, CoordError> {
    if parts.len() < 2 {
        return Err(CoordError::MissingDec(text.to_string()));
    }
    let signed: Vec<usize> = (1..parts.len())
        .filter(|&k| parts[k].negative.is_some())
        .collect();
    if let Some(&k) = signed.first() {
        return Ok(k);
    }
    // A declination in degrees after an RA in hours: "00h42m44s 41d16m09s".
    if let Some(k) = (1..parts.len()).find(|&k| parts[k].unit == Some('d'))
        && (parts[..k]
            .iter()
            .any(|p| matches!(p.unit, Some('h' | 'm' | 's')))
            || k == 1)
    {
        return Ok(k);
    }
    let groups = parts.last().map_or(0, |p| p.group + 1);
    if groups == 2 {
        return Ok(parts.iter().position(|p| p.group == 1).unwrap_or(1));
    }
    if parts.len().is_multiple_of(2) {
        return Ok(parts.len() / 2);
    }
    Err(CoordError::AmbiguousSplit(text.to_string()))
}

fn part_text(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| {
            let sign = match p.negative {
                Some(true) => "-",
                Some(false) => "+",
                None => "",
            };
            let unit = p.unit.map(String::from).unwrap_or_default();
            format!("{sign}{}{unit}", p.value)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Combines up to three sexagesimal parts into one value in units of the first part.
/// `units` lists the accepted unit letters of each position (first, minutes, seconds).
fn combine(parts: &[Part], coord: &'static str, units: [&[char]; 3]) -> Result<f64, CoordError> {
    let part = part_text(parts);
    if parts.len() > 3 {
        return Err(CoordError::TooManyParts { coord, part });
    }
    let mut value = 0.0;
    for (k, p) in parts.iter().enumerate() {
        if let Some(u) = p.unit
            && !units[k].contains(&u)
        {
            return Err(CoordError::MisplacedUnit { coord, part });
        }
        if k > 0 && p.negative.is_some() {
            return Err(CoordError::MisplacedSign { coord, part });
        }
        if k + 1 < parts.len() && p.has_decimals {
            return Err(CoordError::DecimalsNotLast { coord, part });
        }
        if k > 0 && p.value >= 60.0 {
            return Err(CoordError::SexagesimalRange { coord, part });
        }
        value += p.value / 60f64.powi(k as i32);
    }
    Ok(value)
}

fn parse_ra(parts: &[Part]) -> Result<f64, CoordError> {
    const COORD: &str = "right ascension";
    if parts.first().and_then(|p| p.negative).is_some() {
        return Err(CoordError::MisplacedSign {
            coord: COORD,
            part: part_text(parts),
        });
    }
    let first_unit = parts.first().and_then(|p| p.unit);
    let in_degrees = if parts.len() == 1 {
        first_unit != Some('h')
    } else {
        first_unit == Some('d')
    };
    let deg = if in_degrees {
        combine(parts, COORD, [&['d'], &['m', '\''], &['s', '"']])?
    } else {
        let hours = combine(parts, COORD, [&['h'], &['m'], &['s']])?;
        if hours >= 24.0 {
            return Err(CoordError::RaRange(part_text(parts)));
        }
        hours * 15.0
    };
    if !(0.0..360.0).contains(&deg) {
        return Err(CoordError::RaRange(part_text(parts)));
    }
    Ok(deg)
}

fn parse_dec(parts: &[Part]) -> Result<f64, CoordError> {
    let magnitude = combine(parts, "declination", [&['d'], &['m', '\''], &['s', '"']])?;
    if magnitude > 90.0 {
        return Err(CoordError::DecRange(part_text(parts)));
    }
    let negative = parts.first().and_then(|p| p.negative).unwrap_or(false);
    Ok(if negative { -magnitude } else { magnitude })
}

/// Reads an ICRS position, decimal or sexagesimal (see the module documentation), as
/// (ra, dec) in degrees.
pub fn parse_position(text: &str) -> Result<(f64, f64), CoordError> {
    if text.trim().is_empty() {
        return Err(CoordError::Empty);
    }
    let parts = scan_parts(text)?;
    let k = split_point(&parts, text)?;
    Ok((parse_ra(&parts[..k])?, parse_dec(&parts[k..])?))
}

/// Whether `text` is made only of characters that can appear in a position (digits, signs,
/// separators and the unit letters h, m, s, d), so that a failure to parse it deserves a
/// position error rather than a name lookup.
pub fn looks_like_position(text: &str) -> bool {
    let t = text.trim();
    t.chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || "+-.".contains(c))
        && t.chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || "+-.:,hmsdHMSD'\"°′″−".contains(c))
}

/// Reads a radius with an optional unit (see the module documentation) as degrees.
pub fn parse_radius(text: &str) -> Result<f64, CoordError> {
    let t = text.trim();
    let bad = || CoordError::BadRadius(text.to_string());
    let bytes = t.as_bytes();
    let mut i = 0;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
        i += 1;
    }
    // Optional exponent: 1e-3deg.
    if i > 0 && i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    if t.starts_with('-') {
        return Err(CoordError::RadiusRange(text.to_string()));
    }
    let value: f64 = t[..i].parse().map_err(|_| bad())?;
    let unit = t[i..].trim().to_ascii_lowercase();
    let per_degree = match unit.as_str() {
        "" | "'" | "′" | "arcmin" | "arcmins" | "arcminute" | "arcminutes" | "amin" => 60.0,
        "deg" | "degs" | "degree" | "degrees" | "d" | "°" => 1.0,
        "\"" | "″" | "''" | "arcsec" | "arcsecs" | "arcsecond" | "arcseconds" | "asec" => 3600.0,
        _ => {
            return Err(CoordError::RadiusUnit {
                unit: t[i..].trim().to_string(),
                text: text.to_string(),
            });
        }
    };
    let deg = value / per_degree;
    if !(deg > 0.0 && deg <= 180.0) {
        return Err(CoordError::RadiusRange(text.to_string()));
    }
    Ok(deg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    // M31's position written in several forms: 00h42m44.3s +41d16m09s is
    // RA 10.684583°, Dec 41.269167° (hand computed: 15 × (0 + 42/60 + 44.3/3600),
    // 41 + 16/60 + 9/3600). Tolerance 1e-9 deg (rounding only).
    const M31: (f64, f64) = (10.684_583_333_333_333, 41.269_166_666_666_67);

    #[test]
    fn sexagesimal_forms_agree() {
        for text in [
            "00 42 44.3 +41 16 09",
            "00:42:44.3 +41:16:09",
            "00h42m44.3s +41d16m09s",
            "00h42m44.3s+41d16m09s",
            "00:42:44.3+41:16:09",
            "00 42 44.3, +41 16 09",
            "00 42 44.3 41 16 09",
            "00h42m44.3s +41°16′09″",
            "00h42m44.3s 41d16'09\"",
            "0 42 44.3 +41 16 9",
        ] {
            let (ra, dec) = parse_position(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_abs_diff_eq!(ra, M31.0, epsilon = 1e-9);
            assert_abs_diff_eq!(dec, M31.1, epsilon = 1e-9);
        }
    }

    #[test]
    fn decimal_forms() {
        let cases = [
            ("10.68 +41.27", 10.68, 41.27),
            ("10.68, 41.27", 10.68, 41.27),
            ("201.69 -47.48", 201.69, -47.48),
            ("201.69-47.48", 201.69, -47.48),
            ("0 0", 0.0, 0.0),
            ("359.999 -90", 359.999, -90.0),
            ("10.68d +41.27d", 10.68, 41.27),
            ("10.68deg 41.27deg", 10.68, 41.27),
            // 0.712h = 10.68 degrees.
            ("0.712h +41.27", 10.68, 41.27),
        ];
        for (text, ra, dec) in cases {
            let got = parse_position(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_abs_diff_eq!(got.0, ra, epsilon = 1e-9);
            assert_abs_diff_eq!(got.1, dec, epsilon = 1e-9);
        }
    }

    #[test]
    fn negative_zero_degrees_keep_their_sign() {
        // -00 30 00 is half a degree south, not north.
        let (_, dec) = parse_position("12 00 00 -00 30 00").unwrap();
        assert_abs_diff_eq!(dec, -0.5, epsilon = 1e-12);
        let (ra, _) = parse_position("12 00 00 -00 30 00").unwrap();
        assert_abs_diff_eq!(ra, 180.0, epsilon = 1e-12);
    }

    #[test]
    fn position_errors_are_specific() {
        type Check = fn(&CoordError) -> bool;
        let cases: [(&str, Check); 12] = [
            ("", |e| matches!(e, CoordError::Empty)),
            ("   ", |e| matches!(e, CoordError::Empty)),
            ("10.68", |e| matches!(e, CoordError::MissingDec(_))),
            ("00 42 44.3 41 16", |e| {
                matches!(e, CoordError::AmbiguousSplit(_))
            }),
            ("M31", |e| {
                matches!(e, CoordError::UnexpectedChar { found: 'm', .. })
            }),
            ("400 10", |e| matches!(e, CoordError::RaRange(_))),
            ("24 00 00 +10 00 00", |e| {
                matches!(e, CoordError::RaRange(_))
            }),
            ("10 +91", |e| matches!(e, CoordError::DecRange(_))),
            ("00 61 00 +10 00 00", |e| {
                matches!(e, CoordError::SexagesimalRange { .. })
            }),
            ("00 42.5 44 +10 00 00", |e| {
                matches!(e, CoordError::DecimalsNotLast { .. })
            }),
            ("-10 +20", |e| matches!(e, CoordError::MisplacedSign { .. })),
            ("10m +20", |e| matches!(e, CoordError::MisplacedUnit { .. })),
        ];
        for (text, check) in cases {
            let err = parse_position(text).expect_err(text);
            assert!(check(&err), "{text}: unexpected error {err:?}");
        }
        assert!(matches!(
            parse_position("1 2 3 4 5 6 +7 8"),
            Err(CoordError::TooManyParts { .. })
        ));
        assert!(matches!(
            parse_position("10 ++20"),
            Err(CoordError::UnexpectedChar { .. })
        ));
        assert!(matches!(
            parse_position("10 20 +"),
            Err(CoordError::UnexpectedChar { .. })
        ));
    }

    #[test]
    fn error_messages_quote_the_input() {
        let e = parse_position("10 +91").unwrap_err();
        assert_eq!(
            e.to_string(),
            "declination \"+91\" is out of range (-90 to +90 degrees)"
        );
        let e = parse_radius("10 furlongs").unwrap_err();
        assert!(e.to_string().contains("\"furlongs\""), "{e}");
    }

    #[test]
    fn position_look() {
        assert!(looks_like_position("00 42 44.3 +41 16 09"));
        assert!(looks_like_position("00h42m44.3s +41d16m09s"));
        assert!(!looks_like_position("M31"));
        assert!(!looks_like_position("4XMM J132652.4-472736"));
        assert!(!looks_like_position("3C 273"));
        assert!(!looks_like_position(""));
    }

    #[test]
    fn radii_with_units() {
        let cases = [
            ("1deg", 1.0),
            ("0.5d", 0.5),
            ("2°", 2.0),
            ("1 degree", 1.0),
            ("10arcmin", 10.0 / 60.0),
            ("10 arcmin", 10.0 / 60.0),
            ("10amin", 10.0 / 60.0),
            ("10'", 10.0 / 60.0),
            ("10", 10.0 / 60.0),
            ("2.5", 2.5 / 60.0),
            ("30arcsec", 30.0 / 3600.0),
            ("30asec", 30.0 / 3600.0),
            ("30\"", 30.0 / 3600.0),
            ("30''", 30.0 / 3600.0),
            ("30″", 30.0 / 3600.0),
            ("1e1arcsec", 10.0 / 3600.0),
            ("180deg", 180.0),
            (" 1DEG ", 1.0),
        ];
        for (text, deg) in cases {
            let got = parse_radius(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_abs_diff_eq!(got, deg, epsilon = 1e-12);
        }
    }

    #[test]
    fn radius_errors() {
        for text in ["", "deg", "abc", ".", "1e"] {
            assert!(
                matches!(
                    parse_radius(text),
                    Err(CoordError::BadRadius(_) | CoordError::RadiusUnit { .. })
                ),
                "{text}: {:?}",
                parse_radius(text)
            );
        }
        for text in ["10m", "10s", "2am", "1 furlong", "1 0"] {
            assert!(
                matches!(parse_radius(text), Err(CoordError::RadiusUnit { .. })),
                "{text}"
            );
        }
        for text in ["0", "-1deg", "181deg", "0arcsec"] {
            assert!(
                matches!(parse_radius(text), Err(CoordError::RadiusRange(_))),
                "{text}"
            );
        }
    }
}
