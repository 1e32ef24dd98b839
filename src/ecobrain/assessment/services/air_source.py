"""Reading the valid hourly values of the six pollutants of air stations into arrays [pollutant, station, hour].

One raw query per batch of stations, bounded by series and time. The hour index is computed by the database
(SQLite ``julianday``, PostgreSQL ``extract(epoch …)``), so no timestamp is parsed in Python, and rows go into
NumPy through ``np.fromiter`` without a list of tuples in between.

Valid means what ``monitoring`` counts as valid (docs/monitoring.md "Data completeness"): a numeric value whose
device flag is not one of ``monitoring.completeness.INVALID_DEVICE_FLAGS``. Platform QC flags mark a value for
review and do not make it invalid there, so they do not here either — except that a negative concentration
cannot be assessed (HJ 633 tables start at 0), so negative values are left out.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import connection

from ecobrain.assessment.choices import AIR_POLLUTANTS, POLLUTANT_FACTOR_CODES
from ecobrain.assessment.services.air_write import one_of
from ecobrain.monitoring.completeness import INVALID_DEVICE_FLAGS
from ecobrain.monitoring.models import HourObservation, Series

POLLUTANT_BY_CODE = {code: key for key, code in POLLUTANT_FACTOR_CODES.items()}
# Reading a row through the (series, period start) index costs several times a row of a table scan, so a read that
# wants more than this share of the table's rows scans it instead (SQLite; PostgreSQL's planner decides itself).
SCAN_SHARE = 1 / 8
FETCH_ROWS = 500_000
_EPOCH_JULIAN = 2440587.5  # the Julian day of 1970-01-01T00:00Z
_ROW = np.dtype([("series", np.int64), ("hour", np.int64), ("value", np.float64)])


@dataclass(frozen=True)
class SeriesSlots:
    """Which series hold which station's pollutant: series id → slot = station index × 6 + pollutant index."""

    ids: list[int]
    slots: np.ndarray  # aligned with ``ids``
    duplicates: bool  # some station has two series of one pollutant (e.g. a replaced data logger)


def series_slots(station_ids: Sequence[int]) -> SeriesSlots:
    position = {station_id: i for i, station_id in enumerate(station_ids)}
    rows = (
        Series.objects.filter(device__station_id__in=list(station_ids), factor__code__in=list(POLLUTANT_BY_CODE))
        .order_by("pk")
        .values_list("pk", "device__station_id", "factor__code")
    )
    ids, slots = [], []
    for pk, station_id, code in rows:
        ids.append(pk)
        slots.append(position[station_id] * len(AIR_POLLUTANTS) + AIR_POLLUTANTS.index(POLLUTANT_BY_CODE[code]))
    return SeriesSlots(ids, np.array(slots, dtype=np.int64), len(set(slots)) < len(slots))


def read_hours(station_ids: Sequence[int], first: datetime, n_hours: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """pollutant key → [stations, n_hours] valid hourly values from the hour with period start ``first`` (UTC), and
    per station the bitmask of pollutants it has no series of (bit i: AIR_POLLUTANTS[i])."""
    n_stations, n_keys = len(station_ids), len(AIR_POLLUTANTS)
    out = np.full((n_keys, n_stations, n_hours), np.nan)  # out[p] is one contiguous [stations, hours] array
    found = series_slots(station_ids)
    if found.ids:
        lut = np.full(max(found.ids) + 1, -1, dtype=np.int64)
        # slot = station × 6 + pollutant → position of the station's row in out[pollutant]
        lut[found.ids] = (found.slots % n_keys) * n_stations + found.slots // n_keys
        flat_out = out.reshape(-1)
        for rows in _fetch(found.ids, first, n_hours):
            row = lut[rows["series"]]
            keep = (row >= 0) & (rows["hour"] >= 0) & (rows["hour"] < n_hours)
            flat = row[keep] * n_hours + rows["hour"][keep]
            values = rows["value"][keep]
            if found.duplicates:
                # The series with the larger id (the newer logger) wins an hour both report: sort, keep each last.
                order = np.lexsort((rows["series"][keep], flat))
                flat, values = flat[order], values[order]
                last = np.ones(len(flat), dtype=bool)
                last[:-1] = flat[1:] != flat[:-1]
                flat, values = flat[last], values[last]
            flat_out[flat] = values
    measured = np.zeros(n_stations * n_keys, dtype=bool)
    measured[found.slots] = True
    bits = 1 << np.arange(n_keys)
    unmeasured = ((~measured.reshape(n_stations, n_keys)) * bits).sum(axis=1)
    return {key: out[p] for p, key in enumerate(AIR_POLLUTANTS)}, unmeasured


def _fetch(series_ids: list[int], first: datetime, n_hours: int) -> Iterator[np.ndarray]:
    table = connection.ops.quote_name(HourObservation._meta.db_table)
    flags = sorted(INVALID_DEVICE_FLAGS)
    end = first + timedelta(hours=n_hours)
    series_in, series_params = one_of("series_id", series_ids)
    # value >= 0 is false for NULL; most rows are flagged N, which the first comparison settles.
    valid = f"value >= 0 AND (device_flag = 'N' OR device_flag NOT IN ({', '.join(['%s'] * len(flags))}))"
    bounds = [connection.ops.adapt_datetimefield_value(t) for t in (first, end)]
    if connection.vendor == "sqlite":
        origin = first.astimezone(UTC).timestamp() / 86400 + _EPOCH_JULIAN
        # Truncation is floor here (the hour index is ≥ 0 within the bounds); 1e-6 h absorbs float error.
        hour = "CAST((julianday(period_start) - %s) * 24 + 0.000001 AS INTEGER)"
        source = f"{table} NOT INDEXED" if _scan_pays(table, len(series_ids) * n_hours) else table
        value = "CAST(value AS REAL)"
    else:
        origin = first.astimezone(UTC).timestamp()
        hour = "floor((extract(epoch FROM period_start) - %s) / 3600)::bigint"
        source = table
        value = "value::float8"
    sql = (
        f"SELECT series_id, {hour}, {value} FROM {source} "  # noqa: S608 - identifiers from the model, values bound
        f"WHERE {series_in} AND period_start >= %s AND period_start < %s AND {valid}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [origin, *series_params, *bounds, *flags])
        while True:  # in chunks, so a year of rows never sits in memory at once
            rows = np.fromiter(itertools.islice(cursor.cursor, FETCH_ROWS), dtype=_ROW)
            if not len(rows):
                return
            yield rows


def _scan_pays(table: str, wanted: int) -> bool:
    """SQLite: whether the rows wanted are a large enough share of the table that a scan beats the index."""
    with connection.cursor() as cursor:
        # Each alone is one b-tree lookup on the rowid (together in one SELECT they would scan the table).
        cursor.execute(f"SELECT max(id) FROM {table}")  # noqa: S608 - identifier from the model
        high = cursor.fetchone()[0]
        cursor.execute(f"SELECT min(id) FROM {table}")  # noqa: S608
        low = cursor.fetchone()[0]
    return high is not None and wanted > (high - low + 1) * SCAN_SHARE
