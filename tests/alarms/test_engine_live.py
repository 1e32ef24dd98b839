"""The live path (evaluated right after commit, in the process that stored the data), the sweep that backs it up,
and concurrent evaluators that must never duplicate an alarm."""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from ecobrain.alarms.choices import OPEN_ALARM_STATES, AlarmEventKind, RuleKind
from ecobrain.alarms.engine import Engine, reset_engine
from ecobrain.alarms.engine.live import LiveEvaluator, live_evaluator
from ecobrain.alarms.engine.sweep import COMMIT_LAG, sweep_observations
from ecobrain.alarms.models import Alarm, AlarmEvent, EvaluationWatermark
from ecobrain.alarms.services.raising import AlarmTarget, raise_alarm
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.feed import CommittedRows
from ecobrain.monitoring.models import QCWatermark
from ecobrain.monitoring.services import ObservationRow, store_observations
from ecobrain.notifications.models import Notification
from tests.alarms.engine_fixtures import HOUR, emission_rule, gas_outlet, recent_hour, rule, store

THREADS = 6


@pytest.fixture
def fresh_engine(settings):
    """The live path on, and the process's engine empty (another test's rules must not linger in its index)."""
    settings.ALARMS_LIVE = True
    reset_engine()
    yield
    live_evaluator().wait_idle(10)
    reset_engine()


@pytest.mark.django_db(transaction=True)
def test_committed_observations_raise_an_alarm_without_the_sweep(fresh_engine, enterprise_in_qindu, handler):
    _, _, series = gas_outlet(enterprise_in_qindu, limit=35)
    emission_rule()
    t0 = recent_hour(3)
    with transaction.atomic():
        store_observations([ObservationRow(series, t0, value_text="57.3", device_flag="N")], resolution="hour")
        assert not live_evaluator().wait_idle(0.2) or not Alarm.objects.exists()  # nothing before the commit
    assert live_evaluator().wait_idle(10)
    alarm = Alarm.objects.get()
    assert alarm.last_value == 57.3 and alarm.first_period == t0
    assert Notification.objects.filter(recipient=handler, event_key=f"alarm:{alarm.pk}:opened").exists()
    assert not EvaluationWatermark.objects.exists()  # the sweep never ran


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_raises_nothing(fresh_engine, enterprise_in_qindu):
    _, _, series = gas_outlet(enterprise_in_qindu, limit=35)
    emission_rule()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        store_observations([ObservationRow(series, recent_hour(3), value_text="99")], resolution="hour")
        1 / 0  # noqa: B018
    assert live_evaluator().wait_idle(10)
    assert not Alarm.objects.exists()


@pytest.mark.django_db
def test_the_sweep_evaluates_what_the_live_path_did_not_see(enterprise_in_qindu):
    """With the live path off (or its queue full, or the storing process gone) the sweep raises the alarm from
    the rows' received time, once their commit lag has passed; a second sweep reads nothing again."""
    _, _, series = gas_outlet(enterprise_in_qindu, limit=35)
    emission_rule()
    now = timezone.now()
    QCWatermark.objects.create(resolution=Resolution.HOUR, received_until=now)
    store_observations(
        [
            ObservationRow(series, recent_hour(3), value_text="48"),
            ObservationRow(series, recent_hour(2), value_text="49"),
        ],
        resolution="hour",
        received_at=now - timedelta(minutes=1),
    )
    eng = Engine(refresh_seconds=0, open_refresh_seconds=0)
    assert sweep_observations(now, engine=eng).read.get(Resolution.HOUR) == 0  # younger than the commit lag
    assert not Alarm.objects.exists()
    later = now + COMMIT_LAG
    result = sweep_observations(later, engine=eng)
    assert result.read[Resolution.HOUR] == 2
    alarm = Alarm.objects.get()
    assert alarm.trigger_count == 2
    assert EvaluationWatermark.objects.get(source="obs:hour").until == later - COMMIT_LAG
    again = sweep_observations(later + timedelta(minutes=1), engine=Engine(refresh_seconds=0))
    assert again.read.get(Resolution.HOUR, 0) == 0
    assert Alarm.objects.get().trigger_count == 2


