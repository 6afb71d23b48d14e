#!/usr/bin/env bash
# Diagrams benchmark at DR14 scale: writes a 700,000-source demo catalogue, puts its query-engine
# data (only data/: no page per source, which would write tens of GB) behind the pages of the
# small demo site, serves it on 127.0.0.1 and times, in headless Chromium, the scatter plot
# of the whole catalogue on the diagrams page: query (fetching the columns), drawing, a redraw,
# and the hover lookup. Deletes the catalogue and data afterwards unless KEEP=1.
# Usage: scripts/bench-diagrams.sh [SOURCES] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
sources=${1:-700000}
work=${2:-target/bench-diagrams}
mkdir -p "$work"
work=$(cd "$work" && pwd)
[ -f themes/default/static/wasm/xcat_wasm_bg.wasm ] || scripts/build-wasm.sh
scripts/vendor.sh
. scripts/bench-lib.sh
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work/site" "$work/query" "$work"/demo-*
}
trap cleanup EXIT
bench_config "$work/xcat.toml" "xcat diagrams benchmark"
rm -rf "$work/site" "$work/query"
# The pages of the demo site (3000 sources), then the query data of the big catalogue in
# place of the demo's (`--only query` writes no page per source).
"$xcat" build -q --out "$work/site"
"$xcat" build -q --config "$work/xcat.toml" --only query --out "$work/query"
rm -rf "$work/site/data"
mv "$work/query/data" "$work/site/data"
rm -rf "$work/query"
echo "query data: $(du -sh --apparent-size "$work/site/data" | cut -f1) in $(find "$work/site/data" -type f | wc -l) files"
. scripts/serve-lib.sh
serve_site "$xcat" "$work/site" "$work/serve.log"
node scripts/bench-diagrams.mjs "http://127.0.0.1:$port/" "$sources"
