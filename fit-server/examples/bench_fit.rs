//! Median wall time per fit for the B1 spectrum (XMM pn, wabs·wabs·powerlaw, χ² Gehrels) and
//! one 0760940101 pipeline spectrum (wstat, wabs·powerlaw). Files are read once; each timed
//! run sets up the problem and fits from the same start.
//!
//! Run: `cargo run --release -p xcat-fit --example bench_fit [-- N]` (default N = 50).

use std::path::PathBuf;
use std::time::Instant;

use xcat_fit::{DataOptions, FitRequest, Spectrum, SpectrumFiles, Statistic, run};

fn median_ms(spec: &Spectrum, req: &FitRequest, n: usize) -> f64 {
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let start = Instant::now();
            let out = run(spec, req).expect("fit");
            assert!(out.stat.converged);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[n / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let data = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/spectra"
    ));
    // A3: the same fit as `scripts/bench-fit-vs-sherpa.py` runs in Sherpa.
    let a3 = Spectrum::load(&SpectrumFiles {
        pha: data.join("chandra_acis_3c273/3c273.pi"),
        ..SpectrumFiles::default()
    })
    .expect("A3 data");
    let req = FitRequest {
        model: "powerlaw".into(),
        stat: Statistic::Chi2DataVar,
        data: DataOptions {
            notice: vec![(0.5, 7.0)],
            ..DataOptions::default()
        },
        ..FitRequest::default()
    };
    println!(
        "A3 (3C 273, chi2datavar, 0.5-7 keV): median {:.2} ms per fit over {n}",
        median_ms(&a3, &req, n)
    );

    let d = data.join("xmm_pn_sherpa");
    let b1 = Spectrum::load(&SpectrumFiles {
        pha: d.join("pn_pi_src_bin10.ds"),
        arf: Some(d.join("pn_pi_src.arf")),
        rmf: Some(d.join("epn_ff20_dY9.rmf")),
        ..SpectrumFiles::default()
    })
    .expect("B1 data");
    let req = FitRequest {
        model: "wabs.gal*wabs.intrin*powerlaw.phard".into(),
        stat: Statistic::Chi2Gehrels,
        data: DataOptions {
            notice: vec![(2.0, 10.0)],
            ..DataOptions::default()
        },
        set: vec![("intrin.nH.max".into(), 30.0)],
        freeze: vec![("gal.nH".into(), Some(0.0119))],
        ..FitRequest::default()
    };
    println!(
        "B1 (161 bins): median {:.2} ms per fit over {n}",
        median_ms(&b1, &req, n)
    );

    let d = data.join("xmm_pn_0760940101");
    let xmm = Spectrum::load(&SpectrumFiles {
        pha: d.join("P0760940101PNS003SRSPEC0017.FTZ"),
        rmf: Some(d.join("epn_e3_ef20_sdY6_v19.0.rmf")),
        ..SpectrumFiles::default()
    })
    .expect("0760940101 data");
    let req = FitRequest {
        model: "wabs*powerlaw".into(),
        stat: Statistic::WStat,
        data: DataOptions {
            notice: vec![(0.3, 10.0)],
            ..DataOptions::default()
        },
        set: vec![
            ("wabs.nH".into(), 0.05),
            ("powerlaw.PhoIndex".into(), 2.0),
            ("powerlaw.norm".into(), 1e-5),
        ],
        ..FitRequest::default()
    };
    println!(
        "0760940101 SRSPEC0017 wstat: median {:.2} ms per fit over {n}",
        median_ms(&xmm, &req, n)
    );
}
