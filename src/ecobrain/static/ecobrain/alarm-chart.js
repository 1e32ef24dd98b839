// The alarm page's chart: the data around the alarm (values with the threshold line, AQI, online/offline
// history or monthly water class), the alarm's span shaded. Times are China wall-clock milliseconds and the
// chart runs with useUTC, so the axis and the tooltip read Beijing time in any browser.
(function () {
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function chinaTime(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
  }

  function draw(el) {
    if (el.chart || !window.echarts) return;
    var source = document.getElementById(el.dataset.chartSource);
    if (!source) return;
    var payload = JSON.parse(source.textContent);
    var labels = payload.labels || null;
    var units = {};
    payload.series.forEach(function (s) { units[s.name] = s.unit; });
    var series = payload.series.map(function (s, index) {
      var line = {
        name: s.name, type: 'line', data: s.data, step: s.step ? 'end' : false,
        showSymbol: s.data.length < 200, connectNulls: false, encode: { x: 0, y: 1 }
      };
      if (index === 0) {
        line.markArea = {
          silent: true, itemStyle: { color: 'rgba(220, 53, 69, 0.08)' },
          data: [[{ xAxis: payload.span.first }, { xAxis: payload.span.last }]]
        };
        if (payload.threshold !== null && payload.threshold !== undefined) {
          line.markLine = {
            silent: true, symbol: 'none', lineStyle: { color: '#dc3545', type: 'dashed' },
            label: { formatter: payload.threshold_label, position: 'insideEndTop' },
            data: [{ yAxis: payload.threshold }]
          };
        }
      }
      return line;
    });
    var yAxis = { type: 'value', scale: true };
    if (labels) {
      yAxis = {
        type: 'value', minInterval: 1,
        min: payload.kind === 'status' ? 0 : 1, max: payload.kind === 'status' ? 1 : 6,
        inverse: payload.kind === 'water',
        axisLabel: { formatter: function (value) { return labels[String(value)] || ''; } }
      };
    }
    var chart = echarts.init(el);
    chart.setOption({
      useUTC: true,
      animation: false,
      grid: { left: 64, right: 32, top: 40, bottom: 64 },
      legend: { type: 'scroll', top: 4 },
      tooltip: {
        trigger: 'axis',
        formatter: function (params) {
          if (!params.length) return '';
          var lines = [chinaTime(params[0].value[0])];
          params.forEach(function (p) {
            var value = p.value[1];
            var shown = value === null ? '—' : (labels ? (labels[String(value)] || value) : value);
            var flag = p.value[2] ? ' [' + p.value[2] + ']' : '';
            lines.push(p.marker + p.seriesName + '：' + shown + ' ' + (units[p.seriesName] || '') + flag);
          });
          return lines.join('<br>');
        }
      },
      xAxis: { type: 'time', min: payload.start, max: payload.end },
      yAxis: yAxis,
      dataZoom: [{ type: 'inside' }, { type: 'slider', bottom: 12 }],
      series: series
    });
    el.chart = chart;
  }

  function drawAll() { document.querySelectorAll('.eb-alarm-chart').forEach(draw); }
  document.addEventListener('DOMContentLoaded', drawAll);
  window.addEventListener('resize', function () {
    document.querySelectorAll('.eb-alarm-chart').forEach(function (el) { if (el.chart) el.chart.resize(); });
  });
  drawAll();
})();
