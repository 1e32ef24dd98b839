"""Monthly class of the surface-water sections (GB 3838-2002, 环办〔2011〕22号) from the stored observations.

``recompute_water(first_month=…, last_month=…)`` reads, for every water station (kinds ``water_auto`` and
``water_section``), the valid hourly values (``HourObservation``) of the GB 3838 Table 1 items in each month, and the
daily values (``DayObservation``) of the items a station has no hourly values of that month; it takes each item's
monthly mean and classes the means with ``standards.water.evaluate_period`` against the station's waterbody (river
when not set) and target class. The result replaces the station-months it covers (``WaterQualityMonth``): a re-run
writes the same rows, and a month without any valid value has no row.

The job ``assessment.water`` (``assessment/jobs.py``) runs it for the months touched by water observations received
since the watermark ``RecomputeWatermark("water")``; ``ecobrain assess-water`` runs it for a range of months.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from ecobrain.assessment.models import RecomputeWatermark, WaterQualityMonth
from ecobrain.assessment.periods import china_month, month_bounds, months_between, previous_month
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.completeness import INVALID_DEVICE_FLAGS
from ecobrain.monitoring.models import OBSERVATION_MODELS, Series
from ecobrain.monitoring.qc.windows import COMMIT_LAG
from ecobrain.registry.choices import WATER_STATION_KINDS, Waterbody
from ecobrain.registry.models import Station
from ecobrain.standards.water import evaluate_period, standard_for

logger = logging.getLogger(__name__)

# GB 3838-2002 Table 1 item (the `standards.water` key) → the HJ 212-2017 factor code its values arrive under
# (standards.md §1.10, src/ecobrain/standards/data/hj212_factors.csv). The one place this mapping lives.
WATER_FACTOR_CODES: dict[str, str] = {
    "water_temperature": "w01010",
    "ph": "w01001",
    "do": "w01009",
    "codmn": "w01019",
    "cod": "w01018",
    "bod5": "w01017",
    "nh3n": "w21003",
    "tp": "w21011",
    "tn": "w21001",
    "cu": "w20122",
    "zn": "w20123",
    "f": "w21017",
    "se": "w20128",
    "as": "w20119",
    "hg": "w20111",
    "cd": "w20115",
    "cr6": "w20117",
    "pb": "w20120",
    "cn": "w21016",
    "volatile_phenol": "w23002",
    "petroleum": "w22001",
    "las": "w19002",
    "sulfide": "w21019",
    "fecal_coliform": "w02003",
}
CODE_TO_KEY = {code: key for key, code in WATER_FACTOR_CODES.items()}
# GB 3838 limits are in mg/L (fecal coliform 个/L); HJ 212 sends the heavy metals in µg/L (the factor table's
# ``unit``). A value in a unit missing here is not converted and is skipped, with a warning.
TO_GB3838_UNIT: dict[str, Fraction] = {
    "mg/L": Fraction(1),
    "µg/L": Fraction(1, 1000),
    "ug/L": Fraction(1, 1000),
    "μg/L": Fraction(1, 1000),
    "dimensionless": Fraction(1),
    "": Fraction(1),
    "°C": Fraction(1),
    "个/L": Fraction(1),
}
MEAN_DECIMALS = 6  # monthly means are stored rounded half-even to the store's own precision
MULTIPLE_DECIMALS = 2
# The job: with no watermark yet it recomputes the current and the previous month; one run takes in at most this
# much received time, so a long backlog is worked off over several runs.
MAX_SPAN = timedelta(days=7)
WATERMARK = "water"


@dataclass
class WaterRecomputeResult:
    stations: int = 0
    months: int = 0
    rows: int = 0  # station-months written
    deleted: int = 0  # station-months that had a row and have no valid value now
    values: int = 0  # valid values read

    def as_dict(self) -> dict:
        return {
            "stations": self.stations,
            "months": self.months,
            "rows": self.rows,
            "deleted": self.deleted,
            "values": self.values,
        }


def water_stations(stations: Iterable[Station] | None = None):
    queryset = Station.objects.filter(kind__in=WATER_STATION_KINDS)
    if stations is not None:
        queryset = queryset.filter(pk__in=[getattr(s, "pk", s) for s in stations])
    return queryset.order_by("pk")


def valid_values() -> Q:
    """A valid value as ``monitoring`` counts it (completeness: a number, no invalidating device flag); a negative
    concentration is never a valid input to GB 3838, whatever its flags."""
    return Q(value__isnull=False, value__gte=0) & ~Q(device_flag__in=INVALID_DEVICE_FLAGS)


def recompute_water(
    *, first_month: date, last_month: date, stations: Iterable[Station] | None = None
) -> WaterRecomputeResult:
    """(Re)write the ``WaterQualityMonth`` rows of the water stations for the months ``first_month`` … ``last_month``.

    Each station-month is replaced in one transaction per month; stations default to every water station.
    """
    months = months_between(first_month, last_month)
    if not months:
        raise ValueError(f"the range ends ({last_month:%Y-%m}) before it starts ({first_month:%Y-%m})")
    station_list = list(water_stations(stations))
    result = WaterRecomputeResult(stations=len(station_list), months=len(months))
    if not station_list:
        return result
    series = _water_series(station_list)
    for month in months:
        samples, counted = _month_samples(series, month)
        result.values += counted
        rows = [_month_row(station, month, samples.get(station.pk)) for station in station_list]
        rows = [row for row in rows if row is not None]
        with transaction.atomic():
            deleted, _ = WaterQualityMonth.objects.filter(
                station__in=[s.pk for s in station_list], month=month
            ).delete()
            WaterQualityMonth.objects.bulk_create(rows)
        result.rows += len(rows)
        result.deleted += max(0, deleted - len(rows))
    return result


@dataclass(frozen=True)
class _SeriesInfo:
    station_id: int
    key: str
    scale: Fraction


def _water_series(stations: list[Station]) -> dict[int, _SeriesInfo]:
    """series id → (station, GB 3838 item, unit factor) for the Table 1 items of the stations' loggers."""
    rows = Series.objects.filter(
        device__station__in=[s.pk for s in stations], factor__code__in=list(CODE_TO_KEY)
    ).values_list("pk", "device__station_id", "factor__code", "factor__unit")
    found = {}
    for pk, station_id, code, unit in rows:
        scale = TO_GB3838_UNIT.get(unit or "")
        if scale is None:
            logger.warning("water series %s: unit %r of %s is not convertible to mg/L; skipped", pk, unit, code)
            continue
        found[pk] = _SeriesInfo(station_id, CODE_TO_KEY[code], scale)
    return found


