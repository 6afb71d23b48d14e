// The query page: runs queries with the in-browser engine (static/wasm/, exposed as
// window.xcat) and keeps the query, sorting, page and display choices in the URL, so every
// result is a permalink and back/forward work. All links are relative: the site works under
// any base path.
const root = new URL("../", import.meta.url).href;
const $ = (id) => document.getElementById(id);
const form = $("qform"), input = $("q"), status = $("qstatus"), table = $("results");
// The position columns of the open release (SC_RA/SC_DEC of 4XMM, RA/DEC of stacked catalogues).
const POSITION = { ra: "SC_RA", dec: "SC_DEC" };
// On a site with several releases the page has a release menu; its data-current is the default.
const releaseMenu = $("release");
const dbs = new Map(); // release id ("" on a site with one catalogue) -> open engine (a promise)
let db = null, engine = null, last = null, schema = [];
// The page's own title; a result puts its query in front (bookmarks, history, tabs).
const baseTitle = document.title;
// The column whose header was just used to sort: it keeps the keyboard focus.
let focusColumn = null;

function state() {
  const p = new URLSearchParams(location.search);
  // What the address leaves unsaid comes from the reader's preferences (session.js).
  const pref = window.xcatPrefs || {};
  return {
    q: p.get("q") || "",
    sort: p.get("sort") || "",
    desc: p.get("desc") === "1",
    page: Math.max(0, parseInt(p.get("page") || "0", 10) || 0),
    size: parseInt(p.get("size") || String(pref.size || 50), 10) || 50,
    cols: p.get("cols") || pref.cols || "default",
    frame: p.get("frame") || pref.frame || "j2000",
    fmt: p.get("fmt") || pref.fmt || "dec",
    release: releaseMenu ? (p.get("release") || releaseMenu.dataset.current) : "",
  };
}

function go(change, replace = false) {
  const s = { ...state(), ...change };
  const p = new URLSearchParams();
  p.set("q", s.q);
  if (releaseMenu && s.release && s.release !== releaseMenu.dataset.current) p.set("release", s.release);
  if (s.sort) p.set("sort", s.sort);
  if (s.desc) p.set("desc", "1");
  if (s.page) p.set("page", String(s.page));
  // A display choice goes into the address when it differs from what the address would get
  // without it (the reader's preference, else the built-in default).
  const pref = window.xcatPrefs || {};
  if (s.size !== (pref.size || 50)) p.set("size", String(s.size));
  if (s.cols !== (pref.cols || "default")) p.set("cols", s.cols);
  if (s.frame !== (pref.frame || "j2000")) p.set("frame", s.frame);
  if (s.fmt !== (pref.fmt || "dec")) p.set("fmt", s.fmt);
  const url = "?" + p.toString();
  if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
  run();
}

// The frame functions of the query engine, by frame: what a position column shows there.
const FRAME_FN = { galactic: ["gal_l", "gal_b"], ecliptic: ["ecl_lon", "ecl_lat"], b1950: ["ra_b1950", "dec_b1950"] };

// Sort options of a state: a position column in another frame sorts by the coordinate shown
// (galactic l, not RA).
function sortOf(s) {
  const up = (s.sort || "").toUpperCase();
  const fn = FRAME_FN[s.frame];
  if (fn && (up === POSITION.ra || up === POSITION.dec)) {
    return { sortValue: `${fn[up === POSITION.ra ? 0 : 1]}(${POSITION.ra}, ${POSITION.dec})`, desc: s.desc };
  }
  return { sort: s.sort || undefined, desc: s.desc };
}

function columnsOf(s) {
  if (s.cols === "all") return "*";
  if (s.cols === "default") return [];
  return s.cols.split(",").filter(Boolean);
}

