//! The real XMM-Newton MOS event lists of `../shared/data/events/` (see its SOURCES.md): two
//! SAS-filtered lists of one observation and an unfiltered, gzip-compressed pipeline product;
//! and damaged copies of them.

use std::path::PathBuf;
use xcat_photons::EventList;

/// A file of the shared real test data; panics with a clear message when it is missing.
fn shared(rel: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    let p = root.join(rel);
    assert!(
        p.exists(),
        "test data {rel} is missing: this test needs the shared real-data folder at {}",
        root.display()
    );
    p
}

fn mos1() -> PathBuf {
    shared("events/xmm_mos_0201901401/mos1_exp1_clean_evts.fits")
}

#[test]
fn a_filtered_sas_event_list_reads_with_its_gtis_and_positions() {
    let l = EventList::read(&mos1()).unwrap();
    // Header values and counts as astropy reads them (SOURCES.md: 22,124 events, ONTIME 5135 s).
    assert_eq!(l.obs_id, "0201901401");
    assert_eq!(l.instrument, "EMOS1");
    assert_eq!(l.filter, "Thin1");
    assert_eq!(l.submode, "PrimeFullWindow");
    assert_eq!(l.date_obs, "2004-05-09T16:07:05");
    assert_eq!(l.mjdref, 50814.0);
    assert_eq!(l.events.len(), 22_124);
    assert_eq!((l.no_position, l.outside_gti), (0, 0));
    assert!(l.events.flag.iter().all(|&f| f == 0));
    assert!(l.events.pattern.iter().all(|&p| p <= 12));
    // CCD 1's good time: STDGTI01 ∩ the flare filter GTI00006, whose ONTIME keyword (and the
    // EVENTS header's ONTIME01) is 5135.29250851274 s.
    assert!(
        (l.ontime(1) - 5135.29250851274).abs() < 1e-6,
        "{}",
        l.ontime(1)
    );
    assert_eq!(
        l.gti.keys().copied().collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6, 7]
    );
    // The first event's position: astropy 8.0's WCS of the X/Y columns (all_pix2world, origin
    // 1) gives (149.67409206906825, -11.072366092707995); tolerance 1e-9° (4 µas).
    let (ra, dec) = l.sky(0).unwrap();
    assert!((ra - 149.67409206906825).abs() < 1e-9 && (dec + 11.072366092707995).abs() < 1e-9);
    assert_eq!((l.events.x[0], l.events.y[0]), (20721.0, 26960.0));
    let mos2 = EventList::read(&shared(
        "events/xmm_mos_0201901401/mos2_exp1_clean_evts.fits",
    ))
    .unwrap();
    assert_eq!(
        (mos2.instrument.as_str(), mos2.events.len()),
        ("EMOS2", 20_982)
    );
    // EMOS2's ONTIME01 keyword: 5100 s.
    assert!((mos2.ontime(1) - 5100.0).abs() < 1e-6, "{}", mos2.ontime(1));
}

#[test]
fn an_unfiltered_pipeline_product_reads_gzipped_with_its_bad_events() {
    let l = EventList::read(&shared(
        "events/xmm_mos_pps_0002970201/P0002970201M1S002MIEVLI.FTZ",
    ))
    .unwrap();
    assert_eq!(
        (l.obs_id.as_str(), l.instrument.as_str()),
        ("0002970201", "EMOS1")
    );
    // astropy: 114,280 events, 36,576 with FLAG > 0, 340 with PATTERN > 12; ONTIME01 22144.4998.
    assert_eq!(l.events.len(), 114_280);
    assert_eq!(l.events.flag.iter().filter(|&&f| f > 0).count(), 36_576);
    assert_eq!(l.events.pattern.iter().filter(|&&p| p > 12).count(), 340);
    assert!(
        (l.ontime(1) - 22144.4998187572).abs() < 1e-6,
        "{}",
        l.ontime(1)
    );
    // Its STDGTInn carry no CCDID: the CCD is the number in the name (ONTIME of STDGTI02).
    assert!(
        (l.ontime(2) - 22165.3000374734).abs() < 1e-6,
        "{}",
        l.ontime(2)
    );
    let (ra, dec) = l.sky(0).unwrap();
    assert!((ra - 35.89976986110021).abs() < 1e-9 && (dec - 43.01939490811374).abs() < 1e-9);
}

/// A copy of the filtered list with `edits` applied to its bytes (header text only).
fn damaged(edits: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let mut bytes = std::fs::read(mos1()).unwrap();
    for (from, to) in edits {
        assert_eq!(from.len(), to.len());
        let mut found = false;
        let mut i = 0;
        while let Some(k) = bytes[i..]
            .windows(from.len())
            .position(|w| w == from.as_bytes())
        {
            bytes[i + k..i + k + from.len()].copy_from_slice(to.as_bytes());
            found = true;
            i += k + from.len();
        }
        assert!(found, "{from} not in the file");
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("damaged.fits");
    std::fs::write(&p, bytes).unwrap();
    (dir, p)
}

#[test]
fn damaged_lists_are_errors_naming_file_extension_and_keyword() {
    let err = |edits: &[(&str, &str)]| {
        let (_d, p) = damaged(edits);
        EventList::read(&p).unwrap_err().to_string()
    };
    // The X column is column 6: without TCRVL6 the sky pixels have no coordinates.
    let e = err(&[("TCRVL6  =", "XCRVL6  =")]);
    assert!(
        e.contains("keyword TCRVL6 missing from HDU EVENTS") && e.contains("damaged.fits"),
        "{e}"
    );
    let e = err(&[("'RA---TAN'", "'RA---SIN'")]);
    assert!(
        e.contains("TCTYP6 = \"RA---SIN\"") && e.contains("only RA---TAN"),
        "{e}"
    );
    let e = err(&[("OBS_ID  =", "OBS_XX  =")]);
    assert!(e.contains("keyword OBS_ID missing"), "{e}");
    let e = err(&[("TTYPE12 = 'CCDNR", "TTYPE12 = 'CCDXX")]);
    assert!(e.contains("column CCDNR missing from HDU EVENTS"), "{e}");
    // No GTI extension for the CCDs: every way the reader finds them renamed away.
    let e = err(&[
        ("'STDGTI", "'STDXXX"),
        ("'GTI0", "'XXX0"),
        ("'GTI     '", "'XXX     '"),
    ]);
    assert!(
        e.contains("CCD 1 has events but no good time interval"),
        "{e}"
    );
    // Truncated in the middle of the events.
    let bytes = std::fs::read(mos1()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("truncated.fits");
    std::fs::write(&p, &bytes[..bytes.len() / 3]).unwrap();
    let e = EventList::read(&p).unwrap_err().to_string();
    assert!(e.contains("truncated.fits"), "{e}");
}