def _month_samples(series: dict[int, _SeriesInfo], month: date) -> tuple[dict[int, list[dict]], int]:
    """station id → the month's samples (one dict of item → value per sampling time), and the values read.

    Hourly values first; an item of a station with no hourly value this month takes its daily values instead.
    """
    start, end = month_bounds(month)
    by_time: dict[int, dict[datetime, dict[str, Fraction]]] = defaultdict(lambda: defaultdict(dict))
    have_hourly: set[tuple[int, str]] = set()
    counted = 0
    ids = list(series)
    for resolution in (Resolution.HOUR, Resolution.DAY):
        model = OBSERVATION_MODELS[resolution]
        for at in range(0, len(ids), 500):
            chunk = ids[at : at + 500]
            rows = (
                model.objects.filter(valid_values(), series_id__in=chunk, period_start__gte=start, period_start__lt=end)
                .order_by()
                .values_list("series_id", "period_start", "value")
            )
            for series_id, period_start, value in rows.iterator(chunk_size=5000):
                info = series[series_id]
                item = (info.station_id, info.key)
                if resolution == Resolution.DAY and item in have_hourly:
                    continue
                number = Fraction(value) * info.scale
                if info.key == "ph" and number > 14:
                    continue  # off the pH scale: not a measurement (standards.water refuses it)
                if resolution == Resolution.HOUR:
                    have_hourly.add(item)
                # Two loggers of one station sending the same item at the same time: the later row read wins.
                by_time[info.station_id][period_start][info.key] = number
                counted += 1
    return {station_id: list(times.values()) for station_id, times in by_time.items()}, counted


