#!/usr/bin/env python3
"""Checks the site's data files with the clients astronomers use: a sample of observations and
of sources spread over the site (both releases, detections and upper limits) — source.json and
observation.json validate against the JSON Schema they name (jsonschema, Draft 2020-12), and
source.vot / observation.vot parse with astropy.io.votable with every warning an error (VOUnits,
UCDs, nulls) and hold the same rows and values as the JSON. Prints one JSON summary line.

Usage: python3 tests/vo/check_data_files.py SITE_DIR [SAMPLE]   (files of each kind; default 150)
"""
import json
import math
import os
import sys
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pyenv import ensure  # noqa: E402

ensure({"astropy": "astropy", "jsonschema": "jsonschema"})

import numpy as np  # noqa: E402
from astropy.io.votable import parse  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402

site = sys.argv[1]
sample = int(sys.argv[2]) if len(sys.argv) > 2 else 150
failures = []
validators = {}


def fail(path, msg):
    failures.append("%s: %s" % (os.path.relpath(path, site), msg))


def validator(schema_path):
    if schema_path not in validators:
        with open(os.path.join(site, schema_path)) as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
        validators[schema_path] = Draft202012Validator(schema)
    return validators[schema_path]


def same(a, b):
    """A JSON value and astropy's value of one cell."""
    if b is np.ma.masked or (isinstance(b, float) and math.isnan(b)):
        return a is None
    if a is None and b == "":
        return True  # TABLEDATA has no null string distinct from the empty one
    if hasattr(b, "item"):
        b = b.item()
    if isinstance(b, float) and isinstance(a, (int, float)):
        # float32 columns: astropy holds the float32, JSON its shortest decimal text.
        return a == b or abs(a - b) <= 1e-6 * abs(b)
    return a == b


def check(kind, directory):
    jpath = os.path.join(directory, kind + ".json")
    vpath = os.path.join(directory, kind + ".vot")
    with open(jpath) as f:
        doc = json.load(f)
    errors = sorted(validator(doc["schema"]).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors[:3]:
        fail(jpath, "%s at %s" % (e.message[:200], "/".join(map(str, e.path))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            vot = parse(vpath, verify="exception")
        except Exception as e:  # noqa: BLE001 - any warning or error fails the file
            fail(vpath, "astropy: %s" % e)
            return
    tables = {t.name: t for t in vot.iter_tables()}
    main = tables[kind]
    obj = doc[kind]
    if [f.name for f in main.fields] != list(obj):
        fail(vpath, "%s columns differ from the JSON's" % kind)
    for f in main.fields:
        if not same(obj[f.name], main.array[f.ID][0]):
            fail(vpath, "%s: %r (VOTable) vs %r (JSON)" % (f.name, main.array[f.ID][0], obj[f.name]))
    det = tables["detections"]
    rows = doc["detections"]["data"]
    if len(det.array) != len(rows):
        fail(vpath, "%d detections, JSON %d" % (len(det.array), len(rows)))
    for r, row in enumerate(rows):
        for k, f in enumerate(det.fields):
            if not same(row[k], det.array[f.ID][r]):
                fail(vpath, "detection %d %s: %r vs %r" % (r, f.name, det.array[f.ID][r], row[k]))
    return doc


sources = sorted(os.listdir(os.path.join(site, "source")))
step = max(1, len(sources) // sample)
counts = {"sources": 0, "observations": 0, "detections": 0, "upper_limits": 0, "releases": set()}
for name in sources[::step]:
    d = os.path.join(site, "source", name)
    if not os.path.isfile(os.path.join(d, "source.json")):
        continue
    doc = check("source", d)
    if doc:
        counts["sources"] += 1
        counts["releases"].add(doc.get("release", {}).get("id", ""))
        cols = doc["detections"]["columns"]
        if "DETECTED" in cols:
            k = cols.index("DETECTED")
            counts["upper_limits"] += sum(1 for r in doc["detections"]["data"] if r[k] is False)
        counts["detections"] += len(doc["detections"]["data"])
observations = sorted(os.listdir(os.path.join(site, "observation")))
for name in observations[::max(1, len(observations) // sample)]:
    d = os.path.join(site, "observation", name)
    if os.path.isfile(os.path.join(d, "observation.json")) and check("observation", d):
        counts["observations"] += 1
counts["releases"] = sorted(counts["releases"])
counts["failures"] = failures[:20]
print(json.dumps(counts))
sys.exit(1 if failures or counts["sources"] == 0 or counts["observations"] == 0 else 0)
