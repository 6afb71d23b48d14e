//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// A file of the shared real test data (`../shared/data` beside the repository). Panics with a
/// clear message when the data folder is missing, so a test never passes without its data.
pub fn shared(rel: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    let p = root.join(rel);
    assert!(
        p.exists(),
        "test data {} is missing: this test needs the shared real-data folder at {} (see README, 'Test data')",
        rel,
        root.display()
    );
    p
}

/// The real 52-detection 4XMM-DR10 extract around omega Cen (NGC 5139).
pub fn ngc5139() -> PathBuf {
    shared("catalogs/xmm_4xmm_dr10_ngc5139/4xmm_dr10_ngc5139.fits")
}
