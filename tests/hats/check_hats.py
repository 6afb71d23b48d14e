#!/usr/bin/env python3
"""The site's HATS catalogues read by the clients astronomers use: for every release under
SITE_DIR/hats/,
- `hats` validates the collection, the detections catalogue and every margin (strict mode);
- DuckDB reads every leaf of every catalogue: row counts equal `hats_nrows`, and equal the row
  counts of xcat's own query engine (the VO server's TAP, `SELECT COUNT(*)`); within each leaf
  `_healpix_29` ascends and lies inside the leaf's pixel;
- LSDB opens the collection from the folder and over HTTP from `xcat serve` (SITE_URL), loads
  its margin, and a cone search returns exactly the rows of the same cone in xcat's engine
  (TAP `CONTAINS(POINT, CIRCLE)`), at several centres, with the same positions;
- every margin row of a partition lies outside it and within the margin threshold of it.
Prints one JSON summary line; exits non-zero on a difference.

Usage: python3 tests/hats/check_hats.py SITE_DIR SITE_URL VO_URL
"""
import csv
import io
import json
import math
import os
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pyenv import ensure  # noqa: E402

ensure({"lsdb": "lsdb==0.11.1", "hats": "hats==0.11.1", "duckdb": "duckdb==2.0.1"})

import duckdb  # noqa: E402
import lsdb  # noqa: E402
from hats.io.validation import is_valid_catalog  # noqa: E402

site, site_url, vo_url = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3].rstrip("/")
failures = []
summary = {}


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg, file=sys.stderr)


def properties(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                k, _, v = line.partition("=")
                out[k] = v
    return out


def tap(query):
    """Rows of an ADQL query on xcat's own engine (the VO server), as dicts of strings."""
    data = urllib.parse.urlencode({"REQUEST": "doQuery", "LANG": "ADQL", "FORMAT": "csv",
                                   "MAXREC": "1000000", "QUERY": query}).encode()
    with urllib.request.urlopen(vo_url + "/tap/sync", data, timeout=120) as r:
        return [{k.lower(): v for k, v in row.items()} for row in csv.DictReader(io.StringIO(r.read().decode()))]


def schema_name(release):
    """The ADQL schema of a release, as the VO server names it."""
    rid = release.lower().replace("-", "_").replace(".", "_").replace(" ", "_")
    if len(rid) > 4 and rid[0].isdigit() and rid[1:4] == "xmm":
        return "xmm" + rid[0] + rid[4:]
    return "r" + rid if rid[:1].isdigit() else rid


def sep_arcsec(ra1, dec1, ra2, dec2):
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    a = math.sin((d2 - d1) / 2) ** 2 + math.cos(d1) * math.cos(d2) * math.sin((r2 - r1) / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(a)))) * 3600


def leaves(cat_dir):
    """(Norder, Npix, path) of every leaf listed in partition_info.csv."""
    with open(os.path.join(cat_dir, "partition_info.csv")) as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        k, n = int(r["Norder"]), int(r["Npix"])
        out.append((k, n, os.path.join(cat_dir, "dataset", f"Norder={k}", f"Dir={n // 10000 * 10000}",
                                       f"Npix={n}.parquet")))
    return out


def check_catalog(cat_dir, what):
    """Validation, DuckDB counts and the index of every leaf; returns hats_nrows."""
    props = properties(os.path.join(cat_dir, "hats.properties"))
    if not is_valid_catalog(cat_dir, strict=True):
        fail(f"{what}: hats strict validation failed")
    nrows = int(props["hats_nrows"])
    con = duckdb.connect()
    total = con.execute(
        f"SELECT count(*) FROM read_parquet('{cat_dir}/dataset/Norder=*/Dir=*/Npix=*.parquet')").fetchone()[0]
    if total != nrows:
        fail(f"{what}: DuckDB reads {total} rows, hats_nrows says {nrows}")
    for k, n, path in leaves(cat_dir):
        shift = 2 * (29 - k)
        bad, unsorted = con.execute(
            f"""SELECT count(*) FILTER (WHERE (_healpix_29 >> {shift}) != {n}),
                       count(*) FILTER (WHERE _healpix_29 < prev)
                FROM (SELECT _healpix_29, lag(_healpix_29) OVER (ORDER BY file_row_number) AS prev
                      FROM read_parquet('{path}', file_row_number = true))""").fetchone()
        if bad or unsorted:
            fail(f"{what} {k}/{n}: {bad} rows outside the pixel, {unsorted} out of order")
    return nrows, props


