#!/usr/bin/env python3
"""The VO server (`xcat vo`) read by pyvo, the Python client astronomers use: a TAP query in
ADQL and a Simple Cone Search, each compared with a brute-force scan of the positions in the
site's own source.json files (written by the build from the catalogue, not by the query
engine). Prints one JSON summary line; exits non-zero on a difference.

Usage: python3 tests/vo/pyvo_check.py SITE_DIR SERVICE_URL
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pyenv import ensure  # noqa: E402

ensure({"pyvo": "pyvo", "astropy": "astropy"})

import warnings  # noqa: E402

import astropy.units as u  # noqa: E402
import pyvo  # noqa: E402
from astropy.coordinates import SkyCoord  # noqa: E402

site, url = sys.argv[1], sys.argv[2].rstrip("/")
failures = []


def sources(release):
    """(srcid, ra, dec) of every source of `release` from the site's source.json files."""
    out = []
    for name in os.listdir(os.path.join(site, "source")):
        path = os.path.join(site, "source", name, "source.json")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            d = json.load(f)
        if d.get("release", {}).get("id", "") != release:
            continue
        s = d["source"]
        ra = s.get("SC_RA", s.get("RA"))
        dec = s.get("SC_DEC", s.get("DEC"))
        out.append((d["srcid"], ra, dec))
    return out


def sep_deg(ra1, dec1, ra2, dec2):
    r = math.pi / 180
    s = math.sin((dec2 - dec1) * r / 2) ** 2 + math.cos(dec1 * r) * math.cos(dec2 * r) * math.sin((ra2 - ra1) * r / 2) ** 2
    return 2 * math.asin(min(1, math.sqrt(s))) / r


def within(rows, ra, dec, radius):
    # Rows nearer the edge than a micro-degree are left to either answer.
    return {i for i, a, b in rows if sep_deg(ra, dec, a, b) <= radius - 1e-6}, \
        {i for i, a, b in rows if sep_deg(ra, dec, a, b) <= radius + 1e-6}


warnings.simplefilter("error")  # pyvo and astropy warnings (units, VOTable) fail the check
summary = {}
# TAP: a cone and a condition on the legacy release, sorted.
legacy = sources("4xmm-dr14")
ra, dec, r = 10.684708, 41.26875, 0.3
tap = pyvo.dal.TAPService(url + "/tap")
result = tap.search(
    f"SELECT TOP 1000 srcid, sc_ra, sc_dec, sc_ep_8_flux FROM xmm4_dr14.sources "
    f"WHERE CONTAINS(POINT('ICRS', sc_ra, sc_dec), CIRCLE('ICRS', {ra}, {dec}, {r})) = 1 ORDER BY srcid"
)
got = [int(x) for x in result["SRCID"]]
inner, outer = within(legacy, ra, dec, r)
if not (inner <= set(got) <= outer):
    failures.append("TAP cone: %d rows, brute force %d" % (len(got), len(inner)))
if got != sorted(got):
    failures.append("TAP: ORDER BY srcid not honoured")
if str(result.to_table()["SC_EP_8_FLUX"].unit) != "mW / m2":
    failures.append("TAP: flux unit %s" % result.to_table()["SC_EP_8_FLUX"].unit)
summary["tap_rows"] = len(got)
top = tap.search("SELECT TOP 10 * FROM xmm4_dr14.sources ORDER BY srcid")
if len(top) != 10:
    failures.append("TOP 10 gave %d rows" % len(top))
summary["tap_top_columns"] = len(top.fieldnames)
# The same query as an asynchronous job (UWS), as pyvo runs long queries.
job = tap.run_async("SELECT TOP 10 * FROM xmm4_dr14.sources ORDER BY srcid")
if [int(x) for x in job["SRCID"]] != [int(x) for x in top["SRCID"]]:
    failures.append("async TOP 10 differs from sync")
# An error is raised as pyvo's DALQueryError with the server's message.
try:
    tap.search("SELECT srcid FROM xmm4_dr14.sources GROUP BY srcid")
    failures.append("GROUP BY did not fail")
except pyvo.dal.DALQueryError as e:
    if "GROUP BY" not in str(e):
        failures.append("GROUP BY error: %s" % e)
# Simple Cone Search on the current release.
current = sources("5xmm-dr15")
scs = pyvo.dal.SCSService(url + "/scs")
ra, dec, r = 201.69, -47.48, 0.25
cone = scs.search(pos=SkyCoord(ra * u.deg, dec * u.deg), radius=r * u.deg)
ids = {int(x) for x in cone.to_table()[cone.fieldname_with_ucd("ID_MAIN")]}
inner, outer = within(current, ra, dec, r)
if not (inner <= ids <= outer):
    failures.append("SCS cone: %d rows, brute force %d" % (len(ids), len(inner)))
summary["scs_rows"] = len(ids)
summary["failures"] = failures
print(json.dumps(summary))
sys.exit(1 if failures else 0)
