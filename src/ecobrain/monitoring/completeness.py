"""Data completeness per series and China day: expected (应传), received (实传) and valid counts (standards.md §8).

``compute_completeness(day)`` (re)writes the ``DailyCompleteness`` rows of one day, idempotently; the job
``monitoring.completeness`` runs it for yesterday and today, ``ecobrain completeness`` for a date range. The
rates (传输率, 有效率, 有效传输率) are read with ``DailyCompleteness.objects…rates()``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.models import OBSERVATION_MODELS, CompletenessRate, DailyCompleteness, Series
from ecobrain.monitoring.qc.checks import typical_interval
from ecobrain.registry.choices import DeviceStatus
from ecobrain.registry.models import Device
from ecobrain.standards.hj212 import CHINA_TZ

# Device flags whose values are received but not valid. standards.md §8: "values flagged M, C, D, F, B or T
# are excluded from valid counts in practice" (UNVERIFIED mapping), plus the HJ/T 212-2005 flags with the same
# meaning (§1.9): P power failure, 0 calibration data, 2 abnormal (ambient-air stations).
INVALID_DEVICE_FLAGS = frozenset({"M", "C", "D", "F", "B", "T", "P", "0", "2"})
# standards.md §8 [I]: for wastewater COD, NH3-N, TP and TN one hour a day is used for the automatic
# standard-sample check and is removed from the expected count of hourly data.
STANDARD_CHECK_FACTORS = frozenset({"w01018", "w21003", "w21011", "w21001"})
STANDARD_CHECK_HOURS = 1

COMPLETENESS_RESOLUTIONS = (Resolution.MINUTE, Resolution.HOUR, Resolution.DAY)
DEFAULT_MINUTE_INTERVAL = timedelta(minutes=10)
# A series that reported minute or day data within this many days is expected to report them today; hourly
# data are expected from every series of an active device (the unit of 有效传输率, standards.md §8).
LOOKBACK_DAYS = 30
SERIES_PER_QUERY = 500


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a China natural day (00:00–24:00 Asia/Shanghai)."""
    start = datetime.combine(day, time(0), tzinfo=CHINA_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA_TZ).date()


def compute_completeness(day: date, *, now: datetime | None = None) -> int:
    """Rewrite the completeness rows of ``day``; returns how many rows it holds now.

    Expected counts are for periods that have ended by ``now`` (so today's rate is meaningful during the
    day). Rows of series that are no longer expected (device retired, no data within the lookback) go.
    """
    now = now or timezone.now()
    start, end = day_bounds(day)
    elapsed = max(timedelta(0), min(end, now) - start)
    series = list(
        Series.objects.filter(device__status=DeviceStatus.ACTIVE)
        .order_by()
        .values_list("pk", "factor__code", "device__outlet_id", "created")
    )
    ids = [pk for pk, *_ in series]
    recent = _recently_reporting(day)
    previous_interval = dict(
        DailyCompleteness.objects.filter(resolution=Resolution.MINUTE, day__lt=day, day__gte=day - timedelta(days=7))
        .order_by("day")
        .values_list("series_id", "interval_seconds")
    )  # the latest earlier day wins
    objects = []
    for resolution in COMPLETENESS_RESOLUTIONS:
        counts = _counts(resolution, ids, start, end)
        intervals = _minute_intervals(ids, start, end) if resolution == Resolution.MINUTE else {}
        for pk, code, outlet_id, created in series:
            received, valid, flagged = counts.get(pk, (0, 0, 0))
            # A series is expected on a day it reported, or, once it exists (first seen), every day for hourly
            # data and within the lookback for minute and day data.
            if not received and (created >= end or (resolution != Resolution.HOUR and pk not in recent[resolution])):
                continue
            if resolution == Resolution.MINUTE:
                fallback = timedelta(seconds=previous_interval.get(pk, DEFAULT_MINUTE_INTERVAL.total_seconds()))
                interval = intervals.get(pk) or fallback
            else:
                interval = timedelta(hours=1) if resolution == Resolution.HOUR else timedelta(days=1)
            expected = elapsed // interval
            if (
                resolution == Resolution.HOUR
                and outlet_id is not None
                and code in STANDARD_CHECK_FACTORS
                and elapsed == timedelta(days=1)  # the check hour is known only once the day is over
            ):
                expected -= STANDARD_CHECK_HOURS
            objects.append(
                DailyCompleteness(
                    series_id=pk,
                    day=day,
                    resolution=resolution,
                    interval_seconds=int(interval.total_seconds()),
                    expected=expected,
                    received=received,
                    valid=valid,
                    flagged=flagged,
                    computed_at=now,
                )
            )
    with transaction.atomic():
        kept = {(o.series_id, o.resolution) for o in objects}
        stale = [
            pk
            for pk, series_id, resolution in DailyCompleteness.objects.filter(day=day).values_list(
                "pk", "series_id", "resolution"
            )
            if (series_id, resolution) not in kept
        ]
        if stale:  # derived data only: observations are never deleted
            DailyCompleteness.objects.filter(pk__in=stale).delete()
        DailyCompleteness.objects.bulk_create(
            objects,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["series", "day", "resolution"],
            update_fields=["interval_seconds", "expected", "received", "valid", "flagged", "computed_at"],
        )
    return len(objects)