// Controls that act on a result (exports, diagrams, SAMP, pages): shown only with one.
function resultControls(shown) {
  $("qcontrols").hidden = !shown;
  if (!shown && $("qcones")) $("qcones").hidden = true;
  if (!shown) $("pager").hidden = true;
  const samp = $("samp");
  if (samp && !shown) samp.hidden = true;
}

// This page's address for another query, keeping the release and display choices.
function queryHref(q) {
  return "?" + new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(location.search)), q, page: "0" }).toString();
}

function showError(e, text) {
  table.dataset.state = "error";
  resultControls(false);
  table.tHead.textContent = "";
  table.tBodies[0].textContent = "";
  delete table.dataset.count;
  document.title = (text ? text + " (error) — " : "") + baseTitle;
  $("qerror").hidden = false;
  $("qerror-text").textContent = e.message || String(e);
  if (e.around) {
    // A well-formed IAU name that no source has: the sources around its position instead.
    const a = document.createElement("a");
    a.href = queryHref(e.around);
    a.textContent = `Show the sources around the position ${e.designation} encodes`;
    a.className = "around";
    $("qerror-text").append(" ", a, ".");
  }
  const caret = $("qcaret");
  caret.textContent = "";
  const p = e.position;
  if (p && text) {
    const line = text.split("\n")[p.line - 1] || "";
    const width = Math.max(1, [...text.slice(p.offset, p.end)].length);
    caret.append(line + "\n" + " ".repeat(p.column - 1));
    const mark = document.createElement("span");
    mark.className = "caret";
    mark.textContent = "^" + "~".repeat(Math.max(0, Math.min(width, line.length) - 1));
    caret.append(mark);
  }
  status.textContent = "";
}

function formatCell(name, v, row, cols, s) {
  if (v === null || v === undefined) return "";
  const upper = name.toUpperCase();
  if ((upper === POSITION.ra || upper === POSITION.dec) && engine) {
    const ri = cols.findIndex((c) => c.name.toUpperCase() === POSITION.ra);
    const di = cols.findIndex((c) => c.name.toUpperCase() === POSITION.dec);
    if (ri >= 0 && di >= 0 && row[ri] !== null && row[di] !== null) {
      const [lon, lat] = engine.convertPosition(s.frame, row[ri], row[di]);
      const isLon = upper === POSITION.ra;
      const x = isLon ? lon : lat;
      if (s.fmt === "sexa") {
        // Equatorial longitudes in hours (HH:MM:SS.ss); galactic and ecliptic ones, and every
        // latitude, in degrees (±DD:MM:SS.s; longitudes without a sign).
        if (isLon && (s.frame === "j2000" || s.frame === "b1950")) return engine.formatRa(x, 2);
        const t = engine.formatDec(x, 1);
        return isLon ? t.replace(/^\+/, "") : t;
      }
      return x.toFixed(6);
    }
  }
  if (typeof v === "number" && !Number.isInteger(v)) {
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e7)) return v.toExponential(4);
    // Doubles (MJDs: 54457.80019, to 1e-5 day) show 10 significant digits, floats 7.
    const col = cols.find((c) => c.name === name);
    return String(+v.toPrecision(col && col.type === "float64" ? 10 : 7));
  }
  return String(v);
}

// The shortest decimal text that reads back to the same float32 (a float32 widened to a
// JavaScript number carries noise: 1.756394624710083 for 1.7563946).
export function float32Text(v) {
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const t = v.toPrecision(p);
    if (Math.fround(+t) === f) return String(+t);
  }
  return String(v);
}

function headerLabel(name, s) {
  const upper = name.toUpperCase();
  const labels = { galactic: ["l", "b"], ecliptic: ["λ", "β"], b1950: ["RA B1950", "Dec B1950"] };
  if (labels[s.frame] && (upper === POSITION.ra || upper === POSITION.dec)) {
    return name + " (" + labels[s.frame][upper === POSITION.ra ? 0 : 1] + ")";
  }
  return name;
}

