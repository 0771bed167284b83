// 直播复盘: the per-minute curve (online, comments, GMV, with the actions as marker lines) and
// the comments' sentiment, drawn with ECharts from the JSON the page carries.
(function () {
  "use strict";
  function curve(spec) {
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["在线", "评论", "成交额"] },
      grid: { left: 50, right: 60, top: 30, bottom: 30 },
      xAxis: { type: "category", data: spec.labels },
      yAxis: [{ type: "value", name: "人/条" }, { type: "value", name: "元" }],
      series: [
        { name: "在线", type: "line", showSymbol: false, data: spec.online,
          markLine: { symbol: "none", label: { formatter: "{b}", fontSize: 11 },
            data: spec.markers.map(function (m) { return { name: m.label, xAxis: m.at }; }) } },
        { name: "评论", type: "line", showSymbol: false, data: spec.comments },
        { name: "成交额", type: "bar", yAxisIndex: 1, data: spec.gmv, itemStyle: { color: "#d9480f" } },
      ],
    };
  }
  function sentiment(spec) {
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "category", data: spec.labels },
      yAxis: { type: "value", name: "条" },
      series: [
        { name: "正面", type: "bar", stack: "s", data: spec.positive, itemStyle: { color: "#37b24d" } },
        { name: "中性", type: "bar", stack: "s", data: spec.neutral, itemStyle: { color: "#adb5bd" } },
        { name: "负面", type: "bar", stack: "s", data: spec.negative, itemStyle: { color: "#e03131" } },
      ],
    };
  }
  var builders = { curve: curve, sentiment: sentiment };
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-report-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el) || echarts.init(el);
      chart.setOption(builders[el.dataset.reportChart](JSON.parse(el.dataset.chart)));
      el.dataset.rendered = "true";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-report-chart]").forEach(function (el) {
      var chart = window.echarts && echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
