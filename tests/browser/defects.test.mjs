// Defects found by using the demo site as an astronomer would (one test per defect, named
// after it), in headless Chromium. Usage: node --test defects.test.mjs <site URL>
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { launchChromium, recordProblems } from "./chromium.mjs";

const base = process.argv[2] || process.env.XCAT_SITE_URL;
if (!base) throw new Error("usage: defects.test.mjs <site URL>");
const siteHost = new URL(base).host;
// The demo's 4XMM-DR14 release (these tests use its column names).
const RELEASE = "4xmm-dr14";

let browser, page;
const consoleErrors = [];
const foreignRequests = [];

before(async () => {
  browser = await launchChromium();
  page = await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage();
  recordProblems(page, consoleErrors, foreignRequests, (u) => u.host === siteHost);
});

after(async () => { await browser?.close(); });

async function open(q, extra = "") {
  await page.goto(`${base}query/?q=${encodeURIComponent(q)}&release=${RELEASE}${extra}`);
  await page.waitForFunction(() => ["done", "error", "idle"].includes(document.getElementById("results").dataset.state) && document.documentElement.dataset.xcat === "ready");
}

const shown = (id) => page.evaluate((id) => {
  const e = document.getElementById(id);
  return !!e && !e.hidden && getComputedStyle(e).display !== "none";
}, id);

test("6: clearing the box and pressing Enter clears the result and says what to type", async () => {
  await open("M31");
  assert.ok(await page.evaluate(() => document.getElementById("results").tBodies[0].rows.length > 0));
  await page.fill("#q", "");
  await page.press("#q", "Enter");
  await page.waitForFunction(() => document.getElementById("results").dataset.state === "idle");
  const s = await page.evaluate(() => ({
    rows: document.getElementById("results").tBodies[0].rows.length,
    count: document.getElementById("results").dataset.count,
    status: document.getElementById("qstatus").textContent,
  }));
  assert.equal(s.rows, 0);
  assert.equal(s.count, undefined);
  assert.match(s.status, /^Type a query: an object name/);
  // An empty search from the home page says the same.
  await page.goto(`${base}query/?q=`);
  await page.waitForFunction(() => document.getElementById("results").dataset.state === "idle" && /^Type a query/.test(document.getElementById("qstatus").textContent));
});

test("7: exports, diagrams and SAMP are hidden with no result or a failed query", async () => {
  await open("M31");
  assert.ok(await shown("qcontrols"), "shown with a result");
  assert.ok(await shown("samp"), "SAMP shown with a result");
  await open("sc_det_ml >");
  assert.equal(await page.evaluate(() => document.getElementById("results").dataset.state), "error");
  assert.equal(await shown("qcontrols"), false, "hidden after an error");
  assert.equal(await shown("samp"), false, "SAMP hidden after an error");
  await open("");
  assert.equal(await shown("qcontrols"), false, "hidden with no query");
  assert.equal(await shown("samp"), false);
});

test("8: a page past the end shows the last page", async () => {
  await open("cone('M31','1deg')", "&size=25&page=99999");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("page") !== "99999");
  await page.waitForFunction(() => document.getElementById("results").dataset.state === "done");
  const s = await page.evaluate(() => ({
    count: Number(document.getElementById("results").dataset.count),
    rows: document.getElementById("results").tBodies[0].rows.length,
    info: document.getElementById("pageinfo").textContent,
    page: new URLSearchParams(location.search).get("page"),
  }));
  const pages = Math.ceil(s.count / 25);
  assert.ok(pages >= 2, `${s.count} rows`);
  assert.equal(s.info, `page ${pages} of ${pages}`);
  assert.equal(s.page, String(pages - 1));
  assert.equal(s.rows, s.count - 25 * (pages - 1));
});

test("9: the document title names the query and its count", async () => {
  await open("M82");
  const count = await page.evaluate(() => document.getElementById("results").dataset.count);
  const title = await page.title();
  assert.match(title, new RegExp(`^M82 — ${count} sources? — Query — `));
  await open("sc_det_ml >");
  assert.match(await page.title(), /^sc_det_ml > \(error\) — Query — /);
});