def check_margin(cat_dir, margin_dir, what):
    """Every margin partition is a partition of the catalogue, none of its rows lies inside it,
    and its row count is the margin's hats_nrows. (That each row lies within the threshold of
    its partition is a test of the writer, hats/src/catalog.rs.)"""
    props = properties(os.path.join(margin_dir, "hats.properties"))
    threshold = float(props["hats_margin_threshold"])
    con = duckdb.connect()
    parts = {(k, n) for k, n, _ in leaves(cat_dir)}
    n_rows = 0
    for k, n, path in leaves(margin_dir) if os.path.exists(os.path.join(margin_dir, "partition_info.csv")) else []:
        if (k, n) not in parts:
            fail(f"{what}: margin partition {k}/{n} is not a partition of the catalogue")
        inside = con.execute(
            f"SELECT count(*) FROM read_parquet('{path}') WHERE (_healpix_29 >> {2 * (29 - k)}) = {n}").fetchone()[0]
        if inside:
            fail(f"{what}: {inside} margin rows of {k}/{n} lie inside the partition")
        n_rows += con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
    if n_rows != int(props["hats_nrows"]):
        fail(f"{what}: margin holds {n_rows} rows, hats_nrows says {props['hats_nrows']}")
    return threshold, n_rows


def cone_ids(cat, ra, dec, radius_arcsec, idcol):
    df = cat.cone_search(ra, dec, radius_arcsec).compute(progress_bar=False)
    return {int(x): (float(r), float(d)) for x, r, d in zip(df[idcol], df[cat.hc_structure.catalog_info.ra_column],
                                                             df[cat.hc_structure.catalog_info.dec_column])}


with open(os.path.join(site, "api", "index.json")) as f:
    index = json.load(f)
releases = sorted(os.listdir(os.path.join(site, "hats")))
if not releases:
    fail("the site has no HATS catalogues")
