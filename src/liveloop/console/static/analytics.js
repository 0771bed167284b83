// Draws the analytics page's [data-analytics-chart] elements with ECharts: bar charts (one or
// more series over labels) and the live funnel. The spec comes from console/analytics.py.
(function () {
  function option(spec) {
    if (spec.type === "funnel") {
      return {
        tooltip: { trigger: "item", formatter: "{b}: {c} 人次" },
        series: [{
          name: spec.series[0].name, type: "funnel", sort: "none", top: 10, bottom: 10, left: "15%", width: "70%",
          minSize: "30%", gap: 2, label: { position: "inside", formatter: "{b} {c}", color: "#1f2933" },
          color: ["#ffc078", "#ffa94d", "#fd7e14", "#e8590c", "#d9480f"],
          data: spec.labels.map(function (label, i) { return { name: label, value: spec.series[0].data[i] }; })
        }]
      };
    }
    var many = spec.series.length > 1;
    return {
      tooltip: { trigger: "axis" },
      legend: many ? { top: 0 } : undefined,
      grid: { left: 50, right: 20, top: many ? 30 : 15, bottom: spec.x_name ? 45 : 30 },
      xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0 }, name: spec.x_name, nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "value", name: spec.y_name },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, itemStyle: { color: s.color }, barMaxWidth: 40 };
      })
    };
  }
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-analytics-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el) || echarts.init(el);
      chart.setOption(option(JSON.parse(el.dataset.analyticsChart)));
      el.dataset.rendered = "true";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-analytics-chart]").forEach(function (el) {
      var chart = window.echarts && echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
