"""Scalar HJ 663 statistics: percentiles, period statistics with validity, comprehensive index, good-day ratio.

Exact enough to publish: a float is read by its shortest repr (2.2 means 2.2), means are the float nearest the
exact decimal mean, and the percentile of values with at most 3 decimals (HJ 212 data) is computed in integers.
:func:`ecobrain.standards.hj663.aggregate.percentile_rows` follows the same steps, so both give identical floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from ecobrain.standards.aqi.model import level_for
from ecobrain.standards.aqi.selection import beijing_date
from ecobrain.standards.hj663.model import DAILY_KEYS, POLLUTANTS, AssessmentEdition
from ecobrain.standards.hj663.selection import edition_for, get_edition

Value = float | int | Decimal | None
SCALE = 1000  # values with at most 3 decimals (HJ 212 sends 3) are computed in thousandths, exactly
SCALED_MAX = 1e10  # above this the thousandths (× 100 in a percentile) would pass 2**53


def _float(value: Value, name: str = "value") -> float | None:
    """A value as a float, None for None/NaN; infinities and non-numbers are refused."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name}: {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {value!r} is not a number") from None
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"{name}: {value!r} is not finite")
    return number


def _valid(values: Iterable[Value], name: str = "values") -> list[float]:
    out = []
    for value in values:
        number = _float(value, name)
        if number is not None:
            out.append(number)
    return out


def _thousandths(values: Sequence[float]) -> list[int] | None:
    """The values in thousandths when every one has at most 3 decimals (as a float reads), else None."""
    out = []
    for x in values:
        if not abs(x) < SCALED_MAX:
            return None
        m = round(x * SCALE)
        if m / SCALE != x:
            return None
        out.append(m)
    return out


def _exact(x: float) -> Fraction:
    return Fraction(Decimal(repr(x)))


def _check_p(p: float) -> float:
    p = float(p)
    if not 0 <= p <= 100:
        raise ValueError(f"percentile p must be within 0–100, got {p}")
    return p


def percentile(values: Iterable[Value], p: float) -> float | None:
    """The p-th percentile per HJ 663 Appendix A (standards.md §3.2); None/NaN are ignored, None when no value.

    Sorted ascending X(1) … X(n): k = 1 + (n−1)·p/100, s = ⌊k⌋, m_p = X(s) + (X(s+1) − X(s))·(k − s), i.e.
    ``numpy.percentile(method="linear")``. Values with ≤ 3 decimals and an integral p are computed in integers and
    give the float nearest the exact result; others use the float formula.
    """
    p = _check_p(p)
    xs = sorted(_valid(values))
    n = len(xs)
    if n == 0:
        return None
    scaled = _thousandths(xs)
    if scaled is not None and p.is_integer():
        s, r = divmod((n - 1) * int(p), 100)
        lo, hi = scaled[s], scaled[min(s + 1, n - 1)]
        return (100 * lo + (hi - lo) * r) / (100 * SCALE)
    position = (n - 1) * p / 100
    s = math.floor(position)
    lo, hi = xs[s], xs[min(s + 1, n - 1)]
    return lo + (hi - lo) * (position - s)


def mean(values: Iterable[Value]) -> float | None:
    """The arithmetic mean ignoring None/NaN (None when no value): the float nearest the exact decimal mean."""
    xs = _valid(values)
    if not xs:
        return None
    scaled = _thousandths(xs)
    if scaled is not None:
        return sum(scaled) / (len(xs) * SCALE)
    return float(sum(map(_exact, xs)) / len(xs))


# --- period statistics ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollutantStats:
    """One pollutant's statistics over a period of daily values.

    ``concentration`` is the assessment concentration (评价浓度) of the edition: the mean for SO2, NO2, PM10, PM2.5,
    the 95th percentile for CO, the 90th of the MDA8 for O3 — given whether or not the period is ``valid``.
    ``valid`` is None when no validity rule applies (the period holds no whole calendar month).
    """

    key: str
    days: int
    mean: float | None
    maximum: float | None
    percentile_name: str | None
    percentile: float | None
    statistic: str | None
    concentration: float | None
    valid: bool | None
    short_months: tuple[str, ...]
    short_years: tuple[int, ...]

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"days": self.days, "mean": self.mean, "max": self.maximum}
        if self.percentile_name:
            out[self.percentile_name] = self.percentile
        out.update(
            statistic=self.statistic,
            concentration=self.concentration,
            valid=self.valid,
            short_months=list(self.short_months),
            short_years=list(self.short_years),
        )
        return out


