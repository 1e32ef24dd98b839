"""The engine's index (rules and registry read again when their version moves, nothing read on a warm batch), the
observation feed, the default rules and the periodic jobs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from ecobrain.alarms.choices import RuleKind
from ecobrain.alarms.engine import Engine
from ecobrain.alarms.models import Alarm, AlarmRule
from ecobrain.alarms.services.defaults import DEFAULT_RULES, ensure_default_rules
from ecobrain.core.jobs import JOBS, discover, run_job
from ecobrain.monitoring import feed
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.services import ObservationRow, store_observations
from ecobrain.registry.models import OutletFactor
from tests.alarms.engine_fixtures import HOUR, emission_rule, gas_outlet, recent_hour, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def so2(enterprise_in_qindu):
    return gas_outlet(enterprise_in_qindu, limit=35)


def test_a_warm_batch_without_transitions_reads_nothing(so2, django_assert_num_queries):
    _, _, series = so2
    emission_rule()
    t0 = recent_hour()
    eng = Engine(refresh_seconds=3600, open_refresh_seconds=3600)
    eng.evaluate_observations(Resolution.HOUR, store(series, ["20"], start=t0))  # builds the index, binds the series
    rows = store(series, ["21", "22"], start=t0 + HOUR)
    with django_assert_num_queries(0):
        eng.evaluate_observations(Resolution.HOUR, rows)


def test_a_new_rule_and_a_changed_limit_are_picked_up_at_the_next_version_check(so2):
    outlet, _, series = so2
    t0 = recent_hour()
    eng = Engine(refresh_seconds=0, open_refresh_seconds=0)
    eng.evaluate_observations(Resolution.HOUR, store(series, ["30"], start=t0))
    emission_rule()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["30"], start=t0 + HOUR))
    assert not Alarm.objects.exists()  # 30 is within 35
    limit = OutletFactor.objects.get(outlet=outlet)
    limit.limit_value = 25
    limit.save()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["30"], start=t0 + 2 * HOUR))
    assert Alarm.objects.get().threshold == 25


def test_between_version_checks_the_index_is_not_read_again(so2):
    _, _, series = so2
    t0 = recent_hour()
    eng = Engine(refresh_seconds=3600, open_refresh_seconds=3600)
    eng.evaluate_observations(Resolution.HOUR, store(series, ["20"], start=t0))
    emission_rule()
    eng.evaluate_observations(Resolution.HOUR, store(series, ["50"], start=t0 + HOUR))
    assert not Alarm.objects.exists()  # the rule exists for the engine only after its next check
    eng.refresh(force=True)
    eng.evaluate_observations(Resolution.HOUR, store(series, ["50"], start=t0 + 2 * HOUR))
    assert Alarm.objects.count() == 1


def test_the_feed_publishes_committed_rows_only_to_subscribers(so2, django_capture_on_commit_callbacks):
    """(The live evaluator is off in tests: this listener is the only active subscriber.)"""
    _, _, series = so2
    received = []

    def listener(batch):
        received.append(batch)

    feed.subscribe(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            store_observations([ObservationRow(series, recent_hour(), value_text="12.5")], resolution="hour")
        with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
            store_observations([ObservationRow(series, recent_hour(1), value_text="1")], resolution="minute")
    finally:
        feed.unsubscribe(listener)
    (batch,) = [b for b in received if b.resolution == "hour"]
    (row,) = batch.rows
    assert row[feed.ROW_SERIES] == series and str(row[feed.ROW_VALUE]) == "12.500000"
    assert row[feed.ROW_PERIOD] == recent_hour() and row[feed.ROW_TEXT] == "12.5"
    assert len(callbacks) >= 1  # queued for the commit, not called before it


def test_no_active_subscriber_means_no_commit_callback(so2, settings, django_capture_on_commit_callbacks):
    """ECOBRAIN_ALARMS_LIVE=0: the alarms app's subscriber is inactive, so no row is held until the commit."""
    _, _, series = so2
    settings.ALARMS_LIVE = False
    assert not feed.has_subscribers()
    with django_capture_on_commit_callbacks() as callbacks:
        store_observations([ObservationRow(series, recent_hour(), value_text="1")], resolution="hour")
    assert callbacks == []
    settings.ALARMS_LIVE = True
    assert feed.has_subscribers()
    with django_capture_on_commit_callbacks() as callbacks:
        store_observations([ObservationRow(series, recent_hour(), value_text="2")], resolution="hour")
    assert len(callbacks) == 1


def test_default_rules_are_created_once_and_an_operators_change_is_kept():
    created = ensure_default_rules()
    assert len(created) == len(DEFAULT_RULES)
    kinds = set(AlarmRule.objects.values_list("kind", flat=True))
    assert kinds == set(RuleKind.values)
    offline = AlarmRule.objects.get(kind=RuleKind.DEVICE_OFFLINE)
    offline.params = {"missed_intervals": 5}
    offline.enabled = False
    offline.save()
    assert ensure_default_rules() == []
    offline.refresh_from_db()
    assert offline.params == {"missed_intervals": 5} and not offline.enabled
    aqi = AlarmRule.objects.get(name="站点AQI重度污染")
    assert aqi.params["threshold"] == 200  # HJ 633: AQI above 200 is level V, heavy pollution (standards.md §2.5)
    assert AlarmRule.objects.get(kind=RuleKind.LOW_COMPLETENESS).params["min_rate"] == 0.9  # standards.md §8


def test_the_demo_setup_creates_the_default_rules(monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr("ecobrain.registry.demo.load_demo_registry", lambda seed: {"created": 0})
    monkeypatch.setattr("ecobrain.accounts.demo.create_demo_users", lambda: [])
    monkeypatch.setattr("ecobrain.core.management.commands.demo.call_command", lambda *a, **k: None)
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert AlarmRule.objects.count() == len(DEFAULT_RULES)
    assert "default rules created" in out.getvalue()


def test_the_jobs_are_registered_and_run(so2):
    discover()
    assert {"alarms.sweep", "alarms.offline", "alarms.assessment"} <= set(JOBS)
    ensure_default_rules()
    assert "device checks" in run_job("alarms.offline")
    assert run_job("alarms.sweep")
    assert run_job("alarms.assessment")
