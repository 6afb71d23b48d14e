// End-to-end tests of the query page on the built demo site, in headless Chromium (Debian's
// chromium driven by playwright-core). Usage: node tests/browser/query.test.mjs <site URL>
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { launchChromium, recordProblems } from "./chromium.mjs";

const base = process.argv[2] || process.env.XCAT_SITE_URL;
if (!base) throw new Error("usage: query.test.mjs <site URL>");
const siteHost = new URL(base).host;
// The demo site's 4XMM-DR14 release (its legacy release beside 5XMM-DR15): these tests check
// the 4XMM behaviour, with its column names. XCAT_RELEASE="" runs them on a site with one
// 4XMM catalogue (no release menu, data/ as before).
const RELEASE = process.env.XCAT_RELEASE ?? "4xmm-dr14";
// Positions of the demo name table (generator/src/demo/targets.rs).
const M31 = [10.684708, 41.26875];
const M82 = [148.969687, 69.679703];

let browser, page;
const consoleErrors = [];
const foreignRequests = [];
const missing = [];

function distDeg(ra1, dec1, ra2, dec2) {
  const r = Math.PI / 180;
  const s = Math.sin((dec2 - dec1) * r / 2) ** 2 + Math.cos(dec1 * r) * Math.cos(dec2 * r) * Math.sin((ra2 - ra1) * r / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(s))) / r;
}

before(async () => {
  browser = await launchChromium();
  const context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  page.on("response", (r) => { if (r.status() >= 400) missing.push(new URL(r.url()).pathname); });
  recordProblems(page, consoleErrors, foreignRequests, (u) => u.host === siteHost);
});

after(async () => { await browser?.close(); });

async function query(q, extra = "") {
  await page.goto(`${base}query/?q=${encodeURIComponent(q)}${RELEASE ? "&release=" + RELEASE : ""}${extra}`);
  await page.waitForSelector("#results[data-state=done], #results[data-state=error]", { timeout: 30000, state: "attached" });
  return table();
}

async function table() {
  return page.evaluate(() => {
    const t = document.getElementById("results");
    const head = [...t.tHead.querySelectorAll("th")].map((th) => th.querySelector("button").textContent.replace(/ [▲▼]$/, ""));
    const rows = [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent));
    const links = [...t.tBodies[0].querySelectorAll("a")].map((a) => a.getAttribute("href"));
    return { state: t.dataset.state, count: Number(t.dataset.count || -1), head, rows, links,
      status: document.getElementById("qstatus").textContent,
      error: document.getElementById("qerror").hidden ? null : document.getElementById("qerror-text").textContent,
      caret: document.getElementById("qcaret").textContent };
  });
}

const col = (t, name) => t.head.indexOf(name);
const nums = (t, name) => t.rows.map((r) => Number(r[col(t, name)]));

test("cone around M31 with a likelihood cut", async () => {
  const t = await query("cone('M31','1deg') AND sc_det_ml < 100");
  assert.equal(t.state, "done", t.error);
  assert.ok(t.count > 0, "no rows");
  assert.ok(nums(t, "SC_DET_ML").every((x) => x < 100));
  const ra = nums(t, "SC_RA"), dec = nums(t, "SC_DEC");
  ra.forEach((r, i) => assert.ok(distDeg(M31[0], M31[1], r, dec[i]) <= 1.0001, `row ${i} outside the cone`));
  assert.ok(t.links.every((h) => /^\.\.\/source\/\d+\/$/.test(h)), t.links[0]);
  assert.match(t.status, /sources? · \d+ ms/);
});

test("ULX candidates seen more than twice", async () => {
  const t = await query("is_ulx = true AND n_detections > 2", "&cols=SRCID,IS_ULX,N_DETECTIONS");
  assert.equal(t.state, "done", t.error);
  assert.ok(t.count > 0, "no ULX with more than two detections in the demo");
  assert.ok(nums(t, "N_DETECTIONS").every((x) => x > 2));
  assert.ok(t.rows.every((r) => r[col(t, "IS_ULX")] === "true"));
});