def _counts(resolution: str, series_ids: list[int], start: datetime, end: datetime) -> dict[int, tuple[int, int, int]]:
    """series id → (received, valid, flagged) on one day; reads bounded by series (chunks) and the day."""
    model = OBSERVATION_MODELS[resolution]
    valid = Q(value__isnull=False) & ~Q(device_flag__in=INVALID_DEVICE_FLAGS)
    result = {}
    for at in range(0, len(series_ids), SERIES_PER_QUERY):
        rows = (
            model.objects.filter(
                series_id__in=series_ids[at : at + SERIES_PER_QUERY], period_start__gte=start, period_start__lt=end
            )
            .order_by()
            .values("series_id")
            .annotate(received=Count("pk"), valid=Count("pk", filter=valid), flagged=Count("pk", filter=~Q(qc_flags=0)))
            .values_list("series_id", "received", "valid", "flagged")
        )
        result.update((series_id, (received, ok, flagged)) for series_id, received, ok, flagged in rows)
    return result


def _minute_intervals(series_ids: list[int], start: datetime, end: datetime) -> dict[int, timedelta]:
    """series id → the interval its minute data show on the day (only series with at least two values)."""
    model = OBSERVATION_MODELS[Resolution.MINUTE]
    times: dict[int, list[datetime]] = defaultdict(list)
    for at in range(0, len(series_ids), SERIES_PER_QUERY):
        rows = (
            model.objects.filter(
                series_id__in=series_ids[at : at + SERIES_PER_QUERY], period_start__gte=start, period_start__lt=end
            )
            .order_by("series_id", "period_start")
            .values_list("series_id", "period_start")
        )
        for series_id, period_start in rows.iterator(chunk_size=10000):
            times[series_id].append(period_start)
    return {
        series_id: typical_interval(moments, DEFAULT_MINUTE_INTERVAL)
        for series_id, moments in times.items()
        if len(moments) > 1
    }


def _recently_reporting(day: date) -> dict[str, set[int]]:
    """Per resolution, the series that had data within LOOKBACK_DAYS before ``day`` (by earlier completeness rows)."""
    recent = (
        DailyCompleteness.objects.filter(day__lt=day, day__gte=day - timedelta(days=LOOKBACK_DAYS), received__gt=0)
        .order_by()
        .values_list("resolution", "series_id")
        .distinct()
    )
    result: dict[str, set[int]] = {resolution: set() for resolution in COMPLETENESS_RESOLUTIONS}
    for resolution, series_id in recent:
        result[resolution].add(series_id)
    return result


def compute_range(first: date, last: date, *, now: datetime | None = None) -> dict[date, int]:
    """``compute_completeness`` for every day from ``first`` to ``last`` (included), in order."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    results = {}
    day = first
    while day <= last:
        results[day] = compute_completeness(day, now=now)
        day += timedelta(days=1)
    return results


# --- reading the rates per data logger (the 数据完整率 page) ------------------------------------------------

# standards.md §8 [I]: platforms show an effective transmission rate of at least 90 % as compliant (the
# regulatory source of the figure is UNVERIFIED there).
EFFECTIVE_RATE_TARGET = 0.9
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class DeviceRate:
    """The completeness of one data logger's series over a range of days."""

    device: Device
    rate: CompletenessRate

    @property
    def below_target(self) -> bool:
        effective = self.rate.effective_rate
        return effective is not None and effective < EFFECTIVE_RATE_TARGET


def device_rates(
    user,
    *,
    first: date,
    last: date,
    resolution: str = Resolution.HOUR,
    district=None,
    target: str = "",
    q: str = "",
) -> list[DeviceRate]:
    """Each data logger's rates over ``first`` … ``last`` in ``user``'s scope, worst effective rate first.

    ``target`` narrows to station (``"station"``) or outlet (``"outlet"``) loggers; ``q`` searches the MN, the
    station's name and code, and the enterprise's name. One aggregate query and one query for the loggers.
    """
    rows = DailyCompleteness.objects.restrict(user, "view").between(first, last).for_resolution(resolution)
    if district is not None:
        rows = rows.for_district(district)
    if target == "station":
        rows = rows.filter(series__device__station__isnull=False)
    elif target == "outlet":
        rows = rows.filter(series__device__outlet__isnull=False)
    if q:
        rows = rows.filter(
            Q(series__device__mn__icontains=q)
            | Q(series__device__station__name__icontains=q)
            | Q(series__device__station__code__icontains=q)
            | Q(series__device__outlet__enterprise__name__icontains=q)
        )
    rates = rows.rates_by("series__device")
    devices = Device.objects.filter(pk__in=list(rates)).select_related(
        "station__district", "outlet__enterprise__district"
    )
    result = [DeviceRate(device, rates[device.pk]) for device in devices]
    result.sort(key=lambda r: (r.rate.effective_rate is None, r.rate.effective_rate or 0, r.device.mn))
    return result


def device_rates_for(user, filters: dict) -> list[DeviceRate]:
    """:func:`device_rates` for the cleaned data of ``CompletenessFilterForm`` (the page and the API)."""
    return device_rates(
        user,
        first=filters["first"],
        last=filters["last"],
        resolution=filters["resolution"],
        district=filters.get("district"),
        target=filters.get("target") or "",
        q=filters.get("q") or "",
    )
