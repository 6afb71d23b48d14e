// The VOTable download of a source page: made in the browser from the page's own CSV download
// (a data: URL) and the column descriptions every source page shares
// (source/votable-fields.json), so a site needs no download files per source. The result is
// VOTable 1.4 TABLEDATA with each column's datatype, unit, UCD and description; empty cells
// are nulls.
(function () {
  "use strict";
  var link = document.getElementById("download-vot");
  var csvLink = document.getElementById("download-csv");
  if (!link || !csvLink) return;
  var status = document.getElementById("download-status");
  document.getElementById("download-vot-item").hidden = false;

  function xml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" }[c];
    });
  }

  // RFC 4180 records: commas between fields, CRLF (or LF) between records, "" inside quotes.
  function parseCsv(text) {
    var rows = [], row = [], field = "", quoted = false, i = 0, n = text.length;
    while (i < n) {
      var c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (c === '"') { quoted = false; i++; continue; }
        field += c; i++; continue;
      }
      if (c === '"') { quoted = true; i++; }
      else if (c === ",") { row.push(field); field = ""; i++; }
      else if (c === "\r" || c === "\n") {
        row.push(field); rows.push(row); row = []; field = "";
        i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      } else { field += c; i++; }
    }
    if (field !== "" || row.length) { row.push(field); rows.push(row); }
    return rows;
  }

  function votable(rows, meta, name, description) {
    var header = rows[0] || [];
    if (header.join(",") !== meta.columns.join(",")) {
      throw new Error("the page's CSV columns differ from source/votable-fields.json; rebuild the site");
    }
    var out = ['<?xml version="1.0" encoding="UTF-8"?>\n<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">\n<RESOURCE type="results">\n',
      '<TABLE name="', xml(name), '">\n<DESCRIPTION>', xml(description), "</DESCRIPTION>\n",
      meta.fields, "<DATA><TABLEDATA>\n"];
    for (var r = 1; r < rows.length; r++) {
      out.push("<TR>");
      for (var k = 0; k < header.length; k++) {
        var v = rows[r][k] === undefined ? "" : rows[r][k];
        if (meta.datatypes[k] === "boolean") v = v === "true" ? "T" : v === "false" ? "F" : "";
        out.push("<TD>", xml(v), "</TD>");
      }
      out.push("</TR>\n");
    }
    out.push("</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n");
    return out.join("");
  }

  link.addEventListener("click", function (ev) {
    if (link.getAttribute("data-ready")) return; // the blob URL is set: download it
    ev.preventDefault();
    status.textContent = "Preparing the VOTable…";
    fetch(link.getAttribute("data-fields"))
      .then(function (r) {
        if (!r.ok) throw new Error("cannot read the column descriptions (HTTP " + r.status + ")");
        return r.json();
      })
      .then(function (meta) {
        var href = csvLink.getAttribute("href");
        var csv = decodeURIComponent(href.slice(href.indexOf(",") + 1));
        var text = votable(parseCsv(csv), meta, link.getAttribute("data-table"), link.getAttribute("data-description"));
        link.href = URL.createObjectURL(new Blob([text], { type: "application/x-votable+xml" }));
        link.setAttribute("data-ready", "1");
        status.textContent = "";
        link.click();
      })
      .catch(function (e) {
        status.textContent = "The VOTable could not be made: " + e.message;
      });
  });
})();
