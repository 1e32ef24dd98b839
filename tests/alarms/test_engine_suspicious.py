"""Suspicious data: QC flags (negative, flat line, stuck, calibration/maintenance values) and drops to zero, on
any resolution; window flags are judged once QC's window job has run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecobrain.alarms.choices import AlarmStatus, RuleKind
from ecobrain.alarms.engine.sweep import sweep_observations
from ecobrain.alarms.models import Alarm
from ecobrain.monitoring.choices import QCFlag, Resolution
from ecobrain.monitoring.models import HourObservation
from ecobrain.monitoring.qc.windows import evaluate_received
from ecobrain.monitoring.services import ObservationRow, store_observations
from tests import factories
from tests.alarms.engine_fixtures import HOUR, engine, evaluate_each, read, recent_hour, rule, series_of, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def pm25(qindu):
    """An air station's PM2.5 series (ambient QC: window checks on)."""
    device = factories.device(station=factories.station(qindu))
    return series_of(device, "a34004")


def suspicious_rule(**fields):
    return rule(RuleKind.SUSPICIOUS_DATA, name=fields.pop("name", "数据异常"), **fields)


def test_a_negative_value_opens_and_a_normal_one_clears(pm25):
    suspicious_rule()
    t0 = recent_hour()
    eng = engine()
    eng.evaluate_observations(Resolution.HOUR, store(pm25, ["35", "-3.2"], start=t0))
    alarm = Alarm.objects.get()
    assert alarm.kind == RuleKind.SUSPICIOUS_DATA and alarm.object_key == f"series:{pm25}/hour"
    assert "负值" in alarm.message and alarm.last_value == -3.2
    eng.evaluate_observations(Resolution.HOUR, store(pm25, ["36"], start=t0 + 2 * HOUR))
    assert Alarm.objects.get().status == AlarmStatus.RESOLVED


def test_a_drop_to_zero_opens_stays_while_zero_and_clears_when_values_return(pm25):
    suspicious_rule(params={"zero_drop_from": 10})
    t0 = recent_hour()
    eng = engine()
    evaluate_each(eng, store(pm25, ["48", "0"], start=t0))
    alarm = Alarm.objects.get()
    assert "骤降为零" in alarm.message and alarm.last_value == 0
    evaluate_each(eng, store(pm25, ["0", "0"], start=t0 + 2 * HOUR))
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.OPEN and alarm.trigger_count == 3
    evaluate_each(eng, store(pm25, ["41"], start=t0 + 4 * HOUR))
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.RESOLVED


def test_zero_after_a_low_value_is_not_a_drop(pm25):
    suspicious_rule(params={"zero_drop_from": 10})
    evaluate_each(engine(), store(pm25, ["6", "0", "0"], start=recent_hour()))
    assert not Alarm.objects.exists()


def test_a_cold_engine_primes_the_previous_value_from_the_database(pm25):
    suspicious_rule()
    t0 = recent_hour()
    store(pm25, ["48"], start=t0)  # stored and evaluated by another process
    engine().evaluate_observations(Resolution.HOUR, store(pm25, ["0"], start=t0 + HOUR))
    assert Alarm.objects.get().last_value == 0


def test_consecutive_counts_flagged_hours(pm25):
    suspicious_rule(consecutive=2, clear_after=2)
    t0 = recent_hour()
    eng = engine()
    evaluate_each(eng, store(pm25, ["30", "31"], start=t0, flag="M"))  # maintenance for 2 hours
    alarm = Alarm.objects.get()
    assert alarm.trigger_count == 2 and "校准/维护" in alarm.message
    evaluate_each(eng, store(pm25, ["30"], start=t0 + 2 * HOUR))
    assert Alarm.objects.get().status == AlarmStatus.OPEN  # one normal hour of two
    evaluate_each(eng, store(pm25, ["29"], start=t0 + 3 * HOUR))
    assert Alarm.objects.get().status == AlarmStatus.RESOLVED


def test_only_the_rules_checks_count(pm25):
    suspicious_rule(params={"checks": ["negative"]})
    evaluate_each(engine(), store(pm25, ["30", "0", "31"], start=recent_hour(), flag="C"))
    assert not Alarm.objects.exists()


def test_the_live_path_does_not_judge_window_checks_before_qc_flagged_them(pm25):
    """A live row without a point finding is undecided (the window job may still flag it): it neither clears an
    open alarm nor counts; the sweep's final verdict does."""
    suspicious_rule()
    t0 = recent_hour()
    eng = engine()
    eng.evaluate_observations(Resolution.HOUR, store(pm25, ["-1"], start=t0), final=False)
    assert Alarm.objects.get().status == AlarmStatus.OPEN  # a point flag is known at once
    rows = store(pm25, ["30"], start=t0 + HOUR)
    eng.evaluate_observations(Resolution.HOUR, rows, final=False)
    assert Alarm.objects.get().status == AlarmStatus.OPEN
    eng.evaluate_observations(Resolution.HOUR, rows, final=True)
    assert Alarm.objects.get().status == AlarmStatus.RESOLVED


def test_a_flat_line_found_by_the_window_job_raises_an_alarm_through_the_sweep(pm25):
    """QC's window job flags 12 hourly values within the tolerance as a flat line (monitoring/qc/rules.py
    AIR_WINDOW); the sweep runs behind it and judges those rows with their flags."""
    suspicious_rule()
    now = timezone.now()
    t0 = recent_hour(20)
    received = now - timedelta(minutes=30)
    store_observations(
        [ObservationRow(pm25, t0 + i * HOUR, value_text="42", device_flag="N") for i in range(13)],
        resolution=Resolution.HOUR,
        received_at=received,
    )
    sweep_observations(now)  # QC has not flagged them yet: the sweep waits for the window job
    assert not Alarm.objects.exists()
    evaluate_received(now)
    flags = HourObservation.objects.filter(series_id=pm25).values_list("qc_flags", flat=True)
    assert all(f & QCFlag.FLAT_LINE for f in flags)
    sweep_observations(now + timedelta(minutes=1))
    alarm = Alarm.objects.get()
    assert "恒值" in alarm.message and "数据卡滞" in alarm.message
    assert alarm.last_period == t0 + 12 * HOUR


def test_a_rule_without_resolution_watches_each_resolution_apart(pm25):
    suspicious_rule()
    t0 = recent_hour()
    eng = engine()
    eng.evaluate_observations(Resolution.HOUR, store(pm25, ["-2"], start=t0))
    minute_rows = store(pm25, ["-1"], start=t0, resolution=Resolution.MINUTE, step=timedelta(minutes=10))
    eng.evaluate_observations(Resolution.MINUTE, minute_rows)
    assert set(Alarm.objects.values_list("object_key", flat=True)) == {f"series:{pm25}/hour", f"series:{pm25}/minute"}


def test_read_helper_matches_the_sweep_layout(pm25):
    rows = store(pm25, ["1.5"], start=recent_hour())
    assert rows == read(pm25, rows[0][1], rows[0][1] + HOUR)