def _month_row(station: Station, month: date, samples: list[dict] | None) -> WaterQualityMonth | None:
    if not samples:
        return None
    target = station.water_target_class if station.water_target_class in _TARGETS else None
    standard = standard_for(month)
    waterbody = station.waterbody or Waterbody.RIVER
    evaluated = evaluate_period(samples, waterbody=waterbody, target=target, standard=standard)
    exceedances = {
        key: None if item.multiple is None else float(item.rounded_multiple(MULTIPLE_DECIMALS))
        for key, item in evaluated.exceedances.items()
    }
    return WaterQualityMonth(
        station=station,
        month=month,
        means={key: _text(value) for key, value in evaluated.values.items()},
        samples=len(samples),
        water_class=evaluated.water_class or "",
        worst_factors=list(evaluated.worst_factors),
        factor_classes=dict(evaluated.factor_classes),
        target_class=target or "",
        attained=evaluated.meets_target(),
        exceedances=exceedances,
        edition=evaluated.standard,
        computed_at=timezone.now(),
    )


_TARGETS = {"I", "II", "III", "IV", "V"}


def _text(value: Fraction) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    rounded = exact.quantize(Decimal(1).scaleb(-MEAN_DECIMALS), rounding=ROUND_HALF_EVEN).normalize()
    return f"{rounded:f}"


# --- the job's incremental pass ------------------------------------------------------------------------------


def touched_station_months(since: datetime, until: datetime) -> dict[int, set[date]]:
    """station id → the China months of water values received in ``(since, until]`` (hourly and daily tables)."""
    series_ids = list(
        Series.objects.filter(device__station__kind__in=WATER_STATION_KINDS, factor__code__in=list(CODE_TO_KEY))
        .order_by()
        .values_list("pk", flat=True)
    )
    if not series_ids:
        return {}
    station_of = dict(Series.objects.filter(pk__in=series_ids).values_list("pk", "device__station_id"))
    touched: dict[int, set[date]] = defaultdict(set)
    for resolution in (Resolution.HOUR, Resolution.DAY):
        model = OBSERVATION_MODELS[resolution]
        rows = (
            model.objects.filter(received_at__gt=since, received_at__lte=until, series_id__in=series_ids)
            .order_by()
            .values("series_id")
            .annotate(first=Min("period_start"), last=Max("period_start"))
            .values_list("series_id", "first", "last")
        )
        for series_id, first, last in rows:
            touched[station_of[series_id]].update(months_between(china_month(first), china_month(last)))
    return touched


def recompute_received(now: datetime) -> WaterRecomputeResult:
    """One pass of the job: the station-months with water values received since the watermark (≥ COMMIT_LAG ago).

    The first pass (no watermark) recomputes the current and the previous month of every water station.
    """
    mark, _ = RecomputeWatermark.objects.get_or_create(name=WATERMARK)
    total = WaterRecomputeResult()
    until = now - COMMIT_LAG
    if mark.received_until is None:
        current = china_month(now)
        total = recompute_water(first_month=previous_month(current), last_month=current)
    else:
        until = min(until, mark.received_until + MAX_SPAN)
        if until <= mark.received_until:
            return total
        by_month: dict[date, list[int]] = defaultdict(list)
        for station_id, months in touched_station_months(mark.received_until, until).items():
            for month in months:
                by_month[month].append(station_id)
        stations: set[int] = set()
        for month in sorted(by_month):
            part = recompute_water(first_month=month, last_month=month, stations=by_month[month])
            stations.update(by_month[month])
            total.months += 1
            total.rows += part.rows
            total.deleted += part.deleted
            total.values += part.values
        total.stations = len(stations)
    RecomputeWatermark.objects.filter(pk=mark.pk).update(received_until=until)
    return total
