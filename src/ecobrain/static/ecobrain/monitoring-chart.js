// The data tab's chart (station, outlet and device pages): draws the window that htmx swaps in.
// The server sends times as China wall-clock milliseconds and the chart runs with useUTC, so the axis and
// the tooltip read Beijing time whatever the browser's own time zone is.
(function () {
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function chinaTime(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
  }

  function draw(el) {
    if (el.dataset.drawn || !window.echarts || el.offsetParent === null) return;
    var source = document.getElementById(el.dataset.chartSource);
    if (!source) return;
    var payload = JSON.parse(source.textContent);
    el.dataset.drawn = '1';
    var units = {};
    payload.series.forEach(function (s) { units[s.name] = s.unit; });
    var chart = echarts.init(el);
    chart.setOption({
      useUTC: true,
      animation: false,
      grid: { left: 56, right: 24, top: 48, bottom: 72 },
      legend: { type: 'scroll', top: 8 },
      tooltip: {
        trigger: 'axis',
        formatter: function (params) {
          if (!params.length) return '';
          var lines = [chinaTime(params[0].value[0]) + '（北京时间）'];
          params.forEach(function (p) {
            var value = p.value[1] === null ? '—' : p.value[1];
            var flag = p.value[2] ? ' [' + p.value[2] + ']' : '';
            lines.push(p.marker + p.seriesName + '：' + value + ' ' + (units[p.seriesName] || '') + flag);
          });
          return lines.join('<br>');
        }
      },
      xAxis: { type: 'time', min: payload.start, max: payload.end },
      yAxis: { type: 'value', scale: true },
      dataZoom: [{ type: 'inside' }, { type: 'slider', bottom: 16 }],
      series: payload.series.map(function (s) {
        return {
          name: s.name, type: 'line', showSymbol: s.data.length < 200, connectNulls: false, data: s.data,
          encode: { x: 0, y: 1 }
        };
      })
    });
    el.chart = chart;
  }

  function drawAll() { document.querySelectorAll('.eb-chart').forEach(function (el) {
    if (el.chart) el.chart.resize(); else draw(el);
  }); }

  function toggleCustomRange() {
    var range = document.getElementById('data-range');
    if (!range) return;
    document.querySelectorAll('.eb-custom-range').forEach(function (el) {
      el.classList.toggle('d-none', range.value !== 'custom');
    });
  }

  document.addEventListener('DOMContentLoaded', toggleCustomRange);
  document.addEventListener('change', function (event) { if (event.target.id === 'data-range') toggleCustomRange(); });
  document.addEventListener('htmx:afterSettle', drawAll);
  document.addEventListener('shown.bs.tab', drawAll);
  window.addEventListener('resize', function () {
    document.querySelectorAll('.eb-chart').forEach(function (el) { if (el.chart) el.chart.resize(); });
  });
  toggleCustomRange();
})();
