// SAMP from the query page (IVOA SAMP 1.3, Web Profile): registers with the hub of the
// user's desktop (TOPCAT, Aladin Desktop, DS9 or astropy run one at http://localhost:21012/)
// when asked, sends the whole current result as a VOTable (table.load.votable) and points the
// other applications at a source (coord.pointAt.sky). XML-RPC over fetch, written here: the
// protocol is small and no maintained npm package implements the Web Profile.
//
// The table: a SAMP recipient loads a table from a URL it fetches itself, so the VOTable made
// in this page (a blob: URL, private to the browser) cannot be sent as it is. The page posts
// it to `_samp/tables` of its own site, which keeps it in memory and serves it back at an
// http URL that goes into the message. `xcat serve` provides that; a mirror of static files
// cannot, and there the table itself goes into the message as a base64 data: URL (RFC 2397),
// up to INLINE_LIMIT. The table is sent as a call (samp.webhub.callAll), so each recipient
// answers whether it loaded it: TOPCAT 4.8 and Aladin Desktop 12 cannot read data: URLs, and
// the page then says so and points to the VOTable export.
//
// A site configured with a VO server (`[site] vo_server_url`, stated in the page's
// <meta name="xcat:vo-server">) sends instead the TAP query that gives the result
// (`<server>tap/sync?…&QUERY=<ADQL>`): an http URL every application fetches itself, from a
// mirror of static files too. A source page sends its static source.vot.
const root = new URL("../", import.meta.url).href;
const HUB = "http://localhost:21012/";
const box = document.getElementById("samp");
let client = null; // { key, selfId }
let lastResult = null;

// ---- XML-RPC (the subset SAMP uses: strings, lists and maps) ----
const esc = (t) => String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function encode(v) {
  if (Array.isArray(v)) return "<value><array><data>" + v.map(encode).join("") + "</data></array></value>";
  if (v && typeof v === "object") {
    return "<value><struct>" + Object.entries(v).map(([k, x]) => `<member><name>${esc(k)}</name>${encode(x)}</member>`).join("") + "</struct></value>";
  }
  return `<value><string>${esc(v === undefined || v === null ? "" : v)}</string></value>`;
}

function decode(node) {
  const t = [...node.children][0];
  if (!t) return node.textContent; // a bare <value>text</value> is a string
  switch (t.tagName) {
    case "array": return [...t.querySelector("data").children].map(decode);
    case "struct": {
      const o = {};
      for (const m of t.children) o[m.querySelector("name").textContent] = decode(m.querySelector("value"));
      return o;
    }
    case "boolean": return t.textContent.trim() === "1";
    case "int": case "i4": case "double": return Number(t.textContent);
    default: return t.textContent;
  }
}

class HubError extends Error {}

async function call(method, ...params) {
  const body = `<?xml version="1.0"?><methodCall><methodName>${esc(method)}</methodName><params>${params.map((p) => "<param>" + encode(p) + "</param>").join("")}</params></methodCall>`;
  let resp;
  try {
    resp = await fetch(HUB, { method: "POST", headers: { "Content-Type": "text/xml" }, body });
  } catch (e) {
    throw new HubError(`No SAMP hub answers at ${HUB}. Start a SAMP application with a hub (TOPCAT, Aladin Desktop, DS9 or astropy's samp_hub) and try again.`);
  }
  if (!resp.ok) throw new HubError(`The SAMP hub answered ${resp.status} ${resp.statusText} to ${method}.`);
  const doc = new DOMParser().parseFromString(await resp.text(), "application/xml");
  const fault = doc.querySelector("fault value");
  if (fault) {
    const f = decode(fault);
    throw new HubError(`The SAMP hub refused ${method}: ${f.faultString || JSON.stringify(f)}`);
  }
  const v = doc.querySelector("params param value");
  if (!v) throw new HubError(`The SAMP hub sent an answer to ${method} that is not XML-RPC.`);
  return decode(v);
}

