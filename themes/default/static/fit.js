// "Fit spectrum" panel of source pages: sends the chosen detection's pipeline products to the
// site's xcat-fit server (POST /v1/fit), then shows the parameters with their errors and plots
// the data with the folded model and the residuals (uPlot).
(function () {
  "use strict";
  var panel = document.getElementById("fit-panel");
  if (!panel) return;
  var server = (panel.getAttribute("data-server") || "").replace(/\/+$/, "");
  var form = panel.querySelector("form");
  var status = panel.querySelector(".fit-status");
  var result = panel.querySelector(".fit-result");
  var plots = [];

  function fmt(x) {
    if (x === null || x === undefined || !isFinite(x)) return "—";
    var a = Math.abs(x);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toPrecision(4);
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }

  function choose() {
    var det = form.elements.det.value.split("|");
    if (det[2]) form.elements.inst.value = det[2];
    if (det[3]) form.elements.expid.value = det[3];
  }
  form.elements.det.addEventListener("change", choose);
  choose();

  function draw(plot) {
    plots.forEach(function (p) { p.destroy(); });
    plots = [];
    if (!plot || !window.uPlot) return;
    var x = plot.e_lo.map(function (lo, i) { return (lo + plot.e_hi[i]) / 2; });
    var width = Math.min(panel.clientWidth || 640, 704);
    var errLo = plot.data.map(function (d, i) { return d - plot.error[i]; });
    var errHi = plot.data.map(function (d, i) { return d + plot.error[i]; });
    var axes = [{ label: "Energy (keV)" }, { label: "counts s⁻¹ keV⁻¹" }];
    var main = new uPlot({
      width: width, height: 300, scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      axes: axes,
      series: [{ label: "keV" },
        { label: "data", stroke: "#0550ae", points: { show: true, size: 4 }, paths: function () { return null; } },
        { label: "−1σ", stroke: "rgba(5,80,174,.35)", points: { show: true, size: 2 }, paths: function () { return null; } },
        { label: "+1σ", stroke: "rgba(5,80,174,.35)", points: { show: true, size: 2 }, paths: function () { return null; } },
        { label: "model", stroke: "#cf222e", width: 2 }]
    }, [x, plot.data, errLo, errHi, plot.model], panel.querySelector(".fit-plot"));
    var resid = new uPlot({
      width: width, height: 140, scales: { x: { time: false, distr: 3 } },
      axes: [{ label: "Energy (keV)" }, { label: "(data − model) / σ" }],
      series: [{ label: "keV" },
        { label: "residual", stroke: "#0550ae", points: { show: true, size: 4 }, paths: function () { return null; } }]
    }, [x, plot.residual], panel.querySelector(".fit-resid"));
    plots = [main, resid];
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var det = form.elements.det.value.split("|");
    var body = {
      obs_id: det[0], srcnum: parseInt(det[1], 10), inst: form.elements.inst.value,
      expid: form.elements.expid.value, model: form.elements.model.value,
      stat: form.elements.stat.value
    };
    status.textContent = "Fitting…";
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(server + "/v1/fit", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.error || ("the fit server answered " + r.status));
        return j;
      });
    }).then(function (j) {
      var tbody = panel.querySelector(".fit-params");
      tbody.textContent = "";
      Object.keys(j.params || {}).forEach(function (name) {
        var p = j.params[name];
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        th.scope = "row";
        th.textContent = name;
        tr.appendChild(th);
        cell(tr, fmt(p.value));
        cell(tr, p.frozen ? "frozen" : fmt(p.error));
        tbody.appendChild(tr);
      });
      var s = j.stat || {};
      panel.querySelector(".fit-stat").textContent =
        (s.name || "statistic") + " = " + fmt(s.value) + " for " + s.numpoints + " bins, " + s.dof + " degrees of freedom";
      result.hidden = false;
      draw(j.plot);
      status.textContent = (j.warnings && j.warnings.length) ? "Done. " + j.warnings.join(" ") : "Done.";
    }).catch(function (e) {
      status.textContent = "The fit failed: " + e.message;
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