@dataclass(frozen=True)
class PeriodStats:
    """Statistics of a period (month, year or any span of days) per pollutant, and the edition that made them."""

    edition: str
    first_day: date
    last_day: date
    n_days: int
    kind: str  # "year" (one calendar year), "month" (one calendar month) or "period"
    pollutants: dict[str, PollutantStats]

    def concentrations(self) -> dict[str, float | None]:
        """Assessment concentrations of the six pollutants, as :func:`comprehensive_index` takes them."""
        return {k: s.concentration for k, s in self.pollutants.items() if k in POLLUTANTS}

    def as_dict(self) -> dict[str, object]:
        return {
            "edition": self.edition,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "n_days": self.n_days,
            "kind": self.kind,
            "pollutants": {key: stats.as_dict() for key, stats in self.pollutants.items()},
        }


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _whole_months(first: date, last: date) -> list[tuple[int, int]]:
    months = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        if date(year, month, 1) >= first and _month_end(year, month) <= last:
            months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _period_kind(first: date, last: date) -> str:
    if first == date(first.year, 1, 1) and last == date(first.year, 12, 31):
        return "year"
    if first.day == 1 and last == _month_end(first.year, first.month):
        return "month"
    return "period"


def _pollutant_stats(
    key: str, values: list[float | None], days: list[date], months: list[tuple[int, int]], ed: AssessmentEdition
) -> PollutantStats:
    valid_values = [v for v in values if v is not None]
    per_month: dict[tuple[int, int], int] = {}
    per_year: dict[int, int] = {}
    for day, value in zip(days, values, strict=True):
        if value is not None:
            per_month[day.year, day.month] = per_month.get((day.year, day.month), 0) + 1
            per_year[day.year] = per_year.get(day.year, 0) + 1
    # GB 3095-2026 Table 4 / standards.md §3.1: each whole month ≥ 27 days (February ≥ 25), each whole year ≥ 324.
    short_months = tuple(f"{y}-{m:02d}" for y, m in months if per_month.get((y, m), 0) < ed.month_minimum(m))
    whole_years = sorted({y for y, _ in months if sum(1 for yy, _ in months if yy == y) == 12})
    short_years = tuple(y for y in whole_years if per_year.get(y, 0) < ed.year_min_days)
    name = ed.percentile_name(key)
    p_value = percentile(valid_values, ed.percentiles[key]) if name else None
    m = mean(valid_values)
    statistic = ed.concentration_statistic.get(key)
    return PollutantStats(
        key=key,
        days=len(valid_values),
        mean=m,
        maximum=max(valid_values) if valid_values else None,
        percentile_name=name,
        percentile=p_value,
        statistic=statistic,
        concentration=None if statistic is None else m if statistic == "mean" else p_value,
        valid=(not short_months and not short_years) if months else None,
        short_months=short_months,
        short_years=short_years,
    )


def period_statistics(
    daily: Mapping[str, Sequence[Value]],
    *,
    first_day: date | datetime,
    edition: AssessmentEdition | str | int | None = None,
) -> PeriodStats:
    """Period statistics of daily values (HJ 663 §3.2 items, GB 3095-2026 Table 4 validity).

    ``daily`` maps ``so2, no2, co, o3_8h, pm10, pm2_5`` (and optionally ``o3``, the daily max 1-h) to one value per
    day from ``first_day`` (None/NaN = no valid daily value); all sequences have the same length. Validity: every
    whole calendar month in the period needs the month minimum and every whole calendar year the year minimum, so
    a month uses the month rule and a year the year rule with each month's minimum; a span holding no whole month
    gets ``valid=None``. The edition defaults to the one in force on the period's last (Beijing) day.
    """
    first = beijing_date(first_day)
    unknown = sorted(set(daily) - set(DAILY_KEYS))
    if unknown:
        raise ValueError(f"unknown pollutant key(s) {', '.join(unknown)}; expected {', '.join(DAILY_KEYS)}")
    lengths = {key: len(values) for key, values in daily.items()}
    if not lengths:
        raise ValueError("daily holds no pollutant")
    if len(set(lengths.values())) > 1:
        raise ValueError(f"daily series differ in length: {lengths}")
    n_days = next(iter(lengths.values()))
    if n_days == 0:
        raise ValueError("daily series are empty")
    last = first + timedelta(days=n_days - 1)
    ed = edition_for(last) if edition is None else get_edition(edition)
    days = [first + timedelta(days=i) for i in range(n_days)]
    months = _whole_months(first, last)
    pollutants = {}
    for key in DAILY_KEYS:
        if key in daily:
            values = [_float(v, f"{key} day {i + 1}") for i, v in enumerate(daily[key])]
            pollutants[key] = _pollutant_stats(key, values, days, months, ed)
    return PeriodStats(
        edition=ed.name,
        first_day=first,
        last_day=last,
        n_days=n_days,
        kind=_period_kind(first, last),
        pollutants=pollutants,
    )


