//! The query language and ADQL: any text is read as the query box reads it (text starting with
//! SELECT as ADQL), type-checked against a catalogue's schema and, when valid, planned and run
//! over the catalogue's tiles as the browser runs it; a valid query is also written back as
//! ADQL and read again. Errors are
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
    let mut opts = RunOptions {
        limit: 20,
        ..RunOptions::default()
    };
    let Ok(mut q) = engine.prepare(text, "xcat", &mut opts) else {
        return;
    };
    if q.resolve(&NoResolver).is_err() {
        return;
    }
    if let Ok(cond) = xcat_core::query::adql::condition(q.expr()) {
        let again = match cond {
            Some(c) => format!("SELECT * FROM sources WHERE {c}"),
            None => "SELECT * FROM sources".to_string(),
        };
        let mut o = RunOptions::default();
        if let Err(e) = engine.prepare(&again, "xcat", &mut o) {
            panic!("{text:?} written as ADQL does not read back: {again:?}: {e}");
        }
    }
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
