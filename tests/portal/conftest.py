"""A small published world for the portal: a city, two districts, three air stations with one hour and a few days of
AQI rows, two water sections with a month's class, and notices in each state. Every test starts with an empty cache
(tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ecobrain.portal.choices import NoticeCategory, NoticeStatus
from ecobrain.portal.models import Notice
from ecobrain.registry.models import Station
from tests import factories
from tests.assessment import air_rows

HOUR = datetime(2026, 11, 30, 0, tzinfo=UTC)  # 08:00–09:00 Beijing time
DAY = date(2026, 11, 29)


@pytest.fixture
def city(base_data):
    return factories.region("610400")


@pytest.fixture
def air_world(city, qindu, binzhou):
    """AQ001 (秦都, 135, 轻度污染), AQ002 (秦都, no coordinates, 160), AB001 (彬州, NA) at HOUR; the city at 120 under
    HJ 633-2026 and the hour before under HJ 633-2012; daily rows for three days up to DAY."""
    q1 = factories.station(qindu, code="AQ001", name="秦都监测站", kind="air_national", is_assessment=True)
    q2 = factories.station(qindu, code="AQ002", name="秦都微站", kind="air_micro")
    b1 = factories.station(binzhou, code="AB001", name="彬州监测站", kind="air_provincial", is_assessment=True)
    Station.objects.filter(pk=q2.pk).update(longitude=None, latitude=None)
    factories.station(qindu, code="W001", name="渭河断面", kind="water_section")
    air_rows.hour(region=city, at=HOUR, aqi=120, primary="pm2_5", pm2_5=91.0)
    air_rows.hour(region=city, at=HOUR - timedelta(hours=1), aqi=110, edition="HJ 633-2012")
    air_rows.hour(region=qindu, at=HOUR, aqi=130, primary="pm2_5", pm2_5=98.0)
    air_rows.hour(region=binzhou, at=HOUR, aqi=45, primary="", pm2_5=30.0)
    air_rows.hour(station=q1, at=HOUR, aqi=135, primary="pm10,pm2_5", pm2_5=103.0)
    air_rows.hour(station=q1, at=HOUR - timedelta(hours=2), aqi=77)
    air_rows.hour(station=q2, at=HOUR, aqi=160, primary="pm2_5", pm2_5=120.0)
    air_rows.hour(station=b1, at=HOUR, aqi=None, primary="")
    for offset, aqi in enumerate((88, 64, 151)):
        air_rows.day(region=city, on=DAY - timedelta(days=offset), aqi=aqi, primary="o3_8h")
        air_rows.day(station=q1, on=DAY - timedelta(days=offset), aqi=aqi + 5)
    air_rows.day(region=qindu, on=DAY, aqi=95)
    return {"q1": q1, "q2": q2, "b1": b1}


def notice(title: str, *, status=NoticeStatus.PUBLISHED, category=NoticeCategory.PENALTY, body="正文。", days_ago=1):
    published = status in (NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN)
    return Notice.objects.create(
        category=category,
        title=title,
        body=body,
        status=status,
        published_at=datetime(2026, 11, 30, 2, tzinfo=UTC) - timedelta(days=days_ago) if published else None,
    )


@pytest.fixture
def notices(base_data):
    return {
        "penalty": notice("某建材公司超标排放行政处罚决定书"),
        "eia": notice("热电项目环评受理公示", category=NoticeCategory.EIA, days_ago=2),
        "draft": notice("未发布的草稿通知", status=NoticeStatus.DRAFT, category=NoticeCategory.NOTICE),
        "withdrawn": notice("已撤回的公告", status=NoticeStatus.WITHDRAWN, category=NoticeCategory.NOTICE),
    }
