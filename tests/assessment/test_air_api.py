"""The air quality API: /api/v1/air-quality/hours/, days/, periods/, latest/, rankings/.

Filters (scope, station by code or id, region by adcode), the time bounds (hours ≤ 31 days, days ≤ 366), the
fields (station and region names, level category and colour from the row's edition), personas and query counts.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from ecobrain.accounts.models import APIToken
from ecobrain.assessment import queries
from tests import factories
from tests.assessment import air_rows
from tests.assessment.conftest import DAY, HOUR

API = "/api/v1/air-quality"


def client_for(user) -> APIClient:
    _token, secret = APIToken.issue(user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


HOUR_WINDOW = {"start": "2026-11-30", "end": "2026-11-30"}


def test_hours_filtered_by_scope_station_and_region(air_world, monitor):
    client = client_for(monitor)
    rows = ok(client.get(f"{API}/hours/", HOUR_WINDOW))["results"]
    assert len(rows) == 7  # city ×2 hours, two districts, three stations
    cities = ok(client.get(f"{API}/hours/", {**HOUR_WINDOW, "scope": "city"}))["results"]
    assert [r["aqi"] for r in cities] == [110, 120]  # time order
    by_code = ok(client.get(f"{API}/hours/", {**HOUR_WINDOW, "station": "AQ001"}))["results"]
    by_id = ok(client.get(f"{API}/hours/", {**HOUR_WINDOW, "station": str(air_world["q1"].pk)}))["results"]
    assert by_code == by_id and len(by_code) == 1
    region = ok(client.get(f"{API}/hours/", {**HOUR_WINDOW, "region": "610482"}))["results"]
    assert [(r["scope"], r["region_name"], r["aqi"]) for r in region] == [("district", "彬州市", 45)]


def test_one_row_by_id(air_world, monitor):
    client = client_for(monitor)
    (row,) = ok(client.get(f"{API}/hours/", {**HOUR_WINDOW, "station": "AQ002"}))["results"]
    assert ok(client.get(f"{API}/hours/{row['id']}/")) == row
    (day,) = ok(client.get(f"{API}/days/", {"start": "2026-11-29", "end": "2026-11-29", "scope": "city"}))["results"]
    assert ok(client.get(f"{API}/days/{day['id']}/")) == day
    assert client.get(f"{API}/hours/999999/").status_code == 404


def test_hour_fields(air_world, monitor):
    (row,) = ok(client_for(monitor).get(f"{API}/hours/", {**HOUR_WINDOW, "station": "AQ001"}))["results"]
    assert row["period_start"] == "2026-11-30T08:00:00+08:00"
    assert (row["station_code"], row["station_name"], row["region_adcode"], row["region_name"]) == (
        "AQ001",
        "秦都监测站",
        "610402",
        "秦都区",
    )
    assert (row["aqi"], row["level"], row["category"], row["colour"]) == (135, 3, "轻度污染", "#FF7E00")
    assert row["primary_pollutants"] == ["pm10", "pm2_5"]
    assert row["edition"] == "HJ 633-2026" and row["pm2_5"] == 103.0
    (na,) = ok(client_for(monitor).get(f"{API}/hours/", {**HOUR_WINDOW, "station": "AB001"}))["results"]
    assert (na["aqi"], na["level"], na["category"], na["colour"]) == (None, None, None, None)


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"start": "2026-10-01", "end": "2026-11-30"}, "start", "31 天"),
        ({"start": "2026-11-30T10:00", "end": "2026-11-30T09:00"}, "end", "晚于"),
        ({"start": "soon"}, "start", "格式不正确"),
        ({"end": "2026-02-30"}, "end", "格式不正确"),
    ],
)
def test_hour_bounds_are_clear_400s(air_world, monitor, params, field, message):
    response = client_for(monitor).get(f"{API}/hours/", params)
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_hour_window_defaults_to_the_last_24_hours():
    from datetime import UTC, datetime

    start, end = queries.hour_window(None, None, now=datetime(2026, 11, 30, 0, 30, tzinfo=UTC))
    assert end == datetime(2026, 11, 30, 1, tzinfo=UTC) and end - start == timedelta(hours=24)
    start, end = queries.hour_window("2026-11-01", "2026-12-01")  # 31 whole days: the maximum
    assert end - start == timedelta(days=31)


def test_days_window_bounds_and_filters(air_world, monitor):
    client = client_for(monitor)
    rows = ok(client.get(f"{API}/days/", {"start": "2026-11-29", "end": "2026-11-29"}))["results"]
    assert {(r["scope"], r["aqi"]) for r in rows} == {("city", 88), ("district", 95), ("station", 99)}
    (city,) = [r for r in rows if r["scope"] == "city"]
    assert city["day"] == "2026-11-29" and city["primary_pollutants"] == ["o3_8h"] and city["colour"] == "#FFFF00"
    assert len(ok(client.get(f"{API}/days/", {"start": "2026-01-01", "end": "2026-12-31"}))["results"]) == 3
    response = client.get(f"{API}/days/", {"start": "2025-01-01", "end": "2026-12-31"})
    assert response.status_code == 400 and "366 天" in response.json()["start"][0]
    first, last = queries.day_window(None, None, today=DAY)
    assert (first, last) == (DAY - timedelta(days=29), DAY)


def test_a_year_of_one_stations_daily_aqi(air_world, monitor, django_assert_max_num_queries):
    q1 = air_world["q1"]
    for n in range(365):
        if date(2026, 1, 1) + timedelta(days=n) != DAY:  # the fixture wrote that day
            air_rows.day(station=q1, on=date(2026, 1, 1) + timedelta(days=n), aqi=30 + n % 200)
    client = client_for(monitor)
    client.get(f"{API}/days/", {"station": "AQ001", "start": "2026-01-01", "end": "2026-12-31", "page_size": 400})
    with django_assert_max_num_queries(6):
        body = ok(
            client.get(
                f"{API}/days/", {"station": "AQ001", "start": "2026-01-01", "end": "2026-12-31", "page_size": 400}
            )
        )
    assert body["count"] == 365 and len(body["results"]) == 365
    assert [r["day"] for r in body["results"]] == sorted(r["day"] for r in body["results"])


def test_periods_filter_by_kind_and_range(air_world, monitor, qindu):
    air_rows.period(region=qindu, start=date(2026, 10, 1))
    air_rows.period(region=qindu, start=date(2026, 11, 1))
    air_rows.period(region=qindu, start=date(2026, 1, 1), kind="year")
    client = client_for(monitor)
    months = ok(client.get(f"{API}/periods/", {"kind": "month", "region": "610402"}))["results"]
    assert [r["period_start"] for r in months] == ["2026-10-01", "2026-11-01"]
    assert months[0]["stats"]["pollutants"]["pm2_5"]["concentration"] == 35.0
    assert len(ok(client.get(f"{API}/periods/", {"start": "2026-11-01"}))["results"]) == 1
    assert client.get(f"{API}/periods/", {"kind": "week"}).status_code == 400


def test_latest(air_world, monitor):
    body = ok(client_for(monitor).get(f"{API}/latest/"))
    assert body["period_start"] == "2026-11-30T08:00:00+08:00"
    assert body["city"]["aqi"] == 120 and body["city"]["category"] == "轻度污染"
    assert [d["region_adcode"] for d in body["districts"]] == ["610402", "610482"]
    assert [s["station_code"] for s in body["stations"]] == ["AB001", "AQ001", "AQ002"]
    older = ok(client_for(monitor).get(f"{API}/latest/", {"hour": "2026-11-30T07:00"}))
    assert older["city"]["aqi"] == 110 and older["stations"] == []
    assert client_for(monitor).get(f"{API}/latest/", {"hour": "x"}).status_code == 400


def test_latest_without_data(base_data, monitor):
    assert ok(client_for(monitor).get(f"{API}/latest/")) == {
        "period_start": None,
        "city": None,
        "districts": [],
        "stations": [],
    }


def test_rankings(city, qindu, binzhou, monitor):
    nov = date(2026, 11, 1)
    air_rows.period(region=qindu, start=nov, index=4.0, pm2_5=44.0)
    air_rows.period(region=binzhou, start=nov, index=4.0)
    air_rows.period(region=qindu, start=date(2025, 11, 1), index=5.0, pm2_5=55.0)
    station = factories.station(qindu, code="AQ001", kind="air_national", is_assessment=True)
    air_rows.period(station=station, start=nov, index=3.0, invalid=("co",))
    body = ok(client_for(monitor).get(f"{API}/rankings/", {"kind": "month", "period": "2026-11"}))
    assert (body["kind"], body["period"]) == ("month", "2026-11")
    assert [(d["code"], d["rank"], d["comprehensive_index"]) for d in body["districts"]] == [
        ("610402", 1, 4.0),
        ("610482", 1, 4.0),
    ]
    qindu_row = body["districts"][0]
    assert qindu_row["index_yoy"] == pytest.approx(-0.2) and qindu_row["pm2_5_yoy"] == pytest.approx(-0.2)
    assert qindu_row["index_mom"] is None and qindu_row["days_per_level"] == [10, 15, 5, 0, 0, 0]
    (s,) = body["stations"]
    assert (s["code"], s["district"], s["invalid"]) == ("AQ001", "秦都区", ["co"])
    response = client_for(monitor).get(f"{API}/rankings/", {"kind": "month", "period": "2026/11"})
    assert response.status_code == 400 and "period" in response.json()


@pytest.mark.parametrize("endpoint", ["hours/", "days/", "periods/", "latest/", "rankings/"])
def test_personas(air_world, handler, enterprise_user, consumer, endpoint):
    """Published results: every role with the assessment grant reads them (handler out of scope included)."""
    for user in (handler, enterprise_user, consumer):
        assert client_for(user).get(f"{API}/{endpoint}").status_code == 200
    assert APIClient().get(f"{API}/{endpoint}").status_code in {401, 403}


def test_hours_list_costs_a_fixed_number_of_queries(air_world, monitor, qindu, django_assert_max_num_queries):
    client = client_for(monitor)
    client.get(f"{API}/hours/", HOUR_WINDOW)
    with django_assert_max_num_queries(6):
        client.get(f"{API}/hours/", HOUR_WINDOW)
    for n in range(40):
        station = factories.station(qindu, code=f"AX{n:03d}")
        air_rows.hour(station=station, at=HOUR, aqi=50 + n)
    with django_assert_max_num_queries(6):
        body = ok(client.get(f"{API}/hours/", {**HOUR_WINDOW, "page_size": 100}))
    assert body["count"] == 47
    with django_assert_max_num_queries(8):
        ok(client.get(f"{API}/latest/"))


def test_schema_stays_valid_without_warnings(base_data):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    schema = json.loads(out.getvalue())
    for path in ("hours/", "hours/{id}/", "days/", "periods/", "latest/", "rankings/"):
        assert f"/api/v1/air-quality/{path}" in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/v1/air-quality/hours/"]["get"]["parameters"]}
    assert {"scope", "station", "region", "start", "end"} <= parameters
