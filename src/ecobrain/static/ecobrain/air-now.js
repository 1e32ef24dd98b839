// 空气质量实况: the stations on a Leaflet map coloured by AQI level (HJ 633 colours, from the page's level
// legend), with a popup per station; a base map only when one is configured. The district table sorts on a
// header click. The map shows the stations of the page's filter (the filter form reloads the page).
(function () {
  var NA_COLOUR = '#adb5bd';

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : [];
  }

  function colourFor(levels, level) {
    for (var i = 0; i < levels.length; i++) if (levels[i].level === level) return levels[i].colour;
    return NA_COLOUR;
  }

  function escapeHtml(text) {
    var div = document.createElement('div');
    div.textContent = text === null || text === undefined ? '' : String(text);
    return div.innerHTML;
  }

  function drawMap(el) {
    if (!window.L || el.dataset.drawn) return;
    el.dataset.drawn = '1';
    var points = readJson(el.dataset.points);
    var levels = readJson(el.dataset.levels);
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || '' }).addTo(map);
    var markers = points.map(function (p) {
      var popup = '<strong>' + escapeHtml(p.name) + '</strong> <span class="text-muted">' + escapeHtml(p.code) + '</span><br>' +
        escapeHtml(el.dataset.labelAqi) + '：' + (p.aqi === null ? 'NA' : p.aqi) + '<br>' +
        escapeHtml(el.dataset.labelPrimary) + '：' + escapeHtml(p.primary || '—') + '<br>' +
        escapeHtml(el.dataset.labelTime) + '：' + escapeHtml(el.dataset.time);
      return L.circleMarker([p.lat, p.lon], {
        radius: 7, color: '#333', weight: 1, fillColor: colourFor(levels, p.level), fillOpacity: 0.9
      }).bindPopup(popup).bindTooltip(escapeHtml(p.name) + ' ' + (p.aqi === null ? 'NA' : p.aqi)).addTo(map);
    });
    if (markers.length) {
      map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [20, 20], maxZoom: 12 });
    } else {
      map.setView([34.33, 108.7], 9);
    }
    if (el.dataset.boundary) {
      fetch(el.dataset.boundary, { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (feature) {
          if (!feature) return;
          var layer = L.geoJSON(feature, { style: { color: '#1f5f3f', weight: 1.5, fillOpacity: 0.04 }, interactive: false });
          layer.addTo(map).bringToBack();
          if (!markers.length) map.fitBounds(layer.getBounds());
        });
    }
  }

  function sortable(table) {
    var headers = table.querySelectorAll('th[data-sort]');
    headers.forEach(function (th) {
      th.style.cursor = 'pointer';
      th.setAttribute('tabindex', '0');
      th.setAttribute('aria-sort', 'none');
      function sort() {
        var index = Array.prototype.indexOf.call(th.parentNode.children, th);
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        headers.forEach(function (h) { h.setAttribute('aria-sort', 'none'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var numeric = th.dataset.sort === 'number';
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[index].dataset.value, y = b.cells[index].dataset.value;
          if (numeric) {
            x = x === '' ? null : parseFloat(x); y = y === '' ? null : parseFloat(y);
            if (x === null && y === null) return 0;
            if (x === null) return 1;  // no value last, both ways
            if (y === null) return -1;
            return ascending ? x - y : y - x;
          }
          return ascending ? String(x).localeCompare(String(y)) : String(y).localeCompare(String(x));
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('.eb-air-map').forEach(drawMap);
    document.querySelectorAll('table.eb-sortable').forEach(sortable);
  });
})();