function render(r, s) {
  const thead = table.tHead, tbody = table.tBodies[0];
  thead.textContent = "";
  tbody.textContent = "";
  const tr = document.createElement("tr");
  for (const c of r.columns) {
    const th = document.createElement("th");
    th.scope = "col";
    const b = document.createElement("button");
    b.type = "button";
    const sorted = s.sort && s.sort.toUpperCase() === c.name.toUpperCase();
    b.textContent = headerLabel(c.name, s) + (sorted ? (s.desc ? " ▼" : " ▲") : "");
    b.dataset.column = c.name;
    b.title = [c.description, c.unit && "unit: " + c.unit].filter(Boolean).join(" — ") + " (click to sort)";
    th.setAttribute("aria-sort", sorted ? (s.desc ? "descending" : "ascending") : "none");
    b.addEventListener("click", () => {
      focusColumn = c.name;
      go({ sort: c.name, desc: sorted ? !s.desc : false, page: 0 });
    });
    th.append(b);
    // The unit under the name (positions: the unit of the frame shown).
    const unit = (c.name.toUpperCase() === POSITION.ra || c.name.toUpperCase() === POSITION.dec) ? (s.fmt === "sexa" ? "" : "deg") : (c.unit || "");
    if (unit) th.append(Object.assign(document.createElement("span"), { className: "unit", textContent: unit }));
    tr.append(th);
  }
  thead.append(tr);
  if (focusColumn) {
    // Sorting from the keyboard keeps the focus on the header that was used.
    const again = [...thead.querySelectorAll("button")].find((x) => x.dataset.column === focusColumn);
    if (again) again.focus();
    focusColumn = null;
  }
  const idCol = r.columns.findIndex((c) => c.name.toUpperCase() === "SRCID");
  for (const row of r.rows) {
    const tr = document.createElement("tr");
    row.forEach((v, i) => {
      const td = document.createElement("td");
      const text = formatCell(r.columns[i].name, v, row, r.columns, s);
      if (r.columns[i].type === "string") td.className = "text";
      if (i === idCol && v !== null) {
        const a = document.createElement("a");
        a.href = "../source/" + encodeURIComponent(String(v)) + "/";
        a.textContent = text;
        td.append(a);
      } else {
        td.textContent = text;
      }
      tr.append(td);
    });
    tbody.append(tr);
  }
  const pages = Math.max(1, Math.ceil(r.count / s.size));
  $("pager").hidden = r.count <= s.size;
  $("pageinfo").textContent = `page ${s.page + 1} of ${pages}`;
  $("prev").disabled = s.page === 0;
  $("next").disabled = s.page + 1 >= pages;
  resultControls(true);
  document.title = `${s.q} — ${r.count.toLocaleString("en")} ${r.count === 1 ? "source" : "sources"} — ${baseTitle}`;
  const kb = (r.bytesFetched / 1024).toFixed(1);
  status.textContent = `${r.count.toLocaleString("en")} ${r.count === 1 ? "source" : "sources"} · ${r.ms.toFixed(0)} ms · ${kb} kB in ${r.chunksFetched} files fetched`;
  table.dataset.state = "done";
  table.dataset.count = String(r.count);
  // Other panels of the page (sky view, tools) follow the shown result through this event.
  document.dispatchEvent(new CustomEvent("xcat:result", { detail: { query: s.q, state: s, result: r } }));
}

