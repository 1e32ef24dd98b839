"""Recomputing the air-quality assessment of a span of days: hourly and daily AQI of stations, districts and the city,
and the HJ 663 month and year statistics (docs/air-assessment.md "The assessment pipeline").

``recompute_air(start=…, end=…)`` reads the valid hourly values of the six pollutants, a batch of stations at a
time (``air_source``), computes every statistic with NumPy (``air_arrays``), and replaces exactly the rows of the
objects and days it covers (``air_write``), a few stations per transaction, so a re-run writes identical rows and
the gateway is never held up for long. District and city values are the means of their assessment stations'
values of the same statistic (HJ 663-2013 §4 / standards.md §3), accumulated while the batches pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from ecobrain.assessment.choices import AIR_POLLUTANTS, Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityHour
from ecobrain.assessment.services import air_write
from ecobrain.assessment.services.air_arrays import (
    DAY_KEYS,
    HOUR_KEYS,
    HOURS,
    LEAD_HOURS,
    AreaMeans,
    Segment,
    aqi_columns,
    counts_json,
    nullable_floats,
    segments,
    station_days,
    station_hours,
)
from ecobrain.assessment.services.air_periods import recompute_periods
from ecobrain.assessment.services.air_source import read_hours
from ecobrain.core.models import Region, RegionLevel
from ecobrain.registry.choices import AIR_STATION_KINDS, StationStatus
from ecobrain.registry.models import Station
from ecobrain.standards.aqi.selection import EDITIONS as AQI_EDITIONS
from ecobrain.standards.hj212 import CHINA_TZ

# Station-hours read and computed at once (~10 arrays of 8 bytes each): bounds the memory of a long recomputation.
BATCH_STATION_HOURS = 1_500_000
# Rows written per transaction (about): a few stations' hours, so a writer waiting for SQLite's lock waits < 1 s.
TRANSACTION_ROWS = 50_000
HOUR_VALUES = ("so2", "no2", "co", "o3", "o3_8h", "pm10", "pm2_5", "pm10_24h", "pm2_5_24h")
DAY_VALUES = ("so2", "no2", "co", "o3", "o3_8h", "pm10", "pm2_5")
AreaKey = tuple[str, int]  # (Scope.DISTRICT | Scope.CITY, region id)
Progress = Callable[[str], None]


@dataclass
class RecomputeResult:
    """What a recomputation covered and wrote, and where the time went (seconds per stage)."""

    first_day: date
    last_day: date
    stations: int = 0
    districts: int = 0
    city: int = 0
    rows: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            "hour": {"station": 0, "district": 0, "city": 0},
            "day": {"station": 0, "district": 0, "city": 0},
            "period": {"month": 0, "year": 0},
        }
    )
    seconds: dict[str, float] = field(default_factory=dict)

    def add_time(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def as_dict(self) -> dict:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "stations": self.stations,
            "districts": self.districts,
            "city": self.city,
            "rows": {table: dict(counts) for table, counts in self.rows.items()},
            "seconds": {stage: round(s, 3) for stage, s in self.seconds.items()},
        }


@dataclass(frozen=True)
class Plan:
    """Whose rows are written (``targets``, ``areas``) and which stations must be read for them (``compute``)."""

    targets: list[int]
    areas: dict[AreaKey, list[int]]
    compute: list[int]
    full: bool


def day_start(day: date) -> datetime:
    """00:00 China time of ``day``, in UTC."""
    return datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ).astimezone(UTC)


def recompute_air(
    *,
    start: date,
    end: date,
    stations: Iterable[Station | int] | None = None,
    actor=None,
    progress: Progress | None = None,
) -> RecomputeResult:
    """Recompute the air assessment of the China days ``start`` … ``end`` (both included).

    ``stations`` None: every air station, every district with assessment stations and the city; otherwise those
    stations, and the districts (and the city) whose assessment stations include one of them. Hourly and daily
    rows of the days and the month and year rows of the months and years touched are replaced. ``actor`` is
    accepted for the service-function convention; derived rows keep no author.
    """
    del actor  # derived data: nothing to attribute
    began = time.perf_counter()
    if end < start:
        raise ValueError(f"the span ends ({end}) before it starts ({start})")
    earliest = AQI_EDITIONS[0].effective_from
    if start < earliest:
        raise ValueError(f"no AQI edition was in force before {earliest} (HJ 633-2012); start on or after it")
    say = progress or (lambda line: None)
    plan = _plan(stations)
    n_days = (end - start).days + 1
    result = RecomputeResult(start, end, stations=len(plan.targets))
    result.districts = sum(1 for scope, _ in plan.areas if scope == Scope.DISTRICT)
    result.city = sum(1 for scope, _ in plan.areas if scope == Scope.CITY)
    air_write.ensure_lock_row()
    segs = segments(start, n_days)
    first = day_start(start)
    clock = _Clock(first, start, n_days, timezone.now())
    targets = set(plan.targets)
    members: dict[int, list[AreaKey]] = {}
    for area, ids in plan.areas.items():
        for station_id in ids:
            members.setdefault(station_id, []).append(area)
    means = {area: AreaMeans(n_days * HOURS, n_days) for area in plan.areas}
    per_batch = max(1, BATCH_STATION_HOURS // (n_days * HOURS + LEAD_HOURS))
    done = 0
    for at in range(0, len(plan.compute), per_batch):
        batch = plan.compute[at : at + per_batch]
        t = time.perf_counter()
        values, unmeasured = read_hours(batch, first - timedelta(hours=LEAD_HOURS), n_days * HOURS + LEAD_HOURS)
        result.add_time("read", time.perf_counter() - t)
        t = time.perf_counter()
        hourly = station_hours(values, segs)
        del values
        daily, counts = station_days(hourly, segs)
        for row, station_id in enumerate(batch):
            for area in members.get(station_id, ()):
                means[area].add(hourly, daily, row)
        result.add_time("compute", time.perf_counter() - t)
        rows = np.array([row for row, station_id in enumerate(batch) if station_id in targets], dtype=np.intp)
        if len(rows):
            pick = slice(None) if len(rows) == len(batch) else rows  # no copy when every station is a target
            _write_stations(
                [batch[i] for i in rows],
                {k: v[pick] for k, v in hourly.items()},
                {k: v[pick] for k, v in daily.items()},
                {k: v[pick] for k, v in counts.items()},
                unmeasured[pick],
                segs,
                clock,
                result,
            )
        done += len(batch)
        say(f"stations {done}/{len(plan.compute)} · {time.perf_counter() - began:.1f} s")
    t = time.perf_counter()
    if plan.full:
        _delete_other_areas(set(plan.areas), clock)
    if means:
        _write_areas(means, segs, clock, result)
    result.add_time("areas", time.perf_counter() - t)
    say(f"districts and city · {time.perf_counter() - began:.1f} s")
    t = time.perf_counter()
    written = recompute_periods(plan.targets, plan.areas, start, end, computed_at=clock.now)
    result.rows["period"].update(written)
    result.add_time("periods", time.perf_counter() - t)
    result.seconds["total"] = time.perf_counter() - began
    say(f"month and year statistics · {result.seconds['total']:.1f} s")
    return result


class _Clock:
    """The span's hours and days as the database wants them, and the recomputation's time stamp."""

    def __init__(self, first: datetime, start: date, n_days: int, now: datetime) -> None:
        ops = connection.ops
        self.first, self.end = first, first + timedelta(days=n_days)
        self.start_day, self.end_day = start, start + timedelta(days=n_days - 1)
        self.hours = np.array(
            [ops.adapt_datetimefield_value(first + timedelta(hours=h)) for h in range(n_days * HOURS)], dtype=object
        )
        self.days = np.array(
            [ops.adapt_datefield_value(start + timedelta(days=d)) for d in range(n_days)], dtype=object
        )
        self.now = now
        self.stamp = ops.adapt_datetimefield_value(now)
        self.bounds = [ops.adapt_datetimefield_value(first), ops.adapt_datetimefield_value(self.end)]
        self.day_bounds = [ops.adapt_datefield_value(start), ops.adapt_datefield_value(self.end_day)]
        self._ops = ops

    def hour_bounds(self, d0: int, d1: int) -> list:
        """Period starts of the days d0 … d1 − 1: [from, to)."""
        return [self._ops.adapt_datetimefield_value(self.first + timedelta(days=d)) for d in (d0, d1)]

    def day_range(self, d0: int, d1: int) -> list:
        """The days d0 … d1 − 1: [first, last]."""
        return [self._ops.adapt_datefield_value(self.start_day + timedelta(days=d)) for d in (d0, d1 - 1)]


def _time_slices(segs: Sequence[Segment], n_objects: int) -> Iterator[tuple[int, int, list[Segment]]]:
    """The span cut into runs of days of about TRANSACTION_ROWS hour rows for ``n_objects`` objects, each with the
    parts of ``segs`` inside it. A transaction covers one run for all its objects, so its inserts stay within one
    stretch of the period-start index instead of touching every page of it."""
    n_days = segs[-1].stop
    step = max(1, TRANSACTION_ROWS // (max(n_objects, 1) * HOURS))
    for d0 in range(0, n_days, step):
        d1 = min(d0 + step, n_days)
        parts = [
            Segment(max(s.start, d0), min(s.stop, d1), s.aqi_edition, s.hj663_edition)
            for s in segs
            if s.start < d1 and s.stop > d0
        ]
        yield d0, d1, parts


def _plan(stations: Iterable[Station | int] | None) -> Plan:
    air = list(
        Station.objects.filter(kind__in=AIR_STATION_KINDS)
        .order_by("pk")
        .values_list("pk", "district_id", "is_assessment", "status")
    )
    city = Region.objects.filter(level=RegionLevel.CITY).order_by("pk").values_list("pk", flat=True).first()
    # HJ 663: a district's and the city's values come from their assessment stations (评价点) in operation.
    areas: dict[AreaKey, list[int]] = {}
    eligible = {}
    for pk, district_id, is_assessment, status in air:
        if not is_assessment or status != StationStatus.ACTIVE:
            continue
        keys = []
        if district_id is not None:
            keys.append((Scope.DISTRICT.value, district_id))
        if city is not None:
            keys.append((Scope.CITY.value, city))
        eligible[pk] = keys
        for key in keys:
            areas.setdefault(key, []).append(pk)
    if stations is None:
        targets = [pk for pk, *_ in air]
        return Plan(targets, areas, targets, full=True)
    wanted = {getattr(s, "pk", s) for s in stations}
    known = {pk for pk, *_ in air}
    unknown = wanted - known
    if unknown:
        raise ValueError(f"not air stations: {', '.join(map(str, sorted(unknown)))}")
    targets = sorted(wanted)
    chosen = {key for pk in targets for key in eligible.get(pk, ())}
    areas = {key: ids for key, ids in areas.items() if key in chosen}
    compute = sorted(set(targets) | {pk for ids in areas.values() for pk in ids})
    return Plan(targets, areas, compute, full=False)


# --- rows ----------------------------------------------------------------------------------------------------------


def _block(columns: dict[str, object], n: int, constants: dict[str, object]) -> air_write.RowBlock:
    """A RowBlock of ``n`` rows from column name → object array (or list) of n values."""
    table = np.empty((n, len(columns)), dtype=object)
    for j, values in enumerate(columns.values()):
        table[:, j] = values
    return air_write.RowBlock(tuple(columns), table, constants)


def _object_columns(scope: str, ids: Sequence[int], obj: np.ndarray) -> tuple[dict, dict]:
    """The station/region columns: a station block names each row's station; an area block has one region."""
    if scope == Scope.STATION:
        return {"station_id": np.array(ids, dtype=object)[obj]}, {"scope": scope, "region_id": None}
    (region_id,) = ids
    return {}, {"scope": scope, "station_id": None, "region_id": region_id}


