// End-to-end test of SAMP from the query page, in headless Chromium, against astropy's SAMP
// hub with the Web Profile and two receiving astropy clients, one of which rejects data: URLs
// as TOPCAT 4.8 and Aladin Desktop 12 do (tests/browser/samp_hub.py, which installs astropy
// into a virtual environment under the build folder when missing).
// Needs the site served by `xcat serve` (its table drop gives the VOTable an http URL).
// Usage: XCAT_SITE_URL=<site URL> node --test samp.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { launchChromium, recordProblems } from "./chromium.mjs";

const base = process.env.XCAT_SITE_URL || process.argv[2];
// The demo site's 4XMM-DR14 release (its legacy release beside 5XMM-DR15): these tests check
// the 4XMM behaviour, with its column names.
const RELEASE = "4xmm-dr14";
if (!base) throw new Error("usage: XCAT_SITE_URL=<site URL> node --test samp.test.mjs");
const siteHost = new URL(base).host;
const HUB_HOST = "localhost:21012";

let browser, page, hub = null;
const messages = [];
const waiters = [];
const consoleErrors = [];
const foreignRequests = [];

function startHub() {
  const script = fileURLToPath(new URL("./samp_hub.py", import.meta.url));
  const proc = spawn("python3", [script], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout });
  lines.on("line", (line) => {
    let m;
    try { m = JSON.parse(line); } catch { return; }
    // A message goes to the first test waiting for it, or waits for one: each is seen once.
    const w = waiters.find((w) => w.match(m));
    if (w) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); } else messages.push(m);
  });
  const exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, exited };
}

function next(match, what, ms = 120000) {
  const i = messages.findIndex(match);
  if (i >= 0) return Promise.resolve(messages.splice(i, 1)[0]);
  return new Promise((resolve, reject) => {
    const w = { match, resolve };
    waiters.push(w);
    setTimeout(() => { if (waiters.includes(w)) reject(new Error(`timed out waiting for ${what}; the hub printed ${JSON.stringify(messages)}`)); }, ms).unref();
  });
}

before(async () => {
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  recordProblems(page, consoleErrors, foreignRequests, (u) => u.host === siteHost || u.host === HUB_HOST);
});

after(async () => {
  await browser?.close();
  if (hub) {
    hub.proc.stdin.end();
    hub.proc.kill("SIGTERM");
    await hub.exited;
  }
});

async function query(q, extra = "") {
  await page.goto(`${base}query/?q=${encodeURIComponent(q)}&release=${RELEASE}${extra}`);
  await page.waitForSelector("#results[data-state=done], #results[data-state=error]", { timeout: 30000, state: "attached" });
  return page.evaluate(() => Number(document.getElementById("results").dataset.count));
}

const RECEIVER = "xcat test receiver";
const JAVA_LIKE = "java-like receiver";
const fromReceiver = (mtype, who) => (m) => m.mtype === mtype && m.receiver === who;
const replies = () => page.evaluate(() => JSON.parse(document.getElementById("samp").dataset.replies || "[]"));

const sampStatus = () => page.evaluate(() => ({ text: document.getElementById("samp-status").textContent, state: document.getElementById("samp").dataset.state }));

test("with no hub running the page says so", async () => {
  await query("M82");
  await page.click("#samp-send");
  await page.waitForFunction(() => document.getElementById("samp").dataset.state === "error");
  const s = await sampStatus();
  assert.match(s.text, /No SAMP hub answers at http:\/\/localhost:21012\/\. Start a SAMP application with a hub/);
  // The refused connection is logged by Chromium; it is what this test provokes.
  for (let i = consoleErrors.length - 1; i >= 0; i--) if (consoleErrors[i].includes("21012") || consoleErrors[i].includes("net::ERR_CONNECTION_REFUSED")) consoleErrors.splice(i, 1);
});

