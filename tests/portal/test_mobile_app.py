"""The mobile app's public side and installable shell: manifest, service worker, offline page, home, nearby air."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from ecobrain.assessment.queries import level_display
from ecobrain.portal.mobile import pwa
from ecobrain.registry.models import Station
from tests import factories
from tests.assessment import air_rows

HOUR = datetime(2026, 11, 30, 0, tzinfo=UTC)  # 08:00 Beijing time


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def air_hour(base_data, qindu, binzhou):
    """Stations along a line west → east through Qindu and Binzhou, with the city's and districts' rows."""
    city = factories.region("610400")
    q_lon, q_lat = factories.point_in(qindu)
    stations = {}
    for n, (dx, aqi) in enumerate([(0.0, 135), (0.02, 60), (0.05, 40), (0.1, 210), (0.2, 90), (0.3, 30)]):
        station = factories.station(qindu, code=f"AQ{n:03d}", name=f"秦都站{n}")
        Station.objects.filter(pk=station.pk).update(longitude=q_lon + dx, latitude=q_lat)
        air_rows.hour(station=station, at=HOUR, aqi=aqi, primary="pm2_5")
        stations[n] = station
    far = factories.station(binzhou, code="AB001", name="彬州站")
    air_rows.hour(station=far, at=HOUR, aqi=55, primary="pm10")
    no_data = factories.station(qindu, code="AQ900", name="无数据站")
    Station.objects.filter(pk=no_data.pk).update(longitude=q_lon, latitude=q_lat)
    air_rows.hour(station=no_data, at=HOUR, aqi=None)
    old = factories.station(qindu, code="AQ901", name="旧数据站")
    Station.objects.filter(pk=old.pk).update(longitude=q_lon, latitude=q_lat)
    air_rows.hour(station=old, at=HOUR - timedelta(hours=3), aqi=20)
    air_rows.hour(region=city, at=HOUR, aqi=120, primary="pm2_5")
    air_rows.hour(region=qindu, at=HOUR, aqi=130, primary="pm2_5")
    air_rows.hour(region=binzhou, at=HOUR, aqi=45, primary="")
    return {"lon": q_lon, "lat": q_lat, "stations": stations}


# --- the installable app -----------------------------------------------------------------------------------


def test_manifest_names_the_app_and_its_icons(db, anonymous, settings):
    settings.PUBLIC_SITE_NAME = "生态咸阳"
    response = anonymous.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["name"] == "生态咸阳"
    assert data["short_name"] == "生态咸阳"
    assert data["start_url"] == "/m/"
    assert data["scope"] == "/"
    assert data["display"] == "standalone"
    assert data["lang"] == "zh-Hans"  # BCP 47, not Django's zh-hans
    assert data["theme_color"] == pwa.THEME_COLOUR
    assert data["background_color"] == pwa.BACKGROUND_COLOUR
    icons = {(icon["sizes"], icon["purpose"]): icon for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable"), ("any", "any")} <= set(icons)
    for icon in data["icons"]:  # every icon is served, with the type the manifest says
        served = anonymous.get(icon["src"])
        assert served.status_code == 200, icon["src"]
        body = b"".join(served.streaming_content)
        if icon["type"] == "image/png":
            from io import BytesIO

            from PIL import Image

            with Image.open(BytesIO(body)) as image:
                assert f"{image.width}x{image.height}" == icon["sizes"]
        else:
            assert body.lstrip().startswith(b"<svg")


def test_manifest_name_follows_the_setting(db, anonymous, settings):
    settings.PUBLIC_SITE_NAME = "生态宝鸡"
    assert json.loads(anonymous.get("/manifest.webmanifest").content)["name"] == "生态宝鸡"


def test_service_worker_is_served_from_the_root_uncached_with_its_shell(db, anonymous):
    response = anonymous.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    config = json.loads(body.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["version"] == pwa.worker_version()
    assert config["offline"] == "/m/offline/"
    assert "/m/offline/" in config["shell"]
    assert "/static/ecobrain/mobile.css" in config["shell"]
    assert config["pages"] == ["/m/"]  # staff pages are never kept
    for url in config["shell"]:  # install fails if one precached URL fails: every one must answer
        assert anonymous.get(url).status_code == 200, url
    assert 'request.method !== "GET"' in body  # POSTs are left to the network


def test_worker_version_changes_with_a_precached_file(settings, tmp_path, monkeypatch):
    before = pwa.worker_version()
    pwa.worker_version.cache_clear()
    try:
        real_find = pwa.finders.find
        changed = tmp_path / "mobile.css"
        changed.write_text("body { color: red }")
        monkeypatch.setattr(
            pwa.finders, "find", lambda name: str(changed) if name == "ecobrain/mobile.css" else real_find(name)
        )
        assert pwa.worker_version() != before
    finally:
        pwa.worker_version.cache_clear()


def test_offline_page_is_a_cacheable_chinese_page(db, anonymous):
    response = anonymous.get("/m/offline/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "当前没有网络连接" in text
    assert 'rel="manifest" href="/manifest.webmanifest"' in text
    assert "public" in response["Cache-Control"]
    assert "csrfmiddlewaretoken" not in text


# --- the home page -----------------------------------------------------------------------------------------


def test_home_shows_city_and_districts_with_advice_and_the_complaint_links(anonymous, air_hour):
    response = anonymous.get("/m/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "2026-11-30 08:00" in text
    # HJ 633-2026 Table 1 (standards.md §2.5): AQI 120 is level III 轻度污染, orange #FF7E00, with its advice.
    assert "轻度污染" in text
    assert "#FF7E00" in text
    assert level_display(3, "HJ 633-2026").advice in text
    assert "秦都区" in text and "彬州市" in text
    assert 'href="/public/complaints/new/?app=1"' in text
    assert 'href="/public/complaints/track/"' in text
    assert 'href="/m/staff/"' in text
    assert 'rel="manifest"' in text and "mobile-register.js" in text
    assert "public" in response["Cache-Control"]
    assert "csrfmiddlewaretoken" not in text


def test_home_without_data_says_so(db, anonymous):
    response = anonymous.get("/m/")
    assert response.status_code == 200
    assert "暂无空气质量数据" in response.content.decode()


# --- the nearby API ----------------------------------------------------------------------------------------


def test_nearby_lists_the_five_nearest_stations_nearest_first(anonymous, air_hour, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = anonymous.get("/m/api/nearby", {"lon": air_hour["lon"], "lat": air_hour["lat"]})
    assert response.status_code == 200
    data = response.json()
    names = [s["name"] for s in data["stations"]]
    # Stations without an AQI this hour (NA) or without a row this hour are left out.
    assert names == ["秦都站0", "秦都站1", "秦都站2", "秦都站3", "秦都站4"]
    distances = [s["distance_km"] for s in data["stations"]]
    assert distances == sorted(distances)
    assert distances[0] == 0.0
    assert 8.5 < distances[3] < 9.5  # 0.1° of longitude at about 34.3° N is about 9.2 km
    first = data["stations"][0]
    # HJ 633-2026 Table 1 (standards.md §2.5): 135 → level III 轻度污染, orange; 210 → level V, China's purple.
    assert (first["aqi"], first["level"], first["category"], first["colour"]) == (135, 3, "轻度污染", "#FF7E00")
    assert first["primary"] == "细颗粒物(PM2.5)"
    assert data["stations"][3]["colour"] == "#99004C"
    assert data["in_city"] is True
    assert data["district_name"] == "秦都区"
    assert data["district"]["aqi"] == 130
    assert data["city"]["aqi"] == 120
    assert data["advice"]["level"] == 3
    assert data["advice"]["advice"] == level_display(3, "HJ 633-2026").advice
    assert data["hour"] == "2026-11-30T08:00:00+08:00"
    assert "public" in response["Cache-Control"]


def test_nearby_second_request_is_served_from_the_cache(anonymous, air_hour, django_assert_max_num_queries, settings):
    settings.PORTAL_CACHE_SECONDS = 60
    anonymous.get("/m/api/nearby", {"lon": air_hour["lon"], "lat": air_hour["lat"]})
    with django_assert_max_num_queries(1):  # only the district's name when it has no row; here none at all
        response = anonymous.get("/m/api/nearby", {"lon": air_hour["lon"] + 0.01, "lat": air_hour["lat"]})
    assert response.status_code == 200


def test_nearby_outside_the_city_still_answers_with_the_nearest(anonymous, air_hour):
    data = anonymous.get("/m/api/nearby", {"lon": 116.4, "lat": 39.9}).json()  # Beijing
    assert data["in_city"] is False
    assert data["district"] is None
    assert len(data["stations"]) == 5
    assert data["stations"][0]["distance_km"] > 800


def test_nearby_without_any_data_is_empty_not_an_error(db, anonymous, qindu):
    lon, lat = factories.point_in(qindu)
    response = anonymous.get("/m/api/nearby", {"lon": lon, "lat": lat})
    assert response.status_code == 200
    data = response.json()
    assert data["empty"] is True
    assert data["stations"] == []
    assert data["city"] is None and data["district"] is None and data["advice"] is None
    assert data["district_name"] == "秦都区"


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"lat": "34.3"}, "lon", "缺少参数 lon"),
        ({"lon": "108.7"}, "lat", "缺少参数 lat"),
        ({"lon": "abc", "lat": "34.3"}, "lon", "不是有效的数字"),
        ({"lon": "nan", "lat": "34.3"}, "lon", "不是有效的数字"),
        ({"lon": "108.7", "lat": "inf"}, "lat", "不是有效的数字"),
        ({"lon": "200", "lat": "34.3"}, "lon", "超出范围 [-180, 180]"),
        ({"lon": "108.7", "lat": "-91"}, "lat", "超出范围 [-90, 90]"),
    ],
)
def test_nearby_rejects_bad_coordinates_with_a_clear_400(db, anonymous, query, field, words):
    response = anonymous.get("/m/api/nearby", query)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert words in body["error"]
    assert response["Cache-Control"] == "no-store"


def test_nearby_refuses_post(db, anonymous):
    assert anonymous.post("/m/api/nearby?lon=108.7&lat=34.3").status_code == 405


def test_public_portal_pages_link_the_manifest_and_register_the_worker(rf):
    from django.template.loader import render_to_string

    html = render_to_string("portal/public_base.html", request=rf.get("/public/"))
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'src="/static/ecobrain/mobile-register.js" data-worker="/sw.js"' in html
