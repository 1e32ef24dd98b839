"""Periodic jobs on a database-backed schedule (ARCHITECTURE.md decision 7: no broker until load asks for one).

Each app declares its jobs in its own ``jobs.py``::

    from ecobrain.core.jobs import periodic

    @periodic("ingest.mark_offline", every=60, description="设备离线判定")
    def mark_offline_devices(now: datetime) -> str:
        ...
        return "3 devices offline"      # a short summary, kept as the job's last result

A :class:`Scheduler` (run by ``ecobrain worker`` and inside ``ecobrain serve``) wakes every ``tick`` seconds
and runs each job that is due. Several schedulers may run at once (one per worker process): a job is claimed
with one conditional ``UPDATE`` on its :class:`~ecobrain.core.models.JobRun` row, so exactly one process runs
each due occurrence. A job that raises is logged and recorded; the schedule goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

JobFunc = Callable[[datetime], object]


@dataclass(frozen=True)
class Job:
    """A periodic job: ``func(now)`` every ``every`` seconds."""

    name: str
    every: float
    func: JobFunc
    description: str = ""


JOBS: dict[str, Job] = {}


def periodic(name: str, *, every: float, description: str = "") -> Callable[[JobFunc], JobFunc]:
    """Register ``func(now)`` as the job ``name``, run every ``every`` seconds; returns ``func`` unchanged."""
    if every <= 0:
        raise ValueError(f"job {name}: every must be > 0 seconds")

    def register(func: JobFunc) -> JobFunc:
        existing = JOBS.get(name)
        # The same function registered again (its module imported twice) is fine; another function is not.
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"two jobs are named {name!r}")
        JOBS[name] = Job(name, float(every), func, description)
        return func

    return register


def discover() -> dict[str, Job]:
    """Import every installed app's ``jobs`` module; returns the registry."""
    autodiscover_modules("jobs")
    return JOBS


def run_job(name: str, now: datetime | None = None) -> str:
    """Run one job now, whatever its schedule (``ecobrain jobs run NAME``); records the outcome; re-raises."""
    from ecobrain.core.models import JobRun

    job = discover().get(name)
    if job is None:
        raise KeyError(f"no job named {name!r}; known: {', '.join(sorted(JOBS)) or 'none'}")
    now = now or timezone.now()
    JobRun.objects.get_or_create(name=name, defaults={"next_run_at": now})
    JobRun.objects.filter(name=name).update(last_started_at=now)
    return _execute(job, now)


def claim_due(now: datetime) -> list[Job]:
    """The jobs due at ``now`` that this process claimed (moving their next run on by ``every``)."""
    from ecobrain.core.models import JobRun

    jobs = discover()
    known = set(JobRun.objects.filter(name__in=list(jobs)).values_list("name", flat=True))
    missing = [JobRun(name=name, next_run_at=now) for name in jobs if name not in known]
    if missing:
        JobRun.objects.bulk_create(missing, ignore_conflicts=True)
    due = JobRun.objects.filter(name__in=list(jobs), next_run_at__lte=now).values_list("name", "next_run_at")
    claimed = []
    for name, next_run_at in due:
        job = jobs[name]
        # Compare-and-set on next_run_at: another scheduler that claimed the same occurrence moved it already.
        won = JobRun.objects.filter(name=name, next_run_at=next_run_at).update(
            next_run_at=now + timedelta(seconds=job.every), last_started_at=now
        )
        if won:
            claimed.append(job)
    return claimed


def _execute(job: Job, now: datetime) -> str:
    from ecobrain.core.models import JobRun

    started = time.monotonic()
    try:
        result = job.func(now)
    except Exception as exc:
        logger.exception("job %s failed", job.name)
        JobRun.objects.filter(name=job.name).update(
            last_finished_at=timezone.now(),
            last_ok=False,
            last_result=f"{type(exc).__name__}: {exc}"[:2000],
            last_seconds=time.monotonic() - started,
        )
        raise
    summary = "" if result is None else str(result)[:2000]
    JobRun.objects.filter(name=job.name).update(
        last_finished_at=timezone.now(), last_ok=True, last_result=summary, last_seconds=time.monotonic() - started
    )
    return summary


def run_due(now: datetime | None = None) -> dict[str, str]:
    """One scheduler pass: run every due job this process claims; a failing job does not stop the others."""
    now = now or timezone.now()
    outcomes: dict[str, str] = {}
    for job in claim_due(now):
        try:
            outcomes[job.name] = _execute(job, now)
        except Exception as exc:
            outcomes[job.name] = f"failed: {type(exc).__name__}"
    return outcomes


class Scheduler:
    """Runs :func:`run_due` every ``tick`` seconds in a thread (``start``/``stop``) or in the foreground (``run``)."""

    def __init__(self, *, tick: float = 5.0) -> None:
        self.tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        try:
            while not self._stop.is_set():
                close_old_connections()
                try:
                    run_due()
                except Exception:  # the database may be away for a moment; try again next tick
                    logger.exception("scheduler pass failed")
                self._stop.wait(self.tick)
        finally:
            connections.close_all()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="ecobrain-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
