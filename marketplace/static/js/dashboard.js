// The staff dashboard's charts (templates/dashboard/index.html), drawn by the vendored Chart.js
// (static/vendor/chartjs). Progressive enhancement: the tables under each chart hold the same
// numbers and links, for screen readers and without JavaScript. The data comes from the page's
// <script type="application/json" id="dashboard-charts"> block (no inline script: CSP).
//
// Readable on a phone and beside an outlier (a fresh user's walk; docs/decisions.md, "Charts that
// stay readable"): on a narrow screen (600 px or less, as app.js' stacked tables) the legend is
// small and below the plot, and every chart runs its bars sideways so that category names are
// written in full; on any screen the plot area is never shorter than MIN_PLOT (nor, for bars run
// sideways, than ROW px per bar), the box grows instead. When a few bars dwarf the rest the page
// gives the axis' end (chart.cap, domain.dashboard.axis_cap): those bars are cut short there and
// their number is written on them.
(function () {
  "use strict";
  var MIN_PLOT = 220;   // px: the plot area's least height
  var ROW = 8;          // px per bar, plus one ROW per category, when bars run sideways
  var colours = ["#0b5cad", "#1d7a3a", "#9a6400", "#6b3fa0", "#b3261e"];
  var narrowQuery = window.matchMedia("(max-width: 600px)");
  var drawn = [];

  // Writes the true number on each bar cut short by the axis' end, along the bar, by that end.
  // Each label written is kept on the chart ($cutShort) for the browser tests.
  var cutShortLabels = {
    id: "cutShortLabels",
    afterDatasetsDraw: function (instance, args, options) {
      var cap = options.cap;
      instance.$cutShort = [];
      if (!cap) return;
      var area = instance.chartArea;
      var sideways = instance.options.indexAxis === "y";
      var format = new Intl.NumberFormat(instance.options.locale || undefined);
      var ctx = instance.ctx;
      instance.data.datasets.forEach(function (dataset, datasetIndex) {
        if (!instance.isDatasetVisible(datasetIndex)) return;
        instance.getDatasetMeta(datasetIndex).data.forEach(function (bar, index) {
          var value = dataset.data[index];
          if (!(value > cap)) return;
          var props = bar.getProps(["x", "y", "width", "height"], true);
          var thickness = sideways ? props.height : props.width;
          var size = Math.max(8, Math.min(12, Math.floor(thickness) - 2));
          var text = format.format(value) + " \u25B8";
          ctx.save();
          ctx.fillStyle = "#ffffff";
          ctx.font = "bold " + size + "px system-ui, sans-serif";
          ctx.textBaseline = "middle";
          ctx.textAlign = "right";
          if (sideways) {
            ctx.fillText(text, area.right - 4, props.y);
          } else {
            ctx.translate(props.x, area.top + 4);
            ctx.rotate(-Math.PI / 2);
            ctx.fillText(text, 0, 0);
          }
          ctx.restore();
          instance.$cutShort.push({ dataset: datasetIndex, index: index, text: text });
        });
      });
    }
  };

  function build(name, chart, canvas, narrow) {
    var sideways = narrow || name !== "supply";
    var valueAxis = sideways ? "x" : "y";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true };
    if (chart.cap) scales[valueAxis].max = chart.cap;
    var instance = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, i) {
          return { label: series.label, data: series.data, backgroundColor: colours[i % colours.length] };
        })
      },
      plugins: [cutShortLabels],
      options: {
        animation: false,
        // Numbers on the axes and in the tooltips as the page's language writes them (1.555.000 in
        // Spanish, as the tables under the charts; Chart.js formats with Intl.NumberFormat).
        locale: document.documentElement.lang || undefined,
        maintainAspectRatio: false,
        indexAxis: sideways ? "y" : "x",
        scales: scales,
        plugins: {
          cutShortLabels: { cap: chart.cap || null },
          legend: {
            display: chart.series.length > 1,
            position: narrow ? "bottom" : "top",
            labels: narrow ? { boxWidth: 10, boxHeight: 10, padding: 6, font: { size: 11 } } : {}
          }
        },
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
    var least = MIN_PLOT;
    if (sideways) least = Math.max(least, chart.labels.length * ROW * (chart.series.length + 1));
    var area = instance.chartArea;
    var missing = area ? least - (area.bottom - area.top) : 0;
    if (missing > 0) {
      var box = canvas.parentNode;
      box.style.height = Math.ceil(box.getBoundingClientRect().height + missing) + "px";
      instance.resize();
    }
    return instance;
  }

  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var narrow = narrowQuery.matches;
    drawn.forEach(function (instance) { instance.destroy(); });
    drawn = [];
    Object.keys(data).forEach(function (name) {
      var canvas = document.getElementById("chart-" + name);
      if (!canvas) return;
      canvas.parentNode.style.height = "";
      drawn.push(build(name, data[name], canvas, narrow));
    });
  }

  // Turning the phone or narrowing the window across 600 px draws the charts again in that layout.
  if (narrowQuery.addEventListener) narrowQuery.addEventListener("change", draw);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
