//! Display formatting of catalogue values for pages: scientific notation for fluxes, fixed
//! decimals, dates from MJD, and null as an em dash.

use xcat_core::Value;

/// Shown for a null value.
pub const NULL: &str = "—";

/// Scientific notation with 3 significant digits (`1.23e-14`); empty for NaN, `0` for zero.
pub fn sci(x: f64) -> String {
    if x.is_nan() {
        return String::new();
    }
    if x == 0.0 {
        return "0".into();
    }
    format!("{x:.2e}")
}

/// A value in scientific notation, or the null mark.
pub fn sci_or_null(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => sci(x),
        _ => NULL.into(),
    }
}

/// A value with `decimals` decimals, or the null mark.
pub fn fixed(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.decimals$}"),
        _ => NULL.into(),
    }
}

/// Any cell as text: integers in full, floats with 4 significant digits, the null mark.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => NULL.into(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if !f.is_finite() => NULL.into(),
        Value::Float(f) => {
            let a = f.abs();
            if a != 0.0 && !(1e-3..1e6).contains(&a) {
                format!("{f:.3e}")
            } else {
                let s = format!("{f:.4}");
                let s = s.trim_end_matches('0').trim_end_matches('.');
                s.to_string()
            }
        }
        Value::Str(s) => s.clone(),
    }
}

/// Civil date (year, month, day) of a day count since 1970-01-01 (Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// MJD (UTC days) as ISO 8601 `YYYY-MM-DDTHH:MM:SS`; the null mark when absent.
pub fn mjd_iso(mjd: Option<f64>) -> String {
    let Some(mjd) = mjd.filter(|m| m.is_finite() && m.abs() < 1e7) else {
        return NULL.into();
    };
    let secs = ((mjd - 40_587.0) * 86_400.0).round() as i64;
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// MJD as an ISO date `YYYY-MM-DD`.
pub fn mjd_date(mjd: Option<f64>) -> String {
    let s = mjd_iso(mjd);
    s.split('T').next().unwrap_or(NULL).to_string()
}

/// Decimal year of an MJD (for plot axes).
pub fn mjd_year(mjd: f64) -> f64 {
    2000.0 + (mjd - 51_544.5) / 365.25
}

/// Minimal escaping for text and attribute values in hand-built SVG/XML.
pub fn xml_escape(s: &str) -> String {
    // Most values (numbers, names, the pages' inline CSV) need no escaping: copied whole, and
    // otherwise the runs between special characters are copied as slices.
    let mut o = String::with_capacity(s.len());
    let _ = xml_escape_to(s, &mut |part: &str| {
        o.push_str(part);
        Ok::<(), std::convert::Infallible>(())
    });
    o
}

/// [`xml_escape`] written out in parts through `out`.
pub fn xml_escape_to<E>(s: &str, out: &mut dyn FnMut(&str) -> Result<(), E>) -> Result<(), E> {
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => continue,
        };
        if run < i {
            out(&s[run..i])?;
        }
        out(entity)?;
        run = i + 1;
    }
    if run < s.len() {
        out(&s[run..])?;
    }
    Ok(())
}

/// The bytes a percent-encoding leaves as they are: ASCII letters, digits and a few more.
pub struct Unreserved([bool; 256]);

impl Unreserved {
    /// Letters, digits and the ASCII bytes of `extra`; built at compile time.
    pub const fn new(extra: &[u8]) -> Self {
        let mut keep = [false; 256];
        let mut b = 0;
        while b < 128 {
            keep[b] = (b as u8).is_ascii_alphanumeric();
            b += 1;
        }
        let mut i = 0;
        while i < extra.len() {
            assert!(extra[i].is_ascii(), "only ASCII bytes are left unencoded");
            keep[extra[i] as usize] = true;
            i += 1;
        }
        Unreserved(keep)
    }
}

/// The unreserved characters of RFC 3986, for URL query values.
pub const URL_QUERY: Unreserved = Unreserved::new(b"-._~");

/// Percent-encoding of a URL query value.
pub fn url_encode(s: &str) -> String {
    percent_encode(s.as_bytes(), &URL_QUERY)
}

/// `bytes` with every byte not in `keep` written as `%XX`.
pub fn percent_encode(bytes: &[u8], keep: &Unreserved) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut o = Vec::with_capacity(bytes.len() + bytes.len() / 4);
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !keep.0[usize::from(b)] {
            o.extend_from_slice(&bytes[run..i]);
            o.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            run = i + 1;
        }
    }
    o.extend_from_slice(&bytes[run..]);
    // ASCII only: the unreserved bytes (ASCII by construction) and the escapes.
    String::from_utf8(o).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The text a percent-encoded URL part stands for; `None` for a broken escape or bytes that
/// are not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scientific_notation() {
        assert_eq!(sci(7.36196e-15), "7.36e-15");
        assert_eq!(sci(0.0), "0");
        assert_eq!(sci(f64::NAN), "");
        assert_eq!(sci(1.5e3), "1.50e3");
        assert_eq!(sci_or_null(None), NULL);
    }

    #[test]
    fn mjd_to_iso() {
        // MJD 51544.5 is 2000-01-01T12:00:00 (J2000.0).
        assert_eq!(mjd_iso(Some(51_544.5)), "2000-01-01T12:00:00");
        assert_eq!(mjd_iso(Some(40_587.0)), "1970-01-01T00:00:00");
        // 2005-02-28 = MJD 53429, 2004-02-29 = MJD 53064 (leap day).
        assert_eq!(mjd_date(Some(53_429.25)), "2005-02-28");
        assert_eq!(mjd_date(Some(53_064.0)), "2004-02-29");
        assert_eq!(mjd_iso(None), NULL);
    }

    #[test]
    fn cells() {
        assert_eq!(cell(&Value::Float(12.5)), "12.5");
        assert_eq!(cell(&Value::Float(2.0e-14)), "2.000e-14");
        assert_eq!(cell(&Value::Null), NULL);
        assert_eq!(url_encode("4XMM J1+2"), "4XMM%20J1%2B2");
        assert_eq!(xml_escape("<a \"b\">"), "&lt;a &quot;b&quot;&gt;");
        assert_eq!(xml_escape("plain é"), "plain é");
        assert_eq!(xml_escape("é & 'x'"), "é &amp; &apos;x&apos;");
    }
}
