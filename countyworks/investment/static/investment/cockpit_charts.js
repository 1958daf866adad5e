/* The investment trend charts: ≥1亿 projects signed per month and the cumulative planned investment, this year against last. Registered with the cockpit's chart drawer (reporting/cockpit.js). */
(function () {
  "use strict";
  var C = window.CWCockpit, K = C && C.colors;
  if (!C) { return; }

  function monthly(m) {
    var ty = m.this_year + "年", ly = m.last_year + "年";
    C.draw("chart-monthly-count", [
      {type: "bar", name: ly, x: m.months, y: m.last_counts, marker: {color: K.LAST},
        hovertemplate: "%{y}个<extra>" + ly + "</extra>"},
      {type: "bar", name: ty, x: m.months, y: m.this_counts, marker: {color: K.THIS},
        hovertemplate: "%{y}个<extra>" + ty + "</extra>"}
    ], {barmode: "group", bargap: 0.25});

    var traces = [
      {type: "scatter", mode: "lines+markers", name: ly + "累计", x: m.months, y: m.last_cumulative_yi,
        line: {color: K.LAST, width: 2}, hovertemplate: "%{y}亿元<extra>" + ly + "</extra>"},
      {type: "scatter", mode: "lines+markers", name: ty + "累计", x: m.months, y: m.this_cumulative_yi,
        line: {color: K.THIS, width: 3}, hovertemplate: "%{y}亿元<extra>" + ty + "</extra>"}
    ];
    if (m.target_investment_yi !== null && m.target_investment_yi !== undefined) {
      traces.push({type: "scatter", mode: "lines", name: ty + "目标", x: [m.months[0], m.months[11]],
        y: [m.target_investment_yi, m.target_investment_yi], line: {color: K.TARGET, dash: "dash", width: 2},
        hovertemplate: "目标%{y}亿元<extra></extra>"});
    }
    C.draw("chart-monthly-investment", traces);
  }


  C.register("monthly", monthly);
})();
