// End-to-end test of the "Fit spectrum" panel of source pages against a running xcat-fit
// server, in headless Chromium (Debian's chromium driven by playwright-core).
//
// It builds its own site: the demo catalogue with `fit_server_url` set, a products folder
// holding real XMM-Newton EPIC-pn pipeline products (../shared/data, observation 0760940101,
// source 0017) under the pipeline names of a demo detection with spectra, `xcat-fit serve` on
// that folder and `xcat serve` on the site, both on 127.0.0.1.
// Usage: node --test-reporter=spec tests/browser/fit.test.mjs
// (XCAT and XCAT_FIT name the binaries; default target/debug/xcat and target/debug/xcat-fit.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile, copyFile, mkdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connect } from "node:net";
import { launchChromium, recordProblems } from "./chromium.mjs";

const repo = resolve(import.meta.dirname, "../..");
const targetDir = process.env.CARGO_TARGET_DIR || join(repo, "target");
const XCAT = process.env.XCAT || join(targetDir, "debug/xcat");
const XCAT_FIT = process.env.XCAT_FIT || join(targetDir, "debug/xcat-fit");
const SPECTRA = join(repo, "../shared/data/spectra/xmm_pn_0760940101");
const RMF = "epn_e3_ef20_sdY6_v19.0.rmf";
const haveData = existsSync(join(SPECTRA, "P0760940101PNS003SRSPEC0017.FTZ"));
if (!haveData) {
  console.log(`# fit panel test SKIPPED: the real XMM-Newton spectra are missing (${SPECTRA})`);
}

let dir, browser, page, siteUrl, fitUrl, sourcePath, detection;
const children = [];
const consoleErrors = [];
const foreignRequests = [];
const missing = [];

function port() {
  return 20000 + Math.floor(Math.random() * 20000);
}

