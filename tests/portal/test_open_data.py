"""数据开放: CSV downloads of the published air and water results; bad parameters are a 400 that says what is wrong."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from ecobrain.assessment.water import recompute_water
from tests.assessment.water_data import china, section, store

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # the BOM, for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_hourly_city(client, air_world):
    rows = read_csv(client.get("/public/data/air-hourly.csv", {"start": "2026-11-30"}))
    assert rows[0][:6] == [
        "时段起始（北京时间）(period_start)",
        "评价对象(scope)",
        "编码(code)",
        "名称(name)",
        "所属区县(district)",
        "AQI(aqi)",
    ]
    assert rows[0][-1] == "评价标准(edition)"
    assert [(r[0], r[2], r[5], r[7]) for r in rows[1:]] == [
        ("2026-11-30 07:00", "610400", "110", "轻度污染"),
        ("2026-11-30 08:00", "610400", "120", "轻度污染"),
    ]


def test_hourly_stations_and_districts(client, air_world):
    rows = read_csv(
        client.get("/public/data/air-hourly.csv", {"scope": "station", "start": "2026-11-30", "end": "2026-11-30"})
    )
    body = rows[1:]
    assert {r[2] for r in body} == {"AQ001", "AQ002", "AB001"}  # air stations only, never the water section
    na = next(r for r in body if r[2] == "AB001")
    assert na[5] == "NA" and na[4] == "彬州市"
    q1 = next(r for r in body if r[2] == "AQ001" and r[0] == "2026-11-30 08:00")
    assert q1[8] == "颗粒物(PM10)、细颗粒物(PM2.5)"
    rows = read_csv(client.get("/public/data/air-hourly.csv", {"scope": "district", "start": "2026-11-30"}))
    assert [r[3] for r in rows[1:]] == ["秦都区", "彬州市"]


def test_daily_month(client, air_world):
    rows = read_csv(client.get("/public/data/air-daily.csv", {"scope": "city", "month": "2026-11"}))
    assert rows[0][0] == "日期(day)"
    assert [(r[0], r[5]) for r in rows[1:]] == [("2026-11-27", "151"), ("2026-11-28", "64"), ("2026-11-29", "88")]
    assert read_csv(client.get("/public/data/air-daily.csv", {"month": "2026-10"}))[1:] == []


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        ("/public/data/air-hourly.csv", {}, "缺少参数 start"),
        ("/public/data/air-hourly.csv", {"start": "2026-13-01"}, "参数 start“2026-13-01”无效"),
        ("/public/data/air-hourly.csv", {"start": "2026-11-01", "end": "2026-12-15"}, "最多下载 31 天"),
        ("/public/data/air-hourly.csv", {"start": "2026-11-10", "end": "2026-11-01"}, "end 早于 start"),
        ("/public/data/air-hourly.csv", {"start": "2026-11-10", "scope": "enterprise"}, "参数 scope“enterprise”无效"),
        ("/public/data/air-daily.csv", {}, "缺少参数 month"),
        ("/public/data/air-daily.csv", {"month": "2026-1x"}, "month“2026-1x”无效"),
        ("/public/data/air-daily.csv", {"month": "1999-01"}, "早于 2000 年"),
        ("/public/data/water.csv", {}, "缺少参数 year"),
        ("/public/data/water.csv", {"year": "20x6"}, "参数 year“20x6”无效"),
        ("/public/data/water.csv", {"year": "2999"}, "参数 year“2999”无效"),
    ],
)
def test_bad_parameters_are_400_with_a_reason(client, base_data, url, params, message):
    response = client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()


def test_31_days_is_allowed(client, air_world):
    response = client.get("/public/data/air-hourly.csv", {"start": "2026-11-01", "end": "2026-12-01"})
    assert response.status_code == 200


def test_water_year(client, qindu, binzhou):
    _good, good_device = section(qindu, code="W-GOOD", name="渭河甲", target="III")
    _bad, bad_device = section(binzhou, code="W-BAD", name="泾河乙", target="III")
    store(good_device, "nh3n", china(2026, 11, 2), ["0.4"])
    store(bad_device, "nh3n", china(2026, 11, 2), ["2.5"])  # > 2.0 mg/L: 劣V (GB 3838-2002 Table 1, standards.md §5.1)
    recompute_water(first_month=date(2026, 11, 1), last_month=date(2026, 11, 1))
    rows = read_csv(client.get("/public/data/water.csv", {"year": "2026"}))
    assert rows[0][:5] == [
        "月份(month)",
        "断面编码(station_code)",
        "断面名称(station_name)",
        "所属区县(district)",
        "水质类别(water_class)",
    ]
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["W-GOOD"][4] == "Ⅱ类" and by_code["W-GOOD"][5] == "优" and by_code["W-GOOD"][7] == "是"
    assert by_code["W-BAD"][4] == "劣Ⅴ类" and by_code["W-BAD"][5] == "重度污染"  # §5.2 status
    assert by_code["W-BAD"][7] == "否" and by_code["W-BAD"][8] == "氨氮"


def test_downloads_are_rate_limited(client, air_world, monkeypatch):
    from ecobrain.core.ratelimit import Limit
    from ecobrain.portal.views import data

    monkeypatch.setattr(data, "DOWNLOAD_LIMIT", Limit("portal-open-data-test", 2, 60))
    for _ in range(2):
        assert client.get("/public/data/air-daily.csv", {"month": "2026-11"}).status_code == 200
    response = client.get("/public/data/air-daily.csv", {"month": "2026-11"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


def test_csv_cells_are_not_formulas(client, air_world):
    from ecobrain.registry.models import Station

    Station.objects.filter(code="AQ001").update(name='=HYPERLINK("http://x")')
    rows = read_csv(client.get("/public/data/air-hourly.csv", {"scope": "station", "start": "2026-11-30"}))
    assert any(r[3] == '\'=HYPERLINK("http://x")' for r in rows[1:])


def test_open_data_page(client, base_data):
    body = client.get("/public/data/").content.decode()
    assert 'action="/public/data/air-hourly.csv"' in body and 'action="/public/data/water.csv"' in body
    assert 'for="h-start"' in body and 'id="h-start"' in body
