// The /m/ pages: nearby air quality from the phone's location, the offline page's retry button, and the photo
// picker's count on the work-order page. Every value from the server is set as text, never as HTML.
(function () {
  "use strict";

  function textsOf(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  function fill(node, field, value) {
    var target = node.querySelector('[data-field="' + field + '"]');
    if (target) target.textContent = value == null ? "" : String(value);
    return target;
  }

  function areaCard(texts, title, area) {
    var card = document.createElement("div");
    card.className = "card border-0 shadow-sm mb-2 eb-m-area";
    var body = document.createElement("div");
    body.className = "card-body py-2";
    var head = document.createElement("div");
    head.className = "d-flex align-items-center gap-2";
    var name = document.createElement("span");
    name.className = "fw-semibold me-auto";
    name.textContent = title;
    var badge = document.createElement("span");
    badge.className = "badge eb-m-level";
    badge.style.backgroundColor = area.colour;
    badge.style.color = area.text_colour;
    badge.textContent = (area.aqi == null ? "—" : area.aqi) + " " + area.category;
    head.append(name, badge);
    body.append(head);
    if (area.health_effect || area.advice) {
      var advice = document.createElement("p");
      advice.className = "small mb-0 mt-1 eb-m-advice";
      advice.textContent = [area.health_effect, area.advice].filter(Boolean).join(" ");
      body.append(advice);
    }
    card.append(body);
    return card;
  }

  function render(texts, data, box, status) {
    box.replaceChildren();
    if (!data.stations.length && !data.city) {
      status.textContent = texts.none;
      return;
    }
    status.textContent = data.in_city ? "" : texts.outside;
    if (data.district) {
      box.append(areaCard(texts, texts.district_title.replace("%(name)s", data.district.name), data.district));
    } else if (data.advice) {
      box.append(areaCard(texts, texts.advice_title, data.advice));
    }
    var template = document.getElementById("eb-station-template");
    data.stations.forEach(function (station) {
      var card = template.content.firstElementChild.cloneNode(true);
      var badge = card.querySelector(".eb-m-aqi-badge");
      badge.style.backgroundColor = station.colour;
      badge.style.color = station.text_colour;
      fill(card, "aqi", station.aqi);
      fill(card, "name", station.name);
      fill(card, "category", station.category);
      fill(card, "primary", station.primary ? " · " + texts.primary + station.primary : "");
      fill(card, "district", station.district);
      fill(card, "distance", texts.km.replace("%(km)s", Number(station.distance_km).toFixed(1)));
      card.dataset.code = station.code;
      box.append(card);
    });
    if (data.hour_text) {
      var when = document.createElement("p");
      when.className = "small text-muted";
      when.textContent = texts.hour.replace("%(hour)s", data.hour_text);
      box.append(when);
    }
  }

  function nearby() {
    var button = document.getElementById("eb-nearby-button");
    if (!button) return;
    var texts = textsOf("eb-nearby-texts");
    var box = document.getElementById("eb-nearby");
    var status = document.getElementById("eb-nearby-status");
    button.addEventListener("click", function () {
      if (!("geolocation" in navigator)) {
        status.textContent = texts.unsupported;
        return;
      }
      button.disabled = true;
      status.textContent = texts.locating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          // About 100 m: enough to find the nearest stations, and no more of the person's place than that.
          var lon = position.coords.longitude.toFixed(3);
          var lat = position.coords.latitude.toFixed(3);
          status.textContent = texts.loading;
          fetch(button.dataset.url + "?lon=" + lon + "&lat=" + lat, { headers: { Accept: "application/json" } })
            .then(function (response) {
              return response.json().then(function (body) {
                if (!response.ok) throw new Error(body.error || texts.failed);
                return body;
              });
            })
            .then(function (data) {
              render(texts, data, box, status);
            })
            .catch(function (error) {
              status.textContent = error && error.message && error.message !== "Failed to fetch" ? error.message : texts.failed;
            })
            .finally(function () {
              button.disabled = false;
            });
        },
        function (error) {
          button.disabled = false;
          status.textContent = error.code === 1 ? texts.denied : texts.unavailable;
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
      );
    });
  }

  function reloadButtons() {
    document.querySelectorAll("[data-reload]").forEach(function (button) {
      button.addEventListener("click", function () {
        window.location.reload();
      });
    });
  }

  function photoCount() {
    document.querySelectorAll("input[type=file][data-count]").forEach(function (input) {
      var output = document.getElementById(input.dataset.count);
      var template = output ? output.dataset.template : "";
      input.addEventListener("change", function () {
        if (output) output.textContent = input.files.length ? template.replace("%(count)s", input.files.length) : "";
      });
    });
  }

  nearby();
  reloadButtons();
  photoCount();
})();
