//! Fits of the three real XMM-Newton pipeline (PPS) spectra of observation 0760940101 with
//! wstat and an absorbed power law: the products load through their header links (with the
//! canned RMF mapped explicitly) and the fits converge to physically sane values.

mod common;

use xcat_fit::{DataOptions, FitRequest, Spectrum, SpectrumFiles, Statistic, run};

#[test]
fn wstat_absorbed_powerlaw_fits_converge() {
    let dir = common::spectra("xmm_pn_0760940101");
    for src in ["0007", "0008", "0017"] {
        let spec = Spectrum::load(&SpectrumFiles {
            pha: dir.join(format!("P0760940101PNS003SRSPEC{src}.FTZ")),
            rmf: Some(dir.join("epn_e3_ef20_sdY6_v19.0.rmf")),
            ..SpectrumFiles::default()
        })
        .unwrap();
        assert!(
            spec.bkg.is_some() && spec.arf.is_some(),
            "{src}: header links followed"
        );
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
        let out = run(&spec, &req).unwrap();
        let p = |n: &str| out.params[n].value;
        let e = |n: &str| out.params[n].error.unwrap();
        assert!(out.stat.converged, "{src}: {:?}", out.stat);
        // A Poisson fit of a good model: W/dof near 1 (a loose, sanity-level band).
        let red = out.stat.value / out.stat.dof as f64;
        assert!((0.5..2.0).contains(&red), "{src}: wstat/dof = {red}");
        // 0008 is soft (Γ ≈ 4.5, N_H ≈ 0.36e22: likely thermal), hence the wide band.
        assert!(
            (0.5..6.0).contains(&p("powerlaw.PhoIndex")),
            "{src}: {:?}",
            out.params
        );
        assert!(p("powerlaw.norm") > 0.0 && e("powerlaw.norm") < p("powerlaw.norm"));
        assert!((0.0..2.0).contains(&p("wabs.nH")));
        // Fluxes: positive, absorption only removes flux.
        let f = &out.fluxes["0.5-2"];
        assert!(f.energy > 1e-16 && f.energy < 1e-11, "{src}: {f:?}");
        assert!(f.energy_unabsorbed >= f.energy);
    }
}
