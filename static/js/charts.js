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
      div.textContent = "";
      // No mode bar: it covered chart titles, above all on phones. Zoom and pan stay on the chart itself.
      window.Plotly.newPlot(div, figure.data, figure.layout, { responsive: true, displaylogo: false, displayModeBar: false });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
