/* Draws every plotly figure the server embedded with json_script.
   Markup: <div class="chart" data-figure="ID"> and <script type="application/json" id="ID">.
   Without JavaScript the div keeps its fallback text and the page's tables carry the numbers. */
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) return;
    document.querySelectorAll("[data-figure]").forEach(function (div) {
      var source = document.getElementById(div.dataset.figure);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      fitLegend(div, figure);
      div.textContent = "";
      // No mode bar: it covered chart titles, above all on phones. Zoom and pan stay on the chart itself.
      window.Plotly.newPlot(div, figure.data, figure.layout, { responsive: true, displaylogo: false, displayModeBar: false })
        .then(function () { keepPlotTall(div); });
    });
  }
  // Long tick labels (a bar per provider, rotated) can leave a phone a sliver of plot: grow the chart
  // until the plot area itself is MIN_PLOT px tall.
  var MIN_PLOT = 180;
  function keepPlotTall(div) {
    var area = div.querySelector(".nsewdrag");
    if (!area) return;
    var short = MIN_PLOT - area.getBoundingClientRect().height;
    if (short > 1) window.Plotly.relayout(div, { height: div.clientHeight + Math.ceil(short) });
  }
  // On a phone a horizontal legend wraps to one entry a row and would squash the plot: give the
  // chart room for it instead (the server already folds long legends into "others").
  function fitLegend(div, figure) {
    var layout = figure.layout || (figure.layout = {});
    if (div.clientWidth >= 600) return;
    layout.xaxis = Object.assign({}, layout.xaxis);
    layout.xaxis.tickfont = Object.assign({ size: 10 }, layout.xaxis.tickfont);
    if (layout.showlegend === false) return;
    (figure.data || []).forEach(function (t) {  // one legend line fits the phone
      if (typeof t.name === "string" && t.name.length > 44) t.name = t.name.slice(0, 42) + "…";
    });
    var entries = (figure.data || []).filter(function (t) { return t.showlegend !== false; }).length;
    var rows = legendRows(figure.data, div.clientWidth - 16);
    if (entries < 4 && rows < 2) return;  // a short legend fits beside the plot as it is
    var legendHeight = 29 * rows + 12;
    var plot = layout.height ? Math.min(layout.height, 320) : 300;
    // The legend sits at the foot of the chart, one entry a line, below the axis title.
    layout.height = Math.min(plot + legendHeight, 900);
    layout.margin = Object.assign({}, layout.margin, { b: 70 + legendHeight });
    layout.legend = Object.assign({}, layout.legend, {
      orientation: "h", yref: "container", y: 0, yanchor: "bottom", x: 0, font: { size: 11 }
    });
  }
  // How many lines a horizontal legend takes: entries packed left to right, ~6.2 px a character at 11 px.
  function legendRows(traces, width) {
    var rows = 1, used = 0;
    (traces || []).forEach(function (t) {
      if (t.showlegend === false) return;
      var w = 44 + 6.2 * String(t.name || "").length;
      if (used && used + w > width) { rows += 1; used = 0; }
      used += w;
    });
    return rows;
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
