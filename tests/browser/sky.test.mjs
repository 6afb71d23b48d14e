// End-to-end tests of the sky views (Aladin Lite from the CDS) on the built demo site, in
// headless Chromium. The CDS is never contacted: every request that leaves the site is
// intercepted, either refused (the service is unreachable) or answered with a small stand-in
// for aladin.js that records what the page asks of it.
// Usage: node tests/browser/sky.test.mjs <site URL>
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.mjs";

const base = process.argv[2] || process.env.XCAT_SITE_URL;
if (!base) throw new Error("usage: sky.test.mjs <site URL>");
const siteHost = new URL(base).host;
const ALADIN = "https://aladin.cds.unistra.fr/AladinLite/api/v3/latest/aladin.js";

// A stand-in for Aladin Lite v3: the A global with the calls the site makes, recorded in
// window.__aladin.
const STUB = `
window.__aladin = { views: [], catalogs: [], hips: [], mocs: [], handlers: {} };
window.A = {
  init: Promise.resolve(),
  aladin(div, options) {
    const rec = { options, catalogs: [], mocs: [], goto: null, fov: null };
    window.__aladin.views.push(rec);
    return {
      addCatalog(c) { rec.catalogs.push(c); },
      addMOC(m) { rec.mocs.push(m); },
      on(name, fn) { window.__aladin.handlers[name] = fn; },
      gotoRaDec(ra, dec) { rec.goto = [ra, dec]; },
      setFoV(f) { rec.fov = f; },
    };
  },
  catalogHiPS(url, options) { const c = { kind: "hips", url, options }; window.__aladin.hips.push(c); return c; },
  MOCFromURL(url, options) { const m = { url, options }; window.__aladin.mocs.push(m); return m; },
  catalog(options) {
    const c = { kind: "catalog", options, sources: [], addSources(s) { this.sources.push(...s); }, removeAll() { this.sources = []; } };
    window.__aladin.catalogs.push(c);
    return c;
  },
  source(ra, dec, data) { return { ra, dec, data }; },
};`;

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => { await browser?.close(); });

// A page whose requests outside the site are answered by `foreign` (refused by default).
async function newPage(foreign = (route) => route.abort("internetdisconnected")) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const log = { errors: [], foreign: [] };
  await context.route((url) => url.host !== siteHost, (route) => {
    log.foreign.push(route.request().url());
    return foreign(route);
  });
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // Chromium logs a refused request itself; that is the network, not the page's code.
    const fromNetwork = m.text().startsWith("Failed to load resource") && (m.location().url || "").startsWith("https://aladin.cds.unistra.fr/");
    if (!fromNetwork && !m.text().includes("favicon")) log.errors.push(m.text());
  });
  page.on("pageerror", (e) => log.errors.push("page error: " + String(e)));
  // Unhandled promise rejections reach the console as errors, and are counted above too.
  return { page, log };
}

async function sourceWithObservation(page) {
  await page.goto(`${base}query/?q=${encodeURIComponent("M82")}&sort=SRCID`);
  await page.waitForSelector("#results[data-state=done]", { state: "attached", timeout: 30000 });
  const href = await page.getAttribute("#results tbody a", "href");
  assert.match(href, /^\.\.\/source\/\d+\/$/);
  return new URL(href, page.url()).href;
}