// ---- the client ----
async function register() {
  const r = await call("samp.webhub.register", { "samp.name": document.title.split(" — ").pop() || "xcat" });
  client = { key: r["samp.private-key"], selfId: r["samp.self-id"] };
  await call("samp.webhub.declareMetadata", client.key, {
    "samp.name": "xcat",
    "samp.description.text": "Query page of " + (document.querySelector(".brand")?.textContent || "an xcat site") + " (" + location.origin + ")",
    "home.page": new URL(root).href,
  });
  await call("samp.webhub.declareSubscriptions", client.key, {});
  // Needed to receive the recipients' responses to calls (pullCallbacks).
  await call("samp.webhub.allowReverseCallbacks", client.key, "1");
  return client;
}

async function ensure() {
  if (client) return client;
  say("Asking the SAMP hub to register this page (your hub may ask you to accept)…");
  return register();
}

function unregister() {
  if (!client) return;
  const body = `<?xml version="1.0"?><methodCall><methodName>samp.webhub.unregister</methodName><params><param>${encode(client.key)}</param></params></methodCall>`;
  client = null;
  fetch(HUB, { method: "POST", headers: { "Content-Type": "text/xml" }, body, keepalive: true }).catch(() => {});
}

// A hub method of this client, registering again once if the hub has forgotten it (a
// restarted hub).
async function withClient(method, ...params) {
  const c = await ensure();
  try {
    return await call(method, c.key, ...params);
  } catch (e) {
    client = null;
    const again = await ensure();
    return call(method, again.key, ...params);
  }
}

const notifyAll = (mtype, params) => withClient("samp.webhub.notifyAll", { "samp.mtype": mtype, "samp.params": params });

let tags = 0;
const names = new Map();

async function appName(id) {
  if (!names.has(id)) {
    let name = id;
    try {
      const m = await call("samp.webhub.getMetadata", client.key, id);
      name = (m && m["samp.name"]) || id;
    } catch (e) { /* keep the id */ }
    names.set(id, name);
  }
  return names.get(id);
}

// Sends a message as a call to every application subscribed to it and collects the responses
// for up to `waitMs`: one { name, status, text } per recipient, status null for no answer yet.
async function callAll(mtype, params, waitMs) {
  const tag = `xcat-${Date.now()}-${++tags}`;
  const to = await withClient("samp.webhub.callAll", tag, { "samp.mtype": mtype, "samp.params": params });
  const ids = Object.keys(to || {});
  const answers = new Map();
  const deadline = Date.now() + waitMs;
  while (answers.size < ids.length && Date.now() < deadline) {
    const wait = Math.max(1, Math.min(5, Math.ceil((deadline - Date.now()) / 1000)));
    const callbacks = await call("samp.webhub.pullCallbacks", client.key, String(wait));
    for (const cb of callbacks || []) {
      if (!String(cb["samp.methodName"] || "").endsWith("receiveResponse")) continue;
      const [from, msgTag, response] = cb["samp.params"] || [];
      if (msgTag === tag) answers.set(from, response || {});
    }
  }
  const out = [];
  for (const id of ids) {
    const r = answers.get(id);
    const err = r && r["samp.error"];
    out.push({ name: await appName(id), status: r ? r["samp.status"] || "" : null, text: (err && (err["samp.errortxt"] || err["samp.usertxt"])) || "" });
  }
  return out;
}

// Tables up to this size travel inside the message when the site cannot hold them.
const INLINE_LIMIT = 16 * 1024 * 1024;

// The VOTable as a base64 `data:` URL (RFC 2397), encoded in slices so that big tables do not
// overflow the argument list of String.fromCharCode.
function dataUrl(votable) {
  const bytes = new TextEncoder().encode(votable);
  let b64 = "";
  for (let i = 0; i < bytes.length; i += 3 * 8192) b64 += btoa(String.fromCharCode.apply(null, bytes.subarray(i, i + 3 * 8192)));
  return "data:application/x-votable+xml;base64," + b64;
}

// A URL other applications can read the VOTable from: an http URL of this site when it can
// hold tables (`xcat serve`), otherwise (static files) the table itself as a data: URL.
async function publish(votable) {
  let resp;
  try {
    resp = await fetch(root + "_samp/tables", { method: "POST", headers: { "Content-Type": "application/x-votable+xml" }, body: votable });
  } catch (e) {
    resp = null;
  }
  if (resp && resp.status === 201) return { url: new URL((await resp.text()).trim(), root).href, inline: false };
  if (votable.length > INLINE_LIMIT) {
    throw new HubError(`This site is served as static files, which cannot hold a table for SAMP applications to fetch, and this result (${(votable.length / 1048576).toFixed(1)} MB as a VOTable) is too big to travel inside the message. Narrow the query, or use “Export all rows: VOTable” and open the file in your application.`);
  }
  return { url: dataUrl(votable), inline: true };
}

