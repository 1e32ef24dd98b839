"""Periodic jobs: registration, one claim per due occurrence across schedulers, failures recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from ecobrain.core import jobs
from ecobrain.core.models import JobRun

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def registry(monkeypatch):
    """An isolated job registry with one counting job and one failing job."""
    monkeypatch.setattr(jobs, "JOBS", {})
    monkeypatch.setattr(jobs, "autodiscover_modules", lambda *_: None)
    calls = []

    @jobs.periodic("test.count", every=60)
    def count(now):
        calls.append(now)
        return f"run {len(calls)}"

    @jobs.periodic("test.fail", every=30)
    def fail(now):
        raise RuntimeError("boom")

    return calls


def test_a_due_job_runs_once_per_interval_even_with_two_schedulers(db, registry):
    assert jobs.run_due(T0)["test.count"] == "run 1"
    assert jobs.run_due(T0) == {}  # the second scheduler at the same instant finds nothing due
    assert "test.count" not in jobs.run_due(T0 + timedelta(seconds=59))
    assert jobs.run_due(T0 + timedelta(seconds=60))["test.count"] == "run 2"
    assert registry == [T0, T0 + timedelta(seconds=60)]
    run = JobRun.objects.get(name="test.count")
    assert run.last_ok is True and run.last_result == "run 2"
    assert run.next_run_at == T0 + timedelta(seconds=120)


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(db, registry):
    outcomes = jobs.run_due(T0)
    assert outcomes["test.fail"] == "failed: RuntimeError"
    assert outcomes["test.count"] == "run 1"
    run = JobRun.objects.get(name="test.fail")
    assert run.last_ok is False and "boom" in run.last_result


def test_two_jobs_with_one_name_are_refused(registry):
    with pytest.raises(ValueError, match="two jobs"):

        @jobs.periodic("test.count", every=5)
        def other(now):
            return None


def test_jobs_command_lists_and_runs(db, registry, capsys):
    call_command("jobs", "run", "test.count")
    call_command("jobs", "list")
    out = capsys.readouterr().out
    assert "run 1" in out and "test.fail" in out and "every      60s" in out
