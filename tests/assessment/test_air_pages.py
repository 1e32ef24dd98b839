"""Air quality pages over HTTP, per persona: 空气质量实况, a station's tab and a region's charts.

Personas (tests/conftest.py): monitoring staff and bureau leader (city-wide), district handler (秦都区 only),
enterprise user, anonymous. Assessment results are published information (models.PUBLISHED): every role with
the assessment grant sees every row, whatever its district scope; the station pages stay scoped.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from tests import factories
from tests.assessment import air_rows
from tests.assessment.conftest import DAY, HOUR

AIR = "/assessment/air/"


def body(response) -> str:
    return response.content.decode()


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def station_codes(response) -> list[str]:
    """The station codes listed in the stations table, in order."""
    table = body(response).split('id="air-stations"', 1)[-1]
    return re.findall(r'<span class="text-muted">(A[QB]\d{3})</span>', table)


def map_points(response) -> list[dict]:
    match = re.search(r'<script id="air-points" type="application/json">(.*?)</script>', body(response), re.S)
    return json.loads(match.group(1))


# --- access ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [AIR, AIR + "rankings/", AIR + "city/", AIR + "regions/610402/"])
def test_anonymous_is_sent_to_login(client, base_data, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_every_persona_with_the_grant_sees_the_published_rows(
    air_world, login, monitor, leader, handler, enterprise_user
):
    """A district handler (秦都区) also sees 彬州市's rows: results are published, not scoped by district."""
    for user in (monitor, leader, handler, enterprise_user):
        response = login(user).get(AIR)
        assert response.status_code == 200, user
        assert set(station_codes(response)) == {"AQ001", "AQ002", "AB001"}
        assert "彬州市" in body(response)


def test_the_station_link_is_shown_only_to_roles_that_may_view_stations(air_world, login, monitor, enterprise_user):
    station_url = air_world["q1"].get_absolute_url()
    assert station_url in body(login(monitor).get(AIR))
    assert station_url not in body(login(enterprise_user).get(AIR))  # enterprise users have no station grant


# --- the latest hour ------------------------------------------------------------------------------------------


def test_the_newest_hour_with_city_data_is_shown_with_the_editions_words(air_world, login, monitor):
    """AQI 120: level III 轻度污染, orange #FF7E00, HJ 633-2026's health effect and advice (standards.md §2.5)."""
    from ecobrain.standards.aqi import get_edition

    response = login(monitor).get(AIR)
    page = body(response)
    assert response.context["moment"] == HOUR
    city = response.context["city"]
    assert city["row"].aqi == 120
    assert "轻度污染" in page and "#FF7E00" in page
    texts = get_edition("HJ 633-2026").level_texts[2]
    assert texts.health_effect in page and texts.advice in page
    assert "依据 HJ 633-2026" in page
    assert "细颗粒物(PM2.5)" in page  # the primary pollutant under its published Chinese name


def test_a_2012_row_shows_the_2012_words(air_world, login, monitor):
    from ecobrain.standards.aqi import get_edition

    air_rows.hour(region=air_world["city"], at=HOUR + timedelta(hours=1), aqi=120, edition="HJ 633-2012")
    page = body(login(monitor).get(AIR))
    assert get_edition("HJ 633-2012").level_texts[2].advice in page
    assert "依据 HJ 633-2012" in page


def test_another_hour_can_be_picked_and_a_bad_one_falls_back_with_a_message(air_world, login, monitor):
    client = login(monitor)
    response = client.get(AIR, {"hour": "2026-11-30T07:00"})  # Beijing time: the older city row
    assert response.context["city"]["row"].aqi == 110
    response = client.get(AIR, {"hour": "yesterday"})
    assert response.status_code == 200
    assert response.context["moment"] == HOUR
    assert "格式不正确" in body(response)


def test_districts_table_holds_aqi_level_primary_and_concentrations(air_world, login, monitor):
    response = login(monitor).get(AIR)
    districts = response.context["districts"]
    assert [d["row"].region.name for d in districts] == ["秦都区", "彬州市"]  # by adcode; sorted in the browser
    qindu = districts[0]
    assert qindu["row"].aqi == 130 and qindu["level"].category == "轻度污染"
    assert qindu["values"][0] == 98.0  # PM2.5 first
    assert 'data-sort="number"' in body(response)


def test_the_daily_switch_shows_a_days_rows(air_world, login, monitor):
    response = login(monitor).get(AIR, {"mode": "day"})
    assert response.context["moment"] == DAY
    assert response.context["city"]["row"].aqi == 88
    assert "臭氧8小时" in body(response)
    assert station_codes(response) == ["AQ001"]


