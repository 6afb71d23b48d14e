# xcat — the two set-up commands are `make serve` (build and serve the demo site) and
# `make test` (every test). Both work on a fresh Debian machine with rustup, gcc and make.

.PHONY: serve build wasm vendor test bench-ingest bench-site bench-releases bench-query bench-diagrams bench-load bench-vo

serve: build
	cargo run --release -q -p xcat -- serve --dir dist

# The browser query engine and the vendored browser libraries (npm), embedded by the
# generator with the default theme.
wasm: vendor
	scripts/build-wasm.sh

vendor:
	scripts/vendor.sh

build: wasm
	cargo run --release -q -p xcat -- build --out dist

test:
	scripts/test.sh

# Ingestion time and peak memory at DR14 scale (see README, "Benchmarks").
bench-ingest:
	scripts/bench-ingest.sh

# Whole-site build time, pages/s, peak memory and output size at DR14 scale, and the
# incremental rebuild after one news edit (see README, "Benchmarks").
bench-site:
	scripts/bench-site.sh

# A site of two releases (4XMM-DR14 and 5XMM-DR15 size) in one build: time, memory, match time
# and the incremental rebuild (see README, "Benchmarks").
bench-releases:
	scripts/bench-releases.sh

# The in-browser query engine at DR14 scale in headless Chromium: bytes, chunks and time per
# query (cold and warm), manifest and wasm sizes (see README, "Benchmarks").
bench-query:
	scripts/bench-query.sh

# Time to draw the diagram of a 700,000-source catalogue in headless Chromium (see README,
# "Benchmarks").
bench-diagrams:
	scripts/bench-diagrams.sh

# The servers under load (wrk): xcat serve on the DR14-scale site and the fit server (see
# README, "Benchmarks").
bench-load:
	scripts/bench-load.sh

# The VO server under load (wrk): Simple Cone Search and TAP at DR14 scale (see README,
# "Benchmarks").
bench-vo:
	scripts/bench-vo.sh
