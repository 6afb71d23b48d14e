#!/usr/bin/env bash
# Builds the browser query engine (wasm-query) into themes/default/static/wasm/, where the
# generator embeds it with the rest of the default theme. Installs what it needs first: the
# wasm32 target, wasm-bindgen-cli at exactly the version in Cargo.lock, and the npm tools
# (binaryen's wasm-opt) into ./node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
out=themes/default/static/wasm

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

# wasm-bindgen must match the library version locked in Cargo.lock exactly.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$want" ]; then
  cargo generate-lockfile
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (found: ${have:-none})" >&2
  # Not --locked: the registry index lacks one of the CLI's locked dependencies.
  cargo install -q wasm-bindgen-cli --version "$want"
fi

. scripts/npm-lib.sh
ensure_npm

cargo build -q -p xcat-wasm --target wasm32-unknown-unknown --profile wasm-release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$tmp" \
  "$target_dir/wasm32-unknown-unknown/wasm-release/xcat_wasm.wasm"
# Debian's binaryen 108 produces broken modules: always the npm one. --converge repeats -Oz
# until it stops shrinking; the producers/target_features sections are not needed by browsers.
node_modules/.bin/wasm-opt -Oz --converge --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$tmp/xcat_wasm_bg.wasm" -o "$tmp/opt.wasm"
mkdir -p "$out"
mv "$tmp/opt.wasm" "$out/xcat_wasm_bg.wasm"
mv "$tmp/xcat_wasm.js" "$out/xcat_wasm.js"
raw=$(stat -c %s "$out/xcat_wasm_bg.wasm")
gz=$(gzip -9 -c "$out/xcat_wasm_bg.wasm" | wc -c)
echo "wasm module: $raw bytes, $gz gzipped -> $out/" >&2