# --- map and stations table -----------------------------------------------------------------------------------


def test_stations_without_coordinates_are_listed_but_not_mapped(air_world, login, monitor):
    response = login(monitor).get(AIR)
    assert "AQ002" in station_codes(response)
    points = map_points(response)
    assert {p["code"] for p in points} == {"AQ001", "AB001"}
    (q1,) = [p for p in points if p["code"] == "AQ001"]
    assert q1["aqi"] == 135 and q1["level"] == 3 and q1["primary"] == "颗粒物(PM10)、细颗粒物(PM2.5)"


def test_station_filters_search_district_and_kind(air_world, login, monitor):
    client = login(monitor)
    assert station_codes(client.get(AIR, {"q": "彬州"})) == ["AB001"]
    assert station_codes(client.get(AIR, {"q": "aq00"})) == ["AQ001", "AQ002"]
    assert station_codes(client.get(AIR, {"district": "610402"})) == ["AQ001", "AQ002"]
    assert station_codes(client.get(AIR, {"kind": "air_micro"})) == ["AQ002"]
    response = client.get(AIR, {"district": "610402", "kind": "air_micro", "hour": "2026-11-30T08:00"})
    assert station_codes(response) == ["AQ002"]
    assert [p["code"] for p in map_points(response)] == []  # the map follows the filter: AQ002 has no coordinates
    body = response.content.decode()  # the station search keeps the chosen hour, and 重置 keeps it too
    assert '<input type="hidden" name="hour" value="2026-11-30T08:00">' in body
    assert 'href="?hour=2026-11-30T08:00"' in body


def test_a_bad_filter_value_is_a_message_not_an_error(air_world, login, monitor):
    response = login(monitor).get(AIR, {"kind": "bogus"})
    assert response.status_code == 200
    assert "筛选条件有误" in body(response)


def test_stations_sort_by_aqi_and_paginate(air_world, login, monitor, city):
    client = login(monitor)
    assert station_codes(client.get(AIR, {"sort": "-aqi"})) == ["AQ002", "AQ001", "AB001"]  # NA last
    assert station_codes(client.get(AIR, {"sort": "aqi"})) == ["AQ001", "AQ002", "AB001"]  # both ways
    for n in range(60):
        station = factories.station(city.children.get(adcode="610402"), code=f"AX{n:03d}", name=f"加密站{n}")
        air_rows.hour(station=station, at=HOUR, aqi=40)
    first = client.get(AIR, {"per_page": 25})
    assert first.context["page"].paginator.count == 63
    assert len(first.context["station_rows"]) == 25
    last = client.get(AIR, {"per_page": 25, "page": 3})
    assert len(last.context["station_rows"]) == 13


