// The diagrams page: a scatter plot of two columns or expressions, or a histogram of one, over
// the result of a query (empty = the whole catalogue), evaluated in the browser with the query
// engine (static/wasm/) and drawn with uPlot (axes, scales, zoom) on a canvas. Above a
// threshold the points are drawn as a density map (counts in pixel bins); hovering finds the
// nearest point through a grid index either way. Every choice lives in the URL (a permalink).
import { parse as parseExpression } from "./expr.js";

const root = new URL("../", import.meta.url).href;
const $ = (id) => document.getElementById(id);
const plotEl = $("plot"), statusEl = $("dstatus"), tip = $("dtip");
// Above this many points, points are drawn as a density map.
const DENSITY_THRESHOLD = 50000;
// The engine needs a condition; this one holds for every source (SRCID is never null).
const EVERYTHING = "SRCID IS NOT NULL";
const HOVER_PX = 8;

let engine = null, db = null, schema = [], plot = null;
// On a site with several releases the form has a release menu; its data-current is the default.
const releaseMenu = $("drelease");
let opened = null; // the release `db` queries`
let cache = null; // { key, result } of the last fetch
let current = null; // what is drawn: { xs, ys, ids, n, ... }
const names = new Map(); // SRCID -> IAU name (or a promise of it)

function state() {
  const p = new URLSearchParams(location.search);
  const bins = parseInt(p.get("bins") || "50", 10);
  return {
    q: p.get("q") || "",
    x: p.get("x") || "",
    y: p.get("y") || "",
    kind: p.get("kind") === "hist" ? "hist" : "scatter",
    xlog: p.get("xlog") === "1",
    ylog: p.get("ylog") === "1",
    bins: Number.isFinite(bins) ? Math.min(1000, Math.max(2, bins)) : 50,
    render: ["points", "density"].includes(p.get("render")) ? p.get("render") : "auto",
    release: releaseMenu ? (p.get("release") || releaseMenu.dataset.current) : "",
  };
}

function urlOf(s) {
  const p = new URLSearchParams();
  p.set("q", s.q);
  if (releaseMenu && s.release && s.release !== releaseMenu.dataset.current) p.set("release", s.release);
  p.set("x", s.x);
  if (s.y) p.set("y", s.y);
  if (s.kind === "hist") p.set("kind", "hist");
  if (s.xlog) p.set("xlog", "1");
  if (s.ylog) p.set("ylog", "1");
  if (s.bins !== 50) p.set("bins", String(s.bins));
  if (s.render !== "auto") p.set("render", s.render);
  return "?" + p.toString();
}

function fillForm(s) {
  $("dq").value = s.q;
  $("dx").value = s.x;
  $("dy").value = s.y;
  for (const r of document.querySelectorAll("input[name=kind]")) r.checked = r.value === s.kind;
  $("dxlog").checked = s.xlog;
  $("dylog").checked = s.ylog;
  $("dbins").value = String(s.bins);
  $("drender").value = s.render;
  $("dy").required = s.kind === "scatter";
  if (releaseMenu) releaseMenu.value = s.release;
}

function formState() {
  const kind = document.querySelector("input[name=kind]:checked").value;
  return {
    q: $("dq").value.trim(), x: $("dx").value.trim(), y: $("dy").value.trim(), kind,
    xlog: $("dxlog").checked, ylog: $("dylog").checked,
    bins: parseInt($("dbins").value, 10) || 50, render: $("drender").value,
    release: releaseMenu ? releaseMenu.value : "",
  };
}

// Opens the engine of release `id` when it is not the open one, and lists its columns.
async function useRelease(id) {
  if (db && opened === id) return;
  db = await engine.open(root, id || undefined);
  opened = id;
  cache = null;
  names.clear();
  schema = db.schema();
  const list = $("dcolumns");
  list.textContent = "";
  for (const c of schema) {
    if (c.type === "string") continue;
    const o = document.createElement("option");
    o.value = c.name;
    o.label = [c.description, c.unit].filter(Boolean).join(" — ");
    list.append(o);
  }
}

