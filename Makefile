# xcat — the two set-up commands are `make serve` (build and serve the demo site) and
# `make test` (every test). Both work on a fresh Debian machine with rustup, gcc and make.

.PHONY: serve build test bench-ingest

serve: build
	cargo run --release -q -p xcat -- serve --dir dist

build:
	cargo run --release -q -p xcat -- build --out dist

test:
	scripts/test.sh

# Ingestion time and peak memory at DR14 scale (see README, "Benchmarks").
bench-ingest:
	scripts/bench-ingest.sh
