"""Emission exceedance: an outlet factor's hourly or daily value (converted where the limit says so) against its
limit, with consecutive counts, repeats, hysteresis, scope and the flags that make a value not judged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecobrain.alarms.choices import AlarmEventKind, AlarmStatus, RuleKind
from ecobrain.alarms.models import Alarm, AlarmEvent
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.completeness import day_bounds
from ecobrain.notifications.models import Notification
from ecobrain.registry.models import MonitoringFactor
from tests import factories
from tests.alarms.engine_fixtures import (
    HOUR,
    emission_rule,
    engine,
    evaluate_each,
    gas_outlet,
    recent_hour,
    series_of,
    store,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def so2(enterprise_in_qindu):
    """A boiler stack in 秦都区 with an SO2 hourly limit of 35 mg/m³ (GB 13223-2011 Table 1, gas-fired)."""
    return gas_outlet(enterprise_in_qindu, limit=35)


def test_an_hourly_exceedance_opens_one_alarm_with_its_facts(so2, handler, enterprise_in_qindu):
    outlet, device, series = so2
    rule = emission_rule()
    t0 = recent_hour()
    rows = store(series, ["20.5", "41.25"], start=t0)
    eng = engine()
    eng.evaluate_observations(Resolution.HOUR, rows)

    alarm = Alarm.objects.get()
    assert alarm.rule == rule and alarm.kind == RuleKind.EMISSION_EXCEEDANCE
    assert alarm.status == AlarmStatus.OPEN
    assert alarm.object_key == f"outlet:{outlet.pk}/factor:{MonitoringFactor.objects.get(code='a21026').pk}"
    assert (alarm.threshold, alarm.first_value, alarm.last_value, alarm.peak_value) == (35, 41.25, 41.25, 41.25)
    assert alarm.first_period == alarm.last_period == t0 + HOUR
    assert alarm.trigger_count == 1
    assert alarm.district_id == enterprise_in_qindu.district_id
    assert (alarm.enterprise, alarm.outlet, alarm.device, alarm.series_id) == (
        enterprise_in_qindu,
        outlet,
        device,
        series,
    )
    assert alarm.resolution == Resolution.HOUR
    assert "超标" in alarm.title and "DA001" in alarm.title
    assert "41.25" in alarm.message and "GB 13223-2011" in alarm.message
    assert list(alarm.events.values_list("kind", flat=True)) == [AlarmEventKind.TRIGGERED]
    # The district's handler is told, with a link to the alarm.
    note = Notification.objects.get(recipient=handler)
    assert note.event_key == f"alarm:{alarm.pk}:opened" and note.link == f"/alarms/{alarm.pk}/"


def test_consecutive_periods_are_needed_before_an_alarm_opens(so2):
    _, _, series = so2
    emission_rule(consecutive=3)
    t0 = recent_hour()
    eng = engine()
    evaluate_each(eng, store(series, ["40", "41", "30", "42", "43"], start=t0))
    assert not Alarm.objects.exists()  # 2 in a row, a normal hour, 2 in a row
    evaluate_each(eng, store(series, ["44"], start=t0 + 5 * HOUR))
    alarm = Alarm.objects.get()
    assert alarm.first_period == t0 + 3 * HOUR and alarm.last_period == t0 + 5 * HOUR
    assert (alarm.trigger_count, alarm.first_value, alarm.peak_value) == (3, 42, 44)


def test_evaluating_the_same_observation_again_does_not_count_it_twice(so2):
    _, _, series = so2
    emission_rule(consecutive=2)
    t0 = recent_hour()
    rows = store(series, ["40"], start=t0)
    eng = engine()
    for _ in range(3):
        eng.evaluate_observations(Resolution.HOUR, rows)
    engine().evaluate_observations(Resolution.HOUR, rows)  # another process, cold
    assert not Alarm.objects.exists()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["41"], start=t0 + HOUR))
    assert Alarm.objects.get().trigger_count == 2


def test_repeats_update_the_alarm_and_the_timeline_at_most_hourly(so2):
    _, _, series = so2
    emission_rule()
    t0 = recent_hour()
    rows = store(series, ["40", "52", "45", "47"], start=t0)
    eng = engine()
    now = timezone.now()
    for minutes, row in zip((0, 10, 20, 75), rows, strict=True):
        eng.evaluate_observations(Resolution.HOUR, [row], now=now + timedelta(minutes=minutes))
    alarm = Alarm.objects.get()
    assert (alarm.trigger_count, alarm.first_value, alarm.last_value, alarm.peak_value) == (4, 40, 47, 52)
    assert alarm.last_period == t0 + 3 * HOUR
    assert alarm.last_triggered_at == now + timedelta(minutes=75)
    kinds = list(alarm.events.order_by("at").values_list("kind", flat=True))
    assert kinds == [AlarmEventKind.TRIGGERED, AlarmEventKind.REPEATED]  # not one row per observation
    # One batch with several exceeding hours is one update of the row.
    eng.evaluate_observations(Resolution.HOUR, store(series, ["48", "49"], start=t0 + 4 * HOUR))
    assert Alarm.objects.get().trigger_count == 6


def test_the_alarm_clears_below_the_hysteresis_band_after_clear_after_periods(so2):
    _, _, series = so2
    emission_rule(clear_after=2, params={"hysteresis": 0.1})  # normal again at ≤ 31.5
    t0 = recent_hour()
    eng = engine()
    evaluate_each(eng, store(series, ["40", "33", "34"], start=t0))
    assert Alarm.objects.get().status == AlarmStatus.OPEN  # 33 and 34 are in the band: it holds
    evaluate_each(eng, store(series, ["30", "33", "30"], start=t0 + 3 * HOUR))
    assert Alarm.objects.get().status == AlarmStatus.OPEN  # the band broke the run of normal hours
    evaluate_each(eng, store(series, ["31.5"], start=t0 + 6 * HOUR))
    alarm = Alarm.objects.get()
    assert alarm.status == AlarmStatus.RESOLVED and alarm.cleared_at is not None
    assert alarm.events.filter(kind=AlarmEventKind.CLEARED).count() == 1
    # A new exceedance afterwards is a new alarm.
    evaluate_each(eng, store(series, ["36"], start=t0 + 7 * HOUR))
    assert Alarm.objects.filter(status=AlarmStatus.OPEN).count() == 1
    assert Alarm.objects.count() == 2


def test_the_converted_value_is_judged_when_the_limit_requires_it(enterprise_in_qindu):
    _, _, series = gas_outlet(enterprise_in_qindu, uses_converted_value=True)
    emission_rule()
    t0 = recent_hour()
    eng = engine()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["30"], start=t0, stats={"ZsAvg": "36.2"}))
    assert Alarm.objects.get().last_value == 36.2
    Alarm.objects.all().delete()
    other = gas_outlet(enterprise_in_qindu, code="DA002", uses_converted_value=True)[2]
    eng.evaluate_observations(Resolution.HOUR, store(other, ["80"], start=t0))  # no ZsAvg: not judged
    assert not Alarm.objects.exists()


def test_a_range_limit_alarms_on_either_side(enterprise_in_qindu):
    """pH 6–9 (GB 8978-1996 Table 4): a daily limit, judged on day data, threshold the end it broke."""
    out = factories.outlet(enterprise_in_qindu, code="DW001", kind="water")
    factories.outlet_factor(out, "w01001", limit_min=6, limit_value=9, limit_basis="daily", standard="GB 8978-1996")
    device = factories.device(outlet=out)
    series = series_of(device, "w01001")
    emission_rule()
    day = day_bounds(timezone.localdate() - timedelta(days=1))[0]
    eng = engine()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["5.1"], start=day))  # hour data: not the basis
    assert not Alarm.objects.exists()
    eng.evaluate_observations(Resolution.DAY, store(series, ["5.5"], start=day, resolution=Resolution.DAY))
    alarm = Alarm.objects.get()
    assert (alarm.threshold, alarm.last_value) == (6, 5.5)
    assert "6–9" in alarm.message


def test_flags_that_make_a_value_invalid_are_not_judged(so2):
    _, _, series = so2
    emission_rule()
    t0 = recent_hour()
    eng = engine()
    for offset, flag in enumerate(("F", "D", "M", "C")):
        eng.evaluate_observations(Resolution.HOUR, store(series, ["90"], start=t0 + offset * HOUR, flag=flag))
    assert not Alarm.objects.exists()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["87.5"], start=t0 + 4 * HOUR, flag="T"))
    assert Alarm.objects.get().last_value == 87.5  # above the analyser's range: at least that high


def test_out_of_scope_rules_do_not_fire(so2, binzhou):
    _, _, series = so2
    emission_rule(district=binzhou)
    emission_rule(name="NO2", factor=MonitoringFactor.objects.get(code="a21004"))
    emission_rule(name="日均", resolution=Resolution.DAY)
    eng = engine()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["99"], start=recent_hour()))
    assert not Alarm.objects.exists()


def test_a_rule_on_the_district_or_the_city_covers_the_outlet(so2, qindu):
    _, _, series = so2
    emission_rule(name="秦都", district=qindu)
    emission_rule(name="全市", district=qindu.parent)
    engine().evaluate_observations(Resolution.HOUR, store(series, ["99"], start=recent_hour()))
    assert Alarm.objects.count() == 2


def test_a_disabled_rule_stops(so2):
    _, _, series = so2
    rule = emission_rule()
    t0 = recent_hour()
    eng = engine()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["40"], start=t0))
    rule.enabled = False
    rule.save()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["50", "20", "20"], start=t0 + HOUR))
    alarm = Alarm.objects.get()
    assert (alarm.trigger_count, alarm.status) == (1, AlarmStatus.OPEN)  # no repeat, no clear: the rule stopped
    assert AlarmEvent.objects.count() == 1


def test_data_older_than_the_max_age_raise_nothing(so2, settings):
    _, _, series = so2
    emission_rule()
    engine().evaluate_observations(Resolution.HOUR, store(series, ["99"], start=recent_hour(24 * 4)))
    assert not Alarm.objects.exists()


def test_raising_the_rules_severity_escalates_its_open_alarm_at_the_next_trigger(so2, handler):
    from ecobrain.alarms.choices import Severity

    _, _, series = so2
    rule = emission_rule(severity=Severity.WARNING)
    t0 = recent_hour()
    eng = engine()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["40"], start=t0))
    rule.severity = Severity.CRITICAL
    rule.save()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["41"], start=t0 + HOUR))
    alarm = Alarm.objects.get()
    assert alarm.severity == Severity.CRITICAL and alarm.trigger_count == 2
    assert alarm.events.filter(kind=AlarmEventKind.ESCALATED).count() == 1
    assert Notification.objects.filter(recipient=handler, event_key=f"alarm:{alarm.pk}:severity:4").exists()