async function run() {
  const s = state();
  input.value = s.q;
  $("frame").value = s.frame;
  $("coordfmt").value = s.fmt;
  $("size").value = String(s.size);
  $("colmode").value = ["default", "all"].includes(s.cols) ? s.cols : "custom";
  $("qerror").hidden = true;
  // An ADQL query names its release in FROM (xmm4_dr14.sources): that release answers it.
  if (engine && releaseMenu) {
    const named = engine.adqlRelease(s.q, [...releaseMenu.options].map((o) => o.value));
    if (named) s.release = named;
  }
  if (releaseMenu) releaseMenu.value = s.release;
  if (engine) {
    // Opening another release takes a fetch: the previous result is not this query's.
    if (s.q.trim()) {
      table.dataset.state = "loading";
      status.textContent = "Running…";
    }
    try {
      await useRelease(s.release);
    } catch (e) {
      showError(e, "");
      return;
    }
  }
  if (!s.q.trim()) {
    // No query (a cleared box, an empty search from the home page): no result, and a hint.
    table.dataset.state = "idle";
    table.tHead.textContent = "";
    table.tBodies[0].textContent = "";
    delete table.dataset.count;
    resultControls(false);
    last = null;
    document.title = baseTitle;
    status.textContent = "Type a query: an object name (M31), a position (10.68 +41.27), an IAU name, or a condition such as sc_det_ml > 100 — see the query language.";
    return;
  }
  if (!db) return;
  if (/^\s*\d{10}\s*$/.test(s.q)) {
    await observationId(s.q.trim());
    return;
  }
  table.dataset.state = "loading";
  status.textContent = "Running…";
  try {
    const r = await db.query(s.q, {
      ...sortOf(s), offset: s.page * s.size, limit: s.size,
      columns: columnsOf(s),
    });
    const pages = Math.max(1, Math.ceil(r.count / s.size));
    if (s.page >= pages) {
      // Past the last page (page=99999): the last page instead.
      go({ page: pages - 1 }, true);
      return;
    }
    last = { r, s };
    render(r, s);
    resolvedNote(r);
    conesNote(r);
  } catch (e) {
    showError(e, s.q);
  }
}

// A query that is only an observation ID (ten digits, leading zero kept): that observation,
// whose page lists its sources.
async function observationId(id) {
  table.tHead.textContent = "";
  table.tBodies[0].textContent = "";
  delete table.dataset.count;
  resultControls(false);
  last = null;
  const href = `../observation/${id}/`;
  let found = false;
  try {
    found = (await fetch(href, { method: "HEAD" })).ok;
  } catch (e) { /* offline: said below */ }
  if (!found) {
    showError({ message: `${id} reads as an XMM-Newton observation ID, but this site has no observation ${id} (no page at observation/${id}/).` }, "");
    return;
  }
  table.dataset.state = "observation";
  document.title = `Observation ${id} — ${baseTitle}`;
  status.textContent = "";
  const a = document.createElement("a");
  a.href = href;
  a.id = "qobservation";
  a.textContent = `observation ${id}`;
  status.append(`${id} is an XMM-Newton observation ID: the page of `, a, " lists its sources and detections.");
}

// Opens (once) the engine of release `id` and makes it the page's.
async function useRelease(id) {
  if (!dbs.has(id)) dbs.set(id, engine.open(root, id || undefined));
  let opened;
  try {
    opened = await dbs.get(id);
  } catch (e) {
    dbs.delete(id);
    throw e;
  }
  if (opened !== db) {
    db = opened;
    schema = db.schema();
    [POSITION.ra, POSITION.dec] = db.positionColumns();
    window.xcat.db = db;
    document.documentElement.dataset.release = id;
  }
}

// What the query's cones searched: each centre, what resolved it, and the radius.
const CENTRE_SOURCES = {
  "name table": "the site's name table", "CDS Sesame": "the CDS Sesame name service",
  catalogue: "a source of this catalogue", designation: "the position its IAU name encodes",
  coordinates: "coordinates",
};
function radiusText(deg) {
  if (deg >= 1) return `${+deg.toFixed(3)}°`;
  if (deg * 60 >= 1) return `${+(deg * 60).toFixed(2)}′`;
  return `${+(deg * 3600).toFixed(1)}″`;
}
function conesNote(r) {
  const note = $("qcones");
  if (!note) return;
  const parts = (r.cones || []).map((c) => {
    const at = `${c.ra.toFixed(5)} ${c.dec >= 0 ? "+" : ""}${c.dec.toFixed(5)}`;
    const how = CENTRE_SOURCES[c.source] || c.source;
    return `${c.name === null ? "position" : c.name} at ${at} (ICRS, from ${how}), radius ${radiusText(c.radiusDeg)}`;
  });
  note.textContent = parts.length ? `Cone${parts.length > 1 ? "s" : ""}: ${parts.join("; ")}.` : "";
  note.hidden = !parts.length;
}

