"""Late data: recompute what the hourly pollutant values received since the last pass change.

``RecomputeWatermark("air")`` keeps the ``received_at`` up to which hourly rows have been taken in. A pass reads
the rows of the six pollutants' series of air stations received after it, groups them by station and China day,
and recomputes each touched station's days — and the next day when a touched hour's 24-h window reaches into it —
the districts and the city of those days (when the station is an assessment station), and the months and years
they lie in (``recompute_air``). Rows are taken whatever their validity: a correction that makes a value invalid
changes the results as much as a new value.

A writer stamps ``received_at`` a moment before it commits, and the gateway queues frames between receiving and
writing them, so a row can become visible after the watermark passed its stamp. As in the window QC
(``monitoring.qc.windows``), rows are not trusted to be complete at the edge: here each pass reads again the rows
received up to ``REREAD`` before the watermark (recomputing is idempotent, so a row seen twice costs only time),
which lets a pass use everything committed by ``now`` and still catch rows committed up to ``REREAD`` late.
Re-derived rows (``ecobrain rederive``) keep their packet's receive time and are not seen: run
``ecobrain assess recompute`` for their days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection

from ecobrain.assessment.models import RecomputeWatermark
from ecobrain.assessment.services.air import RecomputeResult, recompute_air
from ecobrain.assessment.services.air_source import POLLUTANT_BY_CODE
from ecobrain.assessment.services.air_write import LOCK_NAME, one_of
from ecobrain.monitoring.models import HourObservation, Series
from ecobrain.registry.choices import AIR_STATION_KINDS
from ecobrain.standards.aqi.selection import EDITIONS as AQI_EDITIONS

logger = logging.getLogger(__name__)

REREAD = timedelta(minutes=2)
_EPOCH_JULIAN = 2440587.5


@dataclass
class LateResult:
    """One pass: the received-time window read, the station-days found, and each recomputation run."""

    since: datetime | None = None
    until: datetime | None = None
    station_days: int = 0
    runs: list[RecomputeResult] = field(default_factory=list)

    def summary(self) -> str:
        if not self.runs:
            return "nothing new"
        parts = []
        for run in self.runs:
            hours = sum(run.rows["hour"].values())
            days = sum(run.rows["day"].values())
            periods = sum(run.rows["period"].values())
            parts.append(
                f"{run.first_day}…{run.last_day}: {run.stations} stations, {hours} hour rows, {days} day rows, "
                f"{periods} period rows, {run.seconds.get('total', 0):.1f} s"
            )
        return "; ".join(parts)


def recompute_received(now: datetime, *, first_run_hours: int | None = None) -> LateResult:
    """One incremental pass: recompute what the pollutant rows received since the watermark touch."""
    mark, _ = RecomputeWatermark.objects.get_or_create(name=LOCK_NAME)
    if mark.received_until is None:
        hours = settings.ASSESSMENT_FIRST_RUN_HOURS if first_run_hours is None else first_run_hours
        read_from = now - timedelta(hours=hours)  # a first run looks back this far only, not to the beginning
    else:
        read_from = mark.received_until - REREAD
    result = LateResult(since=read_from, until=now)
    if now <= read_from:
        return result
    touched = _touched_station_days(read_from, now)
    result.station_days = sum(len(days) for days in touched.values())
    for first, last, stations in _clusters(touched):
        result.runs.append(recompute_air(start=first, end=last, stations=stations))
    RecomputeWatermark.objects.filter(pk=mark.pk).update(received_until=now)
    return result


def _touched_station_days(since: datetime, until: datetime) -> dict[int, set[date]]:
    """station id → China days to recompute for the pollutant rows received in (since, until]."""
    series = dict(
        Series.objects.filter(device__station__kind__in=AIR_STATION_KINDS, factor__code__in=list(POLLUTANT_BY_CODE))
        .order_by()
        .values_list("pk", "device__station_id")
    )
    if not series:
        return {}
    table = connection.ops.quote_name(HourObservation._meta.db_table)
    # h = hours since 1970-01-01T00:00 China time: day = h // 24, hour of the day = h % 24.
    if connection.vendor == "sqlite":
        china_hour = f"CAST((julianday(period_start) - {_EPOCH_JULIAN}) * 24 + 8.000001 AS INTEGER)"
    else:
        china_hour = "floor(extract(epoch FROM period_start) / 3600 + 8)::bigint"
    series_in, series_params = one_of("series_id", list(series))
    sql = (
        f"SELECT series_id, {china_hour} / 24, max({china_hour} %% 24) FROM {table} "  # noqa: S608
        f"WHERE received_at > %s AND received_at <= %s AND {series_in} "
        f"GROUP BY series_id, {china_hour} / 24"
    )
    ops = connection.ops
    with connection.cursor() as cursor:
        bounds = [ops.adapt_datetimefield_value(since), ops.adapt_datetimefield_value(until)]
        cursor.execute(sql, [*bounds, *series_params])
        rows = cursor.fetchall()
    earliest = AQI_EDITIONS[0].effective_from
    epoch = date(1970, 1, 1)
    out: dict[int, set[date]] = {}
    for series_id, day_number, last_hour in rows:
        day = epoch + timedelta(days=int(day_number))
        days = out.setdefault(series[series_id], set())
        # An hour's 24-h moving means reach 23 hours on: into the next day unless the hour is 00:00.
        for d in (day, day + timedelta(days=1)) if last_hour >= 1 else (day,):
            if d >= earliest:
                days.add(d)
    return {station: days for station, days in out.items() if days}


def _clusters(touched: dict[int, set[date]]) -> list[tuple[date, date, list[int]]]:
    """Runs of consecutive touched days, each with the stations touched on any of its days."""
    by_day: dict[date, set[int]] = {}
    for station, days in touched.items():
        for day in days:
            by_day.setdefault(day, set()).add(station)
    clusters: list[tuple[date, date, set[int]]] = []
    for day in sorted(by_day):
        if clusters and day - clusters[-1][1] <= timedelta(days=1):
            first, _, stations = clusters[-1]
            clusters[-1] = (first, day, stations | by_day[day])
        else:
            clusters.append((day, day, set(by_day[day])))
    return [(first, last, sorted(stations)) for first, last, stations in clusters]
