// End-to-end tests of the diagrams page on the built demo site, in headless Chromium (Debian's
// chromium driven by playwright-core). Usage: XCAT_SITE_URL=<site URL> node --test diagrams.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, recordProblems } from "./chromium.mjs";

const base = process.env.XCAT_SITE_URL || process.argv[2];
// The demo site's 4XMM-DR14 release (its legacy release beside 5XMM-DR15): these tests check
// the 4XMM behaviour, with its column names.
const RELEASE = "4xmm-dr14";
if (!base) throw new Error("usage: XCAT_SITE_URL=<site URL> node --test diagrams.test.mjs");
const siteHost = new URL(base).host;

let browser, page;
const consoleErrors = [];
const foreignRequests = [];
const missing = [];

before(async () => {
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  page.on("response", (r) => { if (r.status() >= 400) missing.push(new URL(r.url()).pathname); });
  recordProblems(page, consoleErrors, foreignRequests, (u) => u.host === siteHost);
});

after(async () => { await browser?.close(); });

async function diagram(params) {
  await page.goto(`${base}diagrams/?${new URLSearchParams({ release: RELEASE, ...params })}`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector("#plot[data-state=done], #plot[data-state=error], #plot[data-state=idle]", { timeout: 60000, state: "attached" });
  return page.evaluate(() => {
    const p = document.getElementById("plot");
    return { ...p.dataset, status: document.getElementById("dstatus").textContent,
      error: document.getElementById("qerror").hidden ? null : document.getElementById("qerror-text").textContent,
      caret: document.getElementById("qcaret").textContent };
  });
}

// The query's own count and rows, from the engine the page uses.
async function engineRows(q, columns) {
  return page.evaluate(async ([q, columns]) => {
    const m = await import(new URL("../static/wasm/xcat_wasm.js", location.href).href);
    await m.default();
    const db = await m.open(new URL("../", location.href).href, "4xmm-dr14");
    return db.query(q, { columns, limit: 2 ** 31 });
  }, [q, columns]);
}

test("a scatter plot of the whole catalogue draws one point per source", async () => {
  const d = await diagram({ q: "", x: "SC_RA", y: "SC_DEC" });
  assert.equal(d.state, "done", d.error);
  const all = await engineRows("SRCID IS NOT NULL", ["SRCID"]);
  assert.ok(all.count >= 3000, `the demo catalogue has ${all.count} sources`);
  assert.equal(Number(d.count), all.count);
  // Positions are never null: every source is drawn.
  assert.equal(Number(d.points), all.count);
  assert.equal(Number(d.dropped), 0);
  assert.equal(d.mode, "points");
  assert.match(d.status, /sources · [\d,]+ drawn/);
  // The canvas holds drawn pixels.
  const inked = await page.evaluate(() => {
    const c = document.querySelector("#plot canvas");
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
    return n;
  });
  assert.ok(inked > 1000, `only ${inked} pixels drawn`);
});

test("an expression over a query's result; density above the threshold or on request", async () => {
  const q = "cone('M31', '1deg')";
  const d = await diagram({ q, x: "sc_ep_8_flux", y: "sc_ep_8_flux / sc_ep_1_flux", render: "density" });
  assert.equal(d.state, "done", d.error);
  const r = await engineRows(q, ["SC_EP_8_FLUX", "SC_EP_1_FLUX"]);
  assert.equal(Number(d.count), r.count);
  // Rows drawn: both fluxes known and the ratio finite (a zero soft flux gives no ratio).
  const expected = r.rows.filter(([a, b]) => a !== null && b !== null && Number.isFinite(a / b)).length;
  assert.ok(expected > 0);
  assert.equal(Number(d.points), expected);
  assert.equal(Number(d.points) + Number(d.dropped), r.count);
  assert.equal(d.mode, "density");
  assert.match(d.status, /density map/);
});

test("log axes leave out zero and negative values and say how many", async () => {
  // A difference of two fluxes is negative for about half of the sources.
  const x = "sc_ep_8_flux - sc_ep_1_flux";
  const d = await diagram({ q: "", x, y: "SC_DEC", xlog: "1" });
  assert.equal(d.state, "done", d.error);
  const r = await engineRows("SRCID IS NOT NULL", ["SC_EP_8_FLUX", "SC_EP_1_FLUX", "SC_DEC"]);
  const vals = r.rows.map(([a, b]) => (a === null || b === null ? NaN : a - b)).filter(Number.isFinite);
  const nonPositive = vals.filter((v) => v <= 0).length;
  assert.ok(nonPositive > 0, "the demo has no non-positive flux difference");
  assert.equal(Number(d.droppedLog), nonPositive);
  assert.equal(Number(d.points), vals.length - nonPositive);
  assert.match(d.status, new RegExp(`${nonPositive.toLocaleString("en")} left out: zero or negative on a log axis`));
});

test("hovering a point shows its IAU name, clicking opens its source page", async () => {
  const q = "M82";
  const d = await diagram({ q, x: "SC_RA", y: "SC_DEC" });
  assert.equal(d.state, "done", d.error);
  const r = await engineRows(q, ["SRCID", "IAUNAME", "SC_RA", "SC_DEC"]);
  assert.ok(r.count > 0);
  // The first source's screen position from the plot's own scales.
  const [id, name, ra, dec] = r.rows[0];
  await page.locator("#plot").scrollIntoViewIfNeeded();
  const pos = await page.evaluate(([ra, dec]) => {
    const s = window.xcatDiagram.scales();
    const over = document.querySelector("#plot .u-over").getBoundingClientRect();
    return { x: over.left + (ra - s.x[0]) / (s.x[1] - s.x[0]) * over.width, y: over.top + over.height - (dec - s.y[0]) / (s.y[1] - s.y[0]) * over.height };
  }, [ra, dec]);
  await page.mouse.move(pos.x, pos.y);
  await page.waitForFunction(() => document.getElementById("plot").dataset.hoverName, null, { timeout: 10000 });
  const hovered = await page.evaluate(() => ({ id: document.getElementById("plot").dataset.hover, name: document.getElementById("plot").dataset.hoverName, tip: document.getElementById("dtip").textContent, shown: !document.getElementById("dtip").hidden }));
  assert.ok(hovered.shown);
  // Another source may sit on the same pixel; the one shown is within the hover radius.
  const shown = r.rows.find((row) => String(row[0]) === hovered.id);
  assert.ok(shown, `hovered SRCID ${hovered.id} is not in the result`);
  assert.equal(hovered.name, shown[1]);
  assert.match(hovered.tip, new RegExp(shown[1].replace(/[.+]/g, "\\$&")));
  if (String(id) === hovered.id) assert.equal(hovered.name, name);
  await Promise.all([page.waitForURL(/\/source\/\d+\/$/), page.mouse.click(pos.x, pos.y)]);
  assert.ok(page.url().endsWith(`/source/${hovered.id}/`), page.url());
  assert.match(await page.textContent("h1"), new RegExp(shown[1].replace(/[.+]/g, "\\$&")));
});

test("a histogram of one column; the state is in the URL", async () => {
  const d = await diagram({ q: "", x: "SC_DET_ML", kind: "hist", xlog: "1", bins: "30" });
  assert.equal(d.state, "done", d.error);
  assert.equal(d.mode, "histogram");
  assert.equal(d.bins, "30");
  const r = await engineRows("SRCID IS NOT NULL", ["SC_DET_ML"]);
  const positive = r.rows.filter(([v]) => v !== null && v > 0).length;
  assert.equal(Number(d.points), positive);
  const form = await page.evaluate(() => ({ x: document.getElementById("dx").value, log: document.getElementById("dxlog").checked, kind: document.querySelector("input[name=kind]:checked").value }));
  assert.deepEqual(form, { x: "SC_DET_ML", log: true, kind: "hist" });
  // Drawing from the form writes the permalink.
  await page.fill("#dx", "SC_RA");
  await page.fill("#dy", "SC_DEC");
  await page.check("input[name=kind][value=scatter]");
  await page.uncheck("#dxlog");
  await page.click("#dform > button");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("x") === "SC_RA" && document.getElementById("plot").dataset.state === "done");
  const p = new URLSearchParams(new URL(page.url()).search);
  assert.equal(p.get("y"), "SC_DEC");
  assert.equal(p.get("kind"), null);
  assert.equal(p.get("xlog"), null);
});

