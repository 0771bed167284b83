// Draws every [data-chart] element with ECharts, on first load and after htmx swaps it in.
(function () {
  function draw(root) {
    if (!window.echarts) return;
    // the 直播复盘 page draws its own charts (live_report.js)
    root.querySelectorAll("[data-chart]:not([data-report-chart])").forEach(function (el) {
      var data = JSON.parse(el.dataset.chart);
      var chart = echarts.getInstanceByDom(el) || echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return "¥" + Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2 }); } },
        grid: { left: 60, right: 20, top: 20, bottom: 30 },
        xAxis: { type: "category", data: data.days },
        yAxis: { type: "value", axisLabel: { formatter: "¥{value}" } },
        series: [{ name: "成交额", type: "line", smooth: true, areaStyle: { opacity: 0.15 }, data: data.gmv.map(Number), itemStyle: { color: "#d9480f" } }]
      });
      el.dataset.rendered = "true";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts && echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
