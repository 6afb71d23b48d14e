// Driver of scripts/bench-query.sh: runs the benchmark queries through window.xcat on the
// query page of a served site in headless Chromium. Cold = a fresh browser context (no HTTP
// or engine cache) that opens the site and runs the query once; warm = the same query again
// on that open site. Bytes are as stored (gzip), counted by the engine.
// Usage: node scripts/bench-query.mjs http://127.0.0.1:PORT/
import { chromium } from "playwright-core";

const base = process.argv[2];
if (!base) {
  console.error("usage: node scripts/bench-query.mjs SITE_URL");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

async function fresh() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(new URL("query/", base).href);
  await page.waitForFunction(() => window.xcat && window.xcat.db, null, { timeout: 60000 });
  return { context, page };
}

async function run(page, q, limit = 100) {
  return page.evaluate(async ([q, limit]) => {
    const t0 = performance.now();
    const db = await window.xcat.open("../");
    const opened = performance.now() - t0;
    const r = await db.query(q, { limit });
    const again = await db.query(q, { limit });
    return {
      count: r.count, total: db.rows(), bytes: r.bytesFetched, chunks: r.chunksFetched, ms: r.ms, openMs: opened,
      warmBytes: again.bytesFetched, warmChunks: again.chunksFetched, warmMs: again.ms,
      srcids: r.rows.map((row) => row[r.columns.findIndex((c) => c.name === "SRCID")]),
    };
  }, [q, limit]);
}

// 100 SRCIDs from around M31 for the IN list.
let { context, page } = await fresh();
const near = await run(page, "cone('M31', '3deg')", 100);
// The detection likelihood of the catalogue's layout: SC_DET_ML (4XMM) or STACK_DET_ML (5XMM).
const detMl = await page.evaluate(() => {
  const names = window.xcat.db.schema().map((c) => c.name);
  return names.includes("SC_DET_ML") ? "sc_det_ml" : "stack_det_ml";
});
await context.close();
const ids = near.srcids.slice(0, 100);

const queries = [
  ["bare name (10' cone)", "M31"],
  ["1 deg cone", "cone('M31', '1deg')"],
  ["full-sky cut", `${detMl} < 100`],
  ["ULX flag and detections", "is_ulx = true AND n_detections > 2"],
  [`IN list of ${ids.length} srcids`, `srcid IN {${ids.join(", ")}}`],
];
const kB = (b) => (b / 1000).toFixed(1);
console.log("query | rows | cold: kB fetched, chunks, ms | warm: kB, chunks, ms");
const results = {};
for (const [label, q] of queries) {
  ({ context, page } = await fresh());
  const r = await run(page, q);
  await context.close();
  results[label] = r;
  console.log(`${label} \`${q.length > 60 ? q.slice(0, 57) + "..." : q}\` | ${r.count} | ${kB(r.bytes)} kB, ${r.chunks}, ${r.ms.toFixed(0)} ms | ${kB(r.warmBytes)} kB, ${r.warmChunks}, ${r.warmMs.toFixed(0)} ms`);
}
await browser.close();
const cone = results["bare name (10' cone)"];
const verdict = cone.bytes <= 30000 ? "within" : "OVER";
console.log(`10' cone: ${kB(cone.bytes)} kB of chunks (target <= 30 kB): ${verdict}`);
const cut = results["full-sky cut"];
console.log(`full-sky cut: ${(cut.bytes / Math.max(1, cut.count)).toFixed(2)} bytes fetched per matching row, ${(cut.bytes / near.total).toFixed(3)} per catalogue row`);
