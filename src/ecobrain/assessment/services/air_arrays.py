"""The NumPy part of the air recomputation: hourly values of stations → hourly and daily statistics and AQI columns.

No Django here. Arrays are float64 with NaN for a missing or invalid value; the hour axis is the last axis and a
day is the 24 hours whose period starts are 00:00 … 23:00 China time (``standards.hj663.aggregate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ecobrain.assessment.choices import AIR_POLLUTANTS
from ecobrain.standards.aqi.model import PRIMARY_ORDER
from ecobrain.standards.aqi.selection import edition_for as aqi_edition_for
from ecobrain.standards.aqi.vectorised import ABSENT, AqiArrays, compute_aqi_arrays
from ecobrain.standards.hj663 import aggregate
from ecobrain.standards.hj663.selection import edition_for as hj663_edition_for
from ecobrain.standards.hj663.selection import get_edition
from ecobrain.standards.hj663.statistics import SCALE, SCALED_MAX

HOURS = 24
# Lead-in hours read before the first hour: the longest moving window (24 h) minus one.
LEAD_HOURS = 23
PM_24H_WINDOW, PM_24H_MIN = 24, 20  # HJ 633-2012 real-time PM 24-h moving means (GB 3095 Table 4: ≥ 20 of 24)
# Statistics of an hour row (keys of AirQualityHour, plus so2_24h: the 2012 rule for SO2 1-h above 800 needs it).
HOUR_KEYS = (*AIR_POLLUTANTS, "o3_8h", "pm10_24h", "pm2_5_24h", "so2_24h")
# Statistics of a day row: daily means, ``o3`` the daily maximum 1-h value, ``o3_8h`` the MDA8.
DAY_KEYS = ("so2", "no2", "co", "o3", "o3_8h", "pm10", "pm2_5")
DAY_MEAN_KEYS = ("so2", "no2", "co", "pm10", "pm2_5")


@dataclass(frozen=True)
class Segment:
    """Consecutive days ``first`` … ``first + days - 1`` (indices ``start`` … ``stop`` − 1) under the same editions."""

    start: int
    stop: int
    aqi_edition: str
    hj663_edition: str

    @property
    def hours(self) -> slice:
        return slice(self.start * HOURS, self.stop * HOURS)

    @property
    def days(self) -> slice:
        return slice(self.start, self.stop)


def segments(first: date, n_days: int) -> list[Segment]:
    """The runs of days with the same HJ 633 and HJ 663 editions (by Beijing date: 2026-03-01 switches both)."""
    out: list[Segment] = []
    for i in range(n_days):
        day = first + timedelta(days=i)
        key = (aqi_edition_for(day).name, hj663_edition_for(day).name)
        if out and (out[-1].aqi_edition, out[-1].hj663_edition) == key:
            out[-1] = Segment(out[-1].start, i + 1, *key)
        else:
            out.append(Segment(i, i + 1, *key))
    return out


def station_hours(values: dict[str, np.ndarray], segs: Sequence[Segment]) -> dict[str, np.ndarray]:
    """Hourly statistics [stations, hours] from the 1-h values [stations, LEAD_HOURS + hours] (lead-in first).

    ``o3_8h`` is the 8-h moving mean (≥ 6 valid of 8, GB 3095-2026 Table 4), ``pm10_24h``/``pm2_5_24h``/``so2_24h``
    the 24-h moving means (≥ 20 of 24), each ending with the hour. The windows are the HJ 663 edition's (the same
    in both editions); the edition of the first day decides for the whole span.
    """
    ed = get_edition(segs[0].hj663_edition)
    out = {key: values[key][:, LEAD_HOURS:] for key in AIR_POLLUTANTS}
    out["o3_8h"] = aggregate.moving_means(values["o3"], ed.o3_8h_window, ed.o3_8h_min_hours)[:, LEAD_HOURS:]
    for key in ("pm10", "pm2_5", "so2"):
        out[f"{key}_24h"] = aggregate.moving_means(values[key], PM_24H_WINDOW, PM_24H_MIN)[:, LEAD_HOURS:]
    return out


def station_days(hourly: dict[str, np.ndarray], segs: Sequence[Segment]) -> tuple[dict[str, np.ndarray], dict]:
    """Daily statistics [stations, days] and valid-hour counts from the target hours [stations, days*24].

    Daily means need ≥ 20 valid hours (GB 3095-2026 Table 4, HJ 663 §3.1), ``o3`` is the daily maximum 1-h value
    (of a day with ≥ 20 valid hours), ``o3_8h`` the MDA8 (``aggregate.daily_max_8h``). ``counts`` maps the six
    pollutants to their valid hours per day, and ``o3_8h`` to the valid 8-h means among the MDA8 windows.
    """
    n_stations, n_hours = hourly["so2"].shape
    n_days = n_hours // HOURS
    days = {key: np.full((n_stations, n_days), np.nan) for key in DAY_KEYS}
    counts = {key: np.zeros((n_stations, n_days), dtype=np.int32) for key in (*AIR_POLLUTANTS, "o3_8h")}
    for seg in segs:
        ed = seg.hj663_edition
        for key in DAY_MEAN_KEYS:
            means, n = aggregate.daily_means(hourly[key][:, seg.hours], edition=ed)
            days[key][:, seg.days], counts[key][:, seg.days] = means, n
        o3 = hourly["o3"][:, seg.hours]
        days["o3"][:, seg.days] = aggregate.daily_max_1h(o3, edition=ed)
        counts["o3"][:, seg.days] = (~np.isnan(o3)).reshape(n_stations, -1, HOURS).sum(axis=-1)
        days["o3_8h"][:, seg.days], counts["o3_8h"][:, seg.days] = aggregate.daily_max_8h(o3, edition=ed)
    return days, counts


class ExactMean:
    """The mean over stations of a statistic, added station by station, exact like ``hj663.aggregate``: values with
    at most 3 decimals are summed in integer thousandths (one correctly rounded division at the end)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.milli = np.zeros(shape, dtype=np.int64)
        self.rest = np.zeros(shape)
        self.count = np.zeros(shape, dtype=np.int32)
        self.inexact = np.zeros(shape, dtype=bool)

    def add(self, x: np.ndarray) -> None:
        valid = ~np.isnan(x)
        with np.errstate(invalid="ignore"):
            milli = np.rint(x * SCALE)
            exact = valid & (np.abs(x) < SCALED_MAX) & (milli / SCALE == x)
        self.milli += np.where(exact, milli, 0).astype(np.int64)
        other = valid & ~exact
        self.rest += np.where(other, x, 0.0)
        self.inexact |= other
        self.count += valid

    def mean(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            exact = self.milli / (self.count * SCALE)
            mixed = (self.milli / SCALE + self.rest) / self.count
        return np.where(self.count > 0, np.where(self.inexact, mixed, exact), np.nan)


class AreaMeans:
    """Running means of every hourly and daily statistic of one area (a district's or the city's stations)."""

    def __init__(self, n_hours: int, n_days: int) -> None:
        self.hours = {key: ExactMean((n_hours,)) for key in HOUR_KEYS}
        self.days = {key: ExactMean((n_days,)) for key in DAY_KEYS}

    def add(self, hourly: dict[str, np.ndarray], daily: dict[str, np.ndarray], row: int) -> None:
        for key, acc in self.hours.items():
            acc.add(hourly[key][row])
        for key, acc in self.days.items():
            acc.add(daily[key][row])

    def result(self) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray], np.ndarray]:
        """(hourly means, stations per hour, daily means, stations per day); a station count is the largest number
        of stations behind any one pollutant's value."""
        hours = {key: acc.mean()[None, :] for key, acc in self.hours.items()}
        days = {key: acc.mean()[None, :] for key, acc in self.days.items()}
        hour_count = np.max([self.hours[k].count for k in AIR_POLLUTANTS], axis=0)[None, :]
        day_count = np.max([self.days[k].count for k in DAY_KEYS], axis=0)[None, :]
        return hours, hour_count, days, day_count


