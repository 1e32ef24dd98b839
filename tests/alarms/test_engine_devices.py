"""Data loggers: offline (no data for N expected intervals, from the device sessions) and low 有效传输率
(standards.md §8: valid ÷ expected hourly values per day, 90 % the usual line)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecobrain.alarms.choices import AlarmStatus, RuleKind
from ecobrain.alarms.engine.sweep import check_offline, sweep_assessment
from ecobrain.alarms.models import Alarm
from ecobrain.ingest.models import DeviceSession
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.completeness import china_today
from ecobrain.monitoring.models import DailyCompleteness
from tests import factories
from tests.alarms.engine_fixtures import engine, rule, series_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def logger_at_station(qindu):
    return factories.device(station=factories.station(qindu, name="秦都站"))


def session(device, *, last_data_at, interval=60):
    return DeviceSession.objects.create(
        device=device, online=True, last_seen_at=last_data_at, last_data_at=last_data_at, expected_interval=interval
    )


def test_a_silent_logger_goes_offline_and_clears_when_data_come_back(logger_at_station, handler):
    rule(RuleKind.DEVICE_OFFLINE, name="离线", params={"missed_intervals": 3})
    now = timezone.now()
    s = session(logger_at_station, last_data_at=now - timedelta(seconds=150))
    eng = engine()
    check_offline(now, engine=eng)
    assert not Alarm.objects.exists()  # 2.5 intervals
    later = now + timedelta(seconds=60)
    check_offline(later, engine=eng)
    alarm = Alarm.objects.get()
    assert alarm.object_key == f"device:{logger_at_station.pk}" and alarm.device == logger_at_station
    assert alarm.kind == RuleKind.DEVICE_OFFLINE and alarm.threshold == 3 and alarm.unit == "分钟"
    assert alarm.last_value == pytest.approx(3.5)
    assert logger_at_station.mn in alarm.title
    check_offline(later + timedelta(seconds=60), engine=eng)
    assert Alarm.objects.get().trigger_count == 2  # one more interval offline
    s.last_data_at = later + timedelta(seconds=100)
    s.save()
    check_offline(later + timedelta(seconds=120), engine=eng)
    assert Alarm.objects.get().status == AlarmStatus.RESOLVED


def test_consecutive_counts_intervals_and_idle_devices_are_not_watched(logger_at_station, qindu):
    rule(RuleKind.DEVICE_OFFLINE, name="离线", params={"missed_intervals": 2}, consecutive=2)
    now = timezone.now()
    session(logger_at_station, last_data_at=now - timedelta(hours=5), interval=3600)
    retired = factories.device(station=factories.station(qindu), status="retired")
    session(retired, last_data_at=now - timedelta(days=3))
    never = factories.device(station=factories.station(qindu))
    DeviceSession.objects.create(device=never)  # registered, never connected: no judgement
    eng = engine()
    check_offline(now, engine=eng)
    check_offline(now + timedelta(minutes=1), engine=eng)  # the same hourly interval: counts once
    assert not Alarm.objects.exists()
    check_offline(now + timedelta(hours=1), engine=eng)
    assert Alarm.objects.get().device == logger_at_station


def test_an_offline_rule_scoped_to_another_district_does_not_fire(logger_at_station, binzhou):
    rule(RuleKind.DEVICE_OFFLINE, name="离线", district=binzhou)
    now = timezone.now()
    session(logger_at_station, last_data_at=now - timedelta(hours=1))
    check_offline(now, engine=engine())
    assert not Alarm.objects.exists()


def completeness(series, day, *, expected=24, received=24, valid=24, computed_at=None):
    return DailyCompleteness.objects.create(
        series_id=series,
        day=day,
        resolution=Resolution.HOUR,
        interval_seconds=3600,
        expected=expected,
        received=received,
        valid=valid,
        computed_at=computed_at or timezone.now(),
    )


def test_low_effective_transmission_rate_opens_for_the_device_day_and_clears_on_a_good_day(logger_at_station):
    """standards.md §8 test vector: 700 expected, 690 received, 680 valid → 97.14 %; here two factors a day."""
    rule(RuleKind.LOW_COMPLETENESS, name="有效传输率", params={"min_rate": 0.9})
    pm25, so2 = series_of(logger_at_station, "a34004"), series_of(logger_at_station, "a21026")
    today = china_today(timezone.now())
    d1, d2 = today - timedelta(days=2), today - timedelta(days=1)
    completeness(pm25, d1, valid=20)
    completeness(so2, d1, received=22, valid=21)  # (20 + 21) / 48 = 85.42 %
    eng = engine()
    sweep_assessment(timezone.now(), engine=eng)
    alarm = Alarm.objects.get()
    assert alarm.kind == RuleKind.LOW_COMPLETENESS and alarm.device == logger_at_station
    assert (alarm.last_value, alarm.threshold, alarm.unit) == (85.42, 90, "%")
    assert "应传 48" in alarm.message and "有效 41" in alarm.message
    completeness(pm25, d2, valid=23)
    completeness(so2, d2, valid=22)  # 45 / 48 = 93.75 %
    sweep_assessment(timezone.now(), engine=eng)
    assert Alarm.objects.get().status == AlarmStatus.RESOLVED


def test_today_is_not_judged_before_it_is_over(logger_at_station):
    rule(RuleKind.LOW_COMPLETENESS, name="有效传输率")
    series = series_of(logger_at_station, "a34004")
    completeness(series, china_today(timezone.now()), expected=10, received=2, valid=2)
    sweep_assessment(timezone.now(), engine=engine())
    assert not Alarm.objects.exists()


def test_a_factor_scoped_completeness_rule_counts_that_factor_only(logger_at_station):
    from ecobrain.registry.models import MonitoringFactor

    rule(RuleKind.LOW_COMPLETENESS, name="PM2.5", factor=MonitoringFactor.objects.get(code="a34004"))
    pm25, so2 = series_of(logger_at_station, "a34004"), series_of(logger_at_station, "a21026")
    day = china_today(timezone.now()) - timedelta(days=1)
    completeness(pm25, day, valid=24)
    completeness(so2, day, received=0, valid=0)  # the device's rate is 50 %, PM2.5's 100 %
    sweep_assessment(timezone.now(), engine=engine())
    assert not Alarm.objects.exists()
