// End-to-end tests of a site with two releases (the built-in demo: 5XMM-DR15 current and
// 4XMM-DR14 legacy, one synthetic sky), in headless Chromium: the release menu and its
// permalinks, source pages of both releases linking each other, a 4XMM name on the 5XMM query
// page, and the upper-limit arrows of a stacked source's light curve.
// Usage: node tests/browser/releases.test.mjs <site URL>
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, recordProblems } from "./chromium.mjs";

const base = process.argv[2] || process.env.XCAT_SITE_URL;
if (!base) throw new Error("usage: releases.test.mjs <site URL>");
const siteHost = new URL(base).host;

let browser, page;
const consoleErrors = [];
const foreignRequests = [];
const missing = [];

before(async () => {
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  page.on("response", (r) => { if (r.status() >= 400) missing.push(new URL(r.url()).pathname); });
  recordProblems(page, consoleErrors, foreignRequests, (u) => u.host === siteHost);
});

after(async () => { await browser?.close(); });

async function done() {
  await page.waitForSelector("#results[data-state=done], #results[data-state=error]", { timeout: 30000, state: "attached" });
  return page.evaluate(() => {
    const t = document.getElementById("results");
    const head = [...t.tHead.querySelectorAll("th")].map((th) => th.querySelector("button").textContent.replace(/ [▲▼]$/, ""));
    const rows = [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent.replace(/SAMP$/, "")));
    const note = document.getElementById("qresolved");
    return { state: t.dataset.state, count: Number(t.dataset.count || -1), head, rows,
      error: document.getElementById("qerror").hidden ? null : document.getElementById("qerror-text").textContent,
      release: document.getElementById("release").value,
      note: note.hidden ? "" : note.textContent,
      counterpart: note.querySelector("a.counterpart")?.getAttribute("href") || null };
  });
}

async function query(q, extra = "") {
  await page.goto(`${base}query/?q=${encodeURIComponent(q)}${extra}`);
  return done();
}

const ids = (t) => t.rows.map((r) => r[t.head.indexOf("SRCID")]);

test("the query page opens the current release and switches release with a permalink", async () => {
  const five = await query("stack_det_ml < 100");
  assert.equal(five.state, "done", five.error);
  assert.equal(five.release, "5xmm-dr15");
  assert.ok(five.count > 0);
  // 5XMM SRCIDs are 16 digits starting with 3; its position columns are RA and DEC.
  assert.ok(ids(five).every((id) => /^3\d{15}$/.test(id)), ids(five)[0]);
  assert.ok(five.head.includes("RA") && five.head.includes("STACK_DET_ML"), five.head.join());
  // 4XMM column names are not 5XMM's: a clear error with a suggestion.
  const wrong = await query("sc_det_ml < 100");
  assert.equal(wrong.state, "error");
  assert.match(wrong.error, /sc_det_ml/i);
  // The menu switches to the legacy release; the choice is in the address.
  await page.goto(`${base}query/?q=${encodeURIComponent("sc_det_ml < 100")}`);
  await done();
  await page.selectOption("#release", "4xmm-dr14");
  await page.waitForURL(/release=4xmm-dr14/);
  await page.fill("#q", "sc_det_ml < 100");
  await page.click("#qform button");
  await page.waitForFunction(() => document.getElementById("results").dataset.state === "done" && document.documentElement.dataset.release === "4xmm-dr14");
  const four = await done();
  assert.equal(four.release, "4xmm-dr14");
  assert.ok(new URL(page.url()).searchParams.get("release") === "4xmm-dr14", page.url());
  assert.ok(four.count > 0 && ids(four).every((id) => /^2\d{14}$/.test(id)), ids(four)[0]);
  assert.ok(four.head.includes("SC_RA"), four.head.join());
  // The permalink opens the same release.
  const again = await query("sc_det_ml < 100", "&release=4xmm-dr14");
  assert.equal(again.release, "4xmm-dr14");
  assert.equal(again.count, four.count);
  // An unknown release says which exist.
  await page.goto(`${base}query/?q=M31&release=9xmm-dr1`);
  const bad = await done();
  assert.equal(bad.state, "error");
  assert.match(bad.error, /no release "9xmm-dr1".*5xmm-dr15, 4xmm-dr14|5xmm-dr15.*4xmm-dr14/);
});