function state() {
  return window.xcat && window.xcat.state ? window.xcat.state() : { q: new URLSearchParams(location.search).get("q") || "" };
}

// The most rows a TAP query of `xcat vo` returns (its MAXREC cap).
const TAP_MAXREC = 1000000;

// The TAP sync URL of the shown result, when the site has a VO server and ADQL can say the
// query; otherwise { note } saying why not.
async function tapUrl() {
  const meta = document.querySelector('meta[name="xcat:vo-server"]');
  if (!meta || !meta.content || !window.xcat.tapQuery) return {};
  let t;
  try {
    t = await window.xcat.tapQuery();
  } catch (e) {
    return { note: `The VO server cannot run this query (${e.message || e}), so the table goes as a file. ` };
  }
  if (t.count > TAP_MAXREC) return { note: `The VO server returns at most ${TAP_MAXREC.toLocaleString("en")} rows, so the table goes as a file. ` };
  const p = new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", FORMAT: "votable", MAXREC: String(Math.max(1, t.count)), QUERY: t.adql });
  return { url: new URL("tap/sync?" + p.toString(), new URL(meta.content, location.href)).href, count: t.count };
}

async function sendTable() {
  const button = document.getElementById("samp-send");
  button.disabled = true;
  try {
    await ensure();
    say("Preparing the table…");
    const tap = await tapUrl();
    let url, inline = false, count;
    if (tap.url) {
      ({ url, count } = tap);
    } else {
      const r = await window.xcat.everything();
      ({ url, inline } = await publish(window.xcat.toVotable(r, state().q)));
      count = r.count;
    }
    const id = inline ? `xcat-${Date.now()}` : url;
    say(`Sending ${count.toLocaleString("en")} rows…`);
    const replies = await callAll("table.load.votable", { url, "table-id": id, name: `xcat: ${state().q}`.slice(0, 200) }, 30000);
    box.dataset.sent = String(count);
    box.dataset.url = inline ? "data:" : url;
    box.dataset.replies = JSON.stringify(replies);
    const rows = `${count.toLocaleString("en")} rows`;
    if (!replies.length) {
      say(`No application connected to the hub accepts tables (table.load.votable); ${rows} not sent.`, true);
      return;
    }
    const each = replies.map((a) => a.status === null ? `${a.name} has not answered yet (a big table may still be loading)` :
      a.status === "samp.error" ? `${a.name} could not load it (${a.text || "no reason given"})` :
        `${a.name} loaded it`).join("; ");
    const failed = replies.filter((a) => a.status === "samp.error").length;
    const loaded = replies.filter((a) => a.status !== null && a.status !== "samp.error").length;
    const hint = failed && inline ? " This site is static files, so the table travelled inside the message as a data: URL, which some applications (TOPCAT 4.8, Aladin Desktop 12) cannot read: use “Export all rows: VOTable” and open the file in the application." : "";
    const via = tap.url ? ` (as a query of the VO server at ${new URL(url).host})` : "";
    say(`${tap.note || ""}Sent ${rows} to ${replies.length} SAMP ${replies.length === 1 ? "application" : "applications"}${via}: ${each}.${hint}`, !loaded && failed > 0);
  } catch (e) {
    say(e.message || String(e), true);
  } finally {
    button.disabled = false;
  }
}

async function pointAt(ra, dec) {
  try {
    const to = await notifyAll("coord.pointAt.sky", { ra: String(ra), dec: String(dec) });
    const n = Array.isArray(to) ? to.length : 0;
    box.dataset.pointed = `${ra} ${dec}`;
    say(n ? `Pointed ${n} SAMP ${n === 1 ? "application" : "applications"} at ${(+ra).toFixed(5)} ${(+dec).toFixed(5)}.` :
      "No application connected to the hub accepts positions (coord.pointAt.sky).");
  } catch (e) {
    say(e.message || String(e), true);
  }
}