// An error in the query or an expression, with a caret under the mistake (as on the query page).
function showError(message, text, pos) {
  plotEl.dataset.state = "error";
  $("qerror").hidden = false;
  $("qerror-text").textContent = message;
  const caret = $("qcaret");
  caret.textContent = "";
  if (pos && text !== undefined) {
    const line = text.split("\n")[(pos.line || 1) - 1] || "";
    const column = pos.column || pos.offset + 1;
    const width = Math.max(1, (pos.end || pos.offset + 1) - pos.offset);
    caret.append(line + "\n" + " ".repeat(column - 1));
    const mark = document.createElement("span");
    mark.className = "caret";
    mark.textContent = "^" + "~".repeat(Math.max(0, Math.min(width, line.length) - 1));
    caret.append(mark);
  }
  statusEl.textContent = "";
}

function clearPlot() {
  if (plot) plot.destroy();
  plot = null;
  current = null;
  tip.hidden = true;
  for (const k of ["points", "dropped", "droppedLog", "count", "mode", "drawMs", "queryMs"]) delete plotEl.dataset[k];
}

async function fetchColumns(q, columns) {
  const key = q + "\u0000" + [...columns].sort().join(",");
  if (cache && cache.key === key) return { result: cache.result, ms: 0 };
  const t0 = performance.now();
  const result = await db.query(q.trim() ? q : EVERYTHING, { columns: ["SRCID", ...columns], limit: 2 ** 31 });
  cache = { key, result };
  return { result, ms: performance.now() - t0 };
}

function numeric(v) {
  if (v === null || v === undefined) return NaN;
  if (typeof v === "boolean") return v ? 1 : 0;
  return typeof v === "number" ? v : Number(v);
}

// Values of the expressions for every row; rows without a finite value, or with a
// non-positive one on a log axis, are dropped and counted.
function evaluate(result, exprs, logs) {
  const n = result.rows.length;
  const index = new Map(result.columns.map((c, i) => [c.name.toUpperCase(), i]));
  const cols = {};
  for (const e of exprs) {
    for (const name of e.columns) {
      if (cols[name]) continue;
      const i = index.get(name);
      const a = new Float64Array(n);
      for (let r = 0; r < n; r++) a[r] = numeric(result.rows[r][i]);
      cols[name] = a;
    }
  }
  const idIndex = index.get("SRCID");
  const out = exprs.map(() => new Float64Array(n));
  const ids = new Float64Array(n);
  let kept = 0, dropped = 0, droppedLog = 0;
  const vals = new Array(exprs.length);
  for (let r = 0; r < n; r++) {
    let ok = true, bad = false;
    for (let k = 0; k < exprs.length; k++) {
      const v = exprs[k].eval(cols, r);
      vals[k] = v;
      if (!Number.isFinite(v)) ok = false;
      else if (logs[k] && v <= 0) bad = true;
    }
    if (!ok) { dropped++; continue; }
    if (bad) { droppedLog++; continue; }
    for (let k = 0; k < exprs.length; k++) out[k][kept] = vals[k];
    ids[kept] = numeric(result.rows[r][idIndex]);
    kept++;
  }
  return { values: out.map((a) => a.subarray(0, kept)), ids: ids.subarray(0, kept), n: kept, dropped, droppedLog };
}

function extent(a, log) {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < a.length; i++) { const v = a[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(lo <= hi)) return log ? [0.1, 10] : [0, 1];
  if (log) return lo === hi ? [lo / 2, hi * 2] : [lo / Math.pow(hi / lo, 0.03), hi * Math.pow(hi / lo, 0.03)];
  const pad = lo === hi ? Math.abs(lo) * 0.1 || 1 : (hi - lo) * 0.03;
  return [lo - pad, hi + pad];
}

function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e7) ? v.toExponential(4) : String(+v.toPrecision(6));
}

// Maps values to CSS pixels of the plot area for the current scales.
function projector(u, key, log, size) {
  const sc = u.scales[key];
  if (log) {
    const l0 = Math.log10(sc.min), l1 = Math.log10(sc.max), k = size / (l1 - l0);
    return key === "x" ? (v) => (Math.log10(v) - l0) * k : (v) => size - (Math.log10(v) - l0) * k;
  }
  const k = size / (sc.max - sc.min), m = sc.min;
  return key === "x" ? (v) => (v - m) * k : (v) => size - (v - m) * k;
}

// Colour of a density bin: a perceptually ordered ramp (dark blue → yellow) on log counts.
function ramp(t) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x)), f = x - i;
  return stops[i].map((c, k) => Math.round(c + (stops[i + 1][k] - c) * f));
}

