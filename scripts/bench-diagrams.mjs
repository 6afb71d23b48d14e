// Times the diagrams page in headless Chromium (see scripts/bench-diagrams.sh): the scatter
// plot of the whole catalogue (SC_RA against SC_DEC, then a flux ratio on log axes), three
// runs each in a fresh page, reporting the page's own measurements (data-query-ms: the query
// with its fetches; data-plot-ms: building and drawing the plot; data-draw-ms: drawing the
// points or density map alone) and the wall time from navigation to the drawn plot.
import { chromium } from "playwright-core";

const [base, expected] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const cases = [
  { q: "", x: "SC_RA", y: "SC_DEC" },
  { q: "", x: "SC_EP_8_FLUX", y: "SC_EP_8_FLUX / SC_EP_1_FLUX", xlog: "1", ylog: "1" },
];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
try {
  for (const c of cases) {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
      const t0 = Date.now();
      await page.goto(`${base}diagrams/?${new URLSearchParams(c)}`);
      await page.waitForSelector("#plot[data-state=done], #plot[data-state=error]", { timeout: 600000, state: "attached" });
      const wall = Date.now() - t0;
      const d = await page.evaluate(() => ({ ...document.getElementById("plot").dataset, error: document.getElementById("qerror-text").textContent }));
      if (d.state !== "done") throw new Error(`the diagram failed: ${d.error}`);
      if (expected && Number(d.count) !== Number(expected)) throw new Error(`${d.count} sources, expected ${expected}`);
      // A redraw (what a zoom costs): double-click resets the scales and redraws every point.
      const redraw = await page.evaluate(async () => {
        const over = document.querySelector("#plot .u-over");
        const t = performance.now();
        over.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
        await new Promise(requestAnimationFrame);
        return performance.now() - t;
      });
      // Nearest-point lookup of one hover (grid index), averaged over 1000 positions.
      const hover = await page.evaluate(() => {
        const over = document.querySelector("#plot .u-over").getBoundingClientRect();
        const t = performance.now();
        for (let i = 0; i < 1000; i++) {
          over && document.querySelector("#plot .u-over").dispatchEvent(new MouseEvent("mousemove", { clientX: over.left + (i * 37) % over.width, clientY: over.top + (i * 53) % over.height, bubbles: true }));
        }
        return (performance.now() - t) / 1000;
      });
      runs.push({ wall, query: Number(d.queryMs), plot: Number(d.plotMs), draw: Number(d.drawMs), redraw, hover, points: Number(d.points), mode: d.mode });
      await page.context().close();
    }
    const r = runs[0];
    console.log(`diagram y=${c.y} x=${c.x}${c.xlog ? " (log axes)" : ""}: ${r.points} points of ${expected || "?"}, drawn as ${r.mode}; median of ${runs.length} runs: ` +
      `${median(runs.map((x) => x.wall))} ms from navigation to the drawn plot (query with fetches ${median(runs.map((x) => x.query)).toFixed(0)} ms, ` +
      `plot ${median(runs.map((x) => x.plot)).toFixed(0)} ms of which drawing ${median(runs.map((x) => x.draw)).toFixed(0)} ms); redraw ${median(runs.map((x) => x.redraw)).toFixed(0)} ms; ` +
      `hover lookup ${median(runs.map((x) => x.hover)).toFixed(3)} ms`);
  }
} finally {
  await browser.close();
}
