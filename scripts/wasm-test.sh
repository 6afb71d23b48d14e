#!/usr/bin/env bash
# Tests of the browser bindings (wasm-query/src/tests.rs) with wasm-bindgen-test in headless
# Chromium: installs chromium and chromium-driver when missing (needs root or sudo) and
# wasm-bindgen-test-runner at exactly the wasm-bindgen version in Cargo.lock, builds the demo
# site and copies its data/ folder to wasm-query/test-site/ (the runner serves the crate
# folder), then runs `cargo test -p xcat-wasm --target wasm32-unknown-unknown`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y chromium chromium-driver >/dev/null 2>&1 ||
    { $sudo apt-get update >/dev/null && $sudo apt-get install -y chromium chromium-driver >/dev/null; }
fi
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

# The runner comes with wasm-bindgen-cli and must match the library locked in Cargo.lock.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (test runner found: ${have:-none})" >&2
  # Not --locked: the registry index lacks one of the CLI's locked dependencies.
  cargo install -q wasm-bindgen-cli --version "$want"
fi

target_dir=${CARGO_TARGET_DIR:-target}
scripts/bins.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" wasm-query/test-site' EXIT
"$target_dir/debug/xcat" build -q --out "$tmp/site"
rm -rf wasm-query/test-site
mkdir -p wasm-query/test-site
cp -r "$tmp/site/data" wasm-query/test-site/data

CHROMEDRIVER=$(command -v chromedriver) \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p xcat-wasm --target wasm32-unknown-unknown