// Draws the points (or their density) into the plot area and rebuilds the hover index.
function drawPoints(u) {
  const d = current;
  if (!d) return;
  const t0 = performance.now();
  const dpr = devicePixelRatio || 1;
  const w = Math.round(u.bbox.width / dpr), h = Math.round(u.bbox.height / dpr);
  const px = projector(u, "x", d.s.xlog, w), py = projector(u, "y", d.s.ylog, h);
  const xs = d.xs, ys = d.ys, n = d.n;
  const sx = new Float32Array(n), sy = new Float32Array(n);
  for (let i = 0; i < n; i++) { sx[i] = px(xs[i]); sy[i] = py(ys[i]); }
  const ctx = u.ctx;
  ctx.save();
  ctx.beginPath();
  ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
  ctx.clip();
  const density = d.density;
  let visible = 0;
  if (density) {
    // 2-pixel (CSS) bins, drawn at device resolution.
    const bw = Math.max(1, Math.ceil(w / 2)), bh = Math.max(1, Math.ceil(h / 2));
    const counts = new Uint32Array(bw * bh);
    let max = 0;
    for (let i = 0; i < n; i++) {
      const bx = Math.floor(sx[i] / 2), by = Math.floor(sy[i] / 2);
      if (bx < 0 || by < 0 || bx >= bw || by >= bh) continue;
      visible++;
      const c = ++counts[by * bw + bx];
      if (c > max) max = c;
    }
    const img = new ImageData(bw, bh);
    const lmax = Math.log(max + 1);
    for (let k = 0; k < counts.length; k++) {
      if (!counts[k]) continue;
      const [r, g, b] = ramp(lmax > 0 ? Math.log(counts[k] + 1) / lmax : 1);
      img.data.set([r, g, b, 255], k * 4);
    }
    const off = document.createElement("canvas");
    off.width = bw; off.height = bh;
    off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, u.bbox.left, u.bbox.top, bw * 2 * dpr, bh * 2 * dpr);
  } else {
    const style = getComputedStyle(document.documentElement).getPropertyValue("--plot").trim() || "#0550ae";
    ctx.fillStyle = style;
    ctx.globalAlpha = n > 5000 ? 0.5 : 0.8;
    const r = Math.max(1, 1.5 * dpr);
    for (let i = 0; i < n; i++) {
      const x = sx[i], y = sy[i];
      if (x < 0 || y < 0 || x > w || y > h) continue;
      visible++;
      ctx.fillRect(u.bbox.left + x * dpr - r, u.bbox.top + y * dpr - r, 2 * r, 2 * r);
    }
  }
  ctx.restore();
  d.grid = buildGrid(sx, sy, w, h);
  d.sx = sx; d.sy = sy;
  plotEl.dataset.mode = density ? "density" : "points";
  plotEl.dataset.visible = String(visible);
  plotEl.dataset.drawMs = (performance.now() - t0).toFixed(1);
}

// A uniform grid over the plot area: the points of each cell, for nearest-point hovering.
function buildGrid(sx, sy, w, h) {
  const cell = 16;
  const gw = Math.ceil(w / cell) + 1, gh = Math.ceil(h / cell) + 1;
  const start = new Uint32Array(gw * gh + 1);
  const cellOf = new Int32Array(sx.length);
  for (let i = 0; i < sx.length; i++) {
    const cx = Math.floor(sx[i] / cell), cy = Math.floor(sy[i] / cell);
    if (cx < 0 || cy < 0 || cx >= gw || cy >= gh) { cellOf[i] = -1; continue; }
    const c = cy * gw + cx;
    cellOf[i] = c;
    start[c + 1]++;
  }
  for (let c = 0; c < gw * gh; c++) start[c + 1] += start[c];
  const fill = start.slice(0, gw * gh);
  const items = new Uint32Array(start[gw * gh]);
  for (let i = 0; i < sx.length; i++) if (cellOf[i] >= 0) items[fill[cellOf[i]]++] = i;
  return { cell, gw, gh, start, items };
}

