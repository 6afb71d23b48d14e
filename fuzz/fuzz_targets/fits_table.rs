//! FITS catalogue ingestion: any bytes, as a catalogue file, through the whole reader (HDU and
//! layout detection, column checks, row decoding, validation). Errors are fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;
use xcat::catalog::{Catalogue, Quiet};
use xcat::config::Config;

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::Builder::new()
        .suffix(".fits")
        .tempfile()
        .expect("temp file");
    f.write_all(data).expect("write");
    f.flush().expect("flush");
    let _ = Catalogue::load(&Config::default(), &[f.path().to_path_buf()], &Quiet);
});