// A “point at” button in the SRCID cell of each row, once registered with a hub.
function rowButtons() {
  if (!client || !lastResult) return;
  const cols = lastResult.columns.map((c) => c.name.toUpperCase());
  const [raName, decName] = window.xcat.db.positionColumns();
  const id = cols.indexOf("SRCID"), ra = cols.indexOf(raName.toUpperCase()), dec = cols.indexOf(decName.toUpperCase());
  if (id < 0) return;
  const rows = document.getElementById("results").tBodies[0].rows;
  lastResult.rows.forEach((row, i) => {
    const cell = rows[i] && rows[i].cells[id];
    if (!cell || cell.querySelector(".samp-point")) return;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "samp-point";
    b.textContent = "SAMP";
    b.title = "Point SAMP applications (e.g. Aladin) at this source";
    b.addEventListener("click", async () => {
      let pos = ra >= 0 && dec >= 0 ? [row[ra], row[dec]] : null;
      if (!pos || pos[0] === null) {
        const r = await window.xcat.db.query(`srcid = ${row[id]}`, { columns: ["SRCID", raName, decName], limit: 1 });
        pos = r.rows.length ? [r.rows[0][1], r.rows[0][2]] : null;
      }
      if (pos) pointAt(pos[0], pos[1]);
    });
    cell.append(b);
  });
}

let status;
function say(text, isError) {
  status.textContent = text;
  status.classList.toggle("error", !!isError);
  box.dataset.state = isError ? "error" : "ok";
}

// A source page: its static VOTable (an http URL of the site) and its position.
async function sendSource() {
  const button = document.getElementById("samp-send");
  button.disabled = true;
  try {
    await ensure();
    const url = new URL(box.dataset.table, location.href).href;
    const replies = await callAll("table.load.votable", { url, "table-id": url, name: box.dataset.name }, 30000);
    box.dataset.url = url;
    box.dataset.replies = JSON.stringify(replies);
    if (!replies.length) {
      say("No application connected to the hub accepts tables (table.load.votable).", true);
      return;
    }
    const each = replies.map((a) => a.status === null ? `${a.name} has not answered yet` :
      a.status === "samp.error" ? `${a.name} could not load it (${a.text || "no reason given"})` : `${a.name} loaded it`).join("; ");
    const loaded = replies.some((a) => a.status !== null && a.status !== "samp.error");
    say(`Sent ${box.dataset.name} to ${replies.length} SAMP ${replies.length === 1 ? "application" : "applications"}: ${each}.`, !loaded);
    box.dataset.sent = "1";
  } catch (e) {
    say(e.message || String(e), true);
  } finally {
    button.disabled = false;
  }
}

if (box && box.dataset.table) {
  const send = Object.assign(document.createElement("button"), { type: "button", id: "samp-send", textContent: "Send to SAMP" });
  send.title = "Send this source, its detections and neighbours (source.vot) to the SAMP applications on your desktop (TOPCAT, Aladin…)";
  const point = Object.assign(document.createElement("button"), { type: "button", id: "samp-point", textContent: "Point SAMP at it" });
  point.title = "Point SAMP applications (e.g. Aladin) at this source";
  status = Object.assign(document.createElement("span"), { id: "samp-status", className: "sampstatus" });
  status.setAttribute("role", "status");
  send.addEventListener("click", sendSource);
  point.addEventListener("click", async () => {
    try {
      await ensure();
      await pointAt(box.dataset.ra, box.dataset.dec);
    } catch (e) {
      say(e.message || String(e), true);
    }
  });
  box.append(send, point, status);
  box.hidden = false;
  window.addEventListener("pagehide", unregister);
} else if (box) {
  const send = Object.assign(document.createElement("button"), { type: "button", id: "samp-send", textContent: "Send to SAMP" });
  send.title = "Send every row of this result as a VOTable to the SAMP applications on your desktop (TOPCAT, Aladin…)";
  status = Object.assign(document.createElement("span"), { id: "samp-status", className: "sampstatus" });
  status.setAttribute("role", "status");
  send.addEventListener("click", async () => {
    await sendTable();
    rowButtons();
  });
  box.append(send, status);
  document.addEventListener("xcat:result", (e) => {
    lastResult = e.detail.result;
    box.hidden = false;
    rowButtons();
  });
  window.addEventListener("pagehide", unregister);
}