// Says how names of the query were resolved when one is a source of another release (its
// counterpart in this one is the centre of the cone).
function resolvedNote(r) {
  const note = $("qresolved");
  if (!note) return;
  note.textContent = "";
  for (const x of r.resolved || []) {
    if (x.source === "source") {
      // The query was the IAU name of a source of this catalogue: that source.
      const a = document.createElement("a");
      a.href = "../source/" + encodeURIComponent(String(x.counterpart)) + "/";
      a.textContent = "its page";
      a.className = "exact";
      const around = document.createElement("a");
      around.href = queryHref(`cone('${x.name}')`);
      around.textContent = "the sources around it";
      around.className = "around";
      note.append(`${x.name} is the source SRCID ${x.counterpart} of this catalogue (`, a, ") · ", around, ". ");
      continue;
    }
    if (["name table", "catalogue", "designation", "CDS Sesame"].includes(x.source)) continue;
    note.append(`${x.name}: ${x.source}`);
    if (x.counterpart !== undefined) {
      const a = document.createElement("a");
      a.href = "../source/" + encodeURIComponent(String(x.counterpart)) + "/";
      a.textContent = "SRCID " + x.counterpart;
      a.className = "counterpart";
      note.append(" ", a, ", the centre of the cone");
    }
    note.append(". ");
  }
  note.hidden = !note.textContent;
}

function download(name, type, text) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

async function everything() {
  const s = state();
  const first = last && last.r ? last.r.count : 0;
  return db.query(s.q, { ...sortOf(s), offset: 0, limit: Math.max(first, 2 ** 31), columns: columnsOf(s) });
}

// The shown result as a query of the site's TAP service: its ADQL (the page's columns and
// sort; an ADQL query as typed) and the MAXREC that keeps every row. Rejects when ADQL cannot
// say the query (a DETID lookup, a text search for % or _).
async function tapQuery() {
  const s = state();
  if (!last || !last.r) throw new Error("no result to send yet");
  let adql = await db.adql(s.q);
  if (!/^\s*select\b/i.test(s.q)) {
    const cols = s.cols === "all" ? "*" : last.r.columns.map((c) => c.name).join(", ");
    adql = adql.replace(/^SELECT \* /, `SELECT ${cols} `);
    // (A sort by a position shown in another frame has no ADQL equivalent: left out.)
    if (s.sort && sortOf(s).sort) adql += ` ORDER BY ${s.sort} ${s.desc ? "DESC" : "ASC"}`;
  }
  return { adql, count: last.r.count };
}