async function waitForPort(p) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((done) => {
      const s = connect(p, "127.0.0.1", () => { s.destroy(); done(true); });
      s.on("error", () => done(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${p}`);
}

function start(cmd, args) {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  return child;
}

// The panel's number format (static/fit.js).
function fmt(x) {
  if (x === null || x === undefined || !isFinite(x)) return "—";
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toPrecision(4);
}

before(async () => {
  if (!haveData) return;
  dir = await mkdtemp(join(tmpdir(), "xcat-fit-e2e-"));
  const sitePort = port();
  let fitPort = port();
  while (fitPort === sitePort) fitPort = port();
  siteUrl = `http://127.0.0.1:${sitePort}/`;
  fitUrl = `http://127.0.0.1:${fitPort}`;
  execFileSync(XCAT, ["demo-catalogue", "--quiet", "--out", join(dir, "demo.fits")]);
  await writeFile(join(dir, "xcat.toml"), [
    'title = "xcat fit test"',
    "[catalog]", 'detections = ["demo.fits"]',
    "[[extra]]", 'file = "demo-ulx.csv"', 'key = "srcid"', 'missing = "false"',
    "[[names]]", 'file = "demo-names.csv"',
    "[site]", `fit_server_url = "${fitUrl}"`, "",
  ].join("\n"));
  execFileSync(XCAT, ["build", "--quiet", "--config", join(dir, "xcat.toml"), "--out", join(dir, "site")]);
  // The first source page (in SRCID order) with a fit panel, and its first detection.
  const sources = (await readdir(join(dir, "site/source"))).sort();
  for (const id of sources) {
    const html = await readFile(join(dir, "site/source", id, "index.html"), "utf8");
    const m = html.match(/id="?fit-panel"?[\s\S]*?<option value="?([0-9]{10})\|([0-9]+)\|(PN|M1|M2)\|([SUX][0-9]{3})"?/);
    if (m) {
      sourcePath = `source/${id}/`;
      detection = { obs_id: m[1], srcnum: Number(m[2]), inst: m[3], expid: m[4] };
      break;
    }
  }
  assert.ok(detection, "some demo source has a fit panel");
  // Real pipeline products under that detection's names.
  const products = join(dir, "products");
  await mkdir(products);
  const name = (kind) => `P${detection.obs_id}${detection.inst}${detection.expid}${kind}${detection.srcnum.toString(16).toUpperCase().padStart(4, "0")}.FTZ`;
  for (const kind of ["SRSPEC", "BGSPEC", "SRCARF"]) {
    await copyFile(join(SPECTRA, `P0760940101PNS003${kind}0017.FTZ`), join(products, name(kind)));
  }
  await copyFile(join(SPECTRA, RMF), join(products, RMF));
  start(XCAT_FIT, ["serve", "--products", products, "--rmf-dir", products, "--port", String(fitPort), "--allow-origin", `http://127.0.0.1:${sitePort}`]);
  start(XCAT, ["serve", "--dir", join(dir, "site"), "--port", String(sitePort)]);
  await Promise.all([waitForPort(sitePort), waitForPort(fitPort)]);

  browser = await launchChromium();
  page = await browser.newPage();
  // The page's sky view asks the CDS for Aladin Lite when scrolled into view; this test stays
  // on this machine (the sky view's own tests cover it).
  await page.route((u) => u.hostname !== "127.0.0.1", (route) => route.abort());
  page.on("response", (r) => { if (r.status() >= 400) missing.push(r.url()); });
  recordProblems(page, consoleErrors, foreignRequests, (u) => u.hostname === "127.0.0.1");
});

after(async () => {
  await browser?.close();
  for (const c of children) c.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function runFit(model, stat) {
  await page.goto(siteUrl + sourcePath, { waitUntil: "domcontentloaded" });
  await page.selectOption("#fit-panel select[name=model]", model);
  await page.selectOption("#fit-panel select[name=stat]", stat);
  await page.click("#fit-panel form button");
  await page.waitForFunction(() => {
    const s = document.querySelector("#fit-panel .fit-status").textContent;
    return s.startsWith("Done") || s.startsWith("The fit failed");
  }, null, { timeout: 60000 });
  return page.evaluate(() => {
    const panel = document.getElementById("fit-panel");
    const params = {};
    for (const tr of panel.querySelectorAll(".fit-params tr")) {
      params[tr.querySelector("th").textContent] = [...tr.querySelectorAll("td")].map((td) => td.textContent);
    }
    return {
      status: panel.querySelector(".fit-status").textContent,
      stat: panel.querySelector(".fit-stat").textContent,
      params,
      canvases: panel.querySelectorAll(".fit-plot canvas, .fit-resid canvas").length,
      hidden: panel.querySelector(".fit-result").hidden,
    };
  });
}

test("the panel fits a real pipeline spectrum through the server and shows what the server computed", { skip: !haveData }, async () => {
  const shown = await runFit("wabs*powerlaw", "wstat");
  assert.match(shown.status, /^Done/, shown.status);
  assert.equal(shown.hidden, false);
  assert.deepEqual(Object.keys(shown.params).sort(), ["powerlaw.PhoIndex", "powerlaw.norm", "wabs.nH"]);
  assert.equal(shown.canvases, 2, "data with model, and residuals, drawn by uPlot");
  assert.match(shown.stat, /^wstat = /);
  // The same request, straight to the server: the panel shows exactly its numbers.
  const r = await fetch(`${fitUrl}/v1/fit`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ...detection, model: "wabs*powerlaw", stat: "wstat" }),
  });
  assert.equal(r.status, 200);
  const j = await r.json();
  for (const [name, p] of Object.entries(j.params)) {
    assert.deepEqual(shown.params[name], [fmt(p.value), p.frozen ? "frozen" : fmt(p.error)], name);
  }
  assert.ok(shown.stat.includes(`${j.stat.numpoints} bins, ${j.stat.dof} degrees of freedom`), shown.stat);
  // And the server's answer is the command line's fit of the same files (same library, same
  // defaults): the photon index agrees to 1e-6 relative.
  const cli = JSON.parse(execFileSync(XCAT_FIT, [
    "fit", "--pha", join(SPECTRA, "P0760940101PNS003SRSPEC0017.FTZ"),
    "--bkg", join(SPECTRA, "P0760940101PNS003BGSPEC0017.FTZ"),
    "--arf", join(SPECTRA, "P0760940101PNS003SRCARF0017.FTZ"),
    "--rmf", join(SPECTRA, RMF), "--model", "wabs*powerlaw", "--stat", "wstat", "--json",
  ], { encoding: "utf8" }));
  const a = cli.params["powerlaw.PhoIndex"].value, b = j.params["powerlaw.PhoIndex"].value;
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(a), `CLI ${a} vs server ${b}`);
  // A physically sensible absorbed power law for this X-ray binary spectrum.
  assert.ok(b > 0.5 && b < 4, `photon index ${b}`);
  assert.deepEqual(missing, [], "every file the page asks for exists");
  // Only the blocked sky-view script may fail to load.
  assert.ok(foreignRequests.every((u) => new URL(u).hostname === "aladin.cds.unistra.fr"), foreignRequests.join("\n"));
  assert.ok(consoleErrors.length <= foreignRequests.length && consoleErrors.every((e) => /^Failed to load resource: net::ERR_FAILED/.test(e)), consoleErrors.join("\n"));
});

test("another model and statistic: blackbody with C-statistic", { skip: !haveData }, async () => {
  const shown = await runFit("wabs*bbodyrad", "cstat");
  assert.match(shown.status, /^Done/, shown.status);
  assert.deepEqual(Object.keys(shown.params).sort(), ["bbodyrad.kT", "bbodyrad.norm", "wabs.nH"]);
  assert.match(shown.stat, /^cstat = /);
});

test("when the fit server is down the panel says so, with no unhandled error", { skip: !haveData }, async () => {
  const server = children[0];
  if (server.exitCode === null) {
    const gone = new Promise((r) => server.once("exit", r));
    server.kill();
    await gone;
  }
  consoleErrors.length = 0;
  const shown = await runFit("wabs*powerlaw", "wstat");
  assert.match(shown.status, /^The fit failed: /, shown.status);
  assert.ok(consoleErrors.every((e) => /Failed to load resource|ERR_CONNECTION_REFUSED/.test(e)), consoleErrors.join("\n"));
});