test("IAU-name and SRCID IN lists", async () => {
  const near = await query("cone('M31','1deg')", "&sort=SRCID");
  assert.ok(near.rows.length >= 3);
  const names = near.rows.slice(0, 3).map((r) => r[col(near, "IAUNAME")]);
  const ids = near.rows.slice(0, 3).map((r) => r[col(near, "SRCID")]);
  const t = await query(`iauname IN {${names.map((n) => `"${n.toLowerCase()}"`).join(", ")}}`);
  assert.equal(t.count, 3, t.error);
  assert.deepEqual(t.rows.map((r) => r[col(t, "IAUNAME")]).sort(), [...names].sort());
  const s = await query(`srcid IN {${ids.join(", ")}, 1}`);
  assert.equal(s.count, 3, s.error);
  assert.deepEqual(s.rows.map((r) => r[col(s, "SRCID")]).sort(), [...ids].sort());
});

test("a bare name is a 10 arcmin cone", async () => {
  const t = await query("M82");
  assert.equal(t.state, "done", t.error);
  assert.ok(t.count > 0);
  const ra = nums(t, "SC_RA"), dec = nums(t, "SC_DEC");
  ra.forEach((r, i) => assert.ok(distDeg(M82[0], M82[1], r, dec[i]) <= 10 / 60 + 1e-6));
  const wider = await query("cone('M 82', '30arcmin')");
  assert.ok(wider.count >= t.count);
});

test("an error shows the message and a caret under the mistake", async () => {
  const t = await query("n_detections > 2 AND sc_det_m > 1");
  assert.equal(t.state, "error");
  assert.match(t.error, /unknown column 'sc_det_m'.*did you mean SC_DET_ML/);
  const [line, marks] = t.caret.split("\n");
  assert.equal(line, "n_detections > 2 AND sc_det_m > 1");
  assert.equal(marks.indexOf("^"), line.indexOf("sc_det_m"));
  const u = await query("NoSuchObjectXyz");
  assert.match(u.error, /unknown object 'NoSuchObjectXyz'/);
  // Only names missing from the table may be looked up online (CDS Sesame).
  assert.ok(foreignRequests.every((r) => r.includes("nph-sesame")), foreignRequests.join());
  foreignRequests.length = 0;
  // Offline, that lookup fails in the network layer, which Chromium logs; it is expected.
  for (let i = consoleErrors.length - 1; i >= 0; i--) if (consoleErrors[i].includes("net::ERR_")) consoleErrors.splice(i, 1);
});

test("sorting by a column header, paging and back/forward", async () => {
  await query("cone('M31','1deg')", "&size=25");
  await page.click("#results th:nth-child(6) button");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("sort") === "SC_DET_ML");
  await page.waitForSelector("#results[data-state=done]", { state: "attached" });
  let t = await table();
  const v = nums(t, "SC_DET_ML");
  assert.deepEqual(v, [...v].sort((a, b) => a - b));
  if (t.count > 25) {
    await page.click("#next");
    await page.waitForFunction(() => new URLSearchParams(location.search).get("page") === "1");
    await page.waitForSelector("#results[data-state=done]", { state: "attached" });
    t = await table();
    assert.ok(nums(t, "SC_DET_ML")[0] >= v[v.length - 1]);
    await page.goBack();
    await page.waitForFunction(() => !new URLSearchParams(location.search).get("page"));
  }
  await query("M82");
  await page.goBack();
  await page.waitForFunction(() => document.getElementById("q").value.startsWith("cone('M31'"));
});

