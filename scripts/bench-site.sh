#!/usr/bin/env bash
# Whole-site build benchmark at DR14 scale: writes a 700,000-source demo catalogue once, builds
# the site from it (every source and observation page, docs, news, feed, sitemaps)
# into a fresh folder, and reports wall time, pages/s, peak RSS (/usr/bin/time -v), file count
# and size of the output. Then times the incremental rebuild after one news edit.
# Usage: scripts/bench-site.sh [SOURCES] [WORKDIR]
# DATA_FILES=false leaves the pages' data files out (`[site] data_files`), HATS=false the HATS
# catalogues (`[hats] enabled`): a build with and one without HATS give its cost.
set -euo pipefail
cd "$(dirname "$0")/.."
sources=${1:-700000}
work=${2:-target/bench}
mkdir -p "$work"
work=$(cd "$work" && pwd)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
. scripts/bench-lib.sh
site="$work/site-$sources"
# A previous output is moved aside and deleted only after the measurements: on ext4 without a
# journal, the kernel avoids reusing inodes freed in the last minutes, and creating 750,000
# files right after deleting as many costs up to twice the CPU time. For a fair number, leave
# a few minutes between a run and any large deletion.
old=""
if [ -e "$site" ]; then old="$site.old-$$"; mv "$site" "$old"; fi
mkdir -p "$site"
cp -r content "$site/content"
bench_config "$site/xcat.toml" "xcat benchmark" 'base_url = "https://xcat.example.org/"'
cat >> "$site/xcat.toml" <<TOML
[site]
content = "content"
data_files = ${DATA_FILES:-true}
[hats]
enabled = ${HATS:-true}
TOML
# The speed of the machine at the time: the CPU cost of a source page alone (page_bench, one
# thread, nothing written), to compare builds measured at different times.
cargo build --release -q -p xcat --example page_bench
"$(dirname "$xcat")/examples/page_bench" "$cat_file" 20000 2>/dev/null | sed 's/^/speed probe: /'
/usr/bin/time -v "$xcat" build --config "$site/xcat.toml" --out "$site/dist" 2> "$site/build.time"
grep -E "^Built|^HATS" "$site/build.time" || true
[ "${HATS:-true}" = false ] || echo "HATS catalogues: $(du -sh --apparent-size "$site/dist/hats" | cut -f1), $(find "$site/dist/hats" -type f | wc -l) files"
grep -E "writing the HATS" "$site/build.time" || true
wall=$(grep -E "Elapsed \(wall clock\)" "$site/build.time" | awk '{print $NF}')
rss=$(grep -E "Maximum resident set size" "$site/build.time" | awk '{print $NF}')
pages=$(find "$site/dist" -name index.html | wc -l)
secs=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else if (NF==2) print $1*60+$2; else print $1 }')
echo "full build: $wall wall, $pages pages, $(awk -v p="$pages" -v s="$secs" 'BEGIN{printf "%.0f", p/s}') pages/s, peak RSS $((rss / 1024)) MB"
echo "output: $(find "$site/dist" -type f | wc -l) files, $(du -sh --apparent-size "$site/dist" | cut -f1) ($(du -sh "$site/dist" | cut -f1) on disk)"
news=$(ls "$site"/content/news/*.md | head -1)
echo "" >> "$news"
echo "An edit for the benchmark." >> "$news"
/usr/bin/time -f "incremental rebuild after one news edit: %e s wall, %M kB peak RSS" "$xcat" build --config "$site/xcat.toml" --out "$site/dist" 2>&1 | grep -E "^Built|incremental"
[ -z "$old" ] || rm -rf "$old"
