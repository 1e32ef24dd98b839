// Public portal charts: the hourly AQI line (level colours) and the daily AQI bars of the city or a station, from
// the page's JSON (#portal-charts). Times are China wall-clock milliseconds with useUTC, so they read Beijing time
// whatever the browser's time zone. Each chart has a table next to it with the same numbers (its text version).
(function () {
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function hourText(ms) {
    var d = new Date(ms);
    return pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + pad(d.getUTCHours()) + ':00';
  }
  function pieces(levels) {
    return levels.map(function (lv) {
      return { gte: lv.min, lte: lv.level === levels.length ? 100000 : lv.max, color: lv.colour, label: lv.category };
    });
  }
  var BUILDERS = {
    hourly: function (charts) {
      var h = charts.hourly;
      return {
        useUTC: true, animation: false,
        grid: { left: 44, right: 16, top: 30, bottom: 32 },
        tooltip: { trigger: 'axis', formatter: function (p) {
          if (!p.length) return '';
          return hourText(p[0].value[0]) + '<br>AQI：' + (p[0].value[1] === null ? 'NA' : p[0].value[1]);
        } },
        xAxis: { type: 'time', min: h.start, max: h.end },
        yAxis: { type: 'value', name: 'AQI' },
        visualMap: { show: false, dimension: 1, pieces: pieces(charts.levels), outOfRange: { color: '#adb5bd' } },
        series: [{ type: 'line', name: 'AQI', data: h.data, encode: { x: 0, y: 1 }, connectNulls: false, showSymbol: true }]
      };
    },
    daily: function (charts) {
      var d = charts.daily;
      return {
        animation: false,
        grid: { left: 44, right: 16, top: 30, bottom: 32 },
        tooltip: { trigger: 'axis', formatter: function (p) {
          if (!p.length) return '';
          var row = d.data[p[0].dataIndex];
          return row.day + '<br>AQI：' + (row.value === null ? 'NA' : row.value) + (row.primary ? '<br>' + row.primary : '');
        } },
        xAxis: { type: 'category', data: d.data.map(function (r) { return r.day.slice(5); }) },
        yAxis: { type: 'value', name: 'AQI' },
        series: [{ type: 'bar', name: 'AQI', data: d.data.map(function (r) {
          return { value: r.value, itemStyle: { color: r.colour || '#adb5bd', borderColor: 'rgba(0,0,0,.25)' } };
        }) }]
      };
    }
  };
  function draw(el) {
    var source = document.getElementById(el.dataset.source);
    if (!source || !window.echarts || el.chart) return;
    var charts = JSON.parse(source.textContent);
    if (!charts[el.dataset.chart]) return;
    el.chart = echarts.init(el);
    el.chart.setOption(BUILDERS[el.dataset.chart](charts));
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('.eb-portal-chart').forEach(draw);
  });
  window.addEventListener('resize', function () {
    document.querySelectorAll('.eb-portal-chart').forEach(function (el) { if (el.chart) el.chart.resize(); });
  });
})();
