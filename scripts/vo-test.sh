#!/usr/bin/env bash
# The site as data, checked with the clients astronomers use: builds the demo site (two
# releases), validates every observation's and a sample of sources' JSON against the JSON
# Schemas the site publishes, reads their VOTables with astropy (every warning an error) and
# compares both (tests/vo/check_data_files.py), and runs STILTS votlint on VOTables of both
# releases (no output allowed). With `--site DIR`, checks that built demo site instead of
# building one. Installs Debian's stilts and python3-venv when missing (needs
# root or sudo); jsonschema and astropy come from PyPI (tests/pyenv.py).
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
trap 'rm -rf "$tmp"' EXIT
if [ "${1:-}" = --site ]; then
  site=$2
else
  scripts/bins.sh
  site="$tmp/site"
  "$target_dir/debug/xcat" build -q --out "$site" --cache "$tmp/cache"
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
exit $status
