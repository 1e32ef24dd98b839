"""raise_alarm / clear_alarm: one open alarm per (rule, object), idempotent repeats, escalation, clearing a
dispatched alarm, and who is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from ecobrain.alarms.choices import AlarmEventKind, AlarmStatus, RuleKind, Severity
from ecobrain.alarms.models import Alarm
from ecobrain.alarms.services import raising
from ecobrain.alarms.services.raising import AlarmTarget, clear_alarm, raise_alarm
from ecobrain.core.models import Organisation
from ecobrain.notifications.models import Notification
from tests import factories
from tests.alarms.engine_fixtures import HOUR, recent_hour, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def water_rule(monitor):
    obj = rule(RuleKind.WATER_CLASS, name="断面水质")
    obj.recipients.set([monitor])
    return obj


@pytest.fixture
def target(qindu):
    return AlarmTarget(key="station:1", title="渭河 水质Ⅳ类，未达Ⅲ类目标", message="说明", district_id=qindu.pk)


def test_opening_writes_the_row_the_timeline_and_tells_recipients_and_the_district(
    water_rule, target, monitor, handler, qindu, binzhou
):
    branch_user = factories.user("branch", "district_handler")
    branch_user.organisation = Organisation.objects.get(code=f"{qindu.adcode}-branch")
    branch_user.save()
    city_handler = factories.user("cityhandler", "district_handler", districts=[qindu.parent])
    elsewhere = factories.user("elsewhere", "district_handler", districts=[binzhou])
    inactive = factories.user("gone", "district_handler", districts=[qindu])
    inactive.is_active = False
    inactive.save()
    now = timezone.now()
    result = raise_alarm(water_rule, target, value=4, threshold=3, period=recent_hour(), now=now)
    alarm = result.alarm
    assert result.created and alarm.status == AlarmStatus.OPEN and alarm.severity == Severity.WARNING
    assert (alarm.title, alarm.message, alarm.district_id) == (target.title, "说明", qindu.pk)
    assert alarm.triggered_at == alarm.last_triggered_at == now
    told = set(Notification.objects.filter(event_key=f"alarm:{alarm.pk}:opened").values_list("recipient", flat=True))
    assert told == {monitor.pk, handler.pk, branch_user.pk, city_handler.pk}
    assert elsewhere.pk not in told and inactive.pk not in told
    assert Notification.objects.get(recipient=monitor).severity == Severity.WARNING


def test_notify_district_off_tells_only_the_recipients(water_rule, target, monitor, handler):
    water_rule.notify_district = False
    water_rule.save()
    raise_alarm(water_rule, target, value=4, threshold=3, period=recent_hour(), now=timezone.now())
    assert set(Notification.objects.values_list("recipient", flat=True)) == {monitor.pk}


def test_a_repeat_updates_the_open_alarm_and_the_same_period_changes_nothing(water_rule, target):
    t0, now = recent_hour(), timezone.now()
    first = raise_alarm(water_rule, target, value=4, threshold=3, period=t0, now=now).alarm
    again = raise_alarm(water_rule, target, value=5, threshold=3, period=t0, now=now + HOUR)
    assert not again.created and not again.updated
    second = raise_alarm(water_rule, target, value=5, threshold=3, period=t0 + HOUR, now=now + 2 * HOUR)
    assert second.updated and second.alarm.pk == first.pk
    alarm = Alarm.objects.get()
    assert (alarm.trigger_count, alarm.last_value, alarm.peak_value, alarm.last_period) == (2, 5, 5, t0 + HOUR)
    assert alarm.events.filter(kind=AlarmEventKind.REPEATED).count() == 1  # an hour after the trigger
    assert Notification.objects.count() == 1  # the opening told the recipient; repeats tell nobody


def test_the_peak_is_the_value_farthest_from_the_threshold(water_rule, target):
    t0, now = recent_hour(), timezone.now()
    raise_alarm(water_rule, target, value=5.5, threshold=6, period=t0, now=now)  # pH below 6
    raise_alarm(water_rule, target, value=4.2, threshold=6, period=t0 + HOUR, now=now)
    raise_alarm(water_rule, target, value=5.8, threshold=6, period=t0 + 2 * HOUR, now=now)
    assert Alarm.objects.get().peak_value == 4.2


def test_a_higher_severity_escalates_and_tells_again(water_rule, target, monitor):
    t0, now = recent_hour(), timezone.now()
    alarm = raise_alarm(water_rule, target, value=4, threshold=3, period=t0, now=now).alarm
    result = raise_alarm(water_rule, target, value=5, threshold=3, period=t0 + HOUR, now=now, severity=Severity.SEVERE)
    assert result.escalated
    alarm.refresh_from_db()
    assert alarm.severity == Severity.SEVERE
    assert alarm.events.filter(kind=AlarmEventKind.ESCALATED).count() == 1
    assert Notification.objects.filter(event_key=f"alarm:{alarm.pk}:severity:{Severity.SEVERE}").count() == 1
    # A lower severity later does not lower it.
    raise_alarm(water_rule, target, value=5, threshold=3, period=t0 + 2 * HOUR, now=now, severity=Severity.INFO)
    alarm.refresh_from_db()
    assert alarm.severity == Severity.SEVERE


def test_clearing_resolves_an_open_or_acknowledged_alarm(water_rule, target):
    now = timezone.now()
    alarm = raise_alarm(water_rule, target, value=4, threshold=3, period=recent_hour(), now=now).alarm
    Alarm.objects.filter(pk=alarm.pk).update(status=AlarmStatus.ACKNOWLEDGED)
    cleared = clear_alarm(water_rule, target.key, now=now + HOUR, value=3)
    assert cleared.status == AlarmStatus.RESOLVED and cleared.cleared_at == now + HOUR
    assert cleared.events.filter(kind=AlarmEventKind.CLEARED).count() == 1
    assert clear_alarm(water_rule, target.key, now=now + 2 * HOUR) is None  # nothing open any more


def test_a_dispatched_alarm_only_records_the_clearing_and_a_new_trigger_reopens_its_condition(water_rule, target):
    t0, now = recent_hour(), timezone.now()
    alarm = raise_alarm(water_rule, target, value=4, threshold=3, period=t0, now=now).alarm
    Alarm.objects.filter(pk=alarm.pk).update(status=AlarmStatus.DISPATCHED)
    clear_alarm(water_rule, target.key, now=now + HOUR)
    clear_alarm(water_rule, target.key, now=now + 2 * HOUR)  # once only
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.DISPATCHED and alarm.cleared_at == now + HOUR
    assert alarm.events.filter(kind=AlarmEventKind.CLEARED).count() == 1
    raise_alarm(water_rule, target, value=5, threshold=3, period=t0 + 3 * HOUR, now=now + 3 * HOUR)
    alarm.refresh_from_db()
    assert alarm.cleared_at is None and alarm.trigger_count == 2 and Alarm.objects.count() == 1


def test_a_closed_alarm_is_not_reused(water_rule, target):
    t0, now = recent_hour(), timezone.now()
    alarm = raise_alarm(water_rule, target, value=4, threshold=3, period=t0, now=now).alarm
    Alarm.objects.filter(pk=alarm.pk).update(status=AlarmStatus.FALSE_ALARM)
    second = raise_alarm(water_rule, target, value=4, threshold=3, period=t0 + HOUR, now=now)
    assert second.created and second.alarm.pk != alarm.pk


def test_a_create_refused_by_the_unique_index_updates_the_row_another_evaluator_committed(
    water_rule, target, monkeypatch
):
    """What a concurrent evaluator sees: no open alarm when it looked, then the index refuses its insert."""
    t0, now = recent_hour(), timezone.now()
    existing = raise_alarm(water_rule, target, value=4, threshold=3, period=t0, now=now).alarm
    real = raising._open_alarm
    calls = []

    def first_blind(rule, key):
        calls.append(key)
        return None if len(calls) == 1 else real(rule, key)

    monkeypatch.setattr(raising, "_open_alarm", first_blind)
    result = raise_alarm(water_rule, target, value=6, threshold=3, period=t0 + HOUR, now=now)
    assert not result.created and result.alarm.pk == existing.pk
    assert Alarm.objects.get().trigger_count == 2


def test_the_unique_index_refuses_a_second_open_alarm(water_rule, target):
    raise_alarm(water_rule, target, value=4, threshold=3, period=recent_hour(), now=timezone.now())
    alarm = Alarm.objects.get()
    alarm.pk = None
    with pytest.raises(IntegrityError):
        alarm.save(force_insert=True)


def test_the_link_falls_back_to_the_literal_path(water_rule, target):
    alarm = raise_alarm(water_rule, target, value=4, threshold=3, period=recent_hour(), now=timezone.now()).alarm
    assert raising.alarm_link(alarm) == f"/alarms/{alarm.pk}/"


def test_repeat_events_wait_an_hour(water_rule, target):
    t0, now = recent_hour(), timezone.now()
    raise_alarm(water_rule, target, value=4, threshold=3, period=t0, now=now)
    for i in range(1, 6):
        raise_alarm(water_rule, target, value=4, threshold=3, period=t0 + i * HOUR, now=now + timedelta(minutes=10 * i))
    alarm = Alarm.objects.get()
    assert alarm.trigger_count == 6
    assert not alarm.events.filter(kind=AlarmEventKind.REPEATED).exists()
    raise_alarm(water_rule, target, value=4, threshold=3, period=t0 + 6 * HOUR, now=now + timedelta(minutes=61))
    assert alarm.events.filter(kind=AlarmEventKind.REPEATED).count() == 1