# --- AQI columns ---------------------------------------------------------------------------------------------------


@dataclass
class AqiColumns:
    """The AQI fields of many rows as object arrays ready for the database (None = NULL)."""

    aqi: np.ndarray
    level: np.ndarray
    primary: np.ndarray
    iaqi: np.ndarray


def exempt_keys(code: int) -> set[str]:
    """The AQI input keys of the pollutants in an exemption bitmask (bit i: AIR_POLLUTANTS[i]); O3 covers O3-8h."""
    keys = set()
    for bit, key in enumerate(AIR_POLLUTANTS):
        if code >> bit & 1:
            keys |= {key, "o3_8h"} if key == "o3" else {key}
    return keys


def aqi_columns(
    columns: dict[str, np.ndarray], *, edition: str, kind: str, exempt: np.ndarray | None = None
) -> AqiColumns:
    """compute_aqi_arrays over 1-D columns: AQI and level None when NA, primary pollutants as a comma-separated
    string in the standard's order, and the IAQIs (incl. reported-only ones) as JSON text.

    ``exempt`` gives each row a bitmask of pollutants its station does not measure: HJ 633-2026 §5.3.2 lets a
    pollutant outside the monitoring plan not block the AQI (e.g. a micro station with PM sensors only).
    """
    codes = [] if exempt is None else np.unique(exempt).tolist()
    if len(codes) <= 1:
        return _aqi_columns(columns, edition, kind, exempt_keys(codes[0]) if codes else set())
    size = len(exempt)
    out = AqiColumns(*(np.empty(size, dtype=object) for _ in range(4)))
    for code in codes:
        rows = np.flatnonzero(exempt == code)
        part = _aqi_columns({k: v[rows] for k, v in columns.items()}, edition, kind, exempt_keys(code))
        out.aqi[rows], out.level[rows], out.primary[rows], out.iaqi[rows] = (
            part.aqi,
            part.level,
            part.primary,
            part.iaqi,
        )
    return out


