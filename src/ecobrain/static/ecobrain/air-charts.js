// A station's 空气质量 tab and a region's page: the hourly curve, the daily bars in the level colours and the
// calendar heatmap of a year's daily AQI, drawn from the JSON that htmx swaps in. Times are China wall-clock
// milliseconds and the charts run with useUTC, so they read Beijing time whatever the browser's time zone.
(function () {
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function chinaHour(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + pad(d.getUTCHours()) + ':00';
  }

  function pieces(levels) {
    return levels.map(function (lv) {
      return { gte: lv.min, lte: lv.level === levels.length ? 100000 : lv.max, color: lv.colour, label: lv.category };
    });
  }

  function hourly(el, charts) {
    var h = charts.hourly;
    var isAqi = h.pollutant === 'aqi';
    var option = {
      useUTC: true, animation: false,
      grid: { left: 48, right: 24, top: 24, bottom: 64 },
      tooltip: {
        trigger: 'axis',
        formatter: function (params) {
          if (!params.length) return '';
          var v = params[0].value;
          return chinaHour(v[0]) + '（北京时间）<br>' + params[0].marker + h.label + '：' + (v[1] === null ? '—' : v[1]) + ' ' + h.unit;
        }
      },
      xAxis: { type: 'time', min: h.start, max: h.end },
      yAxis: { type: 'value', name: h.unit, scale: !isAqi },
      dataZoom: [{ type: 'inside' }, { type: 'slider', bottom: 12 }],
      series: [{ name: h.label, type: 'line', showSymbol: h.data.length < 200, connectNulls: false, data: h.data, encode: { x: 0, y: 1 } }]
    };
    if (isAqi) {
      option.visualMap = { show: false, dimension: 1, pieces: pieces(charts.levels), outOfRange: { color: '#adb5bd' } };
    }
    return option;
  }

  function daily(el, charts) {
    var d = charts.daily;
    var isAqi = d.pollutant === 'aqi';
    return {
      animation: false,
      grid: { left: 48, right: 24, top: 24, bottom: 48 },
      tooltip: {
        trigger: 'axis',
        formatter: function (params) {
          if (!params.length) return '';
          var row = d.data[params[0].dataIndex];
          var text = row.day + '<br>' + d.label + '：' + (row.value === null ? 'NA' : row.value) + ' ' + d.unit;
          if (isAqi && row.primary) text += '<br>首要污染物：' + row.primary;
          return text;
        }
      },
      xAxis: { type: 'category', data: d.data.map(function (r) { return r.day; }) },
      yAxis: { type: 'value', name: d.unit },
      dataZoom: [{ type: 'inside' }],
      series: [{
        name: d.label, type: isAqi ? 'bar' : 'line',
        data: d.data.map(function (r) {
          return isAqi ? { value: r.value, itemStyle: { color: r.colour || '#adb5bd', borderColor: 'rgba(0,0,0,.2)' } } : r.value;
        })
      }]
    };
  }

  function calendar(el, charts) {
    var c = charts.calendar;
    return {
      animation: false,
      tooltip: { formatter: function (p) { return p.value[0] + '<br>AQI：' + p.value[1]; } },
      visualMap: { type: 'piecewise', show: false, pieces: pieces(charts.levels) },
      calendar: { range: String(c.year), cellSize: ['auto', 16], top: 30, left: 40, right: 16, yearLabel: { show: false },
        dayLabel: { firstDay: 1, nameMap: 'ZH' }, monthLabel: { nameMap: 'ZH' } },
      series: [{ type: 'heatmap', coordinateSystem: 'calendar', data: c.data }]
    };
  }

  var BUILDERS = { hourly: hourly, daily: daily, calendar: calendar };

  function draw(el) {
    if (el.chart || !window.echarts || el.offsetParent === null) return;
    var source = document.getElementById(el.dataset.source);
    if (!source) return;
    var charts = JSON.parse(source.textContent);
    el.chart = echarts.init(el);
    el.chart.setOption(BUILDERS[el.dataset.chart](el, charts));
  }

  function drawAll() { document.querySelectorAll('.eb-air-chart').forEach(function (el) {
    if (el.chart) el.chart.resize(); else draw(el);
  }); }

  function toggleCustom() {
    var range = document.getElementById('air-range');
    if (!range) return;
    document.querySelectorAll('.eb-air-custom').forEach(function (el) { el.classList.toggle('d-none', range.value !== 'custom'); });
  }

  document.addEventListener('htmx:afterSettle', drawAll);
  document.addEventListener('shown.bs.tab', drawAll);
  document.addEventListener('change', function (e) { if (e.target.id === 'air-range') toggleCustom(); });
  window.addEventListener('resize', function () {
    document.querySelectorAll('.eb-air-chart').forEach(function (el) { if (el.chart) el.chart.resize(); });
  });
  toggleCustom();
})();
