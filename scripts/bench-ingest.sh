#!/usr/bin/env bash
# Ingestion benchmark at DR14 scale: writes a 700,000-source demo catalogue (about a million
# detections, all 336 columns) once, then times `xcat check` on it (read + group + validate)
# and reports wall time and peak RSS from /usr/bin/time -v.
# Usage: scripts/bench-ingest.sh [SOURCES] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
sources=${1:-700000}
work=${2:-target/bench}
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
cargo build --release -q -p xcat
cat_file="$work/demo-$sources.fits"
if [ ! -f "$cat_file" ]; then
  /usr/bin/time -f "demo-catalogue: %e s wall, %M kB peak RSS" target/release/xcat demo-catalogue --quiet --sources "$sources" --out "$cat_file"
fi
ls -l "$cat_file"
/usr/bin/time -v target/release/xcat check --quiet --catalog "$cat_file" > "$work/check.out" 2> "$work/check.time"
cat "$work/check.out" | head -4
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$work/check.time"
