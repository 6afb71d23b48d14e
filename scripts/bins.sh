#!/usr/bin/env bash
# Builds the debug binaries (target/debug/xcat and xcat-fit) the way `cargo test --workspace`
# builds them: the same packages, so the same features for every dependency. Right after the
# test step this compiles nothing, where `cargo build -p xcat` (other features: no
# dev-dependencies) would compile much of the workspace a second time.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(cargo test -q --workspace --no-run 2>&1) || { echo "$out" >&2; exit 1; }
test -x "${CARGO_TARGET_DIR:-target}/debug/xcat" && test -x "${CARGO_TARGET_DIR:-target}/debug/xcat-fit"
