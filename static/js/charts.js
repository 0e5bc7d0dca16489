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
      window.Plotly.newPlot(div, figure.data, figure.layout, { responsive: true, displaylogo: false, displayModeBar: false });
    });
  }
  // On a phone a horizontal legend wraps to one entry a row and would squash the plot: give the
  // chart room for it instead (the server already folds long legends into "others").
  function fitLegend(div, figure) {
    var layout = figure.layout || (figure.layout = {});
    if (div.clientWidth >= 600 || layout.showlegend === false) return;
    var entries = (figure.data || []).filter(function (t) { return t.showlegend !== false; }).length;
    if (entries < 4) return;
    var plot = layout.height ? Math.min(layout.height, 320) : 300;
    layout.height = Math.min(plot + 24 * entries, 900);  // plotly grows the bottom margin to fit the legend
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
