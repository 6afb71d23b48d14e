#!/usr/bin/env bash
# Copies the browser libraries of the default theme from npm packages (exact versions pinned
# in package.json / package-lock.json) into themes/default/static/vendor/ (gitignored), where
# the generator embeds them with the rest of the theme. Installs the npm packages first when
# they are missing. Called by `make wasm`/`make build`, scripts/test.sh and scripts/browser-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

out=themes/default/static/vendor
. scripts/npm-lib.sh
ensure_npm
mkdir -p "$out"
# uPlot: charts of the fit panel (source pages) and of the diagrams page.
cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css "$out/"
cp node_modules/uplot/LICENSE "$out/uPlot.LICENSE.txt"
