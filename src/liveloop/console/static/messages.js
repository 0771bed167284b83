// 消息 page: the stacked bar of message statuses per channel (data in data-messages-chart).
(function () {
  var colors = { "排队中": "#868e96", "免打扰暂缓": "#fab005", "已发送": "#4dabf7", "已送达": "#40c057",
                 "发送失败": "#fa5252", "已拦截": "#fd7e14", "死信": "#c92a2a" };
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-messages-chart]").forEach(function (el) {
      var data = JSON.parse(el.dataset.messagesChart);
      var chart = echarts.getInstanceByDom(el) || echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.channels },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: { color: colors[s.name] } };
        })
      });
      el.dataset.rendered = "true";
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
