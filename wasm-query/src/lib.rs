//! Browser bindings of `xcat-core`: thin `#[wasm_bindgen]` wrappers with JavaScript-style names.

use wasm_bindgen::prelude::*;

/// IAU designation (`4XMM JHHMMSS.s±DDMMSS`) of a position in degrees.
#[wasm_bindgen(js_name = iauName)]
pub fn iau_name(prefix: &str, ra_deg: f64, dec_deg: f64) -> String {
    xcat_core::coords::iau_name(prefix, ra_deg, dec_deg)
}

/// Great-circle distance in degrees between two positions given in degrees.
#[wasm_bindgen(js_name = angularDistance)]
pub fn angular_distance(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    xcat_core::coords::angular_distance(ra1, dec1, ra2, dec2)
}

/// Galactic longitude and latitude in degrees of an equatorial J2000 position in degrees.
#[wasm_bindgen(js_name = equatorialToGalactic)]
pub fn equatorial_to_galactic(ra_deg: f64, dec_deg: f64) -> Vec<f64> {
    let (l, b) = xcat_core::coords::equatorial_to_galactic(ra_deg, dec_deg);
    vec![l, b]
}