test("source pages of both releases link their counterparts, and a 4XMM name finds its 5XMM counterpart", async () => {
  const four = await query("cone('M31', '10arcmin')", "&release=4xmm-dr14&cols=SRCID,IAUNAME,SRCID_5XMM_DR15,SEP_5XMM_DR15&sort=SRCID");
  assert.equal(four.state, "done", four.error);
  const row = four.rows.find((r) => r[2] !== "");
  assert.ok(row, "no 4XMM source near M31 has a 5XMM counterpart");
  const [srcid, name, cp] = row;
  assert.ok(Number(row[3]) >= 0 && Number(row[3]) <= 15, `separation ${row[3]}″`);
  // The 4XMM page says it is superseded and links the 5XMM page, which links back.
  await page.goto(`${base}source/${srcid}/`);
  const superseded = await page.getAttribute("#release-note a.superseded", "href");
  assert.equal(new URL(superseded, page.url()).pathname, new URL(`source/${cp}/`, base).pathname);
  await page.click("#release-note a.superseded");
  await page.waitForURL(new URL(`source/${cp}/`, base).href);
  assert.match(await page.textContent("#release-note"), /5XMM-DR15, the current release/);
  const back = await page.$$eval("#counterparts tr[data-release='4xmm-dr14'] a", (as) => as.map((a) => a.getAttribute("href")));
  assert.equal(back.length, 1);
  // The 5XMM source's best 4XMM counterpart is a 4XMM source of that position (often the same).
  assert.match(back[0], /source\/2\d{14}\/$/);
  // The 4XMM IAU name typed on the 5XMM query page: the cone is centred on its counterpart.
  const found = await query(name, "&cols=SRCID,IAUNAME&sort=SRCID");
  assert.equal(found.state, "done", found.error);
  assert.equal(found.release, "5xmm-dr15");
  assert.match(found.note, new RegExp(`${name.replace(/[.+]/g, "\\$&")}: 4XMM-DR14 source; its counterpart in 5XMM-DR15`));
  assert.equal(found.counterpart, `../source/${cp}/`);
  assert.ok(ids(found).includes(cp), `${cp} not in the result`);
});

test("observation pages list the sources of both releases", async () => {
  const four = await query("cone('M31', '10arcmin')", "&release=4xmm-dr14&cols=SRCID&sort=SRCID");
  await page.goto(`${base}source/${ids(four)[0]}/`);
  const obs = await page.getAttribute("section[aria-labelledby=detections] tbody a[href*='observation/']", "href");
  await page.goto(new URL(obs, page.url()).href);
  assert.match(await page.textContent("p.sub"), /in 5XMM-DR15/);
  const legacy = await page.$$eval("section.other-release[data-release='4xmm-dr14'] tbody a", (as) => as.map((a) => a.getAttribute("href")));
  assert.ok(legacy.some((h) => h.endsWith(`source/${ids(four)[0]}/`)), "the 4XMM source is listed on its observation's page");
});

test("a stacked source's light curve draws its upper limits as arrows", async () => {
  const t = await query("n_upper_limits > 1 AND n_detections > 1", "&cols=SRCID,N_DETECTIONS,N_UPPER_LIMITS&sort=N_UPPER_LIMITS&desc=1");
  assert.equal(t.state, "done", t.error);
  assert.ok(t.count > 0, "no 5XMM demo source with detections and upper limits");
  const [id, , nul] = t.rows[0];
  await page.goto(`${base}source/${id}/`);
  const kinds = await page.$$eval("section[aria-labelledby=detections] tbody tr", (trs) => trs.map((tr) => tr.textContent));
  assert.equal(kinds.filter((k) => /upper limit/.test(k)).length, Number(nul));
  const arrows = await page.$$eval("svg g.ul path.ul", (ps) => ps.map((p) => p.getAttribute("d")));
  assert.ok(arrows.length > 0 && arrows.length <= Number(nul), `${arrows.length} arrows for ${nul} upper limits`);
  // Each arrow is a bar at the limit, a shaft down (SVG y grows downwards) and a head.
  for (const d of arrows) {
    const m = d.match(/^M[\d.]+ ([\d.]+)h8M[\d.]+ [\d.]+V([\d.]+)/);
    assert.ok(m && Number(m[2]) > Number(m[1]), d);
  }
  // Detections keep their points with error bars.
  assert.ok(await page.$$eval("svg g.pt:not(.ul)", (g) => g.length) > 0);
});

test("the diagrams plot the stack's own columns, on the release of the address", async () => {
  const params = new URLSearchParams({ q: "n_obs > 1", x: "STACK_FLUX", y: "STACK_GAMMA", xlog: "1" });
  await page.goto(`${base}diagrams/?${params}`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector("#plot[data-state=done], #plot[data-state=error]", { timeout: 60000, state: "attached" });
  const d = await page.evaluate(() => ({ ...document.getElementById("plot").dataset, release: document.getElementById("drelease").value,
    error: document.getElementById("qerror").hidden ? null : document.getElementById("qerror-text").textContent }));
  assert.equal(d.state, "done", d.error);
  assert.equal(d.release, "5xmm-dr15");
  assert.ok(Number(d.count) > 0 && Number(d.points) > 0, JSON.stringify(d));
  // The same address on the legacy release: 4XMM has no STACK_FLUX, and says so.
  await page.goto(`${base}diagrams/?${params}&release=4xmm-dr14`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector("#plot[data-state=done], #plot[data-state=error]", { timeout: 60000, state: "attached" });
  const e = await page.evaluate(() => document.getElementById("qerror-text").textContent);
  assert.match(e, /n_obs|STACK_FLUX/i);
});

test("no console errors, missing files or requests off the site", () => {
  // Source pages load Aladin Lite from the CDS for their sky view (unreachable offline).
  assert.ok(foreignRequests.every((u) => new URL(u).hostname === "aladin.cds.unistra.fr"), foreignRequests.join("\n"));
  assert.ok(consoleErrors.length <= foreignRequests.length && consoleErrors.every((e) => /^Failed to load resource: net::ERR_/.test(e)), consoleErrors.join("\n"));
  assert.deepEqual(missing, []);
});