def test_csv_and_excel_exports_hold_the_filtered_stations(air_world, login, monitor):
    client = login(monitor)
    response = client.get(AIR, {"district": "610402", "export": "csv"})
    rows = list(csv.reader(io.StringIO(streamed(response))))
    assert rows[0][:3] == ["时段起始", "站点", "站点编码"]
    assert [r[2] for r in rows[1:]] == ["AQ001", "AQ002"]
    assert rows[1][0] == "2026-11-30 08:00"
    assert rows[1][5] == "135" and rows[1][7] == "轻度污染"
    response = client.get(AIR, {"export": "xlsx", "mode": "day"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "日期"
    assert values[1][2] == "AQ001" and values[1][5] == 99


def test_empty_state_says_what_produces_the_data(base_data, login, monitor):
    response = login(monitor).get(AIR)
    page = body(response)
    assert response.status_code == 200
    assert "暂无评价数据" in page and "ecobrain assess recompute" in page
    assert "暂无评价数据" in body(login(monitor).get(AIR, {"mode": "day"}))


def test_the_page_costs_a_fixed_number_of_queries(air_world, login, monitor, city, django_assert_max_num_queries):
    client = login(monitor)
    client.get(AIR)  # warm the session and the grant caches
    with django_assert_max_num_queries(14):
        client.get(AIR)
    for n in range(30):
        station = factories.station(city.children.get(adcode="610481"), code=f"AY{n:03d}")
        air_rows.hour(station=station, at=HOUR, aqi=60 + n)
    with django_assert_max_num_queries(14):
        response = client.get(AIR)
    assert response.context["page"].paginator.count == 33


# --- a station's tab and a region's page ----------------------------------------------------------------------


def test_the_air_tab_is_on_air_stations_only(air_world, login, monitor):
    client = login(monitor)
    assert "空气质量</button>" in body(client.get(air_world["q1"].get_absolute_url()))
    assert "空气质量</button>" not in body(client.get(air_world["water"].get_absolute_url()))


def test_the_tab_shows_an_empty_state_without_rows(air_world, login, monitor):
    client = login(monitor)
    assert 'id="air-chart-form"' in body(client.get(air_world["b1"].get_absolute_url()))  # an NA row is a row
    station = factories.station(air_world["qindu"], code="AQ009", kind="air_city")
    page = body(client.get(station.get_absolute_url()))
    assert "暂无评价数据" in page and 'id="air-chart-form"' not in page


def chart_data(response) -> dict:
    match = re.search(r'<script id="air-chart-data" type="application/json">(.*?)</script>', body(response), re.S)
    return json.loads(match.group(1))


def test_station_charts_default_to_the_last_7_days_of_data(air_world, login, monitor):
    q1 = air_world["q1"]
    for n in range(1, 200):
        air_rows.hour(station=q1, at=HOUR - timedelta(hours=n), aqi=50 + n % 100)
    response = login(monitor).get(f"{AIR}charts/station/{q1.pk}/")
    charts = chart_data(response)
    assert len(charts["hourly"]["data"]) == 168  # 7 days ending with the newest hour
    assert charts["hourly"]["data"][-1][1] == 135
    assert charts["daily"]["data"] == [
        {"day": "2026-11-29", "value": 99, "colour": "#FFFF00", "primary": "细颗粒物(PM2.5)"}
    ]
    assert charts["calendar"]["year"] == 2026 and charts["calendar"]["data"] == [["2026-11-29", 99]]
    assert [lv["colour"] for lv in charts["levels"]][4] == "#99004C"  # China's purple (standards.md §2.5)


def test_station_charts_switch_pollutant_and_range(air_world, login, monitor):
    q1 = air_world["q1"]
    client = login(monitor)
    charts = chart_data(client.get(f"{AIR}charts/station/{q1.pk}/", {"pollutant": "pm2_5", "range": "24h"}))
    assert charts["hourly"]["label"] == "PM₂.₅" and charts["hourly"]["unit"] == "µg/m³"
    assert [v[1] for v in charts["hourly"]["data"]] == [103.0]
    custom = {"range": "custom", "start": "2026-11-29", "end": "2026-11-30"}
    assert len(chart_data(client.get(f"{AIR}charts/station/{q1.pk}/", custom))["hourly"]["data"]) == 1


@pytest.mark.parametrize(
    "params, message",
    [
        ({"range": "custom", "start": "2026-10-01", "end": "2026-11-30"}, "最多查询 31 天"),
        ({"range": "custom", "start": "2026-11-30", "end": "2026-11-01"}, "结束日期早于开始日期"),
        ({"range": "custom", "start": "30/11/2026", "end": "2026-11-30"}, "格式不正确"),
        ({"range": "custom"}, "请填写开始日期和结束日期"),
        ({"pollutant": "nox"}, "未知的污染物"),
        ({"year": "abc"}, "年份"),
    ],
)
def test_bad_chart_parameters_get_a_chinese_message(air_world, login, monitor, params, message):
    client = login(monitor)
    url = f"{AIR}charts/station/{air_world['q1'].pk}/"
    response = client.get(url, params)
    assert response.status_code == 400 and message in body(response)
    response = client.get(url, params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and message in body(response)


def test_charts_of_an_out_of_scope_station_are_not_found(air_world, login, handler):
    """The station's own page is scoped: a 秦都区 handler gets 404 for 彬州市's station, as on its detail page."""
    client = login(handler)
    assert client.get(f"{AIR}charts/station/{air_world['q1'].pk}/").status_code == 200
    assert client.get(f"{AIR}charts/station/{air_world['b1'].pk}/").status_code == 404
    assert client.get(f"{AIR}charts/station/{air_world['water'].pk}/").status_code == 404
    assert client.get(f"{AIR}charts/other/1/").status_code == 404


def test_region_page_and_its_charts(air_world, login, handler):
    client = login(handler)
    response = client.get(f"{AIR}regions/610482/")  # 彬州市: published results, outside the handler's scope
    assert response.status_code == 200
    assert "彬州市空气质量" in body(response)
    city = client.get(f"{AIR}city/")
    assert city.context["region"].adcode == "610400" and city.context["card"]["row"].aqi == 120
    charts = chart_data(client.get(f"{AIR}charts/region/610400/"))
    assert [v[1] for v in charts["hourly"]["data"]] == [110, 120]
    assert client.get(f"{AIR}regions/999999/").status_code == 404
    assert client.get(f"{AIR}charts/region/999999/").status_code == 404