test("without the CDS the sky views say so and the pages keep working", async () => {
  const { page, log } = await newPage();
  const src = await sourceWithObservation(page);
  await page.goto(src);
  const view = page.locator(".skyview");
  assert.equal(await view.count(), 1);
  // Nothing is fetched from the CDS while the view is out of sight.
  assert.deepEqual(log.foreign, []);
  await view.scrollIntoViewIfNeeded();
  await page.waitForSelector(".skyview[data-sky=unavailable]", { timeout: 30000 });
  assert.equal(
    (await page.textContent(".skyview .sky-msg")).trim(),
    "Sky view needs the CDS Aladin Lite service, which could not be reached.",
  );
  assert.deepEqual(log.foreign, [ALADIN]);
  // The rest of the page is there.
  assert.ok((await page.locator("#detections ~ .scroll tbody tr, section[aria-labelledby=detections] tbody tr").count()) > 0);

  const obs = await page.getAttribute("section[aria-labelledby=detections] tbody a[href*='observation/']", "href");
  await page.goto(new URL(obs, page.url()).href);
  const facts = await page.textContent("dl.facts");
  assert.match(facts, /Coverage \(MOC\)\s*\d+\.\d{3} deg²/);
  await page.locator(".skyview").scrollIntoViewIfNeeded();
  await page.waitForSelector(".skyview[data-sky=unavailable]", { timeout: 30000 });
  assert.match(await page.textContent(".skyview .sky-msg"), /could not be reached/);

  await page.goto(`${base}query/?q=M82`);
  await page.waitForSelector("#results[data-state=done]", { state: "attached", timeout: 30000 });
  await page.click("#sky-result .sky-msg button");
  await page.waitForSelector("#sky-result[data-sky=unavailable]", { timeout: 30000 });
  assert.match(await page.textContent("#sky-result .sky-msg"), /could not be reached/);
  // The query page still answers queries.
  await page.fill("#q", "cone('M31', '30arcmin')");
  await page.press("#q", "Enter");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("q") === "cone('M31', '30arcmin')");
  await page.waitForSelector("#results[data-state=done]", { state: "attached", timeout: 30000 });
  assert.deepEqual(log.errors, []);
  assert.ok(log.foreign.every((u) => u === ALADIN), log.foreign.join());
  await page.context().close();
});

test("with Aladin Lite, the query result and the HiPS catalogue are overlaid", async () => {
  const { page, log } = await newPage((route) =>
    route.request().url() === ALADIN
      ? route.fulfill({ status: 200, contentType: "text/javascript", body: STUB })
      : route.abort("internetdisconnected"));
  await page.goto(`${base}query/?q=${encodeURIComponent("cone('M31', '1deg')")}&size=25`);
  await page.waitForSelector("#results[data-state=done]", { state: "attached", timeout: 30000 });
  // Loaded only when asked.
  assert.deepEqual(log.foreign, []);
  const shown = await page.locator("#results tbody tr").count();
  const count = Number(await page.getAttribute("#results", "data-count"));
  assert.ok(shown > 0 && shown <= 25);
  assert.ok(count > 25, `the M31 cone should span several pages, has ${count} rows`);
  await page.click("#sky-result .sky-msg button");
  await page.waitForSelector("#sky-result[data-sky=ready]", { timeout: 30000 });
  // Every row of the result, not only the shown page, becomes a marker.
  await page.waitForFunction((n) => document.getElementById("sky-result").dataset.markers === String(n), count);
  let rec = await page.evaluate(() => window.__aladin);
  assert.equal(rec.views.length, 1);
  assert.deepEqual(rec.hips.map((h) => h.url), [new URL("hips", base).href]);
  assert.equal(rec.catalogs.length, 1);
  assert.equal(rec.catalogs[0].sources.length, count);
  assert.match(await page.textContent("#sky-result .sky-note"), new RegExp(`All ${count.toLocaleString("en")} sources`));
  const first = rec.catalogs[0].sources[0];
  assert.ok(Number.isFinite(first.ra) && Number.isFinite(first.dec));
  // M31 at (10.6847, +41.2688); the view is centred on the 1° cone's sources.
  const [ra, dec] = rec.views[0].goto;
  assert.ok(Math.abs(ra - 10.68) < 1 && Math.abs(dec - 41.27) < 1, `${ra} ${dec}`);
  assert.ok(rec.views[0].fov > 0.5 && rec.views[0].fov < 6, String(rec.views[0].fov));
  // A new result replaces the markers.
  await page.fill("#q", "M82");
  await page.press("#q", "Enter");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("q") === "M82");
  await page.waitForSelector("#results[data-state=done]", { state: "attached", timeout: 30000 });
  const m82 = Number(await page.getAttribute("#results", "data-count"));
  await page.waitForFunction((n) => document.getElementById("sky-result").dataset.markers === String(n), m82);
  rec = await page.evaluate(() => window.__aladin);
  assert.equal(rec.catalogs[0].sources.length, m82);
  // Clicking a marker opens its source page.
  const id = rec.catalogs[0].sources[0].data.SRCID;
  await Promise.all([
    page.waitForURL(new URL(`source/${id}/`, base).href),
    page.evaluate((d) => window.__aladin.handlers.objectClicked({ data: d }), rec.catalogs[0].sources[0].data),
  ]);
  assert.deepEqual(log.errors, []);
  await page.context().close();
});