test("errors in the query and in an expression show inline with a caret", async () => {
  const e = await diagram({ q: "sc_det_m > 1", x: "SC_RA", y: "SC_DEC" });
  assert.equal(e.state, "error");
  assert.match(e.error, /unknown column 'sc_det_m'/);
  const x = await diagram({ q: "", x: "SC_RA", y: "sc_ep_8_flux / sc_ep_1_flx" });
  assert.equal(x.state, "error");
  assert.match(x.error, /In y: unknown column 'sc_ep_1_flx'; did you mean SC_EP_1_FLUX\?/);
  const [line, marks] = x.caret.split("\n");
  assert.equal(marks.indexOf("^"), line.indexOf("sc_ep_1_flx"));
  const js = await diagram({ q: "", x: "SC_RA", y: "alert(1)" });
  assert.match(js.error, /unknown column 'alert'/);
});

test("the navigation links the diagrams; no console errors, no request left the site", async () => {
  await page.goto(`${base}`, { waitUntil: "domcontentloaded" });
  const href = await page.getAttribute("header nav a[href$='diagrams/']", "href");
  assert.ok(href && !href.startsWith("/") && !href.includes("://"), href);
  // Chromium asks every site for /favicon.ico; the demo has none, which is not a page error.
  assert.deepEqual(missing.filter((p) => p !== "/favicon.ico"), []);
  assert.deepEqual(consoleErrors.filter((m) => !m.includes("status of 404 (Not Found)")), []);
  assert.deepEqual(foreignRequests, []);
});
