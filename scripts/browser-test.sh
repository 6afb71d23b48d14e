#!/usr/bin/env bash
# Browser end-to-end tests: builds the demo site (with the wasm query engine), serves it on
# 127.0.0.1 and drives its pages (tests/browser/*.test.mjs) in headless Chromium (Debian's
# chromium + playwright-core from ./node_modules). Installs chromium and python3-venv when
# missing (needs root or sudo).
# Usage: scripts/browser-test.sh [tests/browser/NAME.test.mjs ...]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y chromium >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y chromium >/dev/null; }
fi
# The SAMP test's hub (tests/browser/samp_hub.py) installs astropy into a virtual environment.
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y python3-venv >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y python3-venv >/dev/null; }
fi
scripts/build-wasm.sh
scripts/vendor.sh
target_dir=${CARGO_TARGET_DIR:-target}
# The debug build is the one `cargo test` already made: no extra release compile in CI.
scripts/bins.sh
xcat="$target_dir/debug/xcat"

tmp=$(mktemp -d)
server=""
vo_server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "$vo_server" ] && kill "$vo_server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$xcat" build -q --out "$tmp/site"
test -f "$tmp/site/static/wasm/xcat_wasm_bg.wasm" || { echo "error: the site has no wasm module" >&2; exit 1; }
test -f "$tmp/site/query/index.html" || { echo "error: the site has no query page" >&2; exit 1; }
# The site's data files (JSON, VOTable) with jsonschema, astropy and votlint, on this build.
status=0
if [ $# -eq 0 ]; then
  scripts/vo-test.sh --site "$tmp/site" || status=1
fi
. scripts/serve-lib.sh
serve_site "$xcat" "$tmp/site" "$tmp/serve.log"
# The VO server over the same site, for the SAMP test's TAP path (a site with
# `vo_server_url` sends its results to SAMP applications as TAP queries).
vo_port=$((20000 + RANDOM % 20000))
"$xcat" vo --dir "$tmp/site" --port "$vo_port" >"$tmp/vo.log" 2>&1 &
vo_server=$!
wait_port "$vo_port"
export XCAT_VO_URL="http://127.0.0.1:$vo_port/"
# Every test file (or those given as arguments), one after the other (each starts its own
# Chromium), against the same site; all run even when one fails.
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/browser/*.test.mjs)
for f in "${files[@]}"; do
  XCAT_SITE_URL="http://127.0.0.1:$port/" node --test-reporter=spec "$f" "http://127.0.0.1:$port/" || status=1
done
# A site with one catalogue (the 4XMM demo alone) keeps the query page of a single catalogue:
# the query tests again, without a release.
if [ $# -eq 0 ] || [[ " $* " == *"query.test.mjs"* ]]; then
  kill "$server" 2>/dev/null || true
  "$xcat" demo-catalogue --quiet --out "$tmp/one.fits"
  cat > "$tmp/one.toml" <<TOML
title = "xcat demo — one catalogue"
[catalog]
detections = ["one.fits"]
[[extra]]
file = "one-ulx.csv"
key = "srcid"
missing = "false"
[[names]]
file = "one-names.csv"
TOML
  "$xcat" build -q --config "$tmp/one.toml" --out "$tmp/one"
  test ! -e "$tmp/one/data/releases.txt" || { echo "error: a one-catalogue site has releases" >&2; exit 1; }
  serve_site "$xcat" "$tmp/one" "$tmp/serve-one.log"
  echo "== tests/browser/query.test.mjs on a site with one catalogue"
  XCAT_RELEASE="" XCAT_SITE_URL="http://127.0.0.1:$port/" node --test-reporter=spec tests/browser/query.test.mjs "http://127.0.0.1:$port/" || status=1
fi
exit "$status"
