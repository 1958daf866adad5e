/* The cockpit's trend charts: reads the JSON the page embeds (json_script "cockpit-charts") and
   draws it with the locally served plotly.js. No data is fetched; no outside host is used. */
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

  function monthly(m) {
    var ty = m.this_year + "年", ly = m.last_year + "年";
    draw("chart-monthly-count", [
      {type: "bar", name: ly, x: m.months, y: m.last_counts, marker: {color: LAST},
        hovertemplate: "%{y}个<extra>" + ly + "</extra>"},
      {type: "bar", name: ty, x: m.months, y: m.this_counts, marker: {color: THIS},
        hovertemplate: "%{y}个<extra>" + ty + "</extra>"}
    ], {barmode: "group", bargap: 0.25});

    var traces = [
      {type: "scatter", mode: "lines+markers", name: ly + "累计", x: m.months, y: m.last_cumulative_yi,
        line: {color: LAST, width: 2}, hovertemplate: "%{y}亿元<extra>" + ly + "</extra>"},
      {type: "scatter", mode: "lines+markers", name: ty + "累计", x: m.months, y: m.this_cumulative_yi,
        line: {color: THIS, width: 3}, hovertemplate: "%{y}亿元<extra>" + ty + "</extra>"}
    ];
    if (m.target_investment_yi !== null && m.target_investment_yi !== undefined) {
      traces.push({type: "scatter", mode: "lines", name: ty + "目标", x: [m.months[0], m.months[11]],
        y: [m.target_investment_yi, m.target_investment_yi], line: {color: TARGET, dash: "dash", width: 2},
        hovertemplate: "目标%{y}亿元<extra></extra>"});
    }
    draw("chart-monthly-investment", traces);
  }

  function greening(g) {
    draw("chart-greening", [
      {type: "bar", name: "本周" + g.labels.trees_planted, x: g.week_labels, y: g.trees_planted_week,
        marker: {color: GREEN2}, hovertemplate: "%{y}株<extra>本周" + g.labels.trees_planted + "</extra>"},
      {type: "scatter", mode: "lines+markers", name: "累计" + g.labels.seedlings_secured, x: g.week_labels,
        y: g.seedlings_secured, line: {color: TARGET, width: 2},
        hovertemplate: "%{y}株<extra>累计" + g.labels.seedlings_secured + "</extra>"},
      {type: "scatter", mode: "lines+markers", name: "累计" + g.labels.trees_planted, x: g.week_labels,
        y: g.trees_planted, line: {color: GREEN, width: 3},
        hovertemplate: "%{y}株<extra>累计" + g.labels.trees_planted + "</extra>"}
    ]);
  }

  function init() {
    var node = document.getElementById("cockpit-charts");
    if (!node || !window.Plotly) { return; }
    var data = JSON.parse(node.textContent);
    if (data.monthly) { monthly(data.monthly); }
    if (data.greening) { greening(data.greening); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
