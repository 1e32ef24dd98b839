"""Ambient rules on the assessment results: a station's, district's or the city's AQI or pollutant above a level
(HJ 633: AQI > 200 is level V, heavy pollution, standards.md §2.5), and rapid rises; evaluated by the
``alarms.assessment`` job from AirQualityHour/AirQualityDay rows by their computed time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecobrain.alarms.choices import AlarmStatus, RuleKind
from ecobrain.alarms.engine.sweep import sweep_assessment
from ecobrain.alarms.models import Alarm, EvaluationWatermark
from ecobrain.assessment.models import AirQualityDay, AirQualityHour
from ecobrain.monitoring.choices import Resolution
from tests import factories
from tests.alarms.engine_fixtures import HOUR, engine, recent_hour, rule

pytestmark = pytest.mark.django_db


def aqh(period, aqi, *, station=None, region=None, pm2_5=None, computed_at=None):
    scope = "station" if station else ("city" if region.level == "city" else "district")
    return AirQualityHour.objects.create(
        scope=scope,
        station=station,
        region=region,
        period_start=period,
        aqi=aqi,
        pm2_5=pm2_5,
        edition="HJ 633-2026",
        computed_at=computed_at or timezone.now(),
    )


def threshold_rule(target="station", threshold=200, **fields):
    params = {"target": target, "metric": fields.pop("metric", "aqi"), "threshold": threshold, "hysteresis": 0.1}
    return rule(RuleKind.AMBIENT_THRESHOLD, name=fields.pop("name", f"{target} AQI"), params=params, **fields)


@pytest.fixture
def station(qindu):
    return factories.station(qindu, name="秦都站")


def run(now=None, eng=None):
    return sweep_assessment(now or timezone.now(), engine=eng or engine())


def test_a_station_above_the_threshold_opens_and_clears_below_the_band(station, qindu):
    threshold_rule()
    t0 = recent_hour(10)
    eng = engine()
    for i, aqi in enumerate((180, 201)):
        aqh(t0 + i * HOUR, aqi, station=station)
    run(eng=eng)
    alarm = Alarm.objects.get()
    assert alarm.object_key == f"station:{station.pk}" and alarm.station == station
    assert alarm.district_id == qindu.pk and (alarm.last_value, alarm.threshold) == (201, 200)
    assert "秦都站" in alarm.title and "AQI" in alarm.title
    aqh(t0 + 2 * HOUR, 190, station=station)  # in the band (> 180): holds
    run(eng=eng)
    assert Alarm.objects.get().status == AlarmStatus.OPEN
    aqh(t0 + 3 * HOUR, 175, station=station)
    run(eng=eng)
    assert Alarm.objects.get().status == AlarmStatus.RESOLVED


def test_a_district_rule_watches_district_rows_and_the_city_alarm_has_no_district(station, qindu):
    threshold_rule(target="district")
    threshold_rule(target="city", name="city AQI")
    t0 = recent_hour(5)
    aqh(t0, 260, station=station)
    aqh(t0, 230, region=qindu)
    aqh(t0, 210, region=qindu.parent)
    run()
    by_key = {a.object_key: a for a in Alarm.objects.all()}
    assert set(by_key) == {f"district:{qindu.pk}", f"city:{qindu.parent_id}"}
    assert by_key[f"district:{qindu.pk}"].district_id == qindu.pk
    assert by_key[f"city:{qindu.parent_id}"].district_id is None  # seen by city-wide users only


def test_a_pollutant_metric_and_a_station_scope(station, qindu):
    other = factories.station(qindu, name="另一站")
    threshold_rule(metric="pm2_5", threshold=150, station=station)
    t0 = recent_hour(5)
    aqh(t0, 210, station=station, pm2_5=151.5)
    aqh(t0, 210, station=other, pm2_5=300)
    run()
    alarm = Alarm.objects.get()
    assert alarm.station == station and alarm.last_value == 151.5 and alarm.unit == "μg/m³"


def test_an_out_of_scope_district_rule_does_not_fire(station, binzhou):
    threshold_rule(district=binzhou)
    aqh(recent_hour(5), 300, station=station)
    run()
    assert not Alarm.objects.exists()


def test_a_rapid_rise_within_the_window(station):
    rule(RuleKind.AMBIENT_RISE, name="上升", params={"target": "station", "rise": 50, "window_hours": 3})
    t0 = recent_hour(10)
    for i, aqi in enumerate((60, 70, 95, 108)):  # 108 − 60 = 48 within 3 h: not yet
        aqh(t0 + i * HOUR, aqi, station=station)
    run()
    assert not Alarm.objects.exists()
    aqh(t0 + 4 * HOUR, 121, station=station)  # 121 − 70 = 51
    run()
    alarm = Alarm.objects.get()
    assert alarm.last_value == 121 and "上升 51" in alarm.message
    aqh(t0 + 5 * HOUR, 125, station=station)  # 125 − 95 = 30: no longer rising fast
    run()
    assert Alarm.objects.get().status == AlarmStatus.RESOLVED


def test_a_cold_engine_primes_the_rise_window_from_earlier_hours(station):
    rule(RuleKind.AMBIENT_RISE, name="上升", params={"target": "station", "rise": 50, "window_hours": 3})
    t0 = recent_hour(10)
    long_ago = timezone.now() - timedelta(hours=2)
    for i, aqi in enumerate((60, 70)):
        aqh(t0 + i * HOUR, aqi, station=station, computed_at=long_ago)
    EvaluationWatermark.objects.create(source="air:hour", until=long_ago + timedelta(minutes=30))
    aqh(t0 + 2 * HOUR, 130, station=station)
    run()
    assert Alarm.objects.get().last_value == 130


def test_a_daily_rule_reads_the_daily_rows(station):
    threshold_rule(resolution=Resolution.DAY, name="日AQI")
    threshold_rule(name="小时AQI")
    day = timezone.localdate() - timedelta(days=1)
    AirQualityDay.objects.create(
        scope="station", station=station, day=day, aqi=220, edition="HJ 633-2026", computed_at=timezone.now()
    )
    run()
    alarm = Alarm.objects.get()
    assert alarm.rule.name == "日AQI" and alarm.object_key == f"station:{station.pk}/day"
    assert alarm.resolution == Resolution.DAY


def test_the_watermark_means_rows_are_read_once_and_recomputed_rows_again(station):
    threshold_rule()
    t0 = recent_hour(5)
    now = timezone.now()
    row = aqh(t0, 230, station=station, computed_at=now - timedelta(minutes=20))
    first = run(now)
    assert first.read["air:hour"] == 1
    later = now + timedelta(minutes=30)
    assert run(later).read["air:hour"] == 0  # past the overlap: nothing new
    row.aqi = 240
    row.computed_at = later
    row.save()
    run(later + timedelta(minutes=1))
    alarm = Alarm.objects.get()
    assert alarm.trigger_count == 1  # the same hour recomputed is not a new trigger
