// 派发任务: pick the order's place on a Leaflet map. A click fills the longitude and latitude inputs (WGS84);
// typing them moves the marker; choosing a district shows its boundary (the city's until one is chosen).
// A base map only when one is configured (ECOBRAIN_MAP_TILE_URL).
(function () {
  function init() {
    var el = document.getElementById('workorder-map');
    if (!el || !window.L) return;
    var lon = document.getElementById('id_longitude');
    var lat = document.getElementById('id_latitude');
    var district = document.getElementById('id_district');
    var adcodes = JSON.parse((document.getElementById(el.dataset.adcodes) || { textContent: '{}' }).textContent);
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: !!el.dataset.tiles }).setView([34.33, 108.7], 9);
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || '' }).addTo(map);
    var marker = null;
    var boundary = null;

    function place(latlng, pan) {
      if (marker) marker.setLatLng(latlng); else marker = L.circleMarker(latlng, { radius: 7, color: '#b02a37', weight: 2, fillOpacity: 0.8 }).addTo(map);
      if (pan) map.panTo(latlng);
    }
    function fromInputs() {
      var x = parseFloat(lon.value), y = parseFloat(lat.value);
      if (!isNaN(x) && !isNaN(y)) place([y, x], true);
    }
    function showBoundary(adcode) {
      if (!adcode) return;
      fetch(el.dataset.boundaryTemplate.replace('000000', adcode), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (feature) {
          if (!feature) return;
          if (boundary) map.removeLayer(boundary);
          boundary = L.geoJSON(feature, { style: { color: '#1f5f3f', weight: 2, fillOpacity: 0.05 }, interactive: false }).addTo(map);
          map.fitBounds(boundary.getBounds(), { padding: [10, 10] });
        });
    }

    map.on('click', function (e) {
      lon.value = e.latlng.lng.toFixed(6);
      lat.value = e.latlng.lat.toFixed(6);
      place(e.latlng, false);
    });
    lon.addEventListener('change', fromInputs);
    lat.addEventListener('change', fromInputs);
    if (district) district.addEventListener('change', function () { showBoundary(adcodes[district.value] || el.dataset.city); });
    showBoundary((district && adcodes[district.value]) || el.dataset.city);
    fromInputs();
  }
  document.addEventListener('DOMContentLoaded', init);
})();