def _hour_blocks(
    scope: str,
    ids: Sequence[int],
    stats: dict[str, np.ndarray],
    count: np.ndarray | None,
    segs: Sequence[Segment],
    clock: _Clock,
    unmeasured: np.ndarray | None = None,
) -> Iterator[air_write.RowBlock]:
    """AirQualityHour rows of the objects ``ids`` (rows of ``stats`` [objects, hours]), one block per segment: every
    hour with a 1-h value of any pollutant."""
    lo = segs[0].hours.start
    present = np.zeros((len(stats["so2"]), segs[-1].hours.stop - lo), dtype=bool)
    for key in AIR_POLLUTANTS:
        present |= ~np.isnan(stats[key][:, lo : segs[-1].hours.stop])
    for seg in segs:
        mask = present[:, seg.hours.start - lo : seg.hours.stop - lo]
        if not mask.any():
            continue
        obj, hour = np.nonzero(mask)
        values = {key: stats[key][:, seg.hours][mask] for key in HOUR_KEYS}
        exempt = None if unmeasured is None else unmeasured[obj]
        aqi = aqi_columns(values, edition=seg.aqi_edition, kind="hourly", exempt=exempt)
        objects, constants = _object_columns(scope, ids, obj)
        columns = {
            **objects,
            "period_start": clock.hours[seg.hours.start + hour],
            **{key: nullable_floats(values[key]) for key in HOUR_VALUES},
            "aqi": aqi.aqi,
            "level": aqi.level,
            "primary_pollutants": aqi.primary,
            "iaqi": aqi.iaqi,
        }
        if count is None:
            constants["station_count"] = 1
        else:
            columns["station_count"] = count[:, seg.hours][mask].astype(object)
        constants.update(edition=seg.aqi_edition, computed_at=clock.stamp)
        yield _block(columns, len(obj), constants)


