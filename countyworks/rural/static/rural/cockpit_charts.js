/* The greening progress chart: trees planted per week and the running totals. Registered with the cockpit's chart drawer (reporting/cockpit.js). */
(function () {
  "use strict";
  var C = window.CWCockpit, K = C && C.colors;
  if (!C) { return; }

  function greening(g) {
    C.draw("chart-greening", [
      {type: "bar", name: "本周" + g.labels.trees_planted, x: g.week_labels, y: g.trees_planted_week,
        marker: {color: K.GREEN2}, hovertemplate: "%{y}株<extra>本周" + g.labels.trees_planted + "</extra>"},
      {type: "scatter", mode: "lines+markers", name: "累计" + g.labels.seedlings_secured, x: g.week_labels,
        y: g.seedlings_secured, line: {color: K.TARGET, width: 2},
        hovertemplate: "%{y}株<extra>累计" + g.labels.seedlings_secured + "</extra>"},
      {type: "scatter", mode: "lines+markers", name: "累计" + g.labels.trees_planted, x: g.week_labels,
        y: g.trees_planted, line: {color: K.GREEN, width: 3},
        hovertemplate: "%{y}株<extra>累计" + g.labels.trees_planted + "</extra>"}
    ]);
  }


  C.register("greening", greening);
})();
