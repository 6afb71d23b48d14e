#!/usr/bin/env python3
"""The synthetic event lists of `xcat demo-events` read by astropy as real EPIC event lists are:
every header card valid (`verify("exception")`), an EVENTS table with the columns and types
of the pipeline's, a tangent-projection WCS on X/Y that astropy builds, one STDGTInn per pn
CCD whose ONTIME is the sum of its intervals, events in time order inside TSTART–TSTOP, and
sky positions within the field of view. Prints one JSON summary line; exits non-zero on a
difference.

Usage: python3 tests/photons/check_events.py DIR
"""
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pyenv import ensure  # noqa: E402

ensure({"astropy": "astropy", "numpy": "numpy"})

import numpy as np  # noqa: E402
from astropy.io import fits  # noqa: E402
from astropy.wcs import WCS, FITSFixedWarning  # noqa: E402

folder = sys.argv[1]
failures = []
summary = []
for name in sorted(os.listdir(folder)):
    path = os.path.join(folder, name)
    with fits.open(path) as h:
        h.verify("exception")
        ev = h["EVENTS"]
        d = ev.data
        hd = ev.header
        want = {"TIME": "D", "X": "J", "Y": "J", "PI": "I", "PATTERN": "B", "FLAG": "J", "CCDNR": "B"}
        got = {c.name: c.format for c in ev.columns}
        if got != want:
            failures.append(f"{name}: columns {got}")
        names = ev.columns.names
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            w = WCS(hd, keysel=["pixel"], colsel=[names.index("X") + 1, names.index("Y") + 1])
        if list(w.wcs.ctype) != ["RA---TAN", "DEC--TAN"]:
            failures.append(f"{name}: WCS {w.wcs.ctype}")
        ra, dec = w.all_pix2world(d["X"].astype(float), d["Y"].astype(float), 1)
        off = np.hypot((ra - hd["RA_PNT"]) * np.cos(np.radians(hd["DEC_PNT"])), dec - hd["DEC_PNT"])
        if off.max() > 0.32:  # the corner of the 26.4′ × 27.2′ chips: 18.95′
            failures.append(f"{name}: an event {off.max():.3f} deg from the pointing")
        t = d["TIME"]
        if np.any(np.diff(t) < 0) or t.min() < hd["TSTART"] or t.max() > hd["TSTOP"]:
            failures.append(f"{name}: times out of order or outside TSTART-TSTOP")
        gtis = [x for x in h if x.name.startswith("STDGTI")]
        if len(gtis) != 12:
            failures.append(f"{name}: {len(gtis)} GTI extensions")
        for g in gtis:
            s = float(np.sum(g.data["STOP"] - g.data["START"]))
            if abs(s - g.header["ONTIME"]) > 1e-6 or g.header["HDUCLAS1"] != "GTI":
                failures.append(f"{name} {g.name}: ONTIME {g.header['ONTIME']} vs {s}")
        if not set(np.unique(d["CCDNR"])) <= set(range(1, 13)):
            failures.append(f"{name}: CCDNR {np.unique(d['CCDNR'])}")
        summary.append({"file": name, "events": int(len(d)), "ontime_ccd1": gtis[0].header["ONTIME"],
                        "median_pi": float(np.median(d["PI"]))})
if not summary:
    failures.append("no event lists")
print(json.dumps({"lists": summary, "failures": failures}))
sys.exit(1 if failures else 0)
