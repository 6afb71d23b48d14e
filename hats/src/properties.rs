//! `hats.properties` and `collection.properties`: `key=value` lines (Java properties, as HiPS
//! and HATS write them), in the order given.

/// The text of a properties file: a comment line, then one `key=value` line per entry. Line
/// breaks and backslashes in values are escaped as Java properties escape them.
pub fn render(comment: &str, entries: &[(String, String)]) -> String {
    let mut out = format!("#{comment}\n");
    for (k, v) in entries {
        let v = v
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r");
        out.push_str(k);
        out.push('=');
        out.push_str(&v);
        out.push('\n');
    }
    out
}

/// A number as a properties value: integers without a fraction, others in their shortest
/// round-trip form.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_key_equals_value() {
        let text = render(
            "HATS catalog",
            &[
                ("obs_collection".into(), "xmm".into()),
                ("obs_title".into(), "a\nb".into()),
            ],
        );
        assert_eq!(text, "#HATS catalog\nobs_collection=xmm\nobs_title=a\\nb\n");
        assert_eq!(number(10.0), "10");
        assert_eq!(number(51544.5), "51544.5");
    }
}
