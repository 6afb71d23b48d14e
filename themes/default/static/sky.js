// Sky views: Aladin Lite v3 (CDS) in every element with class "skyview", loaded from the CDS
// only when a view scrolls into sight (data-load="visible") or when the user asks
// (data-load="ask"), never while the page loads. Each view shows an optical survey, this
// site's HiPS catalogue (data-hips, a URL relative to the page, so the site works under any
// sub-path), optionally a MOC (data-moc) and, on the query page (data-follow="result"), the
// rows of the current result, announced by query.js with the "xcat:result" event. Clicking a
// source of this catalogue opens its page. When the CDS service cannot be reached the view
// says so and the page keeps working; no error escapes to the console.
(() => {
  "use strict";
  const ALADIN_URL = "https://aladin.cds.unistra.fr/AladinLite/api/v3/latest/aladin.js";
  const LOAD_TIMEOUT_MS = 20000;
  const MAX_MARKERS = 20000;
  const UNREACHABLE = "Sky view needs the CDS Aladin Lite service, which could not be reached.";
  const views = [...document.querySelectorAll(".skyview")];
  if (!views.length) return;
  const absolute = (rel) => new URL(rel, document.baseURI).href;

  let loading = null;
  // Loads the Aladin Lite script once; resolves with the A global, rejects when unreachable.
  function loadAladin() {
    if (loading) return loading;
    loading = new Promise((resolve, reject) => {
      if (window.A && window.A.aladin) { resolve(window.A); return; }
      const s = document.createElement("script");
      s.src = ALADIN_URL;
      s.async = true;
      s.charset = "utf-8";
      const timer = setTimeout(() => reject(new Error("timeout")), LOAD_TIMEOUT_MS);
      s.onload = () => {
        clearTimeout(timer);
        if (window.A && typeof window.A.aladin === "function") resolve(window.A);
        else reject(new Error("no Aladin Lite API in the loaded script"));
      };
      s.onerror = () => { clearTimeout(timer); reject(new Error("unreachable")); };
      document.head.append(s);
    }).then((A) => Promise.resolve(A.init).then(() => A));
    return loading;
  }

  function message(view, text, button) {
    const box = view.querySelector(".sky-msg") || view.appendChild(document.createElement("p"));
    box.className = "sky-msg";
    box.textContent = text;
    if (button) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = button;
      b.addEventListener("click", () => start(view));
      box.append(" ", b);
    }
    view.dataset.sky = view.dataset.sky || "idle";
  }

  // The page of a catalogue source, from the data of a clicked Aladin object.
  function sourceHref(view, obj) {
    const d = obj && obj.data ? obj.data : {};
    const id = d.SRCID ?? d.srcid;
    if (id === undefined || id === null || !/^-?\d+$/.test(String(id).trim())) return null;
    return absolute(`${view.dataset.root || "./"}source/${String(id).trim()}/`);
  }

  function positionColumns() {
    const db = window.xcat && window.xcat.db;
    return db && db.positionColumns ? db.positionColumns().map((c) => String(c).toUpperCase()) : ["SC_RA", "SC_DEC"];
  }

  function fromResult(detail) {
    const r = detail && detail.result;
    if (!r || !Array.isArray(r.columns)) return null;
    const up = r.columns.map((c) => String(c && typeof c === "object" ? c.name : c).toUpperCase());
    // The open catalogue's position columns (SC_RA/SC_DEC of 4XMM, RA/DEC of a stacked release).
    const [raName, decName] = positionColumns();
    const ra = up.indexOf(raName), dec = up.indexOf(decName), id = up.indexOf("SRCID"), name = up.indexOf("IAUNAME");
    if (ra < 0 || dec < 0) return { rows: [], missing: true };
    const rows = [];
    for (const row of r.rows || []) {
      const a = Number(row[ra]), d = Number(row[dec]);
      if (!Number.isFinite(a) || !Number.isFinite(d)) continue;
      rows.push({ ra: a, dec: d, SRCID: id >= 0 ? row[id] : null, IAUNAME: name >= 0 ? row[name] : "" });
    }
    return { rows, missing: false };
  }

  let lastResult = null;
  document.addEventListener("xcat:result", (e) => {
    lastResult = e.detail;
    for (const v of views) if (v.sky && v.dataset.follow === "result") showResult(v, e.detail).catch(() => {});
  });

  // Draws the rows of the shown page at once, then every row of the result when there are
  // few enough to draw (window.xcat.everything() fetches them).
  async function showResult(view, detail) {
    if (!view.sky) return;
    const token = (view.skyToken = (view.skyToken || 0) + 1);
    const got = fromResult(detail);
    if (!got) return;
    draw(view, got, got.rows.length === (detail.result.count ?? got.rows.length));
    const count = Number(detail.result.count);
    if (got.missing || !(count > got.rows.length) || count > MAX_MARKERS || !(window.xcat && window.xcat.everything)) {
      if (count > MAX_MARKERS) note(view, `The ${got.rows.length.toLocaleString("en")} sources of this result page on the sky; the whole result (${count.toLocaleString("en")}) is too large to draw.`);
      return;
    }
    let all;
    try {
      all = await window.xcat.everything();
    } catch {
      return; // the page's rows stay on the sky
    }
    if (token !== view.skyToken) return;
    const every = fromResult({ result: all });
    if (every && !every.missing) draw(view, every, true);
  }

  function note(view, text) {
    const n = view.querySelector(".sky-note");
    if (n) n.textContent = text;
  }

  function draw(view, got, whole) {
    const sky = view.sky;
    if (sky.result) sky.result.removeAll();
    else {
      sky.result = sky.A.catalog({ name: "Query result", sourceSize: 14, color: "#ff3d7f", shape: "circle" });
      sky.aladin.addCatalog(sky.result);
    }
    const rows = got.rows;
    sky.result.addSources(rows.map((r) => sky.A.source(r.ra, r.dec, { SRCID: r.SRCID, IAUNAME: r.IAUNAME })));
    view.dataset.markers = String(rows.length);
    const n = rows.length.toLocaleString("en");
    note(view, got.missing
      ? `The shown columns have no ${positionColumns().join(" and ")}: choose columns that include them to see the result on the sky.`
      : whole ? `All ${n} ${rows.length === 1 ? "source" : "sources"} of the result on the sky.` : `The ${n} sources of this result page on the sky…`);
    if (!rows.length) return;
    let x = 0, y = 0, z = 0;
    const vec = (r) => {
      const a = r.ra * Math.PI / 180, d = r.dec * Math.PI / 180;
      return [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)];
    };
    for (const r of rows) { const v = vec(r); x += v[0]; y += v[1]; z += v[2]; }
    const norm = Math.hypot(x, y, z) || 1;
    const c = [x / norm, y / norm, z / norm];
    let far = 0;
    for (const r of rows) {
      const v = vec(r);
      far = Math.max(far, Math.acos(Math.max(-1, Math.min(1, v[0] * c[0] + v[1] * c[1] + v[2] * c[2]))) * 180 / Math.PI);
    }
    const ra = (Math.atan2(c[1], c[0]) * 180 / Math.PI + 360) % 360;
    const dec = Math.asin(Math.max(-1, Math.min(1, c[2]))) * 180 / Math.PI;
    sky.aladin.gotoRaDec(ra, dec);
    sky.aladin.setFoV(Math.min(180, Math.max(0.1, 2.4 * far)));
  }

  function start(view) {
    if (view.dataset.sky === "loading" || view.dataset.sky === "ready") return;
    view.dataset.sky = "loading";
    message(view, "Loading the sky view from the CDS…");
    loadAladin().then((A) => {
      const ra = Number(view.dataset.ra), dec = Number(view.dataset.dec);
      const target = Number.isFinite(ra) && Number.isFinite(dec) ? `${ra} ${dec}` : "0 0";
      const div = document.createElement("div");
      div.className = "aladin";
      view.querySelector(".sky-msg")?.remove();
      view.prepend(div);
      const aladin = A.aladin(div, {
        survey: view.dataset.survey || "P/DSS2/color",
        fov: Number(view.dataset.fov) || 0.5,
        target,
        cooFrame: "equatorial",
        showReticle: false,
        showCooGridControl: true,
      });
      view.sky = { A, aladin, result: null };
      if (view.dataset.moc) {
        aladin.addMOC(A.MOCFromURL(absolute(view.dataset.moc), { name: view.dataset.mocName || "Coverage", color: "#ffa500", opacity: 0.15, lineWidth: 2 }));
      }
      if (view.dataset.hips) {
        // Without the trailing slash: Aladin appends "/properties" and the rest itself.
        aladin.addCatalog(A.catalogHiPS(absolute(view.dataset.hips).replace(/\/+$/, ""), { name: view.dataset.hipsName || "XMM-Newton sources", color: "#3dd9ff", sourceSize: 10 }));
      }
      aladin.on("objectClicked", (obj) => {
        const href = sourceHref(view, obj);
        if (href) location.href = href;
      });
      view.dataset.sky = "ready";
      if (view.dataset.follow === "result" && lastResult) showResult(view, lastResult).catch(() => {});
    }).catch(() => {
      view.dataset.sky = "unavailable";
      view.querySelector(".aladin")?.remove();
      message(view, UNREACHABLE);
    });
  }

  for (const view of views) {
    if (view.dataset.load === "ask") {
      message(view, view.dataset.askText || "An interactive sky view (Aladin Lite, loaded from the CDS).", "Show on the sky");
      continue;
    }
    message(view, "The sky view loads from the CDS when it scrolls into sight.", "Load now");
    if ("IntersectionObserver" in window) {
      const io = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) { io.disconnect(); start(view); }
      }, { rootMargin: "200px" });
      io.observe(view);
    }
  }
})();
