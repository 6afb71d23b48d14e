//! `xcat demo-events`: synthetic pn event lists of the demo observations, read back by the
//! event-list reader as real ones are.

mod common;

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use xcat_photons::EventList;

fn demo_events(out: &Path, seed: u64) -> Vec<PathBuf> {
    let spectra = common::shared("spectra/xmm_pn_0760940101");
    Command::cargo_bin("xcat")
        .unwrap()
        .args(["demo-events", "--quiet", "--observations", "2", "--seed"])
        .arg(seed.to_string())
        .arg("--arf")
        .arg(spectra.join("P0760940101PNS003SRCARF0017.FTZ"))
        .arg("--rmf")
        .arg(spectra.join("epn_e3_ef20_sdY6_v19.0.rmf"))
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn demo_event_lists_read_back_like_real_ones_and_repeat_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let files = demo_events(&dir.path().join("a"), 7);
    assert_eq!(files.len(), 2);
    for f in &files {
        let l = EventList::read(f).unwrap();
        assert_eq!(l.instrument, "EPN");
        assert!(f.file_name().unwrap().to_string_lossy().contains(&l.obs_id));
        assert!(l.events.len() > 10_000, "{} events", l.events.len());
        assert_eq!(l.no_position, 0);
        assert_eq!(l.gti.len(), 12, "one GTI per pn CCD");
        // Events come in time order, within the data's span; those outside the GTIs are the
        // flares' particle events (and the first seconds before a CCD's GTI starts).
        assert!(l.events.time.windows(2).all(|w| w[0] <= w[1]));
        assert!(l.events.time.iter().all(|&t| t >= l.tstart && t <= l.tstop));
        assert!(
            l.events.len() - l.outside_gti > 10_000,
            "{} outside",
            l.outside_gti
        );
        // PI in eV: the pn band, with most events between 0.2 and 12 keV.
        let band = l
            .events
            .pi
            .iter()
            .filter(|&&p| (200..=12_000).contains(&p))
            .count();
        assert!(
            band * 10 > l.events.len() * 9,
            "{band} of {}",
            l.events.len()
        );
        let ontime = l.ontime(1);
        assert!(ontime > 1000.0 && ontime <= l.tstop - l.tstart, "{ontime}");
        // Positions lie within the field of view (27′ × 27′ around the pointing).
        let (ra0, dec0) = l.wcs.crval;
        for i in (0..l.events.len()).step_by(97) {
            let (ra, dec) = l.sky(i).unwrap();
            let dx = (ra - ra0) * dec0.to_radians().cos();
            assert!(dx.abs() < 0.25 && (dec - dec0).abs() < 0.25, "{ra} {dec}");
        }
    }
    // The same seed gives the same bytes; another seed other events.
    let again = demo_events(&dir.path().join("b"), 7);
    for (a, b) in files.iter().zip(&again) {
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{}",
            a.display()
        );
    }
    let other = demo_events(&dir.path().join("c"), 8);
    assert!(std::fs::read(&files[0]).unwrap() != std::fs::read(&other[0]).unwrap());
}

#[test]
fn a_missing_response_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("xcat")
        .unwrap()
        .args([
            "demo-events",
            "--quiet",
            "--observations",
            "1",
            "--arf",
            "no-such.arf",
        ])
        .arg("--out")
        .arg(dir.path())
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("no-such.arf") && err.contains("--arf"),
        "{err}"
    );
}
