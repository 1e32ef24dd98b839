"""HJ 663 month and year statistics (``AirQualityPeriod``) of stations, districts and the city, from their day rows.

A period row is computed from the object's stored ``AirQualityDay`` rows of the whole calendar month or year (a
partial year too: the statistics say whether it is valid), so a recomputation of a few days refreshes the month and
year they lie in. An object without day rows in a period gets no row for it.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q

from ecobrain.assessment.choices import PeriodKind, Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityPeriod
from ecobrain.assessment.services import air_write
from ecobrain.standards.hj663 import comprehensive_index, excellent_good, period_statistics

# Daily values that go into the statistics: the six of HJ 663 plus ``o3`` (daily max 1-h, for the record).
DAILY_FIELDS = ("so2", "no2", "co", "o3_8h", "pm10", "pm2_5", "o3")
ObjectKey = tuple[str, int]  # ("station", station id) or ("district" | "city", region id)


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date


def periods_touching(first: date, last: date) -> list[Period]:
    """The calendar months and years that the days ``first`` … ``last`` lie in."""
    out = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        out.append(Period(PeriodKind.MONTH, date(year, month, 1), date(year, month, monthrange(year, month)[1])))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    out += [Period(PeriodKind.YEAR, date(y, 1, 1), date(y, 12, 31)) for y in range(first.year, last.year + 1)]
    return out


def recompute_periods(
    stations: Iterable[int], areas: Iterable[ObjectKey], first: date, last: date, *, computed_at: datetime
) -> dict[str, int]:
    """Replace the month and year rows of ``stations`` and ``areas`` for the periods that ``first`` … ``last`` touch.

    Returns rows written per period kind.
    """
    station_ids = sorted(set(stations))
    area_keys = sorted(set(areas))
    periods = periods_touching(first, last)
    span_first = min(p.first for p in periods)
    span_last = max(p.last for p in periods)
    daily = _read_days(station_ids, area_keys, span_first, span_last)
    objects = [(Scope.STATION.value, pk) for pk in station_ids] + area_keys
    rows = []
    for period in periods:
        for key in objects:
            days = daily.get(key)
            if not days:
                continue
            row = _period_row(key, period, days, computed_at)
            if row is not None:
                rows.append(row)
    written = {PeriodKind.MONTH.value: 0, PeriodKind.YEAR.value: 0}
    with transaction.atomic():
        air_write.lock()
        for kind in (PeriodKind.MONTH, PeriodKind.YEAR):
            starts = [p.first for p in periods if p.kind == kind]
            base = AirQualityPeriod.objects.filter(kind=kind, period_start__in=starts)
            if station_ids:
                base.filter(scope=Scope.STATION, station_id__in=station_ids).delete()
            for scope in (Scope.DISTRICT, Scope.CITY):
                regions = [pk for s, pk in area_keys if s == scope]
                if regions:
                    base.filter(scope=scope, region_id__in=regions).delete()
        AirQualityPeriod.objects.bulk_create(rows, batch_size=1000)
    for row in rows:
        written[row.kind] += 1
    return written


def _read_days(
    station_ids: list[int], area_keys: list[ObjectKey], first: date, last: date
) -> dict[ObjectKey, dict[date, tuple]]:
    """object → day → (so2, no2, co, o3_8h, pm10, pm2_5, o3, aqi), from the stored day rows."""
    condition = Q()
    if station_ids:
        condition |= Q(scope=Scope.STATION, station_id__in=station_ids)
    for scope in (Scope.DISTRICT, Scope.CITY):
        regions = [pk for s, pk in area_keys if s == scope]
        if regions:
            condition |= Q(scope=scope, region_id__in=regions)
    out: dict[ObjectKey, dict[date, tuple]] = defaultdict(dict)
    if not condition:
        return out
    rows = (
        AirQualityDay.objects.filter(condition, day__gte=first, day__lte=last)
        .order_by()
        .values_list("scope", "station_id", "region_id", "day", *DAILY_FIELDS, "aqi")
    )
    for scope, station_id, region_id, day, *values in rows.iterator(chunk_size=10_000):
        out[(scope, station_id if scope == Scope.STATION else region_id)][day] = tuple(values)
    return out


def _milli(value: float | None) -> float | None:
    """A daily value to 0.001 (µg/m³, CO mg/m³): far below any published precision, and it lets
    ``period_statistics`` sum in integer thousandths instead of exact fractions (standards/hj663/statistics.py)."""
    return None if value is None else round(value, 3)


def _period_row(key: ObjectKey, period: Period, days: dict[date, tuple], computed_at: datetime):
    n = (period.last - period.first).days + 1
    dates = [period.first + timedelta(days=i) for i in range(n)]
    values = [days.get(d) for d in dates]
    if not any(v is not None for v in values):
        return None
    daily = {name: [None if v is None else _milli(v[i]) for v in values] for i, name in enumerate(DAILY_FIELDS)}
    stats = period_statistics(daily, first_day=period.first)
    index = comprehensive_index(stats.concentrations(), edition=stats.edition)
    good = excellent_good(None if v is None else v[-1] for v in values)
    scope, pk = key
    return AirQualityPeriod(
        scope=scope,
        station_id=pk if scope == Scope.STATION else None,
        region_id=None if scope == Scope.STATION else pk,
        kind=period.kind,
        period_start=period.first,
        stats={**stats.as_dict(), "index": index.as_dict()},
        comprehensive_index=index.published,
        index_primary=index.largest[0] if index.largest else "",
        valid_days=good.valid_days,
        good_days=good.good_days,
        good_ratio=good.ratio,
        days_per_level={str(level): count for level, count in good.days_per_level.items()},
        edition=stats.edition,
        computed_at=computed_at,
    )
