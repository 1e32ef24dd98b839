// The 水质类别 tab of a water station: monthly class (bars in the class colour) and the key factors' monthly means.
(function () {
  function draw(el) {
    if (el.chart || !window.echarts || el.offsetParent === null) return;
    var source = document.getElementById(el.dataset.chartSource);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el);
    if (el.dataset.chart === 'classes') {
      chart.setOption({
        animation: false,
        grid: { left: 56, right: 24, top: 24, bottom: 32 },
        tooltip: { trigger: 'axis', formatter: function (p) {
          var v = p[0].value; return p[0].name + '：' + (v ? data.class_names[v - 1] : '无数据');
        } },
        xAxis: { type: 'category', data: data.labels },
        yAxis: { type: 'value', min: 0, max: 6, interval: 1, inverse: false,
          axisLabel: { formatter: function (v) { return v ? data.class_names[v - 1] : ''; } } },
        series: [{ type: 'bar', data: data.classes.map(function (c) {
          return { value: c.value, itemStyle: { color: c.colour || '#ccc' } };
        }) }]
      });
    } else {
      chart.setOption({
        animation: false,
        grid: { left: 56, right: 24, top: 40, bottom: 32 },
        legend: { top: 8 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: data.labels },
        yAxis: { type: 'value', scale: true, name: 'mg/L' },
        series: data.factors.map(function (f) {
          return { name: f.name, type: 'line', connectNulls: false, data: f.data };
        })
      });
    }
    el.chart = chart;
  }
  function drawAll() {
    document.querySelectorAll('.eb-water-chart').forEach(function (el) { if (el.chart) el.chart.resize(); else draw(el); });
  }
  document.addEventListener('shown.bs.tab', drawAll);
  document.addEventListener('DOMContentLoaded', drawAll);
  window.addEventListener('resize', drawAll);
})();
