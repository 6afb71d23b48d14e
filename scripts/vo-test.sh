#!/usr/bin/env bash
# The site as data and its VO server, checked with the clients astronomers use: builds the
# demo site (two releases), validates every observation's and a sample of sources' JSON against the JSON
# Schemas the site publishes, reads their VOTables with astropy (every warning an error) and
# compares both (tests/vo/check_data_files.py), and runs STILTS votlint on VOTables of both
# releases (no output allowed); then serves it with `xcat vo` and queries it with pyvo (TAP
# and Simple Cone Search, tests/vo/pyvo_check.py) and checks it with STILTS taplint; last, its
# HATS catalogues with hats, DuckDB and LSDB (tests/hats/check_hats.py), and synthetic event
# lists with astropy (tests/photons/check_events.py). With `--site DIR`,
# checks that built demo site instead of building one. Installs Debian's stilts and
# python3-venv when missing (needs root or sudo); jsonschema, astropy, pyvo, hats, lsdb and
# duckdb come from PyPI (tests/pyenv.py).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v stilts >/dev/null || need+=(stilts)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y "${need[@]}" >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "${need[@]}" >/dev/null; }
fi
target_dir=${CARGO_TARGET_DIR:-target}
tmp=$(mktemp -d)
vo=""
server=""
trap '[ -n "$vo" ] && kill "$vo" 2>/dev/null; [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
scripts/bins.sh
xcat="$target_dir/debug/xcat"
if [ "${1:-}" = --site ]; then
  site=$2
else
  site="$tmp/site"
  "$xcat" build -q --out "$site" --cache "$tmp/cache"
fi

python3 tests/vo/check_data_files.py "$site"

# votlint (VOTable 1.4 schema, datatypes, UCDs, units): the first and last source (4XMM, then
# 5XMM with its upper limits), one from the middle, and the first and last observation.
sources=$(ls "$site/source" | sort)
observations=$(ls "$site/observation" | sort)
n=$(echo "$sources" | wc -l)
files=(
  "$site/source/$(echo "$sources" | head -1)/source.vot"
  "$site/source/$(echo "$sources" | sed -n "$((n / 2))p")/source.vot"
  "$site/source/$(echo "$sources" | tail -1)/source.vot"
  "$site/observation/$(echo "$observations" | head -1)/observation.vot"
  "$site/observation/$(echo "$observations" | tail -1)/observation.vot"
)
status=0
for f in "${files[@]}"; do
  out=$(stilts votlint validate=true ucd=true unit=true version=1.4 "$f" 2>&1)
  if [ -n "$out" ]; then
    echo "votlint ${f#"$site/"}:" >&2
    echo "$out" >&2
    status=1
  else
    echo "votlint ${f#"$site/"}: no errors, no warnings"
  fi
done

# The VO server on the same site, read by pyvo.
port=$((20000 + RANDOM % 20000))
"$xcat" vo --dir "$site" --port "$port" >"$tmp/vo.log" 2>&1 &
vo=$!
. scripts/serve-lib.sh
wait_port "$port"
python3 tests/vo/pyvo_check.py "$site" "http://127.0.0.1:$port/" || { status=1; cat "$tmp/vo.log" >&2; }
# STILTS as TOPCAT users reach the service: a cone search (stilts cone) with the rows of the
# same cone in ADQL, a TAP query (stilts tapquery), and votlint on both services' VOTables.
base="http://127.0.0.1:$port"
cone=$(stilts cone serviceurl="$base/scs?" lon=201.69 lat=-47.48 radius=0.25 ofmt=csv 2>&1 | tail -n +2 | wc -l)
count=$(curl -s "$base/tap/sync" --data-urlencode "QUERY=SELECT COUNT(*) FROM xmm5_dr15.sources WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 201.69, -47.48, 0.25)) = 1" \
  --data-urlencode "FORMAT=csv" | tail -1 | tr -d '\r')
top=$(stilts tapquery tapurl="$base/tap" adql="SELECT TOP 5 srcid FROM xmm4_dr14.sources ORDER BY srcid" sync=true ofmt=csv 2>&1 | tail -n +2 | wc -l)
echo "stilts cone: $cone rows (TAP COUNT(*) of the cone: $count); stilts tapquery TOP 5: $top rows"
if [ "$cone" != "$count" ] || [ "$cone" -eq 0 ] || [ "$top" != 5 ]; then status=1; fi
curl -s "$base/scs?RA=201.69&DEC=-47.48&SR=0.25&VERB=3" > "$tmp/scs.vot"
curl -s "$base/tap/sync" --data-urlencode "QUERY=SELECT TOP 50 * FROM xmm5_dr15.sources" > "$tmp/tap.vot"
for f in "$tmp/scs.vot" "$tmp/tap.vot"; do
  out=$(stilts votlint validate=true ucd=true unit=true version=1.4 "$f" 2>&1)
  if [ -n "$out" ]; then echo "votlint $(basename "$f"):" >&2; echo "$out" >&2; status=1; else echo "votlint $(basename "$f") (server): no errors, no warnings"; fi
done
# STILTS taplint on the TAP service (capabilities, tables, TAP_SCHEMA, sync and async queries,
# UWS): no error and no warning allowed.
stilts taplint tapurl="http://127.0.0.1:$port/tap" >"$tmp/taplint.txt" 2>&1 || true
totals=$(grep '^Totals:' "$tmp/taplint.txt" || echo "Totals: none")
echo "taplint: $totals"
if ! grep -q '^Totals: Errors: 0; Warnings: 0;' "$tmp/taplint.txt"; then
  grep -E '^[EW]-' "$tmp/taplint.txt" | head -40 >&2
  status=1
fi

# The HATS catalogues (hats/<release>/) read by hats (strict validation), DuckDB and LSDB, from
# the folder and over HTTP from `xcat serve`, against the VO server's answers
# (tests/hats/check_hats.py; hats, lsdb and duckdb come from PyPI).
vo_port=$port
serve_site "$xcat" "$site" "$tmp/serve.log"
python3 tests/hats/check_hats.py "$site" "http://127.0.0.1:$port/" "http://127.0.0.1:$vo_port/" 2> >(grep -v -e '^WARNING:root:Looking for catalog' >&2) || { status=1; cat "$tmp/serve.log" >&2; }

# Synthetic event lists (`xcat demo-events`) read by astropy as real ones
# (tests/photons/check_events.py).
spectra=../shared/data/spectra/xmm_pn_0760940101
"$xcat" demo-events --quiet --observations 2 --out "$tmp/events" \
  --arf "$spectra/P0760940101PNS003SRCARF0017.FTZ" --rmf "$spectra/epn_e3_ef20_sdY6_v19.0.rmf"
python3 tests/photons/check_events.py "$tmp/events" || status=1
exit $status