def _aqi_columns(columns: dict[str, np.ndarray], edition: str, kind: str, exempt: set[str]) -> AqiColumns:
    result = compute_aqi_arrays(columns, edition=edition, kind=kind, exempt=exempt)
    return AqiColumns(
        aqi=_nullable(result.aqi, result.aqi < 0),
        level=_nullable(result.level, result.level == 0),
        primary=_PRIMARY_TEXT[result.primary_mask],
        iaqi=iaqi_json(result),
    )


def _nullable(values: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Python numbers in an object array, None where ``null``."""
    out = values.astype(object)
    out[null] = None
    return out


def nullable_floats(values: np.ndarray) -> np.ndarray:
    return _nullable(values, np.isnan(values))


_PRIMARY_TEXT = np.array(
    [
        ",".join(key for bit, key in enumerate(PRIMARY_ORDER) if mask >> bit & 1)
        for mask in range(1 << len(PRIMARY_ORDER))
    ],
    dtype=object,
)


def iaqi_json(result: AqiArrays) -> np.ndarray:
    """Each row's IAQIs as a JSON object text (keys in the edition's input order, then the reported-only ones; a key
    without an IAQI is left out). Rows are grouped by which keys they have, one format string per group."""
    indices = {**result.iaqi, **result.reported_iaqi}
    keys = list(indices)
    size = len(result.aqi)
    if not keys or not size:
        return np.full(size, "{}", dtype=object)
    stacked = np.stack([indices[k] for k in keys])
    present = stacked != ABSENT
    pattern = np.zeros(size, dtype=np.int64)
    for bit in range(len(keys)):
        pattern |= present[bit].astype(np.int64) << bit
    out = np.empty(size, dtype=object)
    for code in np.unique(pattern).tolist():
        rows = np.flatnonzero(pattern == code)
        chosen = [bit for bit in range(len(keys)) if code >> bit & 1]
        template = "{" + ", ".join(f'"{keys[bit]}": %d' for bit in chosen) + "}"
        if chosen:
            values = zip(*(stacked[bit, rows].tolist() for bit in chosen), strict=True)
            out[rows] = [template % row for row in values]
        else:
            out[rows] = "{}"
    return out


def counts_json(counts: dict[str, np.ndarray], mask: np.ndarray) -> np.ndarray:
    """The ``hours`` JSON text of the day rows selected by ``mask``."""
    keys = list(counts)
    template = "{" + ", ".join(f'"{key}": %d' for key in keys) + "}"
    out = np.empty(int(mask.sum()), dtype=object)
    out[:] = [template % row for row in zip(*(counts[key][mask].tolist() for key in keys), strict=True)]
    return out
