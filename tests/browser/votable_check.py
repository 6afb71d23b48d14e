#!/usr/bin/env python3
"""Reads a VOTable with astropy.io.votable, treating every warning as an error, and prints one
JSON line: the column names, units and datatypes, the row count and the rows (nulls as null).
For the source-page download test (tests/browser/source_downloads.test.mjs); astropy comes
from the same virtual environment as the SAMP test's (see samp_hub.py).

Usage: python3 tests/browser/votable_check.py FILE.vot [TABLE NAME]
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from samp_hub import ensure_astropy  # noqa: E402


def cell(v):
    if v is None or v is getattr(__import__("numpy").ma, "masked"):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def main():
    ensure_astropy()
    from astropy.io.votable import parse

    import warnings
    warnings.simplefilter("error")  # astropy's unit warnings too, not only the VOTable ones
    vot = parse(sys.argv[1], verify="exception")
    table = next(t for t in vot.iter_tables() if t.name == sys.argv[2]) if len(sys.argv) > 2 else vot.get_first_table()
    fields = table.fields
    data = table.array
    rows = []
    for r in range(len(data)):
        rows.append([None if data.mask[f.ID][r] else cell(data[f.ID][r]) for f in fields])
    print(json.dumps({
        "name": table.name,
        "columns": [f.name for f in fields],
        "units": [str(f.unit) if f.unit is not None else "" for f in fields],
        "datatypes": [f.datatype for f in fields],
        "rows": rows,
    }))


if __name__ == "__main__":
    main()
