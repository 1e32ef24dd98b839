"""Window QC over stored rows (flat line, stuck value, spike), incremental by a received-at watermark.

Every read is bounded by series and time: for each series with rows received since the last run, the rows
between the first and last new period (in chunks) plus 2K rows either side, where K is the rule's widest
window (``checks.context_size``). A row's window flags depend only on the K−1 values either side of it, so
the rows within K−1 of a new row are re-evaluated exactly and nothing else can change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Max, Min

from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.models import OBSERVATION_MODELS, QCWatermark
from ecobrain.monitoring.qc import series_rules
from ecobrain.monitoring.qc.checks import WINDOW_FLAGS, context_size, typical_interval, window_flags
from ecobrain.monitoring.qc.rules import FactorRule

logger = logging.getLogger(__name__)

# Minute and hour data get window checks. Real-time data (unknown, irregular intervals, the bulk of the
# volume) and day data (one value a day, derived from hours) do not.
WINDOW_RESOLUTIONS = (Resolution.MINUTE, Resolution.HOUR)
NOMINAL_INTERVAL = {Resolution.HOUR: timedelta(hours=1), Resolution.DAY: timedelta(days=1)}
DEFAULT_MINUTE_INTERVAL = timedelta(minutes=10)  # HJ 212 minute data: 10 min unless the series shows another
CHUNK_ROWS = 5000
# Rows are read only once they are this old: a writer's transaction that stamped received_at just before the
# cut may commit a moment later (group commit takes milliseconds; a busy SQLite can hold it for seconds).
COMMIT_LAG = timedelta(minutes=2)
# One run evaluates at most this much received time per resolution, so a backlog (first run on an old
# database, a long outage of the worker) is worked off over several runs instead of one unbounded one.
MAX_SPAN = timedelta(hours=6)
_KEEP = 0x7FFF & ~WINDOW_FLAGS
_FIELDS = ("pk", "period_start", "value", "qc_flags")


@dataclass
class WindowResult:
    series: int = 0
    rows_read: int = 0
    rows_changed: int = 0

    def add(self, other: WindowResult) -> None:
        self.series += other.series
        self.rows_read += other.rows_read
        self.rows_changed += other.rows_changed


def evaluate_series(
    resolution: str, series_id: int, start: datetime, end: datetime, *, rule: FactorRule | None = None
) -> WindowResult:
    """Re-evaluate the window flags of one series around its rows with ``start <= period_start <= end``."""
    if rule is None:
        rule = series_rules([series_id]).get(series_id)
    result = WindowResult(series=1)
    if rule is None or not rule.has_window_checks:
        return result
    model = OBSERVATION_MODELS[resolution]
    rows = model.objects.filter(series_id=series_id, value__isnull=False).order_by()
    nominal = NOMINAL_INTERVAL.get(resolution)
    interval = nominal or DEFAULT_MINUTE_INTERVAL
    k = context_size(rule, interval)
    before = _rows(rows.filter(period_start__lt=start).order_by("-period_start")[: 2 * k])[::-1]
    result.rows_read += len(before)
    series_start = len(before) < 2 * k  # nothing further back exists
    lower = rows.filter(period_start__gte=start)
    while True:
        chunk = _rows(lower.filter(period_start__lte=end).order_by("period_start")[:CHUNK_ROWS])
        if nominal is None:  # minute data: the series' own interval, which may widen the context
            interval = typical_interval([r[1] for r in before + chunk], DEFAULT_MINUTE_INTERVAL)
            wider = context_size(rule, interval)
            if wider > k:
                k = wider
                if not series_start and chunk:
                    first = chunk[0][1]
                    before = _rows(rows.filter(period_start__lt=first).order_by("-period_start")[: 2 * k])[::-1]
                    result.rows_read += len(before)
                    series_start = len(before) < 2 * k
        last = chunk[-1][1] if chunk else end
        after = _rows(rows.filter(period_start__gt=last).order_by("period_start")[: 2 * k])
        window = before + chunk + after
        result.rows_read += len(chunk) + len(after)
        if not window:
            return result
        flags = window_flags([r[1] for r in window], [r[2] for r in window], rule, interval)
        lo = 0 if series_start else max(0, len(before) - (k - 1))
        hi = min(len(window), len(before) + len(chunk) + k - 1)
        changes: dict[int, list[int]] = {}
        for i in range(lo, hi):
            row = window[i]
            if row[3] & WINDOW_FLAGS != flags[i]:
                changes.setdefault(flags[i], []).append(row[0])
                row[3] = (row[3] & _KEEP) | flags[i]  # the copy in memory stays current for the next chunk
        for bits, ids in changes.items():
            for at in range(0, len(ids), 500):
                result.rows_changed += model.objects.filter(pk__in=ids[at : at + 500]).update(
                    qc_flags=F("qc_flags").bitand(_KEEP).bitor(bits)
                )
        if len(chunk) < CHUNK_ROWS:
            return result
        before = (before + chunk)[-2 * k :]
        series_start = False
        lower = rows.filter(period_start__gt=chunk[-1][1])


def _rows(queryset) -> list[list]:
    return [list(row) for row in queryset.values_list(*_FIELDS)]


def evaluate_received(now: datetime) -> dict[str, WindowResult]:
    """One incremental pass: each window resolution's rows received after its watermark (and ≥ COMMIT_LAG ago)."""
    results = {}
    for resolution in WINDOW_RESOLUTIONS:
        model = OBSERVATION_MODELS[resolution]
        mark, _ = QCWatermark.objects.get_or_create(resolution=resolution)
        since = mark.received_until
        if since is None:
            first = model.objects.aggregate(first=Min("received_at"))["first"]
            if first is None:
                continue
            since = first - timedelta(microseconds=1)
        until = min(now - COMMIT_LAG, since + MAX_SPAN)
        if until <= since:
            continue
        touched = list(
            model.objects.filter(received_at__gt=since, received_at__lte=until)
            .order_by()
            .values("series_id")
            .annotate(first=Min("period_start"), last=Max("period_start"))
            .values_list("series_id", "first", "last")
        )
        rules = series_rules(series_id for series_id, _, _ in touched)
        total = WindowResult()
        for series_id, first, last in touched:
            total.add(evaluate_series(resolution, series_id, first, last, rule=rules.get(series_id)))
        QCWatermark.objects.filter(pk=mark.pk).update(received_until=until)
        results[resolution] = total
    return results