test("a permalink with format= downloads the whole result, once", async () => {
  const q = "cone('M31','1deg')";
  const url = (fmt) => `${base}query/?q=${encodeURIComponent(q)}${RELEASE ? "&release=" + RELEASE : ""}&sort=SC_DET_ML&format=${fmt}`;
  for (const [fmt, name] of [["csv", "xcat-query.csv"], ["votable", "xcat-query.vot"], ["FITS", "xcat-query.fits"]]) {
    const [file] = await Promise.all([page.waitForEvent("download", { timeout: 30000 }), page.goto(url(fmt))]);
    assert.equal(file.suggestedFilename(), name, fmt);
    const t = await table();
    assert.equal(t.state, "done");
    const text = await readFile(await file.path(), "latin1");
    if (fmt === "csv") {
      const lines = text.trim().split("\n");
      assert.equal(lines.length, t.count + 1);
      // In the permalink's sort.
      const det = lines[0].split(",").indexOf("SC_DET_ML");
      const v = lines.slice(1).map((l) => Number(l.split(",")[det]));
      assert.ok(v.every((x, i) => i === 0 || x >= v[i - 1]), "sorted by SC_DET_ML");
    } else if (fmt === "votable") {
      assert.equal((text.match(/<TR>/g) || []).length, t.count);
    } else {
      assert.ok(text.startsWith("SIMPLE  ="));
    }
    // The parameter is used up: the address no longer asks for a download.
    assert.equal(await page.evaluate(() => new URLSearchParams(location.search).get("format")), null);
    assert.equal(await page.evaluate(() => new URLSearchParams(location.search).get("sort")), "SC_DET_ML");
  }
  await page.goto(url("xls"));
  await page.waitForFunction(() => !document.getElementById("qerror").hidden);
  assert.match((await table()).error, /format=xls is not an export format; use csv, votable or fits/);
});