test("with Aladin Lite, an observation page draws its MOC", async () => {
  const { page, log } = await newPage((route) =>
    route.request().url() === ALADIN
      ? route.fulfill({ status: 200, contentType: "text/javascript", body: STUB })
      : route.abort("internetdisconnected"));
  const src = await sourceWithObservation(page);
  await page.goto(src);
  const obs = await page.getAttribute("section[aria-labelledby=detections] tbody a[href*='observation/']", "href");
  const obsUrl = new URL(obs, page.url()).href;
  await page.goto(obsUrl);
  await page.locator(".skyview").scrollIntoViewIfNeeded();
  await page.waitForSelector(".skyview[data-sky=ready]", { timeout: 30000 });
  const rec = await page.evaluate(() => window.__aladin);
  assert.deepEqual(rec.mocs.map((m) => m.url), [new URL("moc.json", obsUrl).href]);
  assert.deepEqual(rec.hips.map((h) => h.url), [new URL("hips", base).href]);
  // The MOC file it points at is served.
  const r = await page.request.get(new URL("moc.json", obsUrl).href);
  assert.equal(r.status(), 200);
  const moc = await r.json();
  assert.ok(Object.keys(moc).length > 0);
  assert.deepEqual(log.errors, []);
  await page.context().close();
});

// The real Aladin Lite: npm's aladin-lite is the CDS build as an ES module (its last statement
// exports the A object); the CDS serves it as a classic script defining the global A.
function realAladin() {
  const file = fileURLToPath(new URL("../../node_modules/aladin-lite/dist/aladin.js", import.meta.url));
  const src = readFileSync(file, "utf8");
  const classic = src.replace(/export\s*\{\s*(\w+)\s+as\s+default\s*\};?\s*$/, "window.A=$1;");
  assert.notEqual(classic, src, `${file} no longer ends with its default export`);
  return classic;
}

test("the real Aladin Lite (npm aladin-lite) draws the view and reads the site's HiPS catalogue", async () => {
  const js = realAladin();
  // Aladin Lite is served; the image surveys of the CDS stay unreachable.
  const { page, log } = await newPage((route) => (route.request().url() === ALADIN
    ? route.fulfill({ status: 200, contentType: "application/javascript", body: js })
    : route.abort("internetdisconnected")));
  const hips = new Map();
  page.on("response", (r) => {
    const u = new URL(r.url());
    if (u.host === siteHost && u.pathname.includes("/hips")) hips.set(u.pathname, r.status());
  });
  const src = await sourceWithObservation(page);
  await page.goto(src);
  const allsky = page.waitForResponse((r) => r.url().endsWith("/hips/Norder1/Allsky.tsv"), { timeout: 60000 });
  await page.locator(".skyview").scrollIntoViewIfNeeded();
  await page.waitForSelector(".skyview[data-sky=ready]", { timeout: 60000 });
  await allsky;
  // Aladin Lite draws into canvases (WebGL2).
  assert.ok((await page.locator(".skyview canvas").count()) > 0);
  // The HiPS catalogue is read at the URLs Aladin asks for: properties, Metadata.xml (with a
  // capital M, as HiPS 1.0 names it) and the all-sky tiles; no doubled slash.
  for (const f of ["properties", "Metadata.xml", "Norder1/Allsky.tsv"]) {
    assert.equal(hips.get(`/hips/${f}`), 200, `hips/${f}: ${JSON.stringify([...hips])}`);
  }
  assert.ok([...hips.keys()].every((p) => !p.includes("//")), JSON.stringify([...hips.keys()]));
  assert.ok([...hips.values()].every((s) => s === 200), JSON.stringify([...hips]));
  // Offline, Aladin Lite reports the unreachable optical survey (P/DSS2/color) itself and
  // then looks for it under the page's folder; nothing else may fail.
  const ours = log.errors.filter((e) => !/P\/DSS2|Failed to fetch|Failed to load resource/.test(e));
  assert.deepEqual(ours, []);
  assert.equal(await page.textContent(".skyview .sky-msg").catch(() => null), null, "no failure message");
  await page.context().close();
});