def _day_blocks(
    scope: str,
    ids: Sequence[int],
    stats: dict[str, np.ndarray],
    present: np.ndarray,
    count: np.ndarray | None,
    hours_json: Callable[[np.ndarray], np.ndarray] | None,
    segs: Sequence[Segment],
    clock: _Clock,
    unmeasured: np.ndarray | None = None,
) -> Iterator[air_write.RowBlock]:
    """AirQualityDay rows, one block per segment: every day with a value (areas) or a valid hour (stations)."""
    for seg in segs:
        mask = np.zeros(present.shape, dtype=bool)
        mask[:, seg.days] = present[:, seg.days]
        if not mask.any():
            continue
        obj, day = np.nonzero(mask)
        values = {key: stats[key][mask] for key in DAY_KEYS}
        exempt = None if unmeasured is None else unmeasured[obj]
        aqi = aqi_columns(values, edition=seg.aqi_edition, kind="daily", exempt=exempt)
        objects, constants = _object_columns(scope, ids, obj)
        columns = {
            **objects,
            "day": clock.days[day],
            **{key: nullable_floats(values[key]) for key in DAY_VALUES},
            "aqi": aqi.aqi,
            "level": aqi.level,
            "primary_pollutants": aqi.primary,
            "iaqi": aqi.iaqi,
        }
        if count is None:
            constants["station_count"] = 1
        else:
            columns["station_count"] = count[mask].astype(object)
        if hours_json is None:
            constants["hours"] = "{}"
        else:
            columns["hours"] = hours_json(mask)
        constants.update(edition=seg.aqi_edition, computed_at=clock.stamp)
        yield _block(columns, len(obj), constants)


