// The site's pages run under the content security policy that the build writes for static
// hosts (`_headers`) and `xcat serve` sends: every kind of page, with its scripts, the wasm
// query engine, diagrams and downloads at work, breaks no rule of it.
// Usage: XCAT_SITE_URL=<site URL> node --test csp.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, recordProblems } from "./chromium.mjs";

const base = process.env.XCAT_SITE_URL || process.argv[2];
if (!base) throw new Error("usage: XCAT_SITE_URL=<site URL> node --test csp.test.mjs");
const siteHost = new URL(base).host;

let browser, page;
const consoleErrors = [];
const foreignRequests = [];

before(async () => {
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  recordProblems(page, consoleErrors, foreignRequests, (u) => u.host === siteHost);
  // Every violation of the policy, as the page sees it.
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
});

after(async () => { await browser?.close(); });

async function visit(path, ready) {
  const resp = await page.goto(base + path);
  assert.equal(resp.status(), 200, path);
  const csp = resp.headers()["content-security-policy"];
  assert.match(csp ?? "", /default-src 'self'/, `${path} has no content security policy`);
  assert.match(csp, /frame-ancestors 'self'/);
  assert.equal(resp.headers()["x-content-type-options"], "nosniff");
  if (ready) await ready();
  // Violations are reported asynchronously.
  await page.waitForTimeout(100);
  const v = await page.evaluate(() => window.__violations);
  assert.deepEqual(v, [], `${path} breaks the policy`);
  return resp;
}

const done = () => page.waitForSelector("#results[data-state=done]", { timeout: 30000, state: "attached" });

test("the home page, docs and news break no rule", async () => {
  await visit("");
  await visit("docs/");
  await visit("docs/query-language/");
  await visit("news/");
});

test("the query page runs the wasm engine under the policy, on both releases", async () => {
  await visit("query/?q=M82", done);
  await visit("query/?q=" + encodeURIComponent("cone('M31','1deg')") + "&release=4xmm-dr14", done);
  assert.ok(Number(await page.evaluate(() => document.getElementById("results").dataset.count)) > 0);
});

test("source and observation pages, with their plots and downloads, break no rule", async () => {
  await visit("query/?q=" + encodeURIComponent("cone('M31','1deg')") + "&release=4xmm-dr14", done);
  const source = await page.evaluate(() => document.querySelector("#results tbody a").getAttribute("href"));
  const sitePath = (href) => new URL(href, page.url()).pathname.slice(new URL(base).pathname.length);
  await visit(sitePath(source));
  const obs = await page.evaluate(() => document.querySelector("a[href*='observation/']").getAttribute("href"));
  await visit(sitePath(obs));
});

test("the diagrams page draws under the policy", async () => {
  await visit("diagrams/?q=" + encodeURIComponent("cone('M31','1deg')") + "&release=4xmm-dr14&x=SC_EP_8_FLUX&y=SC_HR2&xlog=1",
    () => page.waitForSelector("#plot[data-state=done]", { timeout: 60000, state: "attached" }));
});

test("the policy is in force: an injected inline script is refused and reported", async () => {
  await page.goto(base);
  const ran = await page.evaluate(async () => {
    window.__ran = false;
    const s = document.createElement("script");
    s.textContent = "window.__ran = true";
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 100));
    return window.__ran;
  });
  assert.equal(ran, false);
  const v = await page.evaluate(() => window.__violations);
  assert.equal(v.length, 1, v.join("\n"));
  assert.match(v[0], /^script-src-elem blocked inline/);
  // Reported violations are not problems of the site's own: forget this one.
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !/Content Security Policy/.test(e)));
});

test("a directory address without its slash moves to the slash form, whose links work", async () => {
  const resp = await page.goto(base + "docs/query-language");
  assert.equal(resp.status(), 200);
  assert.ok(page.url().endsWith("/docs/query-language/"), page.url());
  const chain = resp.request().redirectedFrom();
  assert.equal((await chain.response()).status(), 301);
});

test("no console errors but the offline sky view's, nothing but the site and the sky view asked for", () => {
  // This machine has no internet: the sky view's script (CDS) fails to load, and only that.
  assert.ok(foreignRequests.every((u) => new URL(u).hostname === "aladin.cds.unistra.fr"), foreignRequests.join("\n"));
  assert.ok(consoleErrors.every((e) => /^Failed to load resource: net::ERR_/.test(e)), consoleErrors.join("\n"));
  assert.ok(!consoleErrors.some((e) => /Content Security Policy/.test(e)), consoleErrors.join("\n"));
});