test("the whole result reaches a SAMP client through astropy's hub as a VOTable", async () => {
  hub = startHub();
  const ready = await Promise.race([next((m) => m.ready, "the hub to start", 600000), hub.exited.then((c) => { throw new Error(`samp_hub.py exited with ${c}`); })]);
  assert.equal(ready.hub, "http://localhost:21012/");
  // More rows than one page: the message carries the whole result, not the page shown.
  const count = await query("cone('M31','2deg')", "&size=25");
  assert.ok(count > 25, `only ${count} rows`);
  await page.click("#samp-send");
  await page.waitForFunction(() => { const b = document.getElementById("samp").dataset; return b.sent !== undefined || b.state === "error"; }, null, { timeout: 60000 });
  const s = await sampStatus();
  assert.equal(s.state, "ok", s.text);
  assert.match(s.text, new RegExp(`Sent ${count.toLocaleString("en")} rows to 2 SAMP applications: `));
  assert.match(s.text, new RegExp(`${RECEIVER} loaded it`));
  assert.match(s.text, new RegExp(`${JAVA_LIKE} loaded it`));
  assert.deepEqual((await replies()).map((r) => r.status).sort(), ["samp.ok", "samp.ok"]);
  const consent = await next((m) => m.consent, "the consent request");
  assert.equal(new URL(consent.origin).host, siteHost);
  for (const who of [RECEIVER, JAVA_LIKE]) {
    // An http URL of the serving site: every application can read it.
    const got = await next(fromReceiver("table.load.votable", who), `table.load.votable at ${who}`);
    assert.equal(got.error, undefined, got.error);
    assert.equal(got.rows, count);
    assert.ok(got.columns.includes("SRCID") && got.columns.includes("SC_RA"), got.columns.join());
    assert.ok(got.url.startsWith(base), got.url);
    assert.match(got.name, /cone\('M31','2deg'\)/);
  }
});

test("a row's button points SAMP applications at the source", async () => {
  await page.waitForSelector("#results tbody tr .samp-point");
  const [ra, dec] = await page.evaluate(() => {
    const t = document.getElementById("results");
    const head = [...t.tHead.querySelectorAll("th")].map((th) => th.querySelector("button").textContent.replace(/ [▲▼]$/, ""));
    const row = t.tBodies[0].rows[0];
    return [Number(row.cells[head.indexOf("SC_RA")].textContent), Number(row.cells[head.indexOf("SC_DEC")].textContent)];
  });
  await page.click("#results tbody tr:first-child .samp-point");
  for (const who of [RECEIVER, JAVA_LIKE]) {
    const got = await next(fromReceiver("coord.pointAt.sky", who), `coord.pointAt.sky at ${who}`);
    // The table shows 6 decimals; the message carries the full value.
    assert.ok(Math.abs(Number(got.ra) - ra) < 1e-6 && Math.abs(Number(got.dec) - dec) < 1e-6, JSON.stringify(got));
  }
  await page.waitForFunction(() => /Pointed 2 SAMP applications/.test(document.getElementById("samp-status").textContent));
  assert.deepEqual(consoleErrors.filter((m) => !m.includes("status of 404 (Not Found)")), []);
  assert.deepEqual(foreignRequests, []);
});

test("from a static site the table travels inside the message as a data: URL, and the page names the applications that cannot read it", async () => {
  // A static host answers the upload with 404, as any file server does.
  await page.route("**/_samp/tables", (route) => route.fulfill({ status: 404, contentType: "text/plain", body: "Not Found" }));
  const count = await query("M31");
  assert.ok(count > 0);
  await page.click("#samp-send");
  await page.waitForFunction(() => { const b = document.getElementById("samp").dataset; return b.sent !== undefined || b.state === "error"; }, null, { timeout: 60000 });
  const s = await sampStatus();
  // One application loaded it, so the page is not in an error state; it names the other.
  assert.equal(s.state, "ok", s.text);
  assert.match(s.text, new RegExp(`Sent ${count} rows to 2 SAMP applications: `));
  assert.match(s.text, new RegExp(`${RECEIVER} loaded it`));
  assert.match(s.text, new RegExp(`${JAVA_LIKE} could not load it \\(unknown protocol: data\\)`));
  assert.match(s.text, /This site is static files, so the table travelled inside the message as a data: URL, which some applications \(TOPCAT 4\.8, Aladin Desktop 12\) cannot read: use “Export all rows: VOTable”/);
  const answers = Object.fromEntries((await replies()).map((r) => [r.name, r]));
  assert.equal(answers[RECEIVER].status, "samp.ok");
  assert.equal(answers[JAVA_LIKE].status, "samp.error");
  const got = await next(fromReceiver("table.load.votable", RECEIVER), "table.load.votable");
  assert.equal(got.error, undefined, got.error);
  assert.ok(got.url.startsWith("data:application/x-votable+xml;base64,"), got.url.slice(0, 60));
  assert.equal(got.rows, count);
  assert.ok(got.columns.includes("SRCID"), got.columns.join());
  const refused = await next(fromReceiver("table.load.votable", JAVA_LIKE), "table.load.votable at the java-like receiver");
  assert.match(refused.error, /unknown protocol: data/);
  await page.unroute("**/_samp/tables");
  assert.deepEqual(consoleErrors.filter((m) => !m.includes("status of 404 (Not Found)")), []);
});

// The first shown row's cells by column name.
const firstRow = () => page.evaluate(() => {
  const t = document.getElementById("results");
  const head = [...t.tHead.querySelectorAll("th")].map((th) => th.querySelector("button").textContent.replace(/ [▲▼]$/, "").split(" ")[0]);
  const row = t.tBodies[0].rows[0];
  return { head, cells: [...row.cells].map((c) => c.textContent.replace(/SAMP$/, "").trim()) };
});

