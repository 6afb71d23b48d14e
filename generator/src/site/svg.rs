//! Plots drawn at build time as inline SVG: the long-term light curve of a source (flux with
//! 1σ error bars against time, logarithmic flux axis) and the sky plot of an observation's
//! detections (tangent-plane offsets from the field centre, North up, East left, marker area
//! growing with flux, each marker a link to its source page).

use super::format::{mjd_date, mjd_year, sci, xml_escape};
use std::fmt::Write;

/// One point of a light curve.
#[derive(Debug, Clone)]
pub struct LcPoint {
    /// Time, MJD.
    pub mjd: f64,
    /// Flux and 1σ error.
    pub flux: f64,
    /// 1σ error (0 when unknown).
    pub err: f64,
    /// Label of the point (OBS_ID).
    pub label: String,
    /// Whether `flux` is an upper limit (drawn as an arrow down from it, `err` unused).
    pub upper: bool,
}

impl LcPoint {
    /// Whether the point can be drawn: a time and a positive flux (log axis).
    pub fn drawable(&self) -> bool {
        self.mjd.is_finite() && self.flux.is_finite() && self.flux > 0.0
    }
}

/// A plot coordinate with one decimal, written from its integer number of tenths (cheaper
/// than formatting the float; half a tenth rounds away from zero).
struct P1(f64);

impl std::fmt::Display for P1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round();
        if tenths.is_nan() || tenths.abs() >= 1e15 {
            return write!(f, "{:.1}", self.0);
        }
        let t = tenths as i64;
        let sign = if t < 0 { "-" } else { "" };
        let a = t.unsigned_abs();
        write!(f, "{sign}{}.{}", a / 10, a % 10)
    }
}

const W: f64 = 640.0;
const H: f64 = 260.0;
const L: f64 = 70.0;
const R: f64 = 16.0;
const T: f64 = 14.0;
const B: f64 = 40.0;