test("10: MJDs show to 1e-5 day and column headers carry units", async () => {
  await open("M31", "&cols=SRCID,MJD_FIRST,SC_EP_8_FLUX,SC_RA");
  const t = await page.evaluate(() => {
    const table = document.getElementById("results");
    const heads = [...table.tHead.querySelectorAll("th")].map((th) => [th.querySelector("button").dataset.column, th.querySelector(".unit")?.textContent || ""]);
    return { heads, mjd: table.tBodies[0].rows[0].cells[1].textContent };
  });
  const units = Object.fromEntries(t.heads);
  assert.equal(units.MJD_FIRST, "d");
  assert.equal(units.SC_EP_8_FLUX, "erg/cm**2/s");
  assert.equal(units.SC_RA, "deg");
  assert.equal(units.SRCID, "");
  // The demo's MJDs have many decimals: at least four are shown (1e-4 day = 8.6 s).
  assert.match(t.mjd, /^5\d{4}\.\d{4,}$/, t.mjd);
});

test("12: CSV exports write float32 values without noise, and the button says exports are ICRS", async () => {
  await open("M31", "&cols=SRCID,SC_HR2,SC_EP_8_FLUX");
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
  const lines = (await readFile(await csv.path(), "utf8")).trim().split("\n").slice(1);
  for (const l of lines) {
    for (const cell of l.split(",").slice(1)) {
      if (!cell) continue;
      // At most 9 significant digits (a float32 never needs more).
      const digits = cell.replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "");
      assert.ok(digits.length <= 9, `${cell} in ${l}`);
      assert.equal(Math.fround(Number(cell)), Math.fround(Number(cell)));
    }
  }
  assert.match(await page.evaluate(() => document.querySelector(".exports").textContent), /positions ICRS degrees, plus the frame shown/);
  // In the galactic frame, the file also has the positions shown (and the VOTable says so).
  await open("M82", "&frame=galactic&cols=SRCID,SC_RA,SC_DEC");
  const [gcsv] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
  const g = (await readFile(await gcsv.path(), "utf8")).trim().split("\n");
  assert.deepEqual(g[0].split(","), ["SRCID", "SC_RA", "SC_DEC", "GAL_L", "GAL_B"]);
  const shownL = await page.evaluate(() => Number(document.getElementById("results").tBodies[0].rows[0].cells[1].textContent));
  const [, , , l, b] = g[1].split(",").map(Number);
  assert.ok(Math.abs(l - shownL) < 1e-5, `${l} vs ${shownL}`);
  // M82 at l = 141.41°, b = +40.57° (NED), within the 10′ cone.
  assert.ok(Math.abs(l - 141.41) < 0.3 && Math.abs(b - 40.57) < 0.3, g[1]);
  const [gvot] = await Promise.all([page.waitForEvent("download"), page.click("#export-votable")]);
  const xml = await readFile(await gvot.path(), "utf8");
  assert.match(xml, /<COOSYS ID="galactic" system="galactic"\/>/);
  assert.match(xml, /<FIELD name="GAL_L" datatype="double" ref="galactic" unit="deg" ucd="pos.galactic.lon">/);
  // astropy reads it with every warning an error.
  const checked = JSON.parse(execFileSync(process.env.PYTHON || "python3",
    [join(resolve(import.meta.dirname), "votable_check.py"), await gvot.path()], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
  assert.deepEqual(checked.columns, ["SRCID", "SC_RA", "SC_DEC", "GAL_L", "GAL_B"]);
});

test("5: sexagesimal shows in the galactic frame too", async () => {
  await open("M82", "&frame=galactic&fmt=sexa");
  const cells = await page.evaluate(() => {
    const t = document.getElementById("results");
    const head = [...t.tHead.querySelectorAll("th button")].map((b) => b.dataset.column);
    const row = t.tBodies[0].rows[0];
    return [row.cells[head.indexOf("SC_RA")].textContent, row.cells[head.indexOf("SC_DEC")].textContent];
  });
  // M82 at l = 141.41°, b = +40.57° (NED): 141:24:… and +40:34:….
  assert.match(cells[0], /^14[01]:\d\d:\d\d\.\d$/, cells[0]);
  assert.match(cells[1], /^\+40:\d\d:\d\d\.\d$/, cells[1]);
});

test("5: in the galactic frame, sorting by the position column sorts by l (what is shown)", async () => {
  await open("cone('M31','2deg')", "&frame=galactic&sort=SC_RA&size=100");
  const l = await page.evaluate(() => {
    const t = document.getElementById("results");
    const head = [...t.tHead.querySelectorAll("th button")].map((b) => b.dataset.column);
    return [...t.tBodies[0].rows].map((r) => Number(r.cells[head.indexOf("SC_RA")].textContent));
  });
  assert.ok(l.length > 10, `${l.length} rows`);
  assert.ok(l.every((x, i) => i === 0 || x >= l[i - 1]), `not ascending in l: ${l.slice(0, 20)}`);
  // And by b, descending.
  await open("cone('M31','2deg')", "&frame=galactic&sort=SC_DEC&desc=1&size=100");
  const b = await page.evaluate(() => {
    const t = document.getElementById("results");
    const head = [...t.tHead.querySelectorAll("th button")].map((x) => x.dataset.column);
    return [...t.tBodies[0].rows].map((r) => Number(r.cells[head.indexOf("SC_DEC")].textContent));
  });
  assert.ok(b.every((x, i) => i === 0 || x <= b[i - 1]), `not descending in b: ${b.slice(0, 20)}`);
});

test("17: the coordinate format selector has a label, and keyboard sorting keeps the focus on the header", async () => {
  await open("cone('M31','1deg')");
  const label = await page.evaluate(() => document.getElementById("coordfmt").labels[0].textContent.trim());
  assert.ok(label.startsWith("Format"), label);
  await page.focus("#results thead button[data-column='SC_DET_ML']");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("sort") === "SC_DET_ML" && document.getElementById("results").dataset.state === "done");
  await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.column === "SC_DET_ML");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("desc") === "1" && document.activeElement && document.activeElement.dataset.column === "SC_DET_ML");
});