def _insert(model, blocks: Iterable[air_write.RowBlock]) -> int:
    return sum(air_write.insert_rows(model, block) for block in blocks)


def _write_stations(
    ids: list[int],
    hourly: dict[str, np.ndarray],
    daily: dict[str, np.ndarray],
    counts: dict[str, np.ndarray],
    unmeasured: np.ndarray,
    segs: Sequence[Segment],
    clock: _Clock,
    result: RecomputeResult,
) -> None:
    """Replace the hour and day rows of the stations ``ids`` (rows of the arrays), a run of days per transaction."""
    present = np.zeros(counts["so2"].shape, dtype=bool)
    for key in AIR_POLLUTANTS:
        present |= counts[key] > 0
    station_in, station_params = air_write.one_of("station_id", ids)
    where = f"scope = 'station' AND {station_in}"
    for d0, d1, parts in _time_slices(segs, len(ids)):
        t = time.perf_counter()
        with transaction.atomic():
            air_write.lock()
            air_write.delete_rows(
                AirQualityHour,
                f"{where} AND period_start >= %s AND period_start < %s",
                [*station_params, *clock.hour_bounds(d0, d1)],
            )
            blocks = _hour_blocks(Scope.STATION, ids, hourly, None, parts, clock, unmeasured)
            result.rows["hour"]["station"] += _insert(AirQualityHour, blocks)
            t_hours = time.perf_counter()
            air_write.delete_rows(
                AirQualityDay, f"{where} AND day >= %s AND day <= %s", [*station_params, *clock.day_range(d0, d1)]
            )
            blocks = _day_blocks(
                Scope.STATION,
                ids,
                daily,
                present,
                None,
                lambda mask: counts_json(counts, mask),
                parts,
                clock,
                unmeasured,
            )
            result.rows["day"]["station"] += _insert(AirQualityDay, blocks)
        result.add_time("write_hours", t_hours - t)
        result.add_time("write_days", time.perf_counter() - t_hours)


