"""Storing valid rows: series resolved (and created on first sight), idempotent upserts, one transaction per call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.ingest.documents.parse import Record, RowError
from ecobrain.ingest.documents.validate import Scope, Validator, ValidRow
from ecobrain.monitoring.models import Series
from ecobrain.monitoring.services import ObservationRow, StoreResult, ensure_series, store_observations

# Rows one HTTP request or MQTT message may carry; larger batches go through `ecobrain import` or several calls.
MAX_ROWS_PER_CALL = 10_000
# Errors listed in an answer; the rest are counted in ``errors_omitted``.
ERRORS_LISTED = 100


@dataclass
class IngestReport:
    """Counts of one import: every row given is inserted, updated or rejected (with an error saying why)."""

    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.rejected += other.rejected
        self.errors.extend(other.errors)

    def as_json(self, limit: int = ERRORS_LISTED) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "rejected": self.rejected,
            "errors": [error.as_dict() for error in self.errors[:limit]],
            "errors_omitted": max(0, len(self.errors) - limit),
        }


class SeriesCache:
    """(device id, factor id) → series id, kept across batches; series ids never change once created."""

    def __init__(self) -> None:
        self._ids: dict[tuple[int, int], int] = {}

    def clear(self) -> None:
        """Forget everything (after a rollback, series created in it are gone)."""
        self._ids.clear()

    def resolve(self, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
        missing = pairs - self._ids.keys()
        if missing:
            devices = {device for device, _ in missing}
            factors = {factor for _, factor in missing}
            found = Series.objects.filter(Q(device_id__in=devices) & Q(factor_id__in=factors)).order_by()
            for device_id, factor_id, pk in found.values_list("device_id", "factor_id", "pk"):
                self._ids[(device_id, factor_id)] = pk
            by_device: dict[int, set[int]] = defaultdict(set)
            for device_id, factor_id in missing - self._ids.keys():
                by_device[device_id].add(factor_id)
            for device_id, factor_ids in by_device.items():
                for factor_id, pk in ensure_series(device_id, factor_ids).items():
                    self._ids[(device_id, factor_id)] = pk
        return {pair: self._ids[pair] for pair in pairs}


def write_rows(rows: list[ValidRow], *, series: SeriesCache, received_at: datetime | None = None) -> StoreResult:
    """Upsert ``rows`` in one transaction. A key given twice is written twice, in order: the later row updates
    the earlier one and counts a revision, exactly as if it had been sent separately (none is dropped)."""
    if not rows:
        return StoreResult()
    received_at = received_at or timezone.now()
    inserted = updated = 0
    try:
        with transaction.atomic():
            ids = series.resolve({(row.device_id, row.factor_id) for row in rows})
            for chunk in _unique_chunks(rows):
                by_resolution: dict[str, list[ObservationRow]] = defaultdict(list)
                for row in chunk:
                    by_resolution[row.resolution].append(
                        ObservationRow(
                            series_id=ids[(row.device_id, row.factor_id)],
                            period_start=row.period_start,
                            value_text=row.value_text,
                            stats=row.stats,
                            device_flag=row.device_flag,
                        )
                    )
                for resolution, observations in by_resolution.items():
                    result = store_observations(observations, resolution=resolution, received_at=received_at)
                    inserted += result.inserted
                    updated += result.updated
    except Exception:
        series.clear()  # series created inside the rolled-back transaction no longer exist
        raise
    return StoreResult(inserted=inserted, updated=updated)


def _unique_chunks(rows: list[ValidRow]) -> Iterable[list[ValidRow]]:
    chunk: list[ValidRow] = []
    seen: set[tuple] = set()
    for row in rows:
        if row.key in seen:
            yield chunk
            chunk, seen = [], set()
        chunk.append(row)
        seen.add(row.key)
    if chunk:
        yield chunk


def ingest_records(
    records: Iterable[Record],
    *,
    scope: Scope,
    default_mn: str | None = None,
    default_resolution: str | None = None,
    max_rows: int | None = MAX_ROWS_PER_CALL,
    now: datetime | None = None,
) -> IngestReport:
    """Validate ``records`` and store the valid rows in one transaction; report the rest row by row.

    The HTTP endpoint and MQTT documents call this (bounded by ``max_rows``); ``ecobrain import`` streams
    through :class:`Validator` and :func:`write_rows` in batches instead.
    """
    records = list(records)
    report = IngestReport()
    total = sum(record.size for record in records)
    if max_rows is not None and total > max_rows:
        report.rejected = total
        message = _("本次提交 %(count)d 行，超过上限 %(limit)d 行：全部未入库，请分批提交。") % {
            "count": total,
            "limit": max_rows,
        }
        report.errors.append(RowError(None, "rows", message))
        return report
    validator = Validator(scope, default_mn=default_mn, default_resolution=default_resolution, now=now)
    validator.prefetch(records)
    valid: list[ValidRow] = []
    for record in records:
        rows, errors, rejected = validator.validate(record)
        valid.extend(rows)
        report.errors.extend(errors)
        report.rejected += rejected
    stored = write_rows(valid, series=SeriesCache(), received_at=now)
    report.inserted, report.updated = stored.inserted, stored.updated
    return report
