//! Shared helpers: locating the shared test data.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared data folder (`../shared/data` relative to the repository root). Panics with a
/// clear message when it is missing: these tests must never pass without their data.
pub fn data_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"));
    assert!(
        dir.join("spectra").is_dir(),
        "test data folder {} is missing: these tests need the shared spectra \
         (spectra/chandra_acis_3c273, spectra/xmm_pn_sherpa, spectra/xmm_pn_0760940101)",
        dir.display()
    );
    dir
}

pub fn spectra(sub: &str) -> PathBuf {
    data_dir().join("spectra").join(sub)
}