# --- comprehensive index -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexResult:
    """The comprehensive index (综合指数): per pollutant C/S and w·C/S, their sum, and the largest term."""

    edition: str
    ratios: dict[str, float]  # I_i = C_i / S_i
    single_indices: dict[str, float]  # w_i · C_i / S_i: the terms summed (= ratios when every weight is 1)
    weights: dict[str, int]
    total: float | None  # None when any of the six pollutants is missing
    published: float | None  # total rounded to the edition's decimals (GB/T 8170, half to even)
    largest: tuple[str, ...]  # pollutant(s) with the largest single index (ties all listed)
    missing: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "edition": self.edition,
            "ratios": dict(self.ratios),
            "single_indices": dict(self.single_indices),
            "weights": dict(self.weights),
            "total": self.total,
            "published": self.published,
            "largest": list(self.largest),
            "missing": list(self.missing),
        }


def comprehensive_index(concentrations: Mapping[str, Value], *, edition: AssessmentEdition | str | int) -> IndexResult:
    """The comprehensive index I = Σ w_i · C_i / S_i over SO2, NO2, CO, O3, PM10, PM2.5 (standards.md §3.3).

    ``concentrations`` holds the assessment concentrations keyed ``so2, no2, co, o3_8h, pm10, pm2_5`` (O3 is the
    90th percentile of the MDA8, CO the 95th percentile of the daily means); an ``o3`` key (1-h) is ignored.
    HJ 663-2013: weights 1, GB 3095-2012 grade II limits. HJ 663-2026: weights PM2.5 3, NO2 2, O3 2, others 1 with
    the GB 3095-2026 transition limits — UNVERIFIED, kept as edition data. Arithmetic is exact; ``largest`` lists
    every pollutant whose term equals the largest one, even when another is missing.
    """
    ed = get_edition(edition)
    unknown = sorted(set(concentrations) - set(DAILY_KEYS))
    if unknown:
        raise ValueError(f"unknown pollutant key(s) {', '.join(unknown)}; expected {', '.join(POLLUTANTS)}")
    ratios: dict[str, Fraction] = {}
    terms: dict[str, Fraction] = {}
    missing = []
    for key in POLLUTANTS:
        value = _float(concentrations.get(key), key)
        if value is None:
            missing.append(key)
            continue
        ratios[key] = _exact(value) / Fraction(ed.index_limits[key])
        terms[key] = ratios[key] * ed.index_weights[key]
    total = None if missing else sum(terms.values(), Fraction(0))
    top = max(terms.values(), default=None)
    return IndexResult(
        edition=ed.name,
        ratios={k: float(v) for k, v in ratios.items()},
        single_indices={k: float(v) for k, v in terms.items()},
        weights={k: ed.index_weights[k] for k in POLLUTANTS},
        total=None if total is None else float(total),
        published=None if total is None else float(round(total, ed.index_decimals)),
        largest=tuple(k for k, v in terms.items() if v == top),
        missing=tuple(missing),
    )


# --- excellent-good days, change rates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GoodDays:
    """优良天数: valid days, days with AQI ≤ 100, their ratio (a fraction) and the days per AQI level 1–6."""

    valid_days: int
    good_days: int
    ratio: float | None
    percent: float | None  # ratio × 100 rounded to 1 decimal (GB/T 8170), as bulletins publish it
    days_per_level: dict[int, int]

    def as_dict(self) -> dict[str, object]:
        return {
            "valid_days": self.valid_days,
            "good_days": self.good_days,
            "ratio": self.ratio,
            "percent": self.percent,
            "days_per_level": {str(level): n for level, n in self.days_per_level.items()},
        }


def excellent_good(daily_aqi: Iterable[int | float | None]) -> GoodDays:
    """Excellent-good ratio (优良天数比例) = days with daily AQI ≤ 100 ÷ valid days (standards.md §3.3).

    None/NaN days are not valid days. Levels follow the AQI boundaries 50/100/150/200/300 (HJ 633).
    """
    per_level = dict.fromkeys(range(1, 7), 0)
    for i, value in enumerate(daily_aqi):
        aqi = _float(value, f"day {i + 1}")
        if aqi is None:
            continue
        if aqi < 0 or not aqi.is_integer():
            raise ValueError(f"day {i + 1}: AQI must be a non-negative integer, got {value!r}")
        per_level[level_for(int(aqi)).number] += 1
    valid = sum(per_level.values())
    good = per_level[1] + per_level[2]
    ratio = Fraction(good, valid) if valid else None
    return GoodDays(
        valid_days=valid,
        good_days=good,
        ratio=None if ratio is None else float(ratio),
        percent=None if ratio is None else float(round(ratio * 100, 1)),
        days_per_level=per_level,
    )


def change_rate(current: Value, previous: Value) -> float | None:
    """同比/环比 change rate (current − previous) / previous as a fraction; None when either is missing or previous
    is 0. Exact on the decimal values (a float is read by its shortest repr)."""
    cur, prev = _float(current, "current"), _float(previous, "previous")
    if cur is None or prev is None or prev == 0:
        return None
    return float((_exact(cur) - _exact(prev)) / _exact(prev))
