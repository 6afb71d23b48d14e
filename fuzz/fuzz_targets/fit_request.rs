//! The fit server's request parsing: the first line of the input is the Content-Type, the rest
//! the body (JSON options, or a multipart upload). Errors are 4xx answers; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static PRODUCTS: OnceLock<tempfile::TempDir> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let products = PRODUCTS.get_or_init(|| tempfile::tempdir().expect("temp dir"));
    let (ctype, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (
            String::from_utf8_lossy(&data[..i]).into_owned(),
            &data[i + 1..],
        ),
        None => ("application/json".to_string(), data),
    };
    let status = xcat_fit::server::request_status(&ctype, body, products.path());
    assert!(
        status == 200 || (400..500).contains(&status),
        "status {status}"
    );
});
