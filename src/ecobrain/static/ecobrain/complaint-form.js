// 投诉举报 form: pick the place on a Leaflet map (or from the phone's location), count the description's characters,
// warn about too many photos, and let an anonymous complaint leave the phone empty. The city outline comes with the
// page (json_script); a base map only when one is configured (ECOBRAIN_MAP_TILE_URL). Coordinates are WGS84.
(function () {
  function byId(id) { return document.getElementById(id); }

  function counter() {
    var text = byId('id_description');
    var out = byId('description-count');
    if (!text || !out) return;
    var max = out.dataset.max;
    function update() { out.textContent = text.value.length + ' / ' + max; }
    text.addEventListener('input', update);
    update();
  }

  function photos() {
    var input = byId('id_photos');
    var help = byId('photos-help');
    var warning = byId('photos-warning');
    if (!input || !help || !warning) return;
    input.addEventListener('change', function () {
      var tooMany = input.files && input.files.length > parseInt(help.dataset.max, 10);
      warning.textContent = tooMany ? help.dataset.tooMany : '';
      warning.classList.toggle('d-block', !!tooMany);
      input.classList.toggle('is-invalid', !!tooMany);
    });
  }

  function anonymous() {
    var box = byId('id_anonymous');
    if (!box) return;
    var fields = [byId('id_phone'), byId('id_contact_name')];
    function update() { fields.forEach(function (f) { if (f) f.disabled = box.checked; }); }
    box.addEventListener('change', update);
    update();
  }

  function map() {
    var el = byId('complaint-map');
    var lon = byId('id_longitude');
    var lat = byId('id_latitude');
    var status = byId('location-status');
    if (!el || !lon || !lat || !window.L) return;
    var outline = JSON.parse((byId(el.dataset.outline) || { textContent: 'null' }).textContent);
    var center = outline && outline.properties.center && outline.properties.center[0] !== null
      ? [outline.properties.center[1], outline.properties.center[0]] : [34.33, 108.7];
    var m = L.map(el, { scrollWheelZoom: false, attributionControl: !!el.dataset.tiles }).setView(center, 9);
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || '' }).addTo(m);
    if (outline) {
      var layer = L.geoJSON(outline, { style: { color: '#1f5f3f', weight: 2, fillOpacity: 0.04 }, interactive: false }).addTo(m);
      m.fitBounds(layer.getBounds(), { padding: [8, 8] });
    }
    var marker = null;

    function show(latlng, zoom) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.circleMarker(latlng, { radius: 8, color: '#b02a37', weight: 2, fillOpacity: 0.8 }).addTo(m);
      if (zoom) m.setView(latlng, Math.max(m.getZoom(), 14)); else m.panTo(latlng);
      status.textContent = status.dataset.picked + lon.value + ', ' + lat.value;
    }
    function set(lngValue, latValue, zoom) {
      lon.value = lngValue.toFixed(6);
      lat.value = latValue.toFixed(6);
      show([latValue, lngValue], zoom);
    }

    m.on('click', function (e) { set(e.latlng.lng, e.latlng.lat, false); });
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (!isNaN(x) && !isNaN(y)) show([y, x], true);

    var clear = byId('clear-location');
    if (clear) clear.addEventListener('click', function () {
      lon.value = ''; lat.value = ''; status.textContent = '';
      if (marker) { m.removeLayer(marker); marker = null; }
    });

    var locate = byId('use-location');
    if (locate) locate.addEventListener('click', function () {
      if (!navigator.geolocation) { status.textContent = locate.dataset.unsupported; return; }
      status.textContent = locate.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        set(pos.coords.longitude, pos.coords.latitude, true);
      }, function () {
        status.textContent = locate.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    counter();
    photos();
    anonymous();
    map();
  });
})();
