"""A small air world for the page and API tests: stations in 秦都区 and 彬州市, rows of one hour and one day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

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
    """Three air stations (one without coordinates), a water station, and their rows at HOUR and on DAY."""
    q1 = factories.station(qindu, code="AQ001", name="秦都监测站", kind="air_national", is_assessment=True)
    q2 = factories.station(qindu, code="AQ002", name="秦都微站", kind="air_micro")
    b1 = factories.station(binzhou, code="AB001", name="彬州监测站", kind="air_provincial", is_assessment=True)
    Station.objects.filter(pk=q2.pk).update(longitude=None, latitude=None)
    q2.refresh_from_db()
    water = factories.station(qindu, code="W001", name="渭河断面", kind="water_section")
    air_rows.hour(region=city, at=HOUR, aqi=120, primary="pm2_5", pm2_5=91.0)
    air_rows.hour(region=qindu, at=HOUR, aqi=130, primary="pm2_5", pm2_5=98.0)
    air_rows.hour(region=binzhou, at=HOUR, aqi=45, primary="", pm2_5=30.0)
    air_rows.hour(station=q1, at=HOUR, aqi=135, primary="pm10,pm2_5", pm2_5=103.0)
    air_rows.hour(station=q2, at=HOUR, aqi=160, primary="pm2_5", pm2_5=120.0)
    air_rows.hour(station=b1, at=HOUR, aqi=None, primary="")
    air_rows.hour(region=city, at=HOUR - timedelta(hours=1), aqi=110)  # an older hour
    air_rows.day(region=city, on=DAY, aqi=88, primary="o3_8h")
    air_rows.day(region=qindu, on=DAY, aqi=95)
    air_rows.day(station=q1, on=DAY, aqi=99)
    return {"q1": q1, "q2": q2, "b1": b1, "water": water, "city": city, "qindu": qindu, "binzhou": binzhou}
