#!/usr/bin/env bash
# Two-release site benchmark at full scale: a 4XMM-DR14-size demo catalogue (700,000 sources,
# detection layout) and a 5XMM-DR15-size one (818,656 sources, stacked layout with upper
# limits) of the same synthetic sky, written once, built into one site (every page of both,
# the cross-release match, each release's query data). Reports wall time, peak RSS
# (/usr/bin/time -v), the match time, pages and output size, then the incremental rebuild
# after one news edit. The site is deleted afterwards unless KEEP=1 (it takes tens of GB).
# Usage: scripts/bench-releases.sh [SOURCES_4XMM] [SOURCES_5XMM] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
four=${1:-700000}
five=${2:-818656}
work=${3:-target/bench}
mkdir -p "$work"
work=$(cd "$work" && pwd)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
cargo build --release -q -p xcat --bin xcat
xcat=${CARGO_TARGET_DIR:-$(pwd)/target}/release/xcat
f4="$work/demo-$four.fits"
f5="$work/demo-5xmm-$five.fits"
[ -f "$f4" ] || "$xcat" demo-catalogue --quiet --layout 4xmm --sources "$four" --out "$f4"
[ -f "$f5" ] || "$xcat" demo-catalogue --quiet --layout 5xmm --sources "$five" --out "$f5"
site="$work/site-releases-$four-$five"
rm -rf "$site"
mkdir -p "$site"
cp -r content "$site/content"
cat > "$site/xcat.toml" <<TOML
title = "xcat benchmark: two releases"
base_url = "https://xcat.example.org/"
[[release]]
id = "5xmm-dr15"
title = "5XMM-DR15"
current = true
files = ["$f5"]
[[release]]
id = "4xmm-dr14"
title = "4XMM-DR14"
files = ["$f4"]
[[extra]]
file = "$work/demo-5xmm-$five-ulx.csv"
key = "srcid"
missing = "false"
release = "5xmm-dr15"
[[extra]]
file = "$work/demo-$four-ulx.csv"
key = "srcid"
missing = "false"
release = "4xmm-dr14"
[[names]]
file = "$work/demo-$four-names.csv"
[site]
content = "content"
TOML
/usr/bin/time -v "$xcat" build --config "$site/xcat.toml" --out "$site/dist" 2> "$site/build.time"
grep -E "^Built|^Releases|^warning" "$site/build.time" || true
grep -E "^ +[0-9.]+ s " "$site/build.time" || true
wall=$(grep -E "Elapsed \(wall clock\)" "$site/build.time" | awk '{print $NF}')
rss=$(grep -E "Maximum resident set size" "$site/build.time" | awk '{print $NF}')
pages=$(find "$site/dist" -name index.html | wc -l)
secs=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else if (NF==2) print $1*60+$2; else print $1 }')
echo "full build of both releases: $wall wall ($secs s), $pages pages, peak RSS $((rss / 1024)) MB"
echo "output: $(find "$site/dist" -type f | wc -l) files, $(du -sh --apparent-size "$site/dist" | cut -f1) ($(du -sh "$site/dist" | cut -f1) on disk)"
news=$(ls "$site"/content/news/*.md | head -1)
printf '\nAn edit for the benchmark.\n' >> "$news"
/usr/bin/time -f "incremental rebuild after one news edit: %e s wall, %M kB peak RSS" "$xcat" build --config "$site/xcat.toml" --out "$site/dist" 2>&1 | grep -E "^Built|incremental"
[ "${KEEP:-0}" = 1 ] || rm -rf "$site"
