//! Times the cross-release positional match at full scale: `A` sources of one release (default
//! 700,000, 4XMM-DR14's size) against `B` of another (default 818,656, 5XMM-DR15's), uniform
//! on the sky, where B re-observes 80 % of A within their errors and adds its own sources.
//!
//! `cargo run --release -p xcat --example crossmatch_bench [A] [B]`

use xcat::catalog::crossmatch::{MatchParams, Positions, crossmatch};
use xcat::demo::rng::Rng;

fn main() {
    let arg = |i: usize, d: usize| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let (na, nb) = (arg(1, 700_000), arg(2, 818_656));
    let mut rng = Rng::new(15, 1);
    let (mut a, mut b) = (Positions::default(), Positions::default());
    for _ in 0..na {
        let ra = rng.range(0.0, 360.0);
        let dec = rng.range(-1.0, 1.0).asin().to_degrees();
        let err = rng.range(0.3, 4.0);
        a.push(ra, dec, Some(err), 0.37);
        if b.len() < nb && rng.chance(0.8) {
            let s = err / 2f64.sqrt() / 3600.0;
            let d = (dec + rng.normal() * s).clamp(-90.0, 90.0);
            let r = (ra + rng.normal() * s / d.to_radians().cos().max(1e-6)).rem_euclid(360.0);
            b.push(r, d, Some(rng.range(0.3, 4.0)), 0.88);
        }
    }
    while b.len() < nb {
        let ra = rng.range(0.0, 360.0);
        let dec = rng.range(-1.0, 1.0).asin().to_degrees();
        b.push(ra, dec, Some(rng.range(0.3, 4.0)), 0.88);
    }
    let p = MatchParams::default();
    let t0 = std::time::Instant::now();
    let m = crossmatch(&a, &b, &p);
    let s = t0.elapsed().as_secs_f64();
    let ambiguous = m.iter().filter(|c| c.ambiguous()).count();
    println!(
        "{na} × {nb} sources: {} counterparts ({ambiguous} ambiguous) in {s:.2} s on {} threads",
        m.len(),
        rayon::current_num_threads()
    );
}
