//! The chunk and manifest decoders: bytes that pass the length and hash checks (as a file that
//! a hostile or broken server sends with a manifest it also controls would) are decoded as each
//! kind of file. Errors are fine; panics and runaway allocations are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use xcat_core::chunk::{Engine, FileKind, FileRef, decode_manifest, hash};

#[path = "common.rs"]
mod common;

static CATALOGUE: OnceLock<(String, common::Files)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (manifest, files) = CATALOGUE.get_or_init(common::catalogue);
    let f = FileRef {
        hash: hash::content_hash(data),
        len: data.len() as u32,
        stored: 0,
    };
    let mut engine = common::open(manifest, files);
    for k in [
        FileKind::Tile,
        FileKind::Segment,
        FileKind::IndexPage,
        FileKind::LinkPage,
        FileKind::Names,
    ] {
        let _ = engine.insert(k, &f, data);
    }
    let _ = decode_manifest(&format!("data/manifest.{}.bin", hash::hex(f.hash)), data);
    let _ = Engine::open("data/manifest.0000000000000000.bin", data);
});