function csvCell(v) {
  if (v === null || v === undefined) return "";
  const t = String(v);
  return /[",\n\r]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
}

// A cell as exported: float32 values as their shortest round-tripping text.
const exported = (r) => {
  const f32 = r.columns.map((c) => c.type === "float32");
  return (v, i) => (f32[i] && typeof v === "number" ? float32Text(v) : v);
};

export function toCsv(r) {
  const lines = [r.columns.map((c) => csvCell(c.name)).join(",")];
  const cell = exported(r);
  for (const row of r.rows) lines.push(row.map((v, i) => csvCell(cell(v, i))).join(","));
  return lines.join("\n") + "\n";
}

const VOTYPES = { boolean: "boolean", uint8: "unsignedByte", int16: "short", int32: "int", int64: "long", float32: "float", float64: "double", string: "char" };
const xml = (t) => String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

// IVOA VOTable 1.4 (TABLEDATA serialisation; an empty TD is a null, VOTable 1.3 §6).
export function toVotable(r, query) {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>',
    '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '<RESOURCE type="results">', `<INFO name="QUERY_STATUS" value="OK"/>`, `<INFO name="QUERY" value="${xml(query)}"/>`,
    '<COOSYS ID="icrs" system="ICRS"/>'];
  // Columns of another frame (withFrame) refer to a coordinate system of their own.
  const SYSTEMS = { galactic: '<COOSYS ID="galactic" system="galactic"/>', ecliptic: '<COOSYS ID="ecliptic" system="ecl_FK5" equinox="J2000"/>', b1950: '<COOSYS ID="b1950" system="FK4" equinox="B1950" epoch="B1950"/>' };
  for (const f of new Set(r.columns.map((c) => c.frame).filter(Boolean))) out.push(SYSTEMS[f]);
  out.push('<TABLE name="xcat_sources">');
  for (const c of r.columns) {
    const dt = VOTYPES[c.type] || "char";
    // Equatorial positions refer to the ICRS coordinate system; added frames to their own.
    const ref = c.frame ? ` ref="${c.frame}"` : /(^|;)pos\.eq\.(ra|dec)(;|$)/.test(c.ucd || "") ? ' ref="icrs"' : "";
    out.push(`<FIELD name="${xml(c.name)}" datatype="${dt}"${dt === "char" ? ' arraysize="*"' : ""}${ref}${c.vo_unit ? ` unit="${xml(c.vo_unit)}"` : ""}${c.ucd ? ` ucd="${xml(c.ucd)}"` : ""}>` +
      (c.description ? `<DESCRIPTION>${xml(c.description)}</DESCRIPTION>` : "") + "</FIELD>");
  }
  out.push("<DATA><TABLEDATA>");
  const cell = exported(r);
  for (const row of r.rows) {
    out.push("<TR>" + row.map((v, i) => "<TD>" + (v === null || v === undefined ? "" : xml(cell(v, i))) + "</TD>").join("") + "</TR>");
  }
  out.push("</TABLEDATA></DATA>", "</TABLE>", "</RESOURCE>", "</VOTABLE>");
  return out.join("\n") + "\n";
}

// The frames the page shows besides ICRS, as the columns exports add for them (CSV and
// VOTable: the frame shown travels with the file; the ICRS columns stay as stored).
const FRAME_COLUMNS = {
  galactic: [["GAL_L", "pos.galactic.lon", "Galactic longitude l"], ["GAL_B", "pos.galactic.lat", "Galactic latitude b"]],
  ecliptic: [["ECL_LON", "pos.ecliptic.lon", "Ecliptic longitude λ (J2000)"], ["ECL_LAT", "pos.ecliptic.lat", "Ecliptic latitude β (J2000)"]],
  b1950: [["RA_B1950", "pos.eq.ra", "Right ascension, FK4 B1950"], ["DEC_B1950", "pos.eq.dec", "Declination, FK4 B1950"]],
};

function withFrame(r, frame) {
  const add = FRAME_COLUMNS[frame];
  const ri = r.columns.findIndex((c) => c.name.toUpperCase() === POSITION.ra);
  const di = r.columns.findIndex((c) => c.name.toUpperCase() === POSITION.dec);
  if (!add || ri < 0 || di < 0) return r;
  const columns = [...r.columns, ...add.map(([name, ucd, description]) => ({ name, type: "float64", unit: "deg", vo_unit: "deg", ucd, description, frame }))];
  const rows = r.rows.map((row) => {
    if (row[ri] === null || row[di] === null) return [...row, null, null];
    return [...row, ...engine.convertPosition(frame, row[ri], row[di])];
  });
  return { ...r, columns, rows };
}