def _write_areas(means: dict[AreaKey, AreaMeans], segs: Sequence[Segment], clock: _Clock, result) -> None:
    """Replace the hour and day rows of the districts and the city, a run of days per transaction."""
    areas = [(area, *area_means.result()) for area, area_means in means.items()]
    for d0, d1, parts in _time_slices(segs, len(areas)):
        with transaction.atomic():
            air_write.lock()
            for (scope, region_id), hourly, hour_count, daily, day_count in areas:
                where = "scope = %s AND region_id = %s"
                bounds = clock.hour_bounds(d0, d1)
                air_write.delete_rows(
                    AirQualityHour, f"{where} AND period_start >= %s AND period_start < %s", [scope, region_id, *bounds]
                )
                blocks = _hour_blocks(scope, [region_id], hourly, hour_count, parts, clock)
                result.rows["hour"][scope] += _insert(AirQualityHour, blocks)
                days = clock.day_range(d0, d1)
                air_write.delete_rows(AirQualityDay, f"{where} AND day >= %s AND day <= %s", [scope, region_id, *days])
                blocks = _day_blocks(scope, [region_id], daily, day_count > 0, day_count, None, parts, clock)
                result.rows["day"][scope] += _insert(AirQualityDay, blocks)


def _delete_other_areas(kept: set[AreaKey], clock: _Clock) -> None:
    """A full recomputation also removes the rows of districts that no longer have an assessment station."""
    with transaction.atomic():
        air_write.lock()
        for model, column, bounds in (
            (AirQualityHour, "period_start", clock.bounds),
            (AirQualityDay, "day", clock.day_bounds),
        ):
            regions = [pk for _, pk in kept]
            kept_in, kept_params = air_write.one_of("region_id", regions)
            keep = f" AND NOT {kept_in}" if regions else ""
            air_write.delete_rows(
                model,
                f"scope IN ('district', 'city') AND {column} >= %s AND {column} < %s{keep}"
                if column == "period_start"
                else f"scope IN ('district', 'city') AND {column} >= %s AND {column} <= %s{keep}",
                [*bounds, *(kept_params if regions else [])],
            )
