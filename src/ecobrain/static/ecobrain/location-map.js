// The small location map of a detail page: the object's point and its district's boundary (WGS84), on a
// base map only when one is configured (ECOBRAIN_MAP_TILE_URL) — public maps in China need an approved one.
(function () {
  function draw(el) {
    if (el.dataset.drawn || !window.L) return;
    el.dataset.drawn = '1';
    var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: !!el.dataset.tiles }).setView(point, 12);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || '' }).addTo(map);
    }
    L.circleMarker(point, { radius: 7, color: '#b02a37', weight: 2, fillOpacity: 0.8 })
      .bindTooltip(el.dataset.label || '').addTo(map);
    if (el.dataset.boundary) {
      fetch(el.dataset.boundary, { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (feature) {
          if (!feature) return;
          var layer = L.geoJSON(feature, { style: { color: '#1f5f3f', weight: 2, fillOpacity: 0.08 } }).addTo(map);
          map.fitBounds(layer.getBounds(), { padding: [10, 10] });
        });
    }
    el.map = map;
  }
  function drawVisible() {
    document.querySelectorAll('.eb-map').forEach(function (el) {
      if (el.offsetParent !== null) draw(el); else if (el.map) el.map.invalidateSize();
    });
  }
  document.addEventListener('DOMContentLoaded', drawVisible);
  document.addEventListener('shown.bs.tab', drawVisible);  // a map inside a tab draws when the tab opens
})();
