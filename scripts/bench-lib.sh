# Shared by the DR14/DR15-scale benchmarks (sourced, after `cd` to the repository and with
# $sources and $work set): builds the release xcat into $xcat, writes the demo catalogue of
# $sources sources once into $work ($cat_file, with its $stem-ulx.csv and $stem-names.csv),
# and writes configurations that read it.

cargo build --release -q -p xcat --bin xcat
xcat=${CARGO_TARGET_DIR:-$(pwd)/target}/release/xcat
# LAYOUT=5xmm selects the 5XMM-DR15 stacked layout (default 4xmm).
layout=${LAYOUT:-4xmm}
case "$layout" in
  4xmm) cat_file="$work/demo-$sources.fits" ;;
  5xmm) cat_file="$work/demo-5xmm-$sources.fits" ;;
  *) echo "LAYOUT must be 4xmm or 5xmm, not $layout" >&2; exit 1 ;;
esac
stem=$(basename "$cat_file" .fits)
[ -f "$cat_file" ] || "$xcat" demo-catalogue --quiet --layout "$layout" --sources "$sources" --out "$cat_file"
for f in "$work/$stem-ulx.csv" "$work/$stem-names.csv"; do
  [ -f "$f" ] || { echo "missing $f (written by xcat demo-catalogue)" >&2; exit 1; }
done

# bench_config FILE TITLE [TOP-LEVEL LINES]: an xcat.toml reading the demo catalogue with its
# ULX flags and name table (more sections can be appended to FILE).
bench_config() {
  cat > "$1" <<TOML
title = "$2"
${3:-}
[catalog]
detections = ["$cat_file"]
[[extra]]
file = "$work/$stem-ulx.csv"
key = "srcid"
missing = "false"
[[names]]
file = "$work/$stem-names.csv"
TOML
}

# wrk's summary: requests/s, p50, p99, errors.
summary() {
  local log=$1
  local rps p50 p99 non2xx sock total
  rps=$(awk '/^Requests\/sec/ {print $2}' "$log")
  p50=$(awk '$1 == "50%" {print $2}' "$log")
  p99=$(awk '$1 == "99%" {print $2}' "$log")
  total=$(awk '/requests in/ {print $1}' "$log")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$log"); non2xx=${non2xx:-0}
  sock=$(grep -oE 'Socket errors: .*' "$log" || echo "Socket errors: none")
  echo "$total requests, $rps requests/s, latency p50 $p50, p99 $p99, non-2xx/3xx $non2xx, $sock"
}
peak_rss() { awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$1/status"; }
