// End-to-end tests of the session panel of the query page (history, saved queries,
// preferences, export and import), in headless Chromium. Usage: XCAT_SITE_URL=<site URL> node --test session.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium, recordProblems } from "./chromium.mjs";

const base = process.env.XCAT_SITE_URL || process.argv[2];
// The demo site's 4XMM-DR14 release (its legacy release beside 5XMM-DR15): these tests check
// the 4XMM behaviour, with its column names.
const RELEASE = "4xmm-dr14";
if (!base) throw new Error("usage: XCAT_SITE_URL=<site URL> node --test session.test.mjs");
const siteHost = new URL(base).host;

let browser, context, page;
const consoleErrors = [];
const foreignRequests = [];

before(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  recordProblems(page, consoleErrors, foreignRequests, (u) => u.host === siteHost);
});

after(async () => { await browser?.close(); });

async function query(q, extra = "", release = RELEASE) {
  await page.goto(`${base}query/?q=${encodeURIComponent(q)}${release ? "&release=" + release : ""}${extra}`);
  await page.waitForSelector("#results[data-state=done], #results[data-state=error]", { timeout: 30000, state: "attached" });
}

const panel = () => page.evaluate(() => ({
  saved: [...document.querySelectorAll("#session-saved li")].map((li) => [li.querySelector("b").textContent, li.querySelector("a").textContent]),
  history: [...document.querySelectorAll("#session-history li")].map((li) => li.textContent),
  status: document.getElementById("session-status").textContent,
}));

test("the history lists the queries run, newest first, without repeats", async () => {
  await page.goto(`${base}query/`);
  await page.evaluate(() => localStorage.clear());
  // The current release (no release in the address), the legacy one, the current again.
  await query("M82", "", "");
  await query("cone('M31','1deg')");
  await query("M82", "", "");
  const p = await panel();
  assert.deepEqual(p.history, ["M82", "cone('M31','1deg') (4xmm-dr14)"]);
  // A history entry runs its query, on the release it ran on.
  await page.click("#session-history-box summary");
  await page.click("#session-history li:nth-child(2) a");
  await page.waitForFunction((r) => new URLSearchParams(location.search).get("q") === "cone('M31','1deg')" && document.documentElement.dataset.release === r, RELEASE);
  await page.waitForSelector("#results[data-state=done]", { state: "attached" });
  assert.equal(new URLSearchParams(await page.evaluate(() => location.search)).get("release"), RELEASE);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.release), RELEASE);
  assert.deepEqual((await panel()).history, ["cone('M31','1deg') (4xmm-dr14)", "M82"]);
});

test("a saved query survives a reload and runs from the list", async () => {
  await query("is_ulx = true AND n_detections > 2");
  await page.fill("#session-name", "ULX seen often");
  await page.click("#session-save button[type=submit]");
  assert.match((await panel()).status, /Saved as "ULX seen often"/);
  await page.goto(`${base}query/`);
  await page.waitForSelector("#session-saved li");
  const p = await panel();
  assert.deepEqual(p.saved, [["ULX seen often", "is_ulx = true AND n_detections > 2"]]);
  await page.click("#session-saved li a");
  await page.waitForSelector("#results[data-state=done]", { state: "attached" });
  assert.equal(await page.inputValue("#q"), "is_ulx = true AND n_detections > 2");
});

test("11: a saved query keeps its sort and columns, not only its text", async () => {
  await query("cone('M31','1deg')", "&sort=SC_DET_ML&desc=1&cols=SRCID,SC_DET_ML");
  await page.fill("#session-name", "bright near M31");
  await page.click("#session-save button[type=submit]");
  assert.match((await panel()).status, /Saved as "bright near M31"/);
  await page.goto(`${base}query/`);
  await page.waitForSelector("#session-saved li");
  const link = page.locator("#session-saved li", { hasText: "bright near M31" }).locator("a");
  assert.match(await link.getAttribute("href"), /sort=SC_DET_ML&desc=1&cols=SRCID%2CSC_DET_ML/);
  await link.click();
  await page.waitForFunction(() => new URLSearchParams(location.search).get("sort") === "SC_DET_ML");
  await page.waitForSelector("#results[data-state=done]", { state: "attached" });
  const p = new URLSearchParams(await page.evaluate(() => location.search));
  assert.equal(p.get("desc"), "1");
  assert.equal(p.get("cols"), "SRCID,SC_DET_ML");
  const head = await page.evaluate(() => [...document.querySelectorAll("#results thead button")].map((b) => b.dataset.column));
  assert.deepEqual(head, ["SRCID", "SC_DET_ML"]);
});

