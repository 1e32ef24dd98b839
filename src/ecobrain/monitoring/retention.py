"""Retention of the raw packet archive: delete packets received before a cut-off, in bounded batches."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from ecobrain.monitoring.models import ArchivedPacket

BATCH_SIZE = 5000
# One job run deletes at most this many batches (2.5 million packets, about 4 days of Xianyang's archive);
# a larger backlog (retention switched on or shortened) is worked off by the following runs.
MAX_BATCHES_PER_RUN = 500


def retention_cutoff(now: datetime) -> datetime | None:
    """Packets received before this go; None when ``ECOBRAIN_ARCHIVE_RETENTION_DAYS`` is 0 (keep forever)."""
    days = settings.ARCHIVE_RETENTION_DAYS
    return None if days == 0 else now - timedelta(days=days)


def count_archive_before(before: datetime) -> int:
    return ArchivedPacket.objects.filter(received_at__lt=before).count()


def purge_archive(before: datetime, *, batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> int:
    """Delete archived packets received before ``before``, oldest first; returns how many went.

    Each batch is its own short transaction (autocommit), found through the ``received_at`` index, so the
    gateway's writers are never held up for long and an interrupted purge keeps what it did.
    """
    if before.tzinfo is None:
        raise ValueError("purge_archive() needs an aware datetime")
    deleted = batches = 0
    while max_batches is None or batches < max_batches:
        ids = list(
            ArchivedPacket.objects.filter(received_at__lt=before)
            .order_by("received_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        count, _ = ArchivedPacket.objects.filter(pk__in=ids).delete()
        deleted += count
        batches += 1
    return deleted
