//! The query language: any text is parsed and type-checked against a catalogue's schema and,
//! when valid, planned and run over the catalogue's tiles as the browser runs it. Errors are
//! fine; panics, hangs and runaway memory are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use xcat_core::chunk::{Execution, RunOptions, Step};
use xcat_core::names::NoResolver;

#[path = "common.rs"]
mod common;

static CATALOGUE: OnceLock<(String, common::Files)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (manifest, files) = CATALOGUE.get_or_init(common::catalogue);
    let mut engine = common::open(manifest, files);
    let Ok(mut q) = engine.parse(text) else {
        return;
    };
    if q.resolve(&NoResolver).is_err() {
        return;
    }
    let opts = RunOptions {
        limit: 20,
        ..RunOptions::default()
    };
    let Ok(mut exec) = Execution::new(&engine, q, opts) else {
        return;
    };
    for _ in 0..16 {
        match exec.step(&engine) {
            Ok(_) | Err(Step::Fail(_)) => return,
            Err(Step::Need(n)) => {
                for (kind, f) in n.files {
                    if engine.insert(kind, &f, &files[&f.path()]).is_err() {
                        return;
                    }
                }
            }
        }
    }
    panic!("a query made no progress after 16 rounds of fetching: {text:?}");
});