/// The light curve of `points` (non-positive fluxes are left out) as an `<svg>` element, or
/// `None` when no point can be drawn.
pub fn light_curve(points: &[LcPoint], flux_label: &str) -> Option<String> {
    let pts: Vec<&LcPoint> = points.iter().filter(|p| p.drawable()).collect();
    if pts.is_empty() {
        return None;
    }
    let err = |p: &LcPoint| {
        if !p.upper && p.err.is_finite() && p.err > 0.0 {
            p.err
        } else {
            0.0
        }
    };
    let lo = pts
        .iter()
        .map(|p| {
            let l = p.flux - err(p);
            // An upper limit's arrow reaches down about a factor 3.
            if l > 0.0 && !p.upper { l } else { p.flux / 3.0 }
        })
        .fold(f64::INFINITY, f64::min);
    let hi = pts.iter().map(|p| p.flux + err(p)).fold(0.0, f64::max);
    // The axis frames the data with a margin (a tenth of its span, at least 0.1 dex each
    // side), not whole decades: fluxes of 1.07–1.09e-11 would sit on the floor of a
    // 1e-11–1e-10 axis.
    let (dlo, dhi) = (lo.log10(), hi.log10());
    let margin = ((dhi - dlo) * 0.1).max(0.1);
    let (ylo, yhi) = (dlo - margin, dhi + margin);
    let years: Vec<f64> = pts.iter().map(|p| mjd_year(p.mjd)).collect();
    let (mut x0, mut x1) = years
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| {
            (a.min(y), b.max(y))
        });
    let pad = ((x1 - x0) * 0.05).max(0.5);
    x0 -= pad;
    x1 += pad;
    let px = |y: f64| L + (y - x0) / (x1 - x0) * (W - L - R);
    let py = |f: f64| T + (yhi - f.max(10f64.powf(ylo)).log10()) / (yhi - ylo) * (H - T - B);
    let mut s = String::with_capacity(2048 + pts.len() * 300);
    let _ = write!(
        s,
        r#"<svg class="plot lc" viewBox="0 0 {W} {H}" role="img" aria-labelledby="lc-title" xmlns="http://www.w3.org/2000/svg"><title id="lc-title">Long-term light curve: {} against time, logarithmic flux axis</title>"#,
        xml_escape(flux_label)
    );
    let _ = write!(
        s,
        r#"<rect class="frame" x="{L}" y="{T}" width="{}" height="{}"/>"#,
        W - L - R,
        H - T - B
    );
    // The grid lines are one path; the tick labels follow it.
    let mut grid = String::with_capacity(256);
    let mut ticks = String::with_capacity(512);
    for (m, d) in log_ticks(ylo, yhi) {
        let y = py(m * 10f64.powi(d));
        let _ = write!(grid, "M{L} {}H{}", P1(y), W - R);
        let label = if m == 1.0 {
            format!("1e{d}")
        } else {
            format!("{m}e{d}")
        };
        let _ = write!(
            ticks,
            r#"<text class="tick" x="{}" y="{}" text-anchor="end">{label}</text>"#,
            L - 6.0,
            P1(y + 4.0)
        );
    }
    let span = x1 - x0;
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|st| span / st <= 8.0)
        .unwrap_or(20.0);
    let mut yr = (x0 / step).ceil() * step;
    while yr <= x1 {
        let x = P1(px(yr));
        let _ = write!(grid, "M{x} {T}V{}", H - B);
        let _ = write!(
            ticks,
            r#"<text class="tick" x="{x}" y="{}" text-anchor="middle">{yr:.0}</text>"#,
            H - B + 16.0
        );
        yr += step;
    }
    let _ = write!(s, r#"<path class="grid" d="{grid}"/>{ticks}"#);
    let _ = write!(
        s,
        r#"<text class="label" x="{}" y="{}" text-anchor="middle">Year</text><text class="label" x="14" y="{}" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>"#,
        L + (W - L - R) / 2.0,
        H - 6.0,
        T + (H - T - B) / 2.0,
        T + (H - T - B) / 2.0,
        xml_escape(flux_label)
    );
    for (p, yr) in pts.iter().zip(&years) {
        let x = px(*yr);
        let y = py(p.flux);
        if p.upper {
            // A bar at the limit and an arrow pointing down from it, one path.
            let title = format!(
                "{} ({}): upper limit {}",
                p.label,
                mjd_date(Some(p.mjd)),
                sci(p.flux)
            );
            let (xl, xm, y0, y1, yh) = (P1(x - 4.0), P1(x), P1(y), P1(y + 18.0), P1(y + 12.0));
            let xr = P1(x + 4.0);
            let _ = write!(
                s,
                r#"<g class="pt ul"><title>{}</title><path class="ul" d="M{xl} {y0}h8M{xm} {y0}V{y1}M{xl} {yh}L{xm} {y1}L{xr} {yh}"/></g>"#,
                xml_escape(&title)
            );
            continue;
        }
        let e = err(p);
        let title = format!(
            "{} ({}): {} ± {}",
            p.label,
            mjd_date(Some(p.mjd)),
            sci(p.flux),
            sci(e)
        );
        let _ = write!(s, "<g class=\"pt\"><title>{}</title>", xml_escape(&title));
        if e > 0.0 {
            // The error bar and its two caps, one path.
            let (ya, yb) = (P1(py(p.flux + e)), P1(py(p.flux - e)));
            let (xl, xm) = (P1(x - 3.0), P1(x));
            let _ = write!(
                s,
                r#"<path class="err" d="M{xm} {ya}V{yb}M{xl} {ya}h6M{xl} {yb}h6"/>"#
            );
        }
        let _ = write!(s, r#"<circle cx="{}" cy="{}" r="3.5"/></g>"#, P1(x), P1(y));
    }
    s.push_str("</svg>");
    Some(s)
}

/// Ticks `(mantissa, exponent)` of a logarithmic axis from `10^lo` to `10^hi`: the decades,
/// or with 2 and 5 (or finer steps) when fewer than two decades fall inside, as astronomers
/// label flux axes (1e-13, 2e-13, 5e-13).
fn log_ticks(lo: f64, hi: f64) -> Vec<(f64, i32)> {
    const STEPS: [&[f64]; 3] = [
        &[1.0],
        &[1.0, 2.0, 5.0],
        &[1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0],
    ];
    let mut out = Vec::new();
    for mantissas in STEPS {
        out.clear();
        for d in (lo.floor() as i32)..=(hi.ceil() as i32) {
            for &m in mantissas {
                let v = m.log10() + f64::from(d);
                if v >= lo && v <= hi {
                    out.push((m, d));
                }
            }
        }
        if out.len() >= 2 {
            break;
        }
    }
    out
}

/// One detection of a sky plot.
#[derive(Debug, Clone)]
pub struct SkyPoint {
    /// Position, degrees.
    pub ra: f64,
    /// Position, degrees.
    pub dec: f64,
    /// Flux (0.2–12 keV), for the marker size.
    pub flux: f64,
    /// Link target, relative to the page.
    pub href: String,
    /// Tooltip.
    pub label: String,
}

/// The sky plot of an observation's detections around `(ra0, dec0)`, `radius_arcmin` from the
/// centre to the edge of the plot.
pub fn sky_plot(ra0: f64, dec0: f64, points: &[SkyPoint], radius_arcmin: f64) -> Option<String> {
    if !(ra0.is_finite() && dec0.is_finite()) || points.is_empty() {
        return None;
    }
    const S: f64 = 420.0;
    let c = S / 2.0;
    let scale = (c - 10.0) / radius_arcmin;
    let (sd0, cd0) = dec0.to_radians().sin_cos();
    let project = |ra: f64, dec: f64| -> Option<(f64, f64)> {
        let (sd, cd) = dec.to_radians().sin_cos();
        let dra = (ra - ra0).to_radians();
        let cosc = sd0 * sd + cd0 * cd * dra.cos();
        if cosc <= 0.0 {
            return None;
        }
        let xi = cd * dra.sin() / cosc;
        let eta = (cd0 * sd - sd0 * cd * dra.cos()) / cosc;
        Some((
            c - xi.to_degrees() * 60.0 * scale,
            c - eta.to_degrees() * 60.0 * scale,
        ))
    };
    let fluxes: Vec<f64> = points
        .iter()
        .map(|p| p.flux)
        .filter(|f| f.is_finite() && *f > 0.0)
        .collect();
    let fmin = fluxes.iter().copied().fold(f64::INFINITY, f64::min);
    let fmax = fluxes.iter().copied().fold(0.0, f64::max);
    let size = |f: f64| {
        if !(f.is_finite() && f > 0.0) || fmax <= fmin {
            return 3.5;
        }
        2.0 + 7.0 * ((f.log10() - fmin.log10()) / (fmax.log10() - fmin.log10()))
    };
    let mut s = String::with_capacity(1024 + points.len() * 200);
    let _ = write!(
        s,
        r#"<svg class="plot sky" viewBox="0 0 {S} {S}" role="img" aria-labelledby="sky-title" xmlns="http://www.w3.org/2000/svg"><title id="sky-title">Detections in the field, North up, East left; marker size grows with the 0.2–12 keV flux</title><circle class="fov" cx="{c}" cy="{c}" r="{:.1}"/><line class="grid" x1="{c}" x2="{c}" y1="10" y2="{}"/><line class="grid" y1="{c}" y2="{c}" x1="10" x2="{}"/>"#,
        15.0 * scale,
        S - 10.0,
        S - 10.0
    );
    let bar = 5.0 * scale;
    let _ = write!(
        s,
        r#"<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" text-anchor="middle">5′</text><text class="tick" x="{c}" y="22" text-anchor="middle">N</text><text class="tick" x="18" y="{}" text-anchor="middle">E</text>"#,
        S - 14.0 - bar,
        S - 14.0,
        S - 14.0,
        S - 14.0,
        S - 14.0 - bar / 2.0,
        S - 20.0,
        c + 4.0
    );
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[b].flux.total_cmp(&points[a].flux).then(a.cmp(&b)));
    for i in order {
        let p = &points[i];
        let Some((x, y)) = project(p.ra, p.dec) else {
            continue;
        };
        if !(0.0..=S).contains(&x) || !(0.0..=S).contains(&y) {
            continue;
        }
        let _ = write!(
            s,
            r#"<a href="{}"><circle class="det" cx="{x:.1}" cy="{y:.1}" r="{:.1}"><title>{}</title></circle></a>"#,
            xml_escape(&p.href),
            size(p.flux),
            xml_escape(&p.label)
        );
    }
    s.push_str("</svg>");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_curve_has_error_bars_and_decade_ticks() {
        let pts = vec![
            LcPoint {
                mjd: 52000.0,
                flux: 1e-13,
                err: 2e-14,
                label: "0112220101".into(),
                upper: false,
            },
            LcPoint {
                mjd: 56000.0,
                flux: 4e-13,
                err: 5e-14,
                label: "<b>".into(),
                upper: false,
            },
            LcPoint {
                mjd: 57000.0,
                flux: -1.0,
                err: 0.0,
                label: "neg".into(),
                upper: false,
            },
        ];
        let s = light_curve(&pts, "EP_8_FLUX (erg/cm²/s)").unwrap();
        assert_eq!(s.matches("<circle").count(), 2, "negative flux left out");
        // One error bar with its caps per point.
        assert_eq!(s.matches(r#"class="err""#).count(), 2);
        assert!(s.contains(r#"<path class="err" d="M"#), "{s}");
        assert_eq!(
            s.matches(r#"class="grid""#).count(),
            1,
            "one path of grid lines"
        );
        assert!(s.contains(">1e-13<"), "{s}");
        assert!(s.contains("&lt;b&gt;") && !s.contains("<b>"));
        assert!(light_curve(&[], "x").is_none());
        assert_eq!(P1(105.46).to_string(), "105.5");
        assert_eq!(P1(-0.04).to_string(), "0.0");
        assert_eq!(P1(-2.26).to_string(), "-2.3");
        assert_eq!(P1(220.0).to_string(), "220.0");
    }

    /// Defect 13: fluxes of 1.07–1.09e-11 were drawn on a 1e-11–1e-10 axis, every point on
    /// its bottom edge.
    #[test]
    fn light_curve_frames_a_narrow_flux_range_with_margin() {
        let pt = |mjd: f64, flux: f64| LcPoint {
            mjd,
            flux,
            err: 1e-14,
            label: "o".into(),
            upper: false,
        };
        let s = light_curve(&[pt(52000.0, 1.07e-11), pt(54000.0, 1.09e-11)], "x").unwrap();
        let ys: Vec<f64> = s
            .match_indices("cy=\"")
            .map(|(i, _)| {
                let rest = &s[i + 4..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(ys.len(), 2);
        let (top, bottom) = (T, H - B);
        for y in &ys {
            assert!(
                *y > top + 0.05 * (bottom - top) && *y < bottom - 0.05 * (bottom - top),
                "a point at y = {y}, the frame {top}..{bottom}: {s}"
            );
        }
        assert!(ys[0] > ys[1] + 1.0, "the brighter point is higher: {ys:?}");
        // At least two labelled ticks on the flux axis.
        assert!(s.matches("text-anchor=\"end\"").count() >= 2, "{s}");
        assert!(s.contains(">1e-11<"), "{s}");
        assert_eq!(
            log_ticks(-13.0, -11.0),
            vec![(1.0, -13), (1.0, -12), (1.0, -11)]
        );
        assert_eq!(log_ticks(-12.9, -12.2), vec![(2.0, -13), (5.0, -13)]);
    }

    #[test]
    fn upper_limits_are_arrows_without_error_bars() {
        let pt = |mjd: f64, flux: f64, upper: bool| LcPoint {
            mjd,
            flux,
            err: 1e-14,
            label: "o".into(),
            upper,
        };
        let s = light_curve(&[pt(52000.0, 1e-13, false), pt(53000.0, 3e-14, true)], "x").unwrap();
        assert_eq!(s.matches("<circle").count(), 1, "the detection");
        assert_eq!(s.matches(r#"class="err""#).count(), 1, "its error bar");
        assert_eq!(s.matches(r#"<path class="ul""#).count(), 1, "the arrow");
        assert!(s.contains("upper limit 3.00e-14"), "{s}");
        // The axis reaches below the arrow's tip: the decade of 1e-14 is drawn.
        assert!(s.contains(">1e-14<"), "{s}");
    }

    #[test]
    fn sky_plot_links_and_orients() {
        let pts = vec![
            SkyPoint {
                ra: 10.0,
                dec: 0.0,
                flux: 1e-14,
                href: "../../source/1/".into(),
                label: "a".into(),
            },
            SkyPoint {
                ra: 10.1,
                dec: 0.0,
                flux: 1e-12,
                href: "../../source/2/".into(),
                label: "b".into(),
            },
        ];
        let s = sky_plot(10.0, 0.0, &pts, 16.0).unwrap();
        assert!(s.contains(r#"href="../../source/2/""#));
        // East (larger RA) is to the left of the centre.
        let x_of = |id: &str| -> f64 {
            let i = s.find(&format!("source/{id}/")).unwrap();
            let cx = &s[i..].split("cx=\"").nth(1).unwrap();
            cx.split('"').next().unwrap().parse().unwrap()
        };
        assert!(x_of("2") < x_of("1"));
    }
}