function nearest(d, x, y) {
  const g = d.grid;
  if (!g) return -1;
  const cx = Math.floor(x / g.cell), cy = Math.floor(y / g.cell);
  let best = -1, bestD = HOVER_PX * HOVER_PX;
  for (let j = cy - 1; j <= cy + 1; j++) {
    if (j < 0 || j >= g.gh) continue;
    for (let i = cx - 1; i <= cx + 1; i++) {
      if (i < 0 || i >= g.gw) continue;
      const c = j * g.gw + i;
      for (let k = g.start[c]; k < g.start[c + 1]; k++) {
        const p = g.items[k];
        const dx = d.sx[p] - x, dy = d.sy[p] - y, dd = dx * dx + dy * dy;
        if (dd <= bestD) { bestD = dd; best = p; }
      }
    }
  }
  return best;
}

function nameOf(id) {
  if (!names.has(id)) {
    names.set(id, db.query(`srcid = ${id}`, { columns: ["SRCID", "IAUNAME"], limit: 1 })
      .then((r) => { const v = r.rows.length ? String(r.rows[0][1] ?? "") : ""; names.set(id, v); return v; })
      .catch(() => { names.delete(id); return ""; }));
  }
  return Promise.resolve(names.get(id));
}

let hovered = -1;
function hover(u) {
  const d = current;
  if (!d) return;
  const { left, top } = u.cursor;
  const p = left >= 0 && top >= 0 ? nearest(d, left, top) : -1;
  hovered = p;
  u.over.classList.toggle("on-point", p >= 0);
  if (p < 0) { tip.hidden = true; delete plotEl.dataset.hover; return; }
  const id = d.ids[p];
  const line = (label, v) => { const s = document.createElement("span"); s.textContent = `${label} = ${fmt(v)}`; return s; };
  const title = document.createElement("b");
  title.textContent = "…";
  tip.replaceChildren(title, line(d.s.x, d.xs[p]), document.createElement("br"), line(d.s.y, d.ys[p]),
    document.createElement("br"), Object.assign(document.createElement("span"), { textContent: `SRCID ${id}` }));
  const box = plotEl.getBoundingClientRect(), over = u.over.getBoundingClientRect();
  tip.style.left = `${over.left - box.left + d.sx[p] + 12 + plotEl.offsetLeft}px`;
  tip.style.top = `${over.top - box.top + d.sy[p] + 12 + plotEl.offsetTop}px`;
  tip.hidden = false;
  plotEl.dataset.hover = String(id);
  nameOf(id).then((name) => {
    if (hovered === p && current === d) {
      title.textContent = name || `SRCID ${id}`;
      plotEl.dataset.hoverName = name;
    }
  });
}

// An axis title: a column with its unit (`SC_EP_8_FLUX [erg/cm**2/s]`), an expression marked
// as derived (its unit is that of the expression).
function axisLabel(text) {
  const short = (t) => (t.length > 60 ? t.slice(0, 57) + "…" : t);
  const col = schema.find((c) => c.name.toUpperCase() === text.trim().toUpperCase());
  if (col) return short(col.name) + (col.unit ? ` [${col.unit}]` : "");
  return short(text) + " (expression)";
}

// Tick labels as astronomers write them: 1e-14, 2.5e-13, 0.5, 120 (uPlot's own labels round
// small values to "0").
function tickText(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "";
  if (v === 0) return "0";
  const t = +v.toPrecision(6);
  const a = Math.abs(t);
  if (a < 1e-3 || a >= 1e6) return t.toExponential().replace(/\.?0+e/, "e").replace("e+", "e");
  return String(t);
}

// Axis styles in the page's colours (light and dark themes).
function axisStyle(label) {
  const css = getComputedStyle(document.documentElement);
  const ink = css.getPropertyValue("--fg").trim() || getComputedStyle(document.body).color;
  const line = css.getPropertyValue("--line").trim() || "#d0d7de";
  return {
    label, stroke: ink, values: (u, splits) => splits.map(tickText),
    grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 },
  };
}

function size() {
  const w = Math.max(320, Math.min(plotEl.clientWidth || 800, 1100));
  return { width: w, height: Math.round(Math.min(640, w * 0.7)) };
}