async function exportAs(kind) {
  try {
    status.textContent = "Preparing the export…";
    const r = await everything();
    const s = state();
    if (kind === "fits") {
      // Written by the engine (a FITS binary table), from the same whole result.
      const bytes = await db.exportFits(s.q, { ...sortOf(s), offset: 0, limit: Math.max(r.count, 1), columns: columnsOf(s) });
      download("xcat-query.fits", "application/fits", bytes);
    } else if (kind === "csv") download("xcat-query.csv", "text/csv", toCsv(withFrame(r, s.frame)));
    else download("xcat-query.vot", "application/x-votable+xml", toVotable(withFrame(r, s.frame), s.q));
    status.textContent = `Exported ${r.count} rows.`;
  } catch (e) {
    showError(e, state().q);
  }
}

// A permalink with `format=csv|votable|fits` downloads the whole result in that format once
// the page has run it (a "download this query" link); the page then forgets the parameter, so
// going back or changing the query does not download again.
const FORMATS = { csv: "csv", votable: "votable", vot: "votable", xml: "votable", fits: "fits" };
function downloadRequested() {
  const p = new URLSearchParams(location.search);
  const asked = p.get("format");
  if (asked === null) return;
  p.delete("format");
  history.replaceState(null, "", "?" + p.toString());
  const kind = FORMATS[asked.toLowerCase()];
  if (!kind) {
    showError({ message: `format=${asked} is not an export format; use csv, votable or fits` });
    return;
  }
  if (table.dataset.state === "done") exportAs(kind);
}

function columnPicker() {
  const list = $("colpick-list");
  list.textContent = "";
  const s = state();
  const chosen = new Set(columnsOf(s) === "*" ? schema.map((c) => c.name) : (columnsOf(s).length ? columnsOf(s) : db.defaultColumns()));
  for (const c of schema) {
    const l = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = c.name;
    box.checked = chosen.has(c.name);
    box.addEventListener("change", () => {
      const picked = [...list.querySelectorAll("input:checked")].map((b) => b.value);
      go({ cols: picked.length ? picked.join(",") : "default", page: 0 }, true);
    });
    l.append(box, " " + c.name);
    list.append(l);
  }
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  go({ q: input.value, page: 0 });
});
$("prev").addEventListener("click", () => go({ page: Math.max(0, state().page - 1) }));
$("next").addEventListener("click", () => go({ page: state().page + 1 }));
$("size").addEventListener("change", (e) => go({ size: parseInt(e.target.value, 10), page: 0 }));
$("frame").addEventListener("change", (e) => go({ frame: e.target.value }, true));
$("coordfmt").addEventListener("change", (e) => go({ fmt: e.target.value }, true));
$("colmode").addEventListener("change", (e) => {
  const v = e.target.value;
  $("colpick").hidden = v !== "custom";
  if (v === "custom") columnPicker();
  else go({ cols: v, page: 0 });
});
$("export-csv").addEventListener("click", () => exportAs("csv"));
$("export-votable").addEventListener("click", () => exportAs("votable"));
$("export-fits").addEventListener("click", () => exportAs("fits"));
window.addEventListener("popstate", run);
if (releaseMenu) {
  releaseMenu.addEventListener("change", () => go({ release: releaseMenu.value, page: 0, sort: "", cols: "default" }));
}

try {
  engine = await import("./wasm/xcat_wasm.js");
  await engine.default();
  window.xcat = {
    open: engine.open, convertPosition: engine.convertPosition, formatRa: engine.formatRa,
    formatDec: engine.formatDec, angularDistance: engine.angularDistance, toCsv, toVotable,
    // The whole result of the current query (every row, the chosen columns), for exports and tools.
    everything, go, state, tapQuery,
  };
  await useRelease(state().release);
  document.documentElement.dataset.xcat = "ready";
  await run();
  downloadRequested();
} catch (e) {
  document.documentElement.dataset.xcat = "failed";
  showError({ message: "The query engine could not start: " + (e && e.message ? e.message : e) });
}
