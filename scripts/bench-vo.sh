#!/usr/bin/env bash
# The VO server under load, measured with wrk (Debian's, installed when missing), on the
# query data of the DR14-scale demo (700,000 sources; built once into
# $WORK/vo-site-$SOURCES with `xcat build --only query`):
#  1. Simple Cone Search: 10′ cones (SR=0.1667°) centred on sources drawn at random;
#  2. TAP sync: SELECT TOP 1000 srcid, sc_ra, sc_dec, sc_det_ml FROM xcat.sources WHERE
#     sc_det_ml < 100 (VOTable).
# Each with 32 connections for 30 s: requests/s, latency p50/p99, errors, the server's peak RSS,
# and a check that it still answers the same afterwards.
# Usage: scripts/bench-vo.sh [SOURCES] [WORKDIR]   (DURATION=30 CONNECTIONS=32, MEMORY_MB=1024:
# the server's --memory-mb)
set -euo pipefail
cd "$(dirname "$0")/.."
sources=${1:-700000}
work=${2:-target/bench}
duration=${DURATION:-30}
connections=${CONNECTIONS:-32}
mkdir -p "$work"
work=$(cd "$work" && pwd)
if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y wrk >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y wrk >/dev/null; }
fi
. scripts/bench-lib.sh
site="$work/vo-site-$sources"
if [ ! -f "$site/dist/data/manifest.txt" ]; then
  mkdir -p "$site"
  bench_config "$site/xcat.toml" "xcat VO benchmark"
  "$xcat" build --quiet --only query --config "$site/xcat.toml" --out "$site/dist"
fi
tmp=$(mktemp -d)
vo=""
trap '[ -n "$vo" ] && kill "$vo" 2>/dev/null; rm -rf "$tmp"' EXIT
port=$((20000 + RANDOM % 20000))
"$xcat" vo --dir "$site/dist" --port "$port" --memory-mb "${MEMORY_MB:-1024}" >"$tmp/vo.log" 2>&1 &
vo=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"


# Cone centres: 5,000 sources, through the service itself.
curl -s "$base/tap/sync" --data-urlencode "QUERY=SELECT TOP 5000 sc_ra, sc_dec FROM xcat.sources ORDER BY srcid" \
  --data-urlencode "FORMAT=csv" | tail -n +2 | tr -d '\r' > "$tmp/centres.csv"
echo "cone centres: $(wc -l < "$tmp/centres.csv")"
cat > "$tmp/scs.lua" <<LUA
local c = {}
for line in io.lines("$tmp/centres.csv") do
  local ra, dec = line:match("([^,]+),([^,]+)")
  c[#c + 1] = "/scs?RA=" .. ra .. "&DEC=" .. dec .. "&SR=0.1667"
end
math.randomseed(1)
request = function() return wrk.format("GET", c[math.random(#c)]) end
LUA
first=$(head -1 "$tmp/centres.csv")
cone="$base/scs?RA=${first%,*}&DEC=${first#*,}&SR=0.1667"
curl -s "$cone" > "$tmp/scs-before.xml"
wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$tmp/scs.lua" "$base" > "$tmp/scs.wrk"
echo "Simple Cone Search (10′), $connections connections, ${duration} s: $(summary "$tmp/scs.wrk")"
curl -s "$cone" > "$tmp/scs-after.xml"
cmp -s "$tmp/scs-before.xml" "$tmp/scs-after.xml" && echo "afterwards: the same cone answer ($(grep -c '<TR>' "$tmp/scs-after.xml") rows)" \
  || { echo "afterwards: another cone answer" >&2; exit 1; }

query="SELECT TOP 1000 srcid, sc_ra, sc_dec, sc_det_ml FROM xcat.sources WHERE sc_det_ml < 100"
enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")
tap="$base/tap/sync?REQUEST=doQuery&LANG=ADQL&QUERY=$enc"
curl -s "$tap" > "$tmp/tap-before.xml"
rows=$(grep -c '<TR>' "$tmp/tap-before.xml")
[ "$rows" = 1000 ] || { echo "TAP answered $rows rows, not 1000" >&2; exit 1; }
wrk -t2 -c"$connections" -d"${duration}s" --latency "$tap" > "$tmp/tap.wrk"
echo "TAP TOP 1000 sc_det_ml < 100, $connections connections, ${duration} s: $(summary "$tmp/tap.wrk")"
curl -s "$tap" > "$tmp/tap-after.xml"
cmp -s "$tmp/tap-before.xml" "$tmp/tap-after.xml" && echo "afterwards: the same 1000 rows" \
  || { echo "afterwards: another TAP answer" >&2; exit 1; }
echo "peak RSS of xcat vo: $(peak_rss "$vo")"
