"""空气质量日报 and 环境质量月报: report data against hand-computed numbers, the printable pages, the workbooks.

Personas: monitoring staff who publish the reports, a district handler who reads them, anonymous visitors.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ecobrain.assessment.models import AirQualityDay, AirQualityPeriod, WaterQualityMonth
from ecobrain.assessment.reports import change_rate, daily_report, monthly_report
from ecobrain.standards.aqi import get_edition
from tests import factories

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 4)
NOV = date(2026, 11, 1)
# standards.md §2.6 daily example under HJ 633-2026: IAQIs 10/57/20/110/104/119 → AQI 119, primary PM2.5, level III.
EXAMPLE = {"so2": 10, "no2": 45, "co": 0.8, "o3_8h": 170, "pm10": 130, "pm2_5": 80}


def day_row(*, day=DAY, aqi, station=None, region=None, primary="pm2_5", hours=None, **values):
    scope = "station" if station else ("city" if region.level == "city" else "district")
    return AirQualityDay.objects.create(
        scope=scope,
        station=station,
        region=region,
        day=day,
        aqi=aqi,
        level=None,
        primary_pollutants=primary,
        edition="HJ 633-2026",
        computed_at=timezone.now(),
        hours=hours or {},
        **{**EXAMPLE, **values},
    )


def period_row(*, month=NOV, region=None, station=None, index, good=20, valid=30, pm2_5=40.0, levels=None):
    scope = "station" if station else ("city" if region.level == "city" else "district")
    pollutants = {key: {"concentration": value, "valid": True} for key, value in EXAMPLE.items()}
    pollutants["pm2_5"] = {"concentration": pm2_5, "valid": True}
    return AirQualityPeriod.objects.create(
        scope=scope,
        station=station,
        region=region,
        kind="month",
        period_start=month,
        stats={"edition": "HJ 663-2026", "pollutants": pollutants},
        comprehensive_index=index,
        index_primary="pm2_5",
        valid_days=valid,
        good_days=good,
        good_ratio=good / valid,
        days_per_level=levels or {"1": 5, "2": 15, "3": 10},
        edition="HJ 663-2026",
        computed_at=timezone.now(),
    )


@pytest.fixture
def city(base_data):
    return base_data


@pytest.fixture
def daily_world(city, qindu, binzhou):
    day_row(region=city, aqi=119)
    day_row(region=qindu, aqi=130, pm2_5=95)
    day_row(region=binzhou, aqi=60, primary="pm10", pm2_5=30)
    station = factories.station(qindu, code="1919A", kind="air_national", name="实验中学", is_assessment=True)
    control = factories.station(qindu, code="1918A", kind="air_national", name="对照点", is_assessment=False)
    day_row(station=station, aqi=125)
    day_row(station=control, aqi=40)
    for day, aqi in ((1, 45), (2, 80), (3, 160)):  # month to date with the 4th: 45, 80, 160, 119 → 2 good of 4
        day_row(region=city, day=date(2026, 11, day), aqi=aqi)
    return station


def test_daily_report_data(daily_world, monitor):
    """HJ 633-2026 §2.6 example: AQI 119, level III 轻度污染, primary PM2.5; the 2026 advice for level III; districts
    ordered by AQI; only assessment stations; month to date 2 good days of 4 = 50 %."""
    report = daily_report(monitor, DAY)
    assert report.has_data
    assert (report.city.aqi, report.city.level_roman, report.city.category) == (119, "三级", "轻度污染")
    assert report.city.primary == "细颗粒物(PM2.5)"
    assert report.edition == "HJ 633-2026"
    text = get_edition("HJ 633-2026").level_texts[2]
    assert (report.health_effect, report.advice) == (text.health_effect, text.advice)
    assert [line.name for line in report.districts] == ["彬州市", "秦都区"]
    assert report.districts[0].primary == "颗粒物(PM10)"
    assert [line.code for line in report.stations] == ["1919A"]
    assert (report.month_good_days, report.month_valid_days, report.month_good_ratio) == (2, 4, 0.5)
    assert report.notes == []


def test_daily_report_notes_incomplete_data(city, monitor):
    """A daily mean needs ≥ 20 valid hours (GB 3095 Table 4, standards.md §3.1): fewer is noted; NA is explained."""
    day_row(region=city, aqi=None, primary="", hours={"so2": 18, "pm2_5": 24})
    report = daily_report(monitor, DAY)
    assert report.city.aqi is None and report.city.primary == ""
    assert any("不发布 AQI" in note for note in report.notes)
    assert any("二氧化硫的有效小时数不足 20 个" in note for note in report.notes)


def test_daily_page(daily_world, login, handler, settings):
    settings.BUREAU_NAME = "测试市生态环境局"
    response = login(handler).get("/assessment/reports/daily/", {"day": "2026-11-04"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "咸阳市环境空气质量日报" in body and "测试市生态环境局" in body and "2026年11月4日" in body
    assert "119" in body and "轻度污染" in body and "细颗粒物(PM2.5)" in body and "HJ 633-2026" in body
    districts = body[body.index("二、各区县空气质量") :]
    assert districts.index("彬州市") < districts.index("秦都区")  # districts by AQI
    assert "50.0%" in body and "打印" in body and "导出Excel" in body
    assert "report-print.css" in body


def test_daily_workbook_holds_the_numbers(daily_world, login, monitor):
    response = login(monitor).get("/assessment/reports/daily.xlsx", {"day": "2026-11-04"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content))["日报"]
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    flat = [cell for row in rows for cell in row if cell is not None]
    assert "咸阳市环境空气质量日报" in flat
    city_row = rows[rows.index(next(r for r in rows if r[0] == "AQI")) + 1]
    assert tuple(city_row[:4]) == (119, "三级", "轻度污染", "细颗粒物(PM2.5)")
    assert 80 in city_row and "HJ 633-2026" in city_row
    assert 50.0 in flat  # month-to-date good-day ratio, %


def test_empty_day(city, login, monitor):
    client = login(monitor)
    body = client.get("/assessment/reports/daily/", {"day": "2026-11-05"}).content.decode()
    assert "2026年11月05日暂无城市日均评价结果" in body
    workbook = load_workbook(BytesIO(client.get("/assessment/reports/daily.xlsx", {"day": "2026-11-05"}).content))
    values = [c for row in workbook["日报"].iter_rows(values_only=True) for c in row if c]
    assert "2026年11月05日暂无城市日均评价结果。" in values


def test_bad_day_is_explained(city, login, monitor):
    response = login(monitor).get("/assessment/reports/daily/", {"day": "2026-13-40"})
    assert response.status_code == 200
    assert "日期“2026-13-40”无效：应为 YYYY-MM-DD" in response.content.decode()


def test_change_rate():
    """同比/环比: (current − previous) / previous; nothing to compare with gives None."""
    assert change_rate(3.0, 4.0) == -0.25
    assert change_rate(3.0, None) is None and change_rate(3.0, 0) is None


@pytest.fixture
def monthly_world(city, qindu, binzhou):
    period_row(region=city, index=3.06, pm2_5=40.0, good=21, valid=30)
    period_row(region=city, month=date(2025, 11, 1), index=4.0, pm2_5=50.0, good=15, valid=30)
    period_row(region=city, month=date(2026, 10, 1), index=3.4, pm2_5=32.0, good=24, valid=31)
    period_row(region=qindu, index=3.5)
    period_row(region=binzhou, index=3.204)
    period_row(region=factories.region("610404"), index=3.196)  # 渭城区: 3.20 published, ties with 彬州市
    period_row(region=qindu, month=date(2025, 11, 1), index=5.0)
    section = factories.station(qindu, kind="water_auto", name="渭河断面", waterbody="river", water_target_class="III")
    WaterQualityMonth.objects.create(
        station=section,
        month=NOV,
        water_class="IV",
        worst_factors=["nh3n"],
        target_class="III",
        attained=False,
        exceedances={"nh3n": 0.2},
        samples=700,
        edition="GB 3838-2002",
        computed_at=timezone.now(),
    )


def test_monthly_report_data(monthly_world, monitor):
    """City: index 3.06 against 4.0 a year ago (−23.5 %) and 3.4 last month (−10.0 %); PM2.5 40 against 50 (−20 %);
    good-day ratio 21/30 = 70 % against 50 % (+20 points). Districts by index, equal published indices rank equal."""
    report = monthly_report(monitor, NOV)
    city = report.city
    assert city.comprehensive_index == 3.06 and report.edition == "HJ 663-2026"
    assert city.index_yoy == pytest.approx(-0.235) and city.index_mom == pytest.approx(-0.1)
    assert city.pm2_5_yoy == pytest.approx(-0.2) and city.pm2_5_mom == pytest.approx(0.25)
    assert city.good_ratio_yoy == pytest.approx(20.0)
    assert city.days_per_level == {"1": 5, "2": 15, "3": 10, "4": 0, "5": 0, "6": 0}
    assert city.concentrations["pm2_5"] == 40.0 and city.concentrations["o3_8h"] == 170
    assert [(line.name, line.rank) for line in report.districts] == [("渭城区", 1), ("彬州市", 1), ("秦都区", 3)]
    assert report.districts[2].index_yoy == pytest.approx(-0.3)
    assert report.districts[0].index_yoy is None  # no row a year earlier
    assert [s.water_class for s in report.water] == ["IV"]
    assert report.water_summary.attainment_rate == 0.0


def test_monthly_page_and_workbook(monthly_world, login, monitor):
    client = login(monitor)
    body = client.get("/assessment/reports/monthly/", {"month": "2026-11"}).content.decode()
    assert "咸阳市环境质量月报" in body and "2026年11月" in body
    assert "3.06" in body and "-23.5%" in body and "+20.0个百分点" in body
    assert "渭河断面" in body and "Ⅳ类" in body and "氨氮（超标0.2倍）" in body
    workbook = load_workbook(BytesIO(client.get("/assessment/reports/monthly.xlsx", {"month": "2026-11"}).content))
    assert workbook.sheetnames == ["城市", "区县排名", "评价点位", "水质断面"]
    city_rows = list(workbook["城市"].iter_rows(values_only=True))
    city_line = city_rows[[r[0] for r in city_rows].index("名称") + 1]
    assert city_line[2] == 3.06 and 40.0 in city_line and -23.5 in city_line
    ranking = list(workbook["区县排名"].iter_rows(values_only=True))
    assert [r[:2] for r in ranking[2:5]] == [(1, "渭城区"), (1, "彬州市"), (3, "秦都区")]
    water = [r for r in workbook["水质断面"].iter_rows(values_only=True) if r and r[0] == "渭河断面"]
    assert water[0][4] == "Ⅳ类" and water[0][7] == "否"


def test_empty_month(city, login, monitor):
    client = login(monitor)
    body = client.get("/assessment/reports/monthly/", {"month": "2020-01"}).content.decode()
    assert "2020年1月暂无空气质量月统计和断面水质评价结果" in body
    workbook = load_workbook(BytesIO(client.get("/assessment/reports/monthly.xlsx", {"month": "2020-01"}).content))
    values = [c for row in workbook["城市"].iter_rows(values_only=True) for c in row if c]
    assert "2020年01月暂无城市空气质量月统计结果。" in values


def test_reports_index(daily_world, login, leader):
    AirQualityPeriod.objects.all().delete()
    period_row(region=factories.region("610400"), index=3.0)
    body = login(leader).get("/assessment/reports/").content.decode()
    assert "?day=2026-11-04" in body and "?month=2026-11" in body


@pytest.mark.parametrize(
    "url",
    [
        "/assessment/reports/",
        "/assessment/reports/daily/",
        "/assessment/reports/daily.xlsx",
        "/assessment/reports/monthly/",
        "/assessment/reports/monthly.xlsx",
        "/assessment/water/",
    ],
)
def test_anonymous_goes_to_login(client, base_data, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
