// The session of the query page, kept in this browser (localStorage): the history of the
// queries run (newest first, without repeats, capped), named saved queries, and the display
// preferences (coordinate frame and format, rows per page, columns). Exported and imported
// whole as JSON. A classic script that runs before the query page's module, so preferences
// apply to a URL that does not set them before the first query runs.
(function () {
  "use strict";
  var KEY = "xcat.session";
  var VERSION = 1;
  var HISTORY_MAX = 50;
  var SAVED_MAX = 200;
  var TEXT_MAX = 10000;
  var PREFS = {
    frame: ["j2000", "b1950", "galactic", "ecliptic"],
    fmt: ["dec", "sexa"],
  };
  var DEFAULTS = { frame: "j2000", fmt: "dec", size: 50, cols: "default" };

  function empty() {
    return { format: "xcat-session", version: VERSION, history: [], saved: [], prefs: {} };
  }

  // Checks a session object (from storage or an imported file); throws an Error naming the
  // first problem.
  // A release id (sites with several releases remember which one a query ran on).
  var RELEASE = /^[a-z0-9][a-z0-9-]{0,39}$/;

  // The release in the address, or undefined (the site's only catalogue, or its current release).
  function currentRelease() {
    return new URLSearchParams(location.search).get("release") || undefined;
  }

  function validate(s) {
    function fail(what, hint) {
      throw new Error("not an xcat session: " + what + (hint ? " (" + hint + ")" : ""));
    }
    if (!s || typeof s !== "object" || Array.isArray(s)) fail("the file holds no JSON object");
    if (s.format !== "xcat-session") fail('"format" must be "xcat-session"', "export a session from the query page to see the layout");
    if (s.version !== VERSION) fail('"version" must be ' + VERSION + ", found " + JSON.stringify(s.version));
    if (!Array.isArray(s.history)) fail('"history" must be a list');
    if (!Array.isArray(s.saved)) fail('"saved" must be a list');
    if (s.history.length > HISTORY_MAX) fail('"history" holds ' + s.history.length + " queries, at most " + HISTORY_MAX);
    if (s.saved.length > SAVED_MAX) fail('"saved" holds ' + s.saved.length + " queries, at most " + SAVED_MAX);
    s.history.forEach(function (h, i) {
      if (!h || typeof h.q !== "string" || !h.q.trim()) fail("history[" + i + '].q must be a non-empty text');
      if (h.q.length > TEXT_MAX) fail("history[" + i + "].q is longer than " + TEXT_MAX + " characters");
      if (h.at !== undefined && typeof h.at !== "string") fail("history[" + i + '].at must be a date text');
      if (h.release !== undefined && !RELEASE.test(h.release)) fail("history[" + i + '].release must be a release id such as "4xmm-dr14"');
    });
    var names = {};
    s.saved.forEach(function (q, i) {
      if (!q || typeof q.name !== "string" || !q.name.trim()) fail("saved[" + i + '].name must be a non-empty text');
      if (typeof q.q !== "string" || !q.q.trim()) fail("saved[" + i + '].q must be a non-empty text');
      if (q.name.length > 200 || q.q.length > TEXT_MAX) fail("saved[" + i + "] is too long");
      if (q.release !== undefined && !RELEASE.test(q.release)) fail("saved[" + i + '].release must be a release id such as "4xmm-dr14"');
      if (q.sort !== undefined && (typeof q.sort !== "string" || !/^[A-Za-z0-9_]+$/.test(q.sort))) fail("saved[" + i + '].sort must be a column name');
      if (q.desc !== undefined && typeof q.desc !== "boolean") fail("saved[" + i + '].desc must be true or false');
      if (q.cols !== undefined && (typeof q.cols !== "string" || !/^(default|all|[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*)$/.test(q.cols))) fail("saved[" + i + '].cols must be "default", "all" or column names separated by commas');
      if (names[q.name]) fail('two saved queries are named "' + q.name + '"');
      names[q.name] = true;
    });
    var p = s.prefs;
    if (!p || typeof p !== "object" || Array.isArray(p)) fail('"prefs" must be an object');
    Object.keys(p).forEach(function (k) {
      var v = p[k];
      if (PREFS[k]) {
        if (PREFS[k].indexOf(v) < 0) fail("prefs." + k + " must be one of " + PREFS[k].join(", "));
      } else if (k === "size") {
        if (!(Number.isInteger(v) && v > 0 && v <= 10000)) fail("prefs.size must be a whole number of rows from 1 to 10000");
      } else if (k === "cols") {
        if (typeof v !== "string" || !/^(default|all|[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*)$/.test(v)) fail('prefs.cols must be "default", "all" or column names separated by commas');
      } else {
        fail('unknown preference "' + k + '"', "known: frame, fmt, size, cols");
      }
    });
    return s;
  }

  function load() {
    try {
      var text = localStorage.getItem(KEY);
      return text ? validate(JSON.parse(text)) : empty();
    } catch (e) {
      return empty();
    }
  }

  function store(s) {
    try {
      localStorage.setItem(KEY, JSON.stringify(s));
      return true;
    } catch (e) {
      return false;
    }
  }

  var session = load();

  // Preferences fill in the display choices an address leaves unsaid; what a link says is
  // shown as it says, and the address is left as it is (the query page reads these
  // defaults, window.xcatPrefs, before its own).
  window.xcatPrefs = {};
  ["frame", "fmt", "size", "cols"].forEach(function (k) {
    var v = session.prefs[k];
    if (v !== undefined && v !== DEFAULTS[k]) window.xcatPrefs[k] = v;
  });

  // The display choices the user makes on the page (not those of a link) become the preferences.
  function rememberPrefs() {
    // The choices shown: the address's, else the preferences it left in place.
    var p = new URLSearchParams(location.search);
    var was = window.xcatPrefs || {};
    var size = parseInt(p.get("size") || String(was.size || 50), 10);
    var prefs = { frame: p.get("frame") || was.frame || "j2000", fmt: p.get("fmt") || was.fmt || "dec", size: size > 0 && size <= 10000 ? size : 50, cols: p.get("cols") || was.cols || "default" };
    if (PREFS.frame.indexOf(prefs.frame) < 0) delete prefs.frame;
    if (PREFS.fmt.indexOf(prefs.fmt) < 0) delete prefs.fmt;
    if (!/^(default|all|[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*)$/.test(prefs.cols)) delete prefs.cols;
    Object.keys(prefs).forEach(function (k) {
      if (prefs[k] === DEFAULTS[k]) delete prefs[k];
    });
    session.prefs = prefs;
    store(session);
    window.xcatPrefs = Object.assign({}, prefs);
  }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    if (t.closest("#frame, #coordfmt, #size, #colmode, #colpick-list")) {
      // The query page updates the address first (its listeners run before this one).
      setTimeout(rememberPrefs, 0);
    }
  });

  function remember(q) {
    q = q.trim();
    if (!q) return;
    var release = currentRelease();
    session.history = session.history.filter(function (h) { return h.q !== q || h.release !== release; });
    var entry = { q: q, at: new Date().toISOString() };
    if (release) entry.release = release;
    session.history.unshift(entry);
    session.history.length = Math.min(session.history.length, HISTORY_MAX);
    store(session);
  }

  // ---- the panel ----
  var panel, say;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { e.append(c); });
    return e;
  }

  // The address of a query; `view` holds a saved query's sort and columns.
  function search(q, release, view) {
    var p = new URLSearchParams({ q: q });
    if (release) p.set("release", release);
    if (view && view.sort) p.set("sort", view.sort);
    if (view && view.desc) p.set("desc", "1");
    if (view && view.cols) p.set("cols", view.cols);
    return "?" + p.toString();
  }

  function runQuery(q, release, view) {
    var v = view || {};
    if (window.xcat && window.xcat.go) {
      window.xcat.go({ q: q, release: release || "", page: 0, sort: v.sort || "", desc: !!v.desc, cols: v.cols || (window.xcatPrefs.cols || "default") });
    } else location.search = search(q, release, view);
  }

  // A query to run again, on the release it ran on (named after the text when not the default).
  function queryLink(q, release, view) {
    var a = el("a", { href: search(q, release, view), text: q, class: "sq", onclick: function (e) { e.preventDefault(); runQuery(q, release, view); } });
    if (!release) return a;
    var span = el("span", {}, [a, " "]);
    span.append(el("small", { class: "srelease", text: "(" + release + ")" }));
    return span;
  }

  function renderLists() {
    var saved = document.getElementById("session-saved");
    saved.textContent = "";
    session.saved.forEach(function (s) {
      saved.append(el("li", {}, [
        el("b", { text: s.name }), " ", queryLink(s.q, s.release, s), " ",
        el("button", { type: "button", class: "sdel", title: "Forget this saved query", "aria-label": "Delete saved query " + s.name, text: "×", onclick: function () {
          session.saved = session.saved.filter(function (x) { return x.name !== s.name; });
          store(session);
          renderLists();
        } }),
      ]));
    });
    document.getElementById("session-saved-none").hidden = session.saved.length > 0;
    var hist = document.getElementById("session-history");
    hist.textContent = "";
    session.history.forEach(function (h) { hist.append(el("li", {}, [queryLink(h.q, h.release)])); });
    document.getElementById("session-history-count").textContent = String(session.history.length);
  }

  function currentQuery() {
    return new URLSearchParams(location.search).get("q") || "";
  }

  function save(e) {
    e.preventDefault();
    var name = document.getElementById("session-name").value.trim();
    var q = currentQuery().trim();
    if (!q) { say("Run a query first, then save it.", true); return; }
    if (!name) { say("Give the query a name.", true); return; }
    if (name.length > 200) { say("The name is longer than 200 characters.", true); return; }
    var others = session.saved.filter(function (s) { return s.name !== name; });
    if (others.length >= SAVED_MAX) { say("At most " + SAVED_MAX + " saved queries: delete one first.", true); return; }
    var entry = { name: name, q: q, at: new Date().toISOString() };
    if (currentRelease()) entry.release = currentRelease();
    // The sort and columns it is shown with are part of it.
    var here = new URLSearchParams(location.search);
    if (here.get("sort")) entry.sort = here.get("sort");
    if (here.get("desc") === "1") entry.desc = true;
    if (here.get("cols")) entry.cols = here.get("cols");
    others.unshift(entry);
    session.saved = others;
    if (!store(session)) { say("This browser refused to store the session (private mode or storage full).", true); return; }
    document.getElementById("session-name").value = "";
    renderLists();
    say('Saved as "' + name + '".');
  }

  function exportSession() {
    var text = JSON.stringify(session, null, 2) + "\n";
    var a = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/json" })), download: "xcat-session.json" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
    say("Session exported: " + session.saved.length + " saved queries, " + session.history.length + " in the history.");
  }

  function importSession(e) {
    var file = e.target.files && e.target.files[0];
    if (!file) return;
    file.text().then(function (text) {
      var s;
      try {
        s = JSON.parse(text);
      } catch (err) {
        throw new Error("not an xcat session: " + file.name + " is not valid JSON (" + err.message + ")");
      }
      validate(s);
      session = s;
      store(session);
      renderLists();
      say("Session imported from " + file.name + ": " + s.saved.length + " saved queries, " + s.history.length + " in the history. Preferences apply from the next query.");
    }).catch(function (err) {
      say("Import failed: " + err.message + ". Nothing was changed.", true);
    }).finally(function () { e.target.value = ""; });
  }

  function build() {
    panel = document.getElementById("session");
    if (!panel) return;
    var status = el("p", { id: "session-status", class: "sstatus", role: "status" });
    say = function (text, isError) {
      status.textContent = text;
      status.classList.toggle("error", !!isError);
    };
    panel.append(
      el("h2", { id: "session-title", text: "Your queries" }),
      el("p", { class: "snote", text: "Kept in this browser only. Export the session to move it to another browser or to keep it." }),
      el("form", { id: "session-save", class: "ssave", onsubmit: save }, [
        el("label", { for: "session-name", text: "Save the current query as " }),
        el("input", { id: "session-name", type: "text", maxlength: "200", placeholder: "a name", autocomplete: "off" }),
        " ", el("button", { type: "submit", text: "Save" }),
      ]),
      el("h3", { text: "Saved queries" }),
      el("p", { id: "session-saved-none", class: "snote", text: "None yet." }),
      el("ul", { id: "session-saved", class: "slist" }),
      el("details", { id: "session-history-box" }, [
        el("summary", {}, [ "History (", el("span", { id: "session-history-count" }), ", newest first)" ]),
        el("ol", { id: "session-history", class: "slist" }),
        el("button", { type: "button", id: "session-clear", text: "Clear the history", onclick: function () {
          session.history = [];
          store(session);
          renderLists();
          say("History cleared.");
        } }),
      ]),
      el("p", { class: "sio" }, [
        el("button", { type: "button", id: "session-export", text: "Export the session (JSON)", onclick: exportSession }), " ",
        el("label", { class: "simport" }, [ "Import a session: ", el("input", { type: "file", id: "session-import", accept: "application/json,.json", onchange: importSession }) ]),
      ]),
      status
    );
    panel.hidden = false;
    renderLists();
  }

  document.addEventListener("xcat:result", function (e) {
    var d = e.detail || {};
    remember(d.query || "");
    if (panel) renderLists();
    var link = document.getElementById("qdiagrams");
    if (link) {
      // Flux against hardness in the columns of the open catalogue (4XMM or a stacked release).
      var names = window.xcat && window.xcat.db ? window.xcat.db.schema().map(function (c) { return c.name; }) : [];
      var stacked = names.indexOf("SC_EP_8_FLUX") < 0 && names.indexOf("EP_FLUX") >= 0;
      var p = new URLSearchParams({ q: d.query || "", x: stacked ? "EP_FLUX" : "SC_EP_8_FLUX", y: stacked ? "EP_HR2" : "SC_HR2", xlog: "1" });
      if (currentRelease()) p.set("release", currentRelease());
      link.href = "../diagrams/?" + p.toString();
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();

  window.xcatSession = { get: function () { return JSON.parse(JSON.stringify(session)); }, validate: validate };
})();
