#!/usr/bin/env bash
# Load, measured with wrk (Debian's, installed when missing):
#  1. `xcat serve` on the DR14-scale site (700,000 sources; built once into
#     $WORK/load-site-$SOURCES): 64 connections for 60 s over a mix of source and observation
#     pages, docs, the home page and query-engine chunks, drawn at random from the site;
#  2. the fit server: 8 connections (8 fits at once) for 60 s posting the fit of the shared XMM
#     pn spectrum (P0760940101PNS003SRSPEC0017, wabs*powerlaw, W-stat).
# Reports requests/s, latency p50/p99, errors (non-2xx and socket errors), the servers' peak RSS,
# and checks that each still answers correctly afterwards.
# Usage: scripts/bench-load.sh [SOURCES] [WORKDIR]   (DURATION=60 CONNECTIONS=64 FITS=8)
set -euo pipefail
cd "$(dirname "$0")/.."
sources=${1:-700000}
work=${2:-target/bench}
duration=${DURATION:-60}
connections=${CONNECTIONS:-64}
fits=${FITS:-8}
mkdir -p "$work"
work=$(cd "$work" && pwd)
if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y wrk >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y wrk >/dev/null; }
fi
. scripts/bench-lib.sh
cargo build --release -q -p xcat-fit
fit_bin="$(dirname "$xcat")/xcat-fit"
site="$work/load-site-$sources"
if [ ! -f "$site/dist/index.html" ]; then
  mkdir -p "$site"
  bench_config "$site/xcat.toml" "xcat load benchmark"
  "$xcat" build --quiet --config "$site/xcat.toml" --out "$site/dist"
fi
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

# The paths: 20,000 source pages, 2,000 observation pages, 2,000 chunks, the docs and home.
(cd "$site/dist" && {
  find source -maxdepth 1 -mindepth 1 -type d | shuf -n 20000 --random-source=<(yes) | sed 's|$|/|'
  find observation -maxdepth 1 -mindepth 1 -type d | shuf -n 2000 --random-source=<(yes) | sed 's|$|/|'
  find data/chunks -type f | shuf -n 2000 --random-source=<(yes)
  find docs -name index.html | sed 's|index.html$||'
  echo ""
}) | sed 's|^|/|' > "$tmp/paths.txt"
echo "paths: $(wc -l < "$tmp/paths.txt") ($(grep -c '^/source/' "$tmp/paths.txt") source pages, $(grep -c '^/observation/' "$tmp/paths.txt") observation pages, $(grep -c '^/data/' "$tmp/paths.txt") chunks)"
cat > "$tmp/paths.lua" <<LUA
local paths = {}
for line in io.lines("$tmp/paths.txt") do paths[#paths + 1] = line end
math.randomseed(1)
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
LUA


port=$((20000 + RANDOM % 20000))
"$xcat" serve --dir "$site/dist" --port "$port" >"$tmp/serve.log" 2>&1 &
serve_pid=$!; pids+=("$serve_pid")
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
page=$(sed -n 1p "$tmp/paths.txt")
curl -s "http://127.0.0.1:$port$page" -o "$tmp/before.html"
wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$tmp/paths.lua" "http://127.0.0.1:$port" > "$tmp/serve.wrk"
echo "xcat serve, $connections connections, ${duration} s: $(summary "$tmp/serve.wrk"); peak RSS $(peak_rss "$serve_pid")"
curl -s "http://127.0.0.1:$port$page" -o "$tmp/after.html"
cmp -s "$tmp/before.html" "$site/dist${page}index.html" && cmp -s "$tmp/after.html" "$tmp/before.html" \
  && echo "xcat serve afterwards: up, $page answered with the file's bytes" \
  || { echo "xcat serve afterwards: WRONG answer for $page" >&2; exit 1; }

products=../shared/data/spectra/xmm_pn_0760940101
[ -d "$products" ] || { echo "error: $products is missing (the fit benchmark's spectrum)" >&2; exit 1; }
fport=$((20000 + RANDOM % 20000))
"$fit_bin" serve --products "$products" --rmf-dir "$products" --port "$fport" --max-concurrent "$fits" >"$tmp/fit.log" 2>&1 &
fit_pid=$!; pids+=("$fit_pid")
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$fport") 2>/dev/null && break; sleep 0.1; done
body='{"obs_id":"0760940101","inst":"PN","expid":"S003","srcnum":"0017","model":"wabs*powerlaw","stat":"wstat","notice":[[0.3,10.0]]}'
fit_once() { curl -s -X POST -H 'Content-Type: application/json' --data "$body" "http://127.0.0.1:$fport/v1/fit"; }
fit_once > "$tmp/fit-before.json"
cat > "$tmp/fit.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$body'
LUA
wrk -t2 -c"$fits" -d"${duration}s" --latency -s "$tmp/fit.lua" "http://127.0.0.1:$fport/v1/fit" > "$tmp/fit.wrk"
echo "fit server, $fits connections, ${duration} s: $(summary "$tmp/fit.wrk"); peak RSS $(peak_rss "$fit_pid")"
fit_once > "$tmp/fit-after.json"
python3 - "$tmp/fit-before.json" "$tmp/fit-after.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["stat"]["converged"] and b["stat"]["converged"], "a fit did not converge"
assert abs(a["stat"]["value"] - b["stat"]["value"]) <= 1e-9 * abs(a["stat"]["value"]), "another answer after the load"
print(f"fit server afterwards: up, the same fit (W-stat {b['stat']['value']:.4f}, converged)")
PY