function scatter(s, ev) {
  const [xs, ys] = ev.values;
  const density = s.render === "density" || (s.render === "auto" && ev.n > DENSITY_THRESHOLD);
  current = { s, xs, ys, ids: ev.ids, n: ev.n, density };
  plotEl.dataset.mode = density ? "density" : "points";
  const xr = extent(xs, s.xlog), yr = extent(ys, s.ylog);
  const scale = (log, r) => ({
    time: false, distr: log ? 3 : 1, log: 10, auto: false,
    range: (u, min, max) => (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max) ? r : [min, max]),
  });
  let down = null;
  plot = new uPlot({
    ...size(),
    mode: 1,
    scales: { x: scale(s.xlog, xr), y: scale(s.ylog, yr) },
    axes: [axisStyle(axisLabel(s.x)), axisStyle(axisLabel(s.y))],
    series: [{}, { label: s.y, paths: () => null, points: { show: false } }],
    legend: { show: false },
    cursor: { drag: { x: true, y: true, uni: 20 }, points: { show: false } },
    hooks: {
      draw: [drawPoints],
      setCursor: [hover],
      ready: [(u) => {
        u.over.addEventListener("mousedown", (e) => { down = [e.clientX, e.clientY]; });
        u.over.addEventListener("click", (e) => {
          if (down && Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 3) return;
          if (hovered >= 0 && current) location.href = `../source/${encodeURIComponent(String(current.ids[hovered]))}/`;
        });
        u.over.addEventListener("dblclick", () => { u.setScale("x", { min: xr[0], max: xr[1] }); u.setScale("y", { min: yr[0], max: yr[1] }); });
        u.over.addEventListener("mouseleave", () => { tip.hidden = true; hovered = -1; });
      }],
    },
  }, [[xr[0], xr[1]], [null, null]], plotEl);
  plot.setScale("x", { min: xr[0], max: xr[1] });
  plot.setScale("y", { min: yr[0], max: yr[1] });
}

function histogram(s, ev) {
  const [xs] = ev.values;
  current = null;
  let [lo, hi] = extent(xs, s.xlog);
  const edges = new Float64Array(s.bins + 1);
  for (let i = 0; i <= s.bins; i++) {
    edges[i] = s.xlog ? lo * Math.pow(hi / lo, i / s.bins) : lo + (hi - lo) * i / s.bins;
  }
  const counts = new Array(s.bins + 1).fill(0);
  const l0 = Math.log10(lo), lk = s.bins / (Math.log10(hi) - l0), k = s.bins / (hi - lo);
  for (let i = 0; i < xs.length; i++) {
    const b = Math.min(s.bins - 1, Math.max(0, Math.floor(s.xlog ? (Math.log10(xs[i]) - l0) * lk : (xs[i] - lo) * k)));
    counts[b]++;
  }
  counts[s.bins] = counts[s.bins - 1];
  const ydata = s.ylog ? counts.map((c) => (c > 0 ? c : null)) : counts;
  const t0 = performance.now();
  const color = getComputedStyle(document.documentElement).getPropertyValue("--plot").trim() || "#0550ae";
  plot = new uPlot({
    ...size(),
    scales: { x: { time: false, distr: s.xlog ? 3 : 1, log: 10 }, y: { distr: s.ylog ? 3 : 1, log: 10, range: (u, min, max) => (s.ylog ? [0.5, Math.max(1, max) * 2] : [0, Math.max(1, max) * 1.05]) } },
    axes: [axisStyle(axisLabel(s.x)), axisStyle("sources per bin")],
    series: [{ label: s.x, value: (u, v) => (v == null ? "" : fmt(v)) }, { label: "sources", stroke: color, fill: color + "55", paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } }],
    cursor: { drag: { x: true, y: false } },
  }, [Array.from(edges), ydata], plotEl);
  plotEl.dataset.mode = "histogram";
  plotEl.dataset.bins = String(s.bins);
  plotEl.dataset.drawMs = (performance.now() - t0).toFixed(1);
}