test("with a VO server, a static site sends the result as its TAP query, which every application loads", async () => {
  const vo = process.env.XCAT_VO_URL;
  assert.ok(vo, "XCAT_VO_URL (an xcat vo server over the same site) is not set");
  // A static host: the upload answers 404, so without the VO server the table would travel
  // as a data: URL that the java-like receiver refuses.
  await page.route("**/_samp/tables", (route) => route.fulfill({ status: 404, contentType: "text/plain", body: "Not Found" }));
  const count = await query("cone('M31','2deg') AND sc_det_ml > 10", "&sort=SC_DET_ML&desc=1&size=25");
  assert.ok(count > 25, `only ${count} rows`);
  // A site built with [site] vo_server_url states it so (the build's tests check the element).
  await page.evaluate((url) => {
    const m = document.createElement("meta");
    m.name = "xcat:vo-server";
    m.content = url;
    document.head.append(m);
  }, vo);
  const shown = await firstRow();
  await page.click("#samp-send");
  await page.waitForFunction(() => { const b = document.getElementById("samp").dataset; return (b.sent !== undefined && b.url && !b.url.startsWith("data:") && b.url.includes("tap/sync")) || b.state === "error"; }, null, { timeout: 60000 });
  const s = await sampStatus();
  assert.equal(s.state, "ok", s.text);
  const voHost = new URL(vo).host;
  assert.match(s.text, new RegExp(`^Sent ${count.toLocaleString("en")} rows to 2 SAMP applications \\(as a query of the VO server at ${voHost}\\): `));
  assert.match(s.text, new RegExp(`${JAVA_LIKE} loaded it`));
  for (const who of [RECEIVER, JAVA_LIKE]) {
    const got = await next((m) => fromReceiver("table.load.votable", who)(m) && m.url.includes("tap/sync"), `the TAP query at ${who}`);
    assert.equal(got.error, undefined, got.error);
    assert.ok(got.url.startsWith(vo + "tap/sync?"), got.url);
    const q = new URL(got.url).searchParams;
    assert.equal(q.get("REQUEST"), "doQuery");
    assert.equal(q.get("MAXREC"), String(count));
    assert.match(q.get("QUERY"), /^SELECT .+ FROM xmm4_dr14\.sources WHERE .+ ORDER BY SC_DET_ML DESC$/);
    // The same rows, columns and order as the page.
    assert.equal(got.rows, count);
    assert.deepEqual(got.columns, shown.head);
    assert.equal(got.first, shown.cells[0]);
  }
  await page.unroute("**/_samp/tables");
  // The page itself never called the VO server: the applications did.
  assert.deepEqual(foreignRequests, []);
});

test("a source page sends its static source.vot and points SAMP applications at the source", async () => {
  await query("M31");
  const href = await page.evaluate(() => document.querySelector("#results tbody a[href*='source/']").href);
  await page.goto(href);
  await page.waitForSelector("#samp-send");
  const srcid = await page.evaluate(() => document.querySelector(".sub").textContent.match(/SRCID (\d+)/)[1]);
  await page.click("#samp-send");
  await page.waitForFunction(() => { const b = document.getElementById("samp").dataset; return b.sent !== undefined || b.state === "error"; }, null, { timeout: 60000 });
  const s = await sampStatus();
  assert.equal(s.state, "ok", s.text);
  assert.match(s.text, new RegExp(`${RECEIVER} loaded it; ${JAVA_LIKE} loaded it\\.$`));
  for (const who of [RECEIVER, JAVA_LIKE]) {
    const got = await next((m) => fromReceiver("table.load.votable", who)(m) && m.url.endsWith("source.vot"), `source.vot at ${who}`);
    assert.equal(got.error, undefined, got.error);
    assert.equal(got.url, new URL("source.vot", href).href);
    assert.equal(got.rows, 1, "the source's own table comes first");
    assert.equal(got.first, srcid);
  }
  const [ra, dec] = await page.evaluate(() => [document.getElementById("samp").dataset.ra, document.getElementById("samp").dataset.dec]);
  await page.click("#samp-point");
  for (const who of [RECEIVER, JAVA_LIKE]) {
    const got = await next(fromReceiver("coord.pointAt.sky", who), `coord.pointAt.sky at ${who}`);
    assert.equal(Number(got.ra), Number(ra));
    assert.equal(Number(got.dec), Number(dec));
  }
  assert.deepEqual(consoleErrors.filter((m) => !m.includes("status of 404 (Not Found)")), []);
  assert.deepEqual(foreignRequests, []);
});
