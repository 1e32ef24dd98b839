"""水质断面 page, the station's 水质类别 tab and /api/v1/water-quality/months/ (standards.md §5.2 colours).

Personas: monitoring staff, a district handler (assessment results are published: not narrowed by district, but the
sections listed are the stations the handler may view), anonymous.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from ecobrain.assessment.water import recompute_water
from tests import factories
from tests.assessment.water_data import china, section, store

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


@pytest.fixture
def sections(qindu, binzhou):
    good, good_device = section(qindu, code="W-GOOD", name="渭河甲", target="III")
    bad, bad_device = section(binzhou, code="W-BAD", name="泾河乙", target="III", waterbody="lake")
    empty, _ = section(qindu, code="W-EMPTY", name="无数据断面")
    store(good_device, "nh3n", china(2026, 11, 2), ["0.4"])
    store(bad_device, "nh3n", china(2026, 11, 2), ["2.5"])  # > 2.0: 劣V, (2.5 − 1.0)/1.0 = 1.5 times over III
    store(good_device, "nh3n", china(2026, 10, 2), ["1.2"])
    recompute_water(first_month=date(2026, 10, 1), last_month=NOV)
    return good, bad, empty


def test_month_page(sections, login, monitor):
    body = login(monitor).get("/assessment/water/", {"month": "2026-11"}).content.decode()
    assert "渭河甲" in body and "泾河乙" in body and "无数据断面" in body
    assert "background-color: #FF0000" in body  # 劣V red (§5.2)
    assert "background-color: #0070C0" in body  # II blue
    assert "氨氮（超标1.5倍）" in body
    assert "50.0%" in body  # I–III share: 1 of 2 sections with data; attainment 1 of 2; 劣V 1 of 2
    assert "湖库" in body


def test_filters_and_export(sections, login, monitor):
    client = login(monitor)
    body = client.get("/assessment/water/", {"month": "2026-11", "water_class": "劣V"}).content.decode()
    assert "泾河乙" in body and "渭河甲" not in body
    body = client.get("/assessment/water/", {"month": "2026-11", "district": "610402"}).content.decode()
    assert "渭河甲" in body and "泾河乙" not in body
    workbook = load_workbook(BytesIO(client.get("/assessment/water/", {"month": "2026-11", "export": "xlsx"}).content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][5] == "水质类别"
    assert {row[1]: row[5] for row in rows[1:]} == {"W-GOOD": "Ⅱ类", "W-BAD": "劣Ⅴ类", "W-EMPTY": "无数据"}


def test_empty_month_and_bad_month(sections, login, monitor):
    client = login(monitor)
    body = client.get("/assessment/water/", {"month": "2025-01"}).content.decode()
    assert "暂无断面水质评价结果" in body and "?month=2026-11" in body
    body = client.get("/assessment/water/", {"month": "2026-1x"}).content.decode()
    assert "月份“2026-1x”无效" in body


def test_no_sections_at_all(base_data, login, monitor):
    assert "暂无地表水断面" in login(monitor).get("/assessment/water/").content.decode()


def test_history_tab_on_water_stations_only(sections, login, monitor, qindu):
    good, _bad, _empty = sections
    client = login(monitor)
    body = client.get(f"/registry/stations/{good.pk}/", {"water_month": "2026-11"}).content.decode()
    assert "水质类别" in body and "water-history-data" in body and "2026-10" in body and "Ⅳ类" in body
    air = factories.station(qindu, kind="air_city")
    assert "water-history-data" not in client.get(f"/registry/stations/{air.pk}/").content.decode()


def test_api(sections, monitor):
    client = APIClient()
    client.force_authenticate(monitor)
    rows = client.get("/api/v1/water-quality/months/").json()["results"]
    assert {(r["station_code"], r["month"], r["water_class"]) for r in rows} == {
        ("W-GOOD", "2026-11", "II"),
        ("W-BAD", "2026-11", "劣V"),
        ("W-GOOD", "2026-10", "IV"),
    }
    only = client.get("/api/v1/water-quality/months/", {"station": "W-GOOD", "month_from": "2026-11"}).json()
    assert [(r["month"], r["attained"]) for r in only["results"]] == [("2026-11", True)]
    bad = client.get("/api/v1/water-quality/months/", {"water_class": "劣V"}).json()["results"]
    assert [r["exceedances"] for r in bad] == [{"nh3n": 1.5}]
    refused = client.get("/api/v1/water-quality/months/", {"month_from": "2000-01", "month_to": "2026-11"})
    assert refused.status_code == 400 and "一次最多查询 120 个月" in str(refused.json())
    assert client.get("/api/v1/water-quality/months/", {"month_to": "bad"}).status_code == 400


def test_api_needs_authentication(sections):
    assert APIClient().get("/api/v1/water-quality/months/").status_code in {401, 403}
