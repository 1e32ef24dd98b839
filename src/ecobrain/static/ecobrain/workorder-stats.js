// 任务统计: the monthly on-time rate (line) over the number closed (bars), each district's on-time rate (bars) and
// new orders by source (pie),
// from the JSON the page embeds.
(function () {
  function init() {
    var data = document.getElementById('workorder-chart');
    if (!data || !window.echarts) return;
    var c = JSON.parse(data.textContent);
    var monthly = document.getElementById('chart-monthly');
    if (monthly) {
      echarts.init(monthly).setOption({
        animation: false,
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 48, right: 48, top: 36, bottom: 32 },
        xAxis: { type: 'category', data: c.months },
        yAxis: [
          { type: 'value', name: c.labels.closed, minInterval: 1 },
          { type: 'value', name: c.labels.rate, min: 0, max: 100 }
        ],
        series: [
          { name: c.labels.closed, type: 'bar', data: c.closed, itemStyle: { color: '#9ec5b0' } },
          { name: c.labels.rate, type: 'line', yAxisIndex: 1, data: c.rate, connectNulls: false, itemStyle: { color: '#1f5f3f' } }
        ]
      });
    }
    var districts = document.getElementById('chart-districts');
    if (districts) {
      districts.style.height = (c.districts.length * 26 + 50) + 'px';  // one bar per district, whatever their number
      echarts.init(districts).setOption({
        animation: false,
        tooltip: { trigger: 'axis', valueFormatter: function (v) { return v === null ? '—' : v + '%'; } },
        grid: { left: 64, right: 24, top: 16, bottom: 24 },
        xAxis: { type: 'value', min: 0, max: 100 },
        yAxis: { type: 'category', data: c.districts, inverse: true },
        series: [{ name: c.labels.rate, type: 'bar', barMaxWidth: 18, data: c.district_rate, itemStyle: { color: '#1f5f3f' } }]
      });
    }
    var sources = document.getElementById('chart-sources');
    if (sources) {
      echarts.init(sources).setOption({
        animation: false,
        tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' },
        series: [{ type: 'pie', radius: ['35%', '65%'], data: c.sources.filter(function (s) { return s.value > 0; }) }]
      });
    }
  }
  document.addEventListener('DOMContentLoaded', init);
})();