test("15: detection dates do not wrap at 1280 px", async () => {
  await open("cone('M31','1deg') AND n_detections > 2");
  const href = await page.evaluate(() => document.querySelector("#results tbody a[href*='source/']").href);
  await page.goto(href);
  const lines = await page.evaluate(() => [...document.querySelectorAll("td.date")].map((td) => {
    const r = document.createRange();
    r.selectNodeContents(td);
    // One line: every piece of the text on the same line box.
    return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
  }));
  assert.ok(lines.length >= 3, `${lines.length} dates`);
  assert.deepEqual([...new Set(lines)], [1]);
});

// Screenshots of what was checked by eye go here when XCAT_SCREENSHOTS names a folder.
const shots = process.env.XCAT_SCREENSHOTS;

async function diagram(params) {
  await page.goto(`${base}diagrams/?${params}&release=${RELEASE}`);
  await page.waitForFunction(() => ["done", "error", "idle"].includes(document.getElementById("plot").dataset.state) && document.documentElement.dataset.xcat === "ready", null, { timeout: 60000 });
  return page.evaluate(() => window.xcatDiagram.axes());
}

test("1: log axes label their ticks as 1e-14, 1e-13, … (not 0)", async () => {
  const axes = await diagram("q=&x=sc_ep_8_flux&y=sc_ep_2_flux&xlog=1&ylog=1");
  for (const a of axes) {
    assert.ok(a.ticks.length >= 2, JSON.stringify(a));
    for (const t of a.ticks) assert.match(t, /^\d(\.\d+)?e-\d+$/, JSON.stringify(a.ticks));
    assert.equal(new Set(a.ticks).size, a.ticks.length, "distinct labels");
  }
  if (shots) await page.screenshot({ path: `${shots}/diagram-log-axes.png` });
  // A log-x histogram of the same column.
  const hist = await diagram("q=&x=sc_ep_8_flux&kind=hist&xlog=1");
  for (const t of hist[0].ticks) assert.match(t, /^\d(\.\d+)?e-\d+$/, JSON.stringify(hist[0].ticks));
});

test("2: axis titles carry the column's unit, or say an axis is an expression", async () => {
  const axes = await diagram("q=&x=sc_ep_8_flux&y=sc_ep_8_flux%20%2F%20sc_ep_1_flux&xlog=1&ylog=1");
  assert.equal(axes[0].label, "SC_EP_8_FLUX [erg/cm**2/s]");
  assert.equal(axes[1].label, "sc_ep_8_flux / sc_ep_1_flux (expression)");
});