for release in releases:
    base = os.path.join(site, "hats", release)
    coll = properties(os.path.join(base, "collection.properties"))
    if not is_valid_catalog(base, strict=True):
        fail(f"{release}: the collection fails hats strict validation")
    schema = schema_name(release)
    rep = {}
    for name, table in (("sources", "sources"), ("detections", "detections")):
        cat_dir = os.path.join(base, name)
        nrows, props = check_catalog(cat_dir, f"{release}/{name}")
        # The sources as xcat's engine counts them; the detections (which the VO server does not
        # serve) as the site's data index states them.
        if name == "sources":
            engine = int(tap(f"SELECT COUNT(*) AS n FROM {schema}.{table}")[0]["n"])
        else:
            engine = next(r for r in index["releases"] if r["id"] in (release, ""))["tables"][table]["rows"]
        if nrows != engine:
            fail(f"{release}/{name}: HATS has {nrows} rows, xcat's engine {engine}")
        margin = next((os.path.join(base, d) for d in os.listdir(base) if d.startswith(name + "_") and d.endswith("arcs")), None)
        m = None
        if margin:
            if not is_valid_catalog(margin, strict=True):
                fail(f"{release}/{os.path.basename(margin)}: hats strict validation failed")
            m = check_margin(cat_dir, margin, f"{release}/{os.path.basename(margin)}")
        rep[name] = {"rows": nrows, "engine_rows": engine, "partitions": len(leaves(cat_dir)),
                     "margin_rows": m[1] if m else None}

    # LSDB: the collection from the folder and over HTTP, cones against xcat's engine.
    local = lsdb.open_catalog(base, columns="all")
    remote = lsdb.open_catalog(f"{site_url}/hats/{release}", columns="all")
    if local.margin is None or remote.margin is None:
        fail(f"{release}: LSDB found no margin in the collection")
    ra_col = local.hc_structure.catalog_info.ra_column
    dec_col = local.hc_structure.catalog_info.dec_column
    # Centres: the first, middle and last source by SRCID (15'); a cone centred on RA 0 that
    # reaches the source nearest to it in RA (it straddles RA 0); one on the pole nearest to a
    # source, reaching it (every RA at once).
    ids = tap(f"SELECT srcid, {ra_col} AS ra, {dec_col} AS dec FROM {schema}.sources ORDER BY srcid")
    picks = [ids[0], ids[len(ids) // 2], ids[-1]]
    centres = [(float(p["ra"]), float(p["dec"]), 900.0) for p in picks]
    near0 = min(ids, key=lambda p: min(float(p["ra"]), 360 - float(p["ra"])))
    dec0 = float(near0["dec"])
    centres.append((0.0, dec0, sep_arcsec(0.0, dec0, float(near0["ra"]), dec0) + 600.0))
    polar = max(ids, key=lambda p: abs(float(p["dec"])))
    pole = math.copysign(90.0, float(polar["dec"]))
    centres.append((0.0, pole, (90.0 - abs(float(polar["dec"]))) * 3600 + 600.0))
    cones = []
    for ra, dec, radius in centres:
        want = {int(r["srcid"]): (float(r["ra"]), float(r["dec"])) for r in tap(
            f"SELECT srcid, {ra_col} AS ra, {dec_col} AS dec FROM {schema}.sources "
            f"WHERE CONTAINS(POINT('ICRS', {ra_col}, {dec_col}), CIRCLE('ICRS', {ra}, {dec}, {radius / 3600})) = 1")}
        for label, cat in (("folder", local), ("http", remote)):
            got = cone_ids(cat, ra, dec, radius, "SRCID")
            if set(got) != set(want):
                fail(f"{release} cone ({ra}, {dec}, {radius}\") via {label}: LSDB {len(got)} rows, xcat {len(want)}; "
                     f"only LSDB {sorted(set(got) - set(want))[:5]}, only xcat {sorted(set(want) - set(got))[:5]}")
            for k in set(got) & set(want):
                if sep_arcsec(*got[k], *want[k]) > 1e-6:
                    fail(f"{release}: source {k} at {got[k]} in HATS, {want[k]} in xcat")
                    break
        cones.append({"centre": [ra, dec], "radius_arcsec": radius, "rows": len(want)})
    if any(c["rows"] == 0 for c in cones):
        fail(f"{release}: a test cone is empty: {cones}")
    # The detections catalogue over HTTP, with its margin by name.
    det = lsdb.open_catalog(f"{site_url}/hats/{release}/detections",
                            margin_cache=f"{site_url}/hats/{release}/detections_{local.margin.hc_structure.catalog_info.margin_threshold:g}arcs")
    ra0, dec0 = float(picks[0]["ra"]), float(picks[0]["dec"])
    got = len(det.cone_search(ra0, dec0, 900.0).compute(progress_bar=False))
    # Brute force over every leaf with DuckDB (haversine), independent of the partitioning.
    d = os.path.join(base, "detections", "dataset")
    want = duckdb.connect().execute(
        f"""SELECT count(*) FROM read_parquet('{d}/Norder=*/Dir=*/Npix=*.parquet')
            WHERE 2 * asin(sqrt(pow(sin(radians(DEC - {dec0}) / 2), 2) + cos(radians(DEC)) * cos(radians({dec0}))
                  * pow(sin(radians(RA - {ra0}) / 2), 2))) <= radians({900 / 3600})""").fetchone()[0]
    if got != want or want == 0:
        fail(f"{release}: detections cone via http: LSDB {got} rows, brute force {want}")
    rep["cones"] = cones
    rep["detections_cone_rows"] = want
    summary[release] = rep

print(json.dumps({"releases": summary, "failures": len(failures)}))
sys.exit(1 if failures else 0)
