"""Retention of the raw packet archive: a daily job and ``ecobrain archive purge``, in bounded batches.

Persona: the operator who keeps the archive's disk use in check, and must not lose packets by accident.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ecobrain.core.jobs import run_job
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket
from ecobrain.monitoring.retention import purge_archive

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 China time


def archive(*ages_in_days: float) -> list[ArchivedPacket]:
    return ArchivedPacket.objects.bulk_create(
        [
            ArchivedPacket(raw=b"##0000", received_at=NOW - timedelta(days=age), outcome=PacketOutcome.DECODE_ERROR)
            for age in ages_in_days
        ]
    )


def ages() -> list[float]:
    return sorted(
        (NOW - t).total_seconds() / 86400 for t in ArchivedPacket.objects.values_list("received_at", flat=True)
    )


def test_the_job_deletes_packets_older_than_the_retention(db, settings):
    settings.ARCHIVE_RETENTION_DAYS = 400
    archive(1, 399.9, 400.1, 800)
    assert run_job("monitoring.archive_retention", now=NOW).startswith("deleted 2 packets received before")
    assert ages() == [1, 399.9]


def test_zero_retention_keeps_everything(db, settings):
    settings.ARCHIVE_RETENTION_DAYS = 0
    archive(1, 5000)
    assert run_job("monitoring.archive_retention", now=NOW) == "retention off (ECOBRAIN_ARCHIVE_RETENTION_DAYS=0)"
    assert len(ages()) == 2
    with pytest.raises(CommandError, match="keep the archive forever"):
        call_command("archive", "purge")


def test_purge_works_in_bounded_batches_oldest_first(db, django_assert_max_num_queries):
    archive(*range(10, 35))
    with django_assert_max_num_queries(2 * 3 + 1):  # per batch: select ids, delete; then the empty select
        assert purge_archive(NOW - timedelta(days=20), batch_size=5) == 14  # ages 21 … 34
    assert ages() == list(range(10, 21))
    assert purge_archive(NOW - timedelta(days=5), batch_size=3, max_batches=2) == 6  # the oldest six
    assert ages() == list(range(10, 15))


def test_the_command_purges_before_a_china_day_and_can_dry_run(db, capsys):
    day = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 2026-11-21 00:00 China time
    ArchivedPacket.objects.bulk_create(
        [
            ArchivedPacket(raw=b"x", received_at=day - timedelta(seconds=1), outcome=PacketOutcome.DECODE_ERROR),
            ArchivedPacket(raw=b"y", received_at=day, outcome=PacketOutcome.DECODE_ERROR),
        ]
    )
    call_command("archive", "purge", "--before", "2026-11-21", "--dry-run")
    assert (
        capsys.readouterr().out.strip() == "would delete 1 archived packets received before 2026-11-21T00:00:00+08:00"
    )
    assert ArchivedPacket.objects.count() == 2
    call_command("archive", "purge", "--before", "2026-11-21")
    assert capsys.readouterr().out.strip() == "deleted 1 archived packets received before 2026-11-21T00:00:00+08:00"
    assert bytes(ArchivedPacket.objects.get().raw) == b"y"
    with pytest.raises(CommandError, match="not a date"):
        call_command("archive", "purge", "--before", "last week")


def test_the_default_cutoff_is_the_retention(db, settings, capsys):
    settings.ARCHIVE_RETENTION_DAYS = 30
    now = datetime.now(UTC)
    ArchivedPacket.objects.bulk_create(
        [
            ArchivedPacket(raw=b"old", received_at=now - timedelta(days=31), outcome=PacketOutcome.STORED),
            ArchivedPacket(raw=b"new", received_at=now - timedelta(days=29), outcome=PacketOutcome.STORED),
        ]
    )
    call_command("archive", "purge")
    assert capsys.readouterr().out.startswith("deleted 1 archived packets received before")
    assert bytes(ArchivedPacket.objects.get().raw) == b"new"