async function run() {
  const s = state();
  fillForm(s);
  $("qerror").hidden = true;
  clearPlot();
  try {
    await useRelease(s.release);
  } catch (e) {
    showError("The query engine could not open the release: " + (e && e.message ? e.message : e));
    return;
  }
  const table = $("dtable");
  const tp = new URLSearchParams({ q: s.q });
  if (releaseMenu && s.release !== releaseMenu.dataset.current) tp.set("release", s.release);
  table.href = "../query/?" + tp.toString();
  $("dlinks").hidden = !s.q;
  if (!s.x || (s.kind === "scatter" && !s.y)) {
    plotEl.dataset.state = "idle";
    const missing = !s.x && (s.kind === "hist" || !s.y) ? "x and y" : !s.x ? "x" : "y";
    // Nothing asked yet (the menu's link): a hint; a Draw with axes missing: what is missing.
    statusEl.textContent = drawAsked
      ? `Enter a column or an expression for ${s.kind === "hist" ? "x" : missing}${s.kind === "scatter" && !s.y ? " (or choose “histogram of x”, which needs x only)" : ""}, then Draw.`
      : "Choose what to draw: a query (or nothing for the whole catalogue) and the columns or expressions on the axes.";
    statusEl.dataset.missing = drawAsked ? (s.kind === "hist" ? "x" : missing) : "";
    return;
  }
  const exprs = [];
  for (const [which, text] of s.kind === "hist" ? [["x", s.x]] : [["x", s.x], ["y", s.y]]) {
    try {
      exprs.push(parseExpression(text, schema));
    } catch (e) {
      showError(`In ${which}: ${e.message}`, text, e.position);
      return;
    }
  }
  const columns = [...new Set(exprs.flatMap((e) => [...e.columns]))];
  plotEl.dataset.state = "loading";
  statusEl.textContent = s.q ? "Running the query…" : "Fetching the columns of the whole catalogue…";
  let fetched;
  try {
    fetched = await fetchColumns(s.q, columns);
  } catch (e) {
    showError(e.message || String(e), s.q, e.position);
    return;
  }
  if (urlOf(s) !== urlOf(state())) return; // a newer run started
  const r = fetched.result;
  const logs = s.kind === "hist" ? [s.xlog] : [s.xlog, s.ylog];
  const ev = evaluate(r, exprs, logs);
  const t0 = performance.now();
  if (s.kind === "hist") histogram(s, ev); else scatter(s, ev);
  // uPlot draws in a microtask after the scales are set: wait for it.
  await Promise.resolve();
  await Promise.resolve();
  const total = performance.now() - t0;
  plotEl.dataset.state = "done";
  plotEl.dataset.count = String(r.count);
  plotEl.dataset.points = String(ev.n);
  plotEl.dataset.dropped = String(ev.dropped);
  plotEl.dataset.droppedLog = String(ev.droppedLog);
  plotEl.dataset.queryMs = fetched.ms.toFixed(1);
  plotEl.dataset.plotMs = total.toFixed(1);
  const parts = [`${r.count.toLocaleString("en")} ${r.count === 1 ? "source" : "sources"}`, `${ev.n.toLocaleString("en")} drawn`];
  if (ev.dropped) parts.push(`${ev.dropped.toLocaleString("en")} without a value (null, or not finite such as a division by zero)`);
  if (ev.droppedLog) parts.push(`${ev.droppedLog.toLocaleString("en")} left out: zero or negative on a log axis`);
  if (plotEl.dataset.mode === "density") parts.push("drawn as a density map (colour: log of the sources per bin)");
  parts.push(`${fetched.ms ? fetched.ms.toFixed(0) + " ms query, " : ""}${total.toFixed(0)} ms drawing`);
  statusEl.textContent = parts.join(" · ");
}

// Whether the reader pressed Draw (then a missing axis is named).
let drawAsked = false;
$("dform").addEventListener("submit", (e) => {
  e.preventDefault();
  drawAsked = true;
  history.pushState(null, "", urlOf(formState()));
  run();
});
window.addEventListener("popstate", run);
// For tests and tools: the plot's current axis ranges.
window.xcatDiagram = {
  scales: () => (plot ? { x: [plot.scales.x.min, plot.scales.x.max], y: [plot.scales.y.min, plot.scales.y.max] } : null),
  // The tick labels and titles of the axes as drawn.
  axes: () => (plot ? plot.axes.map((a, i) => ({
    label: a.label, ticks: (a._values || []).filter((t) => t !== ""),
    stroke: typeof a.stroke === "function" ? a.stroke(plot, i) : a.stroke,
  })) : null),
};
let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { if (plot) plot.setSize(size()); }, 150);
});

try {
  engine = await import("./wasm/xcat_wasm.js");
  await engine.default();
  await useRelease(state().release);
  document.documentElement.dataset.xcat = "ready";
  await run();
} catch (e) {
  document.documentElement.dataset.xcat = "failed";
  showError("The query engine could not start: " + (e && e.message ? e.message : e));
}
