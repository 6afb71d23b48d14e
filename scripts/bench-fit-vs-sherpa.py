#!/usr/bin/env python3
"""Times the A3 fit (3C 273, powerlaw, chi2datavar, background subtracted, 0.5-7 keV) in Sherpa,
the way `cargo run --release -p xcat-fit --example bench_fit` times it in xcat-fit.

Usage: python bench-fit-vs-sherpa.py SPECTRA_DIR [N]   (SPECTRA_DIR = ../shared/data/spectra)
Needs Sherpa (pip install sherpa; Debian: bison flex libfftw3-dev to build it).
Prints the median of N fits from the same start (no process start-up) and the fitted values.
"""
import logging
import statistics
import sys
import time

from sherpa.astro import ui

# Sherpa prints a fit summary per fit; the timing is of the fit, not of the printing.
logging.getLogger("sherpa").setLevel(logging.WARNING)

data = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
ui.load_pha(f"{data}/chandra_acis_3c273/3c273.pi")
ui.subtract()
ui.notice(0.5, 7.0)
ui.set_stat("chi2datavar")
ui.set_method("levmar")
ui.set_source(ui.powlaw1d.p)
times = []
for _ in range(n):
    p.gamma = 1.0
    p.ampl = 1.0
    t0 = time.perf_counter()
    ui.fit()
    times.append((time.perf_counter() - t0) * 1e3)
print(f"A3 sherpa: median {statistics.median(times):.2f} ms per fit over {n}; gamma {p.gamma.val:.5f} ampl {p.ampl.val:.6g}")
