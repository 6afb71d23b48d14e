#!/usr/bin/env bash
# In-browser query benchmark at DR14 scale: writes a 700,000-source demo catalogue once,
# builds only the query engine's data and the query page from it (`xcat build --only query`,
# into a scratch folder deleted afterwards), serves it on 127.0.0.1 and runs five queries in
# headless Chromium through window.xcat, each cold (fresh browser context: nothing cached)
# and warm (the same query again on the open site). Prints bytes and chunks fetched and time
# per query, the manifest and wasm module sizes (raw and gzip), and checks the byte budgets
# of DESIGN §3 (10' cone <= 30 kB of chunks, manifest <= 100 kB gzipped).
# Usage: scripts/bench-query.sh [SOURCES] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
sources=${1:-700000}
work=${2:-target/bench}
mkdir -p "$work"
work=$(cd "$work" && pwd)
if ! command -v chromium >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y chromium >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y chromium >/dev/null; }
fi
scripts/build-wasm.sh
. scripts/bench-lib.sh
site=$(mktemp -d "$work/query-site.XXXXXX")
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$site"; }
trap cleanup EXIT
bench_config "$site/xcat.toml" "xcat query benchmark"
/usr/bin/time -f "query-only build: %e s wall, %M kB peak RSS" \
  "$xcat" build --config "$site/xcat.toml" --only query --out "$site/dist"

manifest=$(cat "$site/dist/data/manifest.txt")
m_gz=$(stat -c %s "$site/dist/data/$manifest")
m_raw=$(gzip -dc "$site/dist/data/$manifest" | wc -c)
w=themes/default/static/wasm/xcat_wasm_bg.wasm
w_raw=$(stat -c %s "$w")
w_gz=$(gzip -9 -c "$w" | wc -c)
echo "data: $(find "$site/dist/data" -type f | wc -l) files, $(du -sh --apparent-size "$site/dist/data" | cut -f1)"
echo "manifest: $m_raw bytes raw, $m_gz bytes gzipped (target <= 100000 gzipped)"
echo "wasm module: $w_raw bytes raw, $w_gz bytes gzipped (gzip -9)"

. scripts/serve-lib.sh
serve_site "$xcat" "$site/dist" "$site/serve.log"
node scripts/bench-query.mjs "http://127.0.0.1:$port/"
