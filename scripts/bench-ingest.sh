#!/usr/bin/env bash
# Ingestion benchmark at DR14 scale: writes a 700,000-source demo catalogue (about a million
# detections, all 336 columns) once, then times `xcat check` on it (read + group + validate)
# and reports wall time and peak RSS from /usr/bin/time -v.
# Usage: [LAYOUT=5xmm] scripts/bench-ingest.sh [SOURCES] [WORKDIR]
# LAYOUT=5xmm measures the 5XMM-DR15 stacked layout instead (818656 sources ≈ DR15 scale).
set -euo pipefail
cd "$(dirname "$0")/.."
sources=${1:-700000}
work=${2:-target/bench}
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
cargo build --release -q -p xcat
# LAYOUT=5xmm: the 5XMM-DR15 stacked layout (818656 sources ≈ DR15 scale).
layout=${LAYOUT:-4xmm}
case "$layout" in
  4xmm) cat_file="$work/demo-$sources.fits" ;;
  5xmm) cat_file="$work/demo-5xmm-$sources.fits" ;;
  *) echo "LAYOUT must be 4xmm or 5xmm, not $layout" >&2; exit 1 ;;
esac
if [ ! -f "$cat_file" ]; then
  /usr/bin/time -f "demo-catalogue: %e s wall, %M kB peak RSS" target/release/xcat demo-catalogue --quiet --layout "$layout" --sources "$sources" --out "$cat_file"
fi
ls -l "$cat_file"
/usr/bin/time -v target/release/xcat check --quiet --catalog "$cat_file" > "$work/check.out" 2> "$work/check.time"
head -8 "$work/check.out"
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$work/check.time"
