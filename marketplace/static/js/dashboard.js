// The staff dashboard's charts (templates/dashboard/index.html), drawn by the vendored Chart.js
// (static/vendor/chartjs). Progressive enhancement: the tables under each chart hold the same
// numbers and links, for screen readers and without JavaScript. The data comes from the page's
// <script type="application/json" id="dashboard-charts"> block (no inline script: CSP).
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var colours = ["#0b5cad", "#1d7a3a", "#9a6400", "#6b3fa0", "#b3261e"];
    Object.keys(data).forEach(function (name) {
      var canvas = document.getElementById("chart-" + name);
      if (!canvas) return;
      var chart = data[name];
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: chart.labels,
          datasets: chart.series.map(function (series, i) {
            return { label: series.label, data: series.data, backgroundColor: colours[i % colours.length] };
          })
        },
        options: {
          animation: false,
          // Numbers on the axes and in the tooltips as the page's language writes them (1.555.000 in
          // Spanish, as the tables under the charts; Chart.js formats with Intl.NumberFormat).
          locale: document.documentElement.lang || undefined,
          maintainAspectRatio: false,
          indexAxis: name === "supply" ? "x" : "y",
          plugins: { legend: { display: chart.series.length > 1 } },
          // A bar opens the filtered list behind it, as the table's link does.
          onClick: function (event, elements) {
            if (!elements.length) return;
            var hit = elements[0];
            var link = chart.series[hit.datasetIndex].links[hit.index];
            if (link) window.location.assign(link);
          },
          onHover: function (event, elements) {
            event.native.target.style.cursor = elements.length ? "pointer" : "default";
          }
        }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
