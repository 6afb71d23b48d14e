// End-to-end test of a source page's downloads on the built demo site, in headless Chromium:
// the CSV (inline in the page as a data: URL), and the VOTable and JSON files beside the page,
// which astropy.io.votable must read without a single warning, with the CSV's values.
// Usage: node tests/browser/source_downloads.test.mjs <site URL>
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { launchChromium, recordProblems } from "./chromium.mjs";

const base = process.argv[2] || process.env.XCAT_SITE_URL;
if (!base) throw new Error("usage: source_downloads.test.mjs <site URL>");
const siteHost = new URL(base).host;
const here = resolve(import.meta.dirname);
// The demo catalogue is deterministic: this is its first source, with three detections.
const SRCID = "201000001010001";

let browser, page;
const consoleErrors = [];
const foreignRequests = [];

before(async () => {
  browser = await launchChromium();
  page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  // The sky view asks the CDS for Aladin Lite: refused here (the sky tests cover it).
  await page.route((u) => u.host !== siteHost, (route) => route.abort());
  recordProblems(page, consoleErrors, foreignRequests, (u) => u.host === siteHost);
});

after(async () => { await browser?.close(); });

// RFC 4180 parsing, independent of the page's.
function parseCsv(text) {
  const rows = [];
  for (const line of text.split("\r\n")) {
    if (line === "") continue;
    const cells = [];
    let cur = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted && c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = !quoted;
      else if (c === "," && !quoted) { cells.push(cur); cur = ""; }
      else cur += c;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

async function download(selector) {
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 30000 }), page.click(selector)]);
  return { name: dl.suggestedFilename(), path: await dl.path(), text: await readFile(await dl.path(), "utf8") };
}

let csv;

test("the CSV download is the source's detections, straight from the page", async () => {
  await page.goto(`${base}source/${SRCID}/`, { waitUntil: "domcontentloaded" });
  const got = await download("#download-csv");
  assert.equal(got.name, `xmm_detections_${SRCID}.csv`);
  csv = parseCsv(got.text);
  assert.deepEqual(csv[0].slice(0, 3), ["DETID", "SRCID", "IAUNAME"]);
  const detections = await page.$$eval("#detections ~ .scroll tbody tr", (trs) => trs.length);
  assert.ok(detections > 0);
  assert.equal(csv.length - 1, detections, "one row per detection in the page's table");
  const srcid = csv[0].indexOf("SRCID");
  assert.ok(csv.slice(1).every((r) => r[srcid] === SRCID && r.length === csv[0].length));
});

test("the VOTable beside the page carries the same detections and astropy reads it without warnings", async () => {
  assert.equal(await page.getAttribute("#download-vot", "href"), "source.vot");
  const got = await download("#download-vot");
  assert.equal(got.name, `xmm_source_${SRCID}.vot`);
  assert.match(got.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<VOTABLE version="1.4"/);
  const python = process.env.PYTHON || "python3";
  const out = JSON.parse(execFileSync(python, [join(here, "votable_check.py"), got.path, "detections"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
  assert.equal(out.name, "detections");
  assert.deepEqual(out.columns, csv[0]);
  assert.equal(out.rows.length, csv.length - 1);
  const col = (n) => out.columns.indexOf(n);
  assert.equal(out.units[col("EP_8_FLUX")], "mW / m2", "erg/cm**2/s in VOUnit (which deprecates the erg): the same number in mW m-2");
  assert.equal(out.datatypes[col("DETID")], "long");
  for (let r = 0; r < out.rows.length; r++) {
    for (let k = 0; k < out.columns.length; k++) {
      const want = csv[r + 1][k], got = out.rows[r][k];
      if (want === "") { assert.equal(got, null, `${out.columns[k]} row ${r}: empty CSV cell is a null`); continue; }
      if (typeof got === "number") {
        // Same decimal text: astropy's value formats back to the CSV's shortest exact text
        // (float32 columns compared at single precision).
        const x = Number(want);
        assert.ok(got === x || Math.abs(got - x) <= 1e-7 * Math.abs(x), `${out.columns[k]} row ${r}: ${got} vs ${want}`);
      } else {
        assert.equal(String(got), want, out.columns[k]);
      }
    }
  }
});

test("the JSON beside the page holds the source and the same detections", async () => {
  const res = await page.request.get(`${base}source/${SRCID}/source.json`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()["content-type"], /^application\/json/);
  const j = await res.json();
  assert.equal(String(j.srcid), SRCID);
  assert.deepEqual(j.detections.columns, csv[0]);
  assert.equal(j.detections.data.length, csv.length - 1);
  assert.equal(await page.getAttribute("link[rel=alternate][type='application/json']", "href"), "source.json");
});

test("no console errors and nothing but the sky view's script left the site", async () => {
  assert.ok(foreignRequests.every((u) => new URL(u).hostname === "aladin.cds.unistra.fr"), foreignRequests.join("\n"));
  assert.ok(consoleErrors.length <= foreignRequests.length && consoleErrors.every((e) => /^Failed to load resource: net::ERR_FAILED/.test(e)), consoleErrors.join("\n"));
});
