//! OGIP spectral files: any bytes read as a PHA spectrum, an ARF and an RMF. Errors are fine;
//! panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;
use xcat_fit::ogip::{Arf, Pha, Rmf};

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::Builder::new()
        .suffix(".fits")
        .tempfile()
        .expect("temp file");
    f.write_all(data).expect("write");
    f.flush().expect("flush");
    let _ = Pha::read(f.path());
    let _ = Arf::read(f.path());
    let _ = Rmf::read(f.path());
});