test("display choices made on the page become preferences for links that set none", async () => {
  await query("M82");
  await page.selectOption("#frame", "galactic");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("frame") === "galactic");
  await page.selectOption("#size", "25");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("size") === "25");
  await page.waitForFunction(() => window.xcatSession.get().prefs.size === 25);
  assert.deepEqual((await page.evaluate(() => window.xcatSession.get())).prefs, { frame: "galactic", size: 25 });
  await page.goto(`${base}query/?q=M82&release=${RELEASE}`);
  await page.waitForSelector("#results[data-state=done]", { state: "attached" });
  const s = await page.evaluate(() => ({ frame: document.getElementById("frame").value, size: document.getElementById("size").value, head: document.querySelector("#results thead").textContent, url: location.search }));
  assert.equal(s.frame, "galactic");
  assert.equal(s.size, "25");
  assert.match(s.head, /SC_RA \(l\)/);
  // Defect 11: the link is not rewritten with the preferences; it still names what it named.
  assert.doesNotMatch(s.url, /frame=|size=/);
  // A link that sets a display choice is shown as it says; the preferences fill in only what
  // it leaves unsaid, and change no preference.
  await query("M82", "&fmt=sexa&frame=j2000");
  assert.equal(await page.inputValue("#frame"), "j2000");
  assert.equal(await page.inputValue("#coordfmt"), "sexa");
  assert.equal(await page.inputValue("#size"), "25");
  await query("M82", "&fmt=sexa");
  assert.equal(await page.inputValue("#frame"), "galactic");
  assert.deepEqual((await page.evaluate(() => window.xcatSession.get())).prefs, { frame: "galactic", size: 25 });
  // Choosing the built-in default where a preference says otherwise sticks.
  await page.selectOption("#frame", "j2000");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("frame") === "j2000");
  await page.waitForFunction(() => window.xcatSession.get().prefs.frame === undefined);
  assert.equal(await page.inputValue("#frame"), "j2000");
  assert.equal(await page.inputValue("#size"), "25");
});

test("export and import round-trip the session; a bad file is refused with a clear error", async () => {
  await query("M82");
  const before = await page.evaluate(() => window.xcatSession.get());
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#session-export")]);
  const text = await readFile(await dl.path(), "utf8");
  const exported = JSON.parse(text);
  assert.deepEqual(exported, before);
  assert.equal(exported.format, "xcat-session");
  assert.ok(exported.saved.length === 2 && exported.history.length >= 3);

  const dir = await mkdtemp(join(tmpdir(), "xcat-session-"));
  const bad = join(dir, "bad.json");
  await writeFile(bad, JSON.stringify({ ...exported, history: [{ q: 42 }] }));
  await page.setInputFiles("#session-import", bad);
  await page.waitForFunction(() => document.getElementById("session-status").textContent.startsWith("Import failed"));
  assert.match((await panel()).status, /Import failed: not an xcat session: history\[0\]\.q must be a non-empty text\. Nothing was changed\./);
  await writeFile(bad, "{ not json");
  await page.setInputFiles("#session-import", bad);
  await page.waitForFunction(() => /is not valid JSON/.test(document.getElementById("session-status").textContent));

  // Clear everything, then import the export: the same session again.
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${base}query/`);
  await page.waitForSelector("#session");
  assert.deepEqual((await panel()).saved, []);
  const good = join(dir, "good.json");
  await writeFile(good, text);
  await page.setInputFiles("#session-import", good);
  await page.waitForFunction(() => document.getElementById("session-status").textContent.startsWith("Session imported"));
  assert.deepEqual(await page.evaluate(() => window.xcatSession.get()), before);
  await page.reload();
  await page.waitForSelector("#session-saved li");
  assert.deepEqual((await panel()).saved, [["bright near M31", "cone('M31','1deg')"], ["ULX seen often", "is_ulx = true AND n_detections > 2"]]);
});

test("the query page links the diagrams of the current query", async () => {
  await query("M82");
  const href = await page.getAttribute("#qdiagrams", "href");
  assert.ok(href.startsWith("../diagrams/?"), href);
  assert.equal(new URLSearchParams(href.split("?")[1]).get("q"), "M82");
  assert.deepEqual(consoleErrors.filter((m) => !m.includes("status of 404 (Not Found)")), []);
  assert.deepEqual(foreignRequests, []);
});
