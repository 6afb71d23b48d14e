#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer; the nightly toolchain, for the fuzz crate only):
# seeds each target's corpus from the tests and the real data, then runs each target for a
# fixed number of executions (or seconds) and reports executions, coverage and crashes.
# Targets: query (query language parser, type checker and tiled evaluation), chunk (chunk and
# manifest decoders), fits_table (FITS catalogue ingestion), ogip (PHA/ARF/RMF readers),
# fit_request (the fit server's request parsing).
# Usage: scripts/fuzz.sh [--runs N | --seconds S] [TARGET ...]   (default: 10,000,000 runs each)
# Crashes are kept in fuzz/artifacts/<target>/; each becomes a regression test and a fix.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=10000000
seconds=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seconds) seconds=$2; runs=0; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(query chunk fits_table ogip fit_request)

rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
data=../shared/data
[ -d "$data" ] || { echo "error: the real data folder $data is missing (seeds for fits_table and ogip)" >&2; exit 1; }

# Seeds.
corpus=fuzz/corpus
mkdir -p "$corpus"/{query,chunk,fits_table,ogip,fit_request}
i=0
while IFS= read -r line; do
  i=$((i + 1)); printf '%s' "$line" > "$corpus/query/seed-$i"
done < fuzz/seeds/query.txt
cp fuzz/seeds/fit_request.txt "$corpus/fit_request/seed-json"
cp fuzz/seeds/fit_request_multipart.bin "$corpus/fit_request/seed-multipart"
cp "$data"/catalogs/xmm_4xmm_dr10_ngc5139/4xmm_dr10_ngc5139.fits "$corpus/fits_table/"
for f in "$data"/spectra/xmm_pn_0760940101/*0017.FTZ "$data"/spectra/chandra_acis_3c273/3c273.{pi,arf,rmf}; do
  cp "$f" "$corpus/ogip/"
done
cargo build -q --release -p xcat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
target/release/xcat demo-catalogue --quiet --sources 30 --out "$tmp/demo.fits"
target/release/xcat demo-catalogue --quiet --sources 30 --layout 5xmm --out "$tmp/demo5.fits"
cp "$tmp/demo.fits" "$tmp/demo5.fits" "$corpus/fits_table/"
target/release/xcat build --quiet --only query --catalog "$tmp/demo.fits" --out "$tmp/site"
find "$tmp/site/data" -name '*.bin' -size -64k -exec cp {} "$corpus/chunk/" \;

cd fuzz
report=()
for t in "${targets[@]}"; do
  log=$(mktemp)
  max_len=4096
  case "$t" in fits_table|ogip) max_len=4000000 ;; esac
  args=(-max_len="$max_len" -print_final_stats=1 -rss_limit_mb=4096 -timeout=30)
  if [ "$seconds" -gt 0 ]; then args+=(-max_total_time="$seconds"); else args+=(-runs="$runs"); fi
  status=0
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- "${args[@]}" >"$log" 2>&1 || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -oE '(#[0-9]+\s+(DONE|pulse|NEW|REDUCE|INITED)\s+cov: [0-9]+)' "$log" | tail -1 | grep -oE 'cov: [0-9]+')
  crashes=$(ls "artifacts/$t" 2>/dev/null | grep -c -E '^(crash|oom|timeout|leak)-' || true)
  report+=("$t: ${execs:-?} executions, ${cov:-cov: ?} edges, ${crashes} crash files, exit $status")
  [ $status -eq 0 ] || grep -v -E "^.{400,}" "$log" | tail -25
  rm -f "$log"
done
printf '%s\n' "${report[@]}"