test("exports: CSV, VOTable 1.4 and FITS of the whole result", async () => {
  const t = await query("cone('M31','1deg')");
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
  const text = await readFile(await csv.path(), "utf8");
  const lines = text.trim().split("\n");
  assert.equal(lines.length, t.count + 1);
  assert.ok(lines[0].startsWith("SRCID,IAUNAME,SC_RA,SC_DEC"), lines[0]);
  const [vot] = await Promise.all([page.waitForEvent("download"), page.click("#export-votable")]);
  const xml = await readFile(await vot.path(), "utf8");
  assert.match(xml, /<VOTABLE version="1.4"/);
  assert.equal((xml.match(/<TR>/g) || []).length, t.count);
  assert.match(xml, /<FIELD name="SRCID" datatype="long"/);
  assert.match(xml, /<FIELD name="SC_RA" datatype="double" ref="icrs" unit="deg"/);
  // astropy reads it with every warning an error (VOUnits, UCDs), with the page's rows.
  const checked = JSON.parse(execFileSync(process.env.PYTHON || "python3",
    [join(resolve(import.meta.dirname), "votable_check.py"), await vot.path()], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
  assert.equal(checked.rows.length, t.count);
  assert.equal(checked.units[checked.columns.indexOf("SC_EP_8_FLUX")], "mW / m2");
  const [fits] = await Promise.all([page.waitForEvent("download"), page.click("#export-fits")]);
  const bytes = await readFile(await fits.path());
  assert.equal(bytes.length % 2880, 0);
  assert.ok(bytes.subarray(0, 30).toString("latin1").startsWith("SIMPLE  =                    T"));
  // The binary-table header (second block on): 80-character cards up to END.
  const cards = bytes.subarray(2880).toString("latin1").match(/.{80}/g);
  const value = (k) => cards.find((c) => c.startsWith(k.padEnd(8) + "="))?.slice(10).split("/")[0].trim();
  assert.equal(value("XTENSION"), "'BINTABLE'");
  assert.equal(Number(value("NAXIS2")), t.count);
  assert.equal(value("TTYPE1"), "'SRCID   '");
  assert.equal(value("TFORM1"), "'K       '");
  assert.equal(value("TUNIT3"), "'deg     '");
});

test("coordinates in other frames and sexagesimal", async () => {
  const t = await query("M82", "&frame=galactic&fmt=dec");
  assert.ok(t.head.includes("SC_RA (l)"), t.head.join());
  const l = nums(t, "SC_RA (l)")[0];
  assert.ok(Math.abs(l - 141.41) < 0.3, String(l)); // M82 at l = 141.41°, b = +40.57° (NED)
  const s = await query("M82", "&fmt=sexa");
  assert.match(s.rows[0][col(s, "SC_RA")], /^09:5\d:\d\d\.\d\d$/);
});

test("the window.xcat API", async () => {
  await query("M82");
  const r = await page.evaluate(async (release) => {
    const db = await window.xcat.open("../", release || undefined);
    const res = await db.resolve("messier 82");
    const q = await db.query("srcid > 0", { limit: 5, sort: "srcid", desc: true, columns: ["SRCID"] });
    const plan = await db.explain("cone('M31', '10arcmin')");
    let err = null;
    try { await db.query("sc_det_ml >", {}); } catch (e) { err = { message: e.message, position: e.position }; }
    return { res, q, plan, err, release: db.release() };
  }, RELEASE);
  // On a site with one catalogue the engine has no release.
  assert.deepEqual(r.release && r.release.id, RELEASE || null);
  assert.equal(r.res.source, "name table");
  assert.ok(Math.abs(r.res.ra - M82[0]) < 1e-6);
  assert.equal(r.q.rows.length, 5);
  assert.ok(r.q.rows[0][0] > r.q.rows[4][0]);
  assert.ok(r.q.count > 5);
  assert.ok(r.plan.tiles >= 1 && r.plan.notes.length > 0);
  assert.ok(r.err && r.err.position && r.err.position.column >= 1, JSON.stringify(r.err));
});

test("ADQL in the query box: the rows of the query-language query, sorted and cut as it says", async () => {
  const from = RELEASE ? "xmm4_dr14.sources" : "sources";
  const ql = await query("cone('10.684708 +41.26875', '0.2deg') AND sc_det_ml > 10", "&sort=SRCID&cols=SRCID,SC_DET_ML");
  assert.ok(ql.count > 4, `${ql.count} rows`);
  const adql = await query(`SELECT TOP 3 srcid, sc_det_ml FROM ${from} AS s WHERE CONTAINS(POINT('ICRS', s.sc_ra, s.sc_dec), CIRCLE('ICRS', 10.684708, 41.26875, 0.2)) = 1 AND sc_det_ml > 10 ORDER BY srcid OFFSET 1`);
  assert.equal(adql.state, "done", adql.error);
  assert.deepEqual(adql.head.slice(0, 2), ["SRCID", "SC_DET_ML"]);
  assert.equal(adql.count, 3);
  assert.deepEqual(adql.rows.map((r) => r[0]), ql.rows.slice(1, 4).map((r) => r[col(ql, "SRCID")]));
  // A query-language query as ADQL (what a TAP service is sent), names resolved: the same rows.
  const asAdql = await page.evaluate(() => window.xcat.db.adql("cone('M31', '0.2deg') AND sc_det_ml > 10"));
  assert.ok(asAdql.startsWith(`SELECT * FROM ${RELEASE ? "xmm4_dr14" : "xcat"}.sources WHERE`), asAdql);
  const viaAdql = await query(asAdql);
  assert.equal(viaAdql.state, "done", viaAdql.error);
  assert.equal(viaAdql.count, ql.count, asAdql);
  // Unsupported ADQL is named, with a caret under it.
  const bad = await query(`SELECT srcid FROM ${from} GROUP BY srcid`);
  assert.equal(bad.state, "error");
  assert.match(bad.error, /GROUP BY/);
  if (RELEASE) {
    // The table names the release: 5XMM-DR15's, whatever the page's release was.
    await query("SELECT TOP 2 srcid FROM xmm5_dr15.sources ORDER BY srcid");
    const t = await table();
    assert.equal(t.state, "done", t.error);
    assert.ok(t.rows.every((r) => r[0].startsWith("3")), t.rows.join("|"));
    assert.equal(await page.evaluate(() => document.documentElement.dataset.release), "5xmm-dr15");
  }
});

test("no console errors, and no request left the site for names in the table", () => {
  // Chromium asks every site for /favicon.ico; the demo has none, which is not a page error.
  const real = missing.filter((p) => p !== "/favicon.ico");
  assert.deepEqual(real, []);
  // Every page resource loaded (checked above), so a 404 left in the console is the favicon.
  const errors = consoleErrors.filter((m) => !m.includes("status of 404 (Not Found)"));
  assert.deepEqual(errors, []);
  assert.deepEqual(foreignRequests, []);
});
