/* The cockpit's trend charts: reads the JSON the page embeds (json_script "cockpit-charts") and
   hands each key to the drawer a programme's script registered for it (CWCockpit.register), drawn
   with the locally served plotly.js. No data is fetched; no outside host is used. */
(function () {
  "use strict";
  var FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, sans-serif";
  var THIS = "#8b1a1a", LAST = "#9aa5b1", TARGET = "#d08c00", GREEN = "#2e7d32", GREEN2 = "#81c784";

  function layout(extra) {
    var base = {
      font: {family: FONT, size: 12},
      margin: {l: 40, r: 8, t: 10, b: 30},
      height: 290,
      legend: {orientation: "h", x: 0, y: -0.18, font: {size: 11}},
      hovermode: "x unified",
      plot_bgcolor: "#fff",
      paper_bgcolor: "#fff",
      xaxis: {fixedrange: true, tickangle: 0, tickfont: {size: 10}},
      yaxis: {fixedrange: true, rangemode: "tozero", gridcolor: "#eee", tickfont: {size: 11}},
      separators: ".,"
    };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { base[k] = extra[k]; } }
    return base;
  }

  var config = {responsive: true, displaylogo: false, displayModeBar: false};

  function draw(id, traces, extra) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var lay = layout(extra || {});
    if (el.clientWidth < 420) { lay.xaxis.tickfont.size = 9; lay.margin.l = 34; }  /* phones */
    window.Plotly.newPlot(el, traces, lay, config).then(function () {
      el.setAttribute("data-drawn", "1");
    });
  }

  // programmes register a drawer per chart key of the page's "cockpit-charts" JSON
  var drawers = {};
  window.CWCockpit = {
    draw: draw,
    colors: {THIS: THIS, LAST: LAST, TARGET: TARGET, GREEN: GREEN, GREEN2: GREEN2},
    register: function (key, fn) { drawers[key] = fn; }
  };

  function init() {
    var node = document.getElementById("cockpit-charts");
    if (!node || !window.Plotly) { return; }
    var data = JSON.parse(node.textContent);
    Object.keys(drawers).forEach(function (key) { if (data[key]) { drawers[key](data[key]); } });
  }

  // deferred scripts run in order before DOMContentLoaded: every programme's script has registered
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    window.setTimeout(init, 0);
  }
})();