test("3: Draw with axes missing says what is missing, and placeholders read as examples", async () => {
  await page.goto(`${base}diagrams/`);
  await page.waitForFunction(() => document.documentElement.dataset.xcat === "ready");
  await page.fill("#dx", "sc_ep_8_flux");
  await page.click("#dform > button");
  await page.waitForFunction(() => document.getElementById("dstatus").dataset.missing === "y");
  assert.match(await page.textContent("#dstatus"), /^Enter a column or an expression for y \(or choose “histogram of x”/);
  await page.fill("#dx", "");
  await page.click("#dform > button");
  await page.waitForFunction(() => document.getElementById("dstatus").dataset.missing === "x and y");
  assert.match(await page.getAttribute("#dy", "placeholder"), /^e\.g\. /);
});

test("4: the diagram form fits a 390 px screen, and axis text is light in dark mode", async () => {
  const small = await browser.newContext({ viewport: { width: 390, height: 800 }, colorScheme: "dark" });
  const p = await small.newPage();
  await p.goto(`${base}diagrams/?q=&x=sc_ep_8_flux&y=sc_ep_2_flux&xlog=1&ylog=1&release=${RELEASE}`);
  await p.waitForFunction(() => document.getElementById("plot").dataset.state === "done", null, { timeout: 60000 });
  const widths = await p.evaluate(() => ({
    form: document.getElementById("dform").scrollWidth,
    page: document.documentElement.scrollWidth,
    view: document.documentElement.clientWidth,
  }));
  assert.ok(widths.form <= widths.view && widths.page <= widths.view, JSON.stringify(widths));
  // The axis text colour is the page's text colour, light on the dark background.
  const ink = await p.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--fg").trim());
  const axes = await p.evaluate(() => window.xcatDiagram.axes());
  for (const a of axes) assert.equal(a.stroke, ink, JSON.stringify(a));
  const [r, g, b] = ink.match(/[0-9a-f]{2}/gi).map((h) => parseInt(h, 16));
  assert.ok(r + g + b > 3 * 160, `axis text ${ink} on a dark page`);
  if (shots) await p.screenshot({ path: `${shots}/diagram-390px-dark.png`, fullPage: true });
  await small.close();
});

test("an IAU name of the catalogue's own source gives that source (any spacing, with or without the prefix)", async () => {
  await open("M31", "&cols=SRCID,IAUNAME");
  const [srcid, name] = await page.evaluate(() => [...document.getElementById("results").tBodies[0].rows[0].cells].map((c) => c.textContent));
  assert.match(name, /^4XMM J\d{6}\.\d[+-]\d{6}$/);
  for (const typed of [name, name.toLowerCase().replace(" ", "   "), name.slice(5), name.replace(" ", "")]) {
    await open(typed, "&cols=SRCID,IAUNAME");
    const t = await page.evaluate(() => ({
      count: document.getElementById("results").dataset.count,
      srcid: document.getElementById("results").tBodies[0].rows[0]?.cells[0].textContent,
      note: document.getElementById("qresolved").textContent,
      page: document.querySelector("#qresolved a.exact")?.getAttribute("href"),
    }));
    assert.equal(t.count, "1", typed);
    assert.equal(t.srcid, srcid, typed);
    assert.match(t.note, new RegExp(`^${name.replace(/[.+]/g, "\\$&")} is the source SRCID ${srcid} of this catalogue`), typed);
    assert.equal(t.page, `../source/${srcid}/`);
  }
  // The cone around it is one click away.
  await page.click("#qresolved a.around");
  await page.waitForFunction(() => document.getElementById("results").dataset.state === "done" && new URLSearchParams(location.search).get("q").startsWith("cone("));
  assert.ok(Number(await page.evaluate(() => document.getElementById("results").dataset.count)) > 1);
});

test("a well-formed IAU name that no source has says so and offers the sources around its position", async () => {
  const missing = "4XMM J235959.9-895959";
  await open(missing);
  assert.equal(await page.evaluate(() => document.getElementById("results").dataset.state), "error");
  const text = await page.textContent("#qerror-text");
  assert.match(text, new RegExp(`^No source of 4XMM-DR14 is named ${missing.replace(/[.+]/g, "\\$&")}`));
  assert.match(text, /Show the sources around the position 4XMM J235959\.9-895959 encodes/);
  await page.click("#qerror-text a.around");
  await page.waitForFunction(() => document.getElementById("results").dataset.state === "done");
  assert.equal(await page.evaluate(() => new URLSearchParams(location.search).get("q")), `cone('${missing}')`);
});

test("an unknown name and an unreachable name service give different messages", async () => {
  // A page of its own: the name service's requests are the point here.
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const ask = async () => {
    await p.goto(`${base}query/?q=${encodeURIComponent("cone('Zeta Nowhere', 5) AND sc_det_ml > 10")}&release=${RELEASE}`);
    await p.waitForFunction(() => document.getElementById("results").dataset.state === "error", null, { timeout: 30000 });
    return p.textContent("#qerror-text");
  };
  // The service answers that it does not know the name.
  await p.route("https://cds.unistra.fr/**", (r) => r.fulfill({ status: 200, contentType: "text/plain", body: "# Zeta Nowhere\t#Q1\n#! *** Nothing found *** \n" }));
  assert.match(await ask(), /^unknown object 'Zeta Nowhere' at line 1, column 6; neither the site's name table nor the name service \(CDS Sesame\) knows it/);
  // The service cannot be reached.
  await p.unroute("https://cds.unistra.fr/**");
  await p.route("https://cds.unistra.fr/**", (r) => r.abort("internetdisconnected"));
  assert.match(await ask(), /^unknown object 'Zeta Nowhere' at line 1, column 6; it is not in the site's name table, and the name service \(CDS Sesame\) could not be reached \(no connection to cds\.unistra\.fr\): check the connection, or give the position as coordinates/);
  await ctx.close();
});

test("a bare observation ID (leading zero kept) leads to that observation", async () => {
  // An observation of the demo: the first one a source of M31 was detected in.
  await open("M31");
  await page.goto(await page.evaluate(() => document.querySelector("#results tbody a[href*='source/']").href));
  const obs = (await page.getAttribute("section[aria-labelledby=detections] tbody a[href*='observation/']", "href")).match(/observation\/(\d{10})\//)[1];
  assert.ok(obs.startsWith("0"), obs);
  await page.goto(`${base}query/?q=${obs}&release=${RELEASE}`);
  await page.waitForFunction(() => document.getElementById("results").dataset.state === "observation");
  assert.match(await page.textContent("#qstatus"), new RegExp(`^${obs} is an XMM-Newton observation ID: the page of observation ${obs} lists its sources`));
  // The link leads to the observation's page (read here without opening it: its sky view
  // loads Aladin Lite from the CDS).
  const href = await page.evaluate(() => document.getElementById("qobservation").href);
  assert.equal(href, new URL(`observation/${obs}/`, base).href);
  const html = await (await page.request.get(href)).text();
  assert.match(html, new RegExp(`<h1>Observation ${obs}</h1>`));
  // An ID with no observation on the site says so.
  await page.goto(`${base}query/?q=0999999999&release=${RELEASE}`);
  await page.waitForFunction(() => document.getElementById("results").dataset.state === "error");
  assert.match(await page.textContent("#qerror-text"), /^0999999999 reads as an XMM-Newton observation ID, but this site has no observation 0999999999/);
});

test("a cone's status says its centre, what resolved it, and the radius", async () => {
  await open("M82");
  assert.equal(await page.textContent("#qcones"), "Cone: M82 at 148.96969 +69.67970 (ICRS, from the site's name table), radius 10′.");
  await open("cone(10.68, 41.27, '30arcsec') AND sc_det_ml > 0");
  assert.equal(await page.textContent("#qcones"), "Cone: position at 10.68000 +41.27000 (ICRS, from coordinates), radius 30″.");
  await open("cone('M31', '1.5deg') AND cone('M31', '2deg')");
  assert.match(await page.textContent("#qcones"), /^Cones: M31 at 10\.68471 \+41\.26875 \(ICRS, from the site's name table\), radius 1\.5°; M31 at .*radius 2°\.$/);
  await open("sc_det_ml > 1000");
  assert.equal(await page.evaluate(() => document.getElementById("qcones").hidden), true);
});

test("no console errors and no request left the site", () => {
  // (The one 404 is the observation ID that the site lacks, asked on purpose.)
  assert.deepEqual(consoleErrors.filter((m) => !m.includes("status of 404 (Not Found)")), []);
  assert.deepEqual(foreignRequests, []);
});