@pytest.mark.django_db
def test_the_sweep_does_not_reopen_what_another_process_opened_and_cleared(enterprise_in_qindu):
    """Process A (live) opened and cleared the alarm; process B's sweep reads the same two hours later."""
    _, _, series = gas_outlet(enterprise_in_qindu, limit=35)
    emission_rule()
    t0 = recent_hour(3)
    rows = store(series, ["48", "20"], start=t0)
    a = Engine(refresh_seconds=0, open_refresh_seconds=0)
    for row in rows:
        a.evaluate_observations(Resolution.HOUR, [row])
    assert Alarm.objects.get().status == "resolved"
    b = Engine(refresh_seconds=0, open_refresh_seconds=0)
    b.evaluate_observations(Resolution.HOUR, rows)
    assert Alarm.objects.count() == 1
    assert AlarmEvent.objects.filter(kind=AlarmEventKind.TRIGGERED).count() == 1


def test_a_full_live_queue_drops_to_the_sweep_and_logs(caplog):
    """The committing thread never waits for the evaluator: beyond the bound a batch is dropped and logged."""
    evaluator = LiveEvaluator(maxsize=2)
    evaluator._ensure_thread = lambda: None  # the evaluator thread is busy elsewhere: nothing is taken off
    batch = CommittedRows("hour", [(1, timezone.now(), None, "", {}, "", 0, 1, timezone.now())])
    with caplog.at_level(logging.WARNING, logger="ecobrain.alarms.engine.live"):
        accepted = [evaluator.submit(batch) for _ in range(5)]
    assert accepted == [True, True, False, False, False] and evaluator.dropped == 3
    assert caplog.text.count("alarms.sweep") == 1  # logged once a minute, not per batch


def _retrying(step, engine=None) -> int:
    """Run ``step()`` until it succeeds; returns the retries. The in-memory SQLite test database refuses a second
    writer at once ("database table is locked", no busy wait in shared-cache mode) where a file database waits:
    a refused evaluator tries again, as the sweep would. PostgreSQL needs no retry: its writers wait on the
    unique index."""
    for attempt in range(400):
        failed = engine.counts["failed"] if engine is not None else 0
        try:
            step()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
        else:
            if engine is None or engine.counts["failed"] == failed:
                return attempt
        time.sleep(random.uniform(0.002, 0.02))
    raise AssertionError("still locked after 400 attempts")


def _run_concurrently(work) -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run():
        try:
            work(barrier)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_engines_evaluating_the_same_exceedance_open_exactly_one_alarm(enterprise_in_qindu, handler):
    _, _, series = gas_outlet(enterprise_in_qindu, limit=35)
    emission_rule()
    rows = store(series, ["61", "62"], start=recent_hour(3))
    retries = []

    def work(barrier):
        engine = Engine(refresh_seconds=3600, open_refresh_seconds=3600)
        _retrying(engine.refresh)
        barrier.wait()
        retries.append(_retrying(lambda: engine.evaluate_observations(Resolution.HOUR, rows[:1]), engine))
        retries.append(_retrying(lambda: engine.evaluate_observations(Resolution.HOUR, rows), engine))

    assert _run_concurrently(work) == []
    if connection.vendor == "postgresql":
        assert sum(retries) == 0  # real concurrent transactions: the unique index made them wait, none failed
    alarm = Alarm.objects.get()
    assert alarm.status in OPEN_ALARM_STATES and alarm.trigger_count == 2 and alarm.last_value == 62
    assert alarm.events.filter(kind=AlarmEventKind.TRIGGERED).count() == 1
    assert Notification.objects.filter(recipient=handler).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_raises_of_one_object_make_one_alarm(qindu):
    water = rule(RuleKind.WATER_CLASS, name="断面")
    target = AlarmTarget(key="station:7", title="断面未达标", district_id=qindu.pk)
    t0, now = recent_hour(), timezone.now()

    def work(barrier):
        barrier.wait()
        for i in range(3):
            _retrying(lambda i=i: raise_alarm(water, target, value=4, threshold=3, period=t0 + i * HOUR, now=now))

    assert _run_concurrently(work) == []
    alarm = Alarm.objects.get()
    assert alarm.trigger_count == 3 and alarm.last_period == t0 + 2 * HOUR
