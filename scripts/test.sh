#!/usr/bin/env bash
# Runs every check of the project. Installs what is missing first (rustfmt, clippy, the
# wasm32 target), so it works on a fresh machine with only rustup, gcc and make.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
rustup component add rustfmt clippy >/dev/null 2>&1 || rustup component add rustfmt clippy
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

if [ ! -d ../shared/data ]; then
  echo "error: the real test data folder ../shared/data is missing (tests read real 4XMM catalogues and spectra from it)" >&2
  exit 1
fi

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets -- -D warnings
# The browser module and its wasm-bindgen tests only exist on wasm32.
cargo clippy -p xcat-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings

# (clippy above has checked the core and the module for wasm32; this is the optimised build.)
step "wasm32 build of the browser module (wasm-bindgen, wasm-opt)"
scripts/build-wasm.sh
scripts/vendor.sh

step "tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace 2>&1 | tee "$log"
# One closing line for the whole run: the sum over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "\ntests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"

step "browser end-to-end tests (headless Chromium on the demo site) and its data files (jsonschema, astropy, votlint)"
scripts/browser-test.sh

step "the site's headers for nginx (xcat headers), under a real nginx"
scripts/nginx-test.sh

step "wasm-bindgen tests of the browser module (headless Chromium)"
scripts/wasm-test.sh
