"""HJ 663 scalar statistics: percentile, mean, period statistics and validity, comprehensive index, good days."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from ecobrain.standards.hj663 import (
    change_rate,
    comprehensive_index,
    excellent_good,
    mean,
    percentile,
    period_statistics,
)

# --- percentile and mean -------------------------------------------------------------------------------------------


def test_percentile_vectors():
    """HJ 663 Appendix A, standards.md §3.4: 1..10 at p=90 → k = 9.1 → 9.1; {3, 1, 2} at p=50 → 2."""
    assert percentile(range(1, 11), 90) == 9.1
    assert percentile([3, 1, 2], 50) == 2
    assert percentile([3, None, 1, math.nan, 2, Decimal("NaN")], 50) == 2  # None/NaN ignored
    assert percentile([], 90) is None and percentile([None, math.nan], 90) is None
    assert percentile([7.5], 98) == 7.5
    assert percentile([4, 1, 9], 0) == 1 and percentile([4, 1, 9], 100) == 9
    with pytest.raises(ValueError, match="0–100"):
        percentile([1, 2], 101)
    with pytest.raises(ValueError, match="not finite"):
        percentile([1, math.inf], 50)


def test_percentile_is_numpy_linear():
    """standards.md §3.2: the Appendix A formula equals numpy.percentile(method="linear") (Excel PERCENTILE.INC)."""
    rng = np.random.default_rng(663)
    for n in (1, 2, 3, 29, 31, 324, 365):
        values = rng.gamma(2, 30, n)
        for p in (50, 90, 95, 98, 37.5):
            assert percentile(values.tolist(), p) == pytest.approx(np.percentile(values, p), rel=1e-13)


def test_percentile_exact_on_decimals():
    """Values with ≤ 3 decimals give the float nearest the exact Appendix A result, so GB/T 8170 rounding of a
    published percentile is right (the plain float formula misses in the last digit)."""
    rng = np.random.default_rng(98)
    naive_misses = 0
    for _ in range(300):
        values = np.round(rng.uniform(0, 5, int(rng.integers(2, 40))), int(rng.integers(1, 4))).tolist()
        p = int(rng.choice([90, 95, 98]))
        xs = sorted(Fraction(Decimal(repr(v))) for v in values)
        s, r = divmod((len(xs) - 1) * p, 100)
        exact = xs[s] + (xs[min(s + 1, len(xs) - 1)] - xs[s]) * Fraction(r, 100)
        assert percentile(values, p) == float(exact)
        position = (len(xs) - 1) * p / 100
        lo, hi = sorted(values)[math.floor(position)], sorted(values)[min(math.floor(position) + 1, len(xs) - 1)]
        naive_misses += lo + (hi - lo) * (position - math.floor(position)) != float(exact)
    assert naive_misses > 0  # the case is real: the float formula differs somewhere in this sample


def test_mean_ignores_missing_and_is_exact():
    assert mean([0.1, 0.2]) == 0.15  # (0.1 + 0.2) / 2 in floats is 0.15000000000000002
    assert mean([1, None, 3, math.nan]) == 2
    assert mean([Decimal("1.25"), Decimal("1.35")]) == 1.3
    assert mean([]) is None and mean([None]) is None
    assert mean([0.12345, 0.54321]) == float((Fraction("0.12345") + Fraction("0.54321")) / 2)


# --- period statistics ---------------------------------------------------------------------------------------------


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _series(days: list[date], missing_per_month: dict[int, int], value: float = 50.0) -> list[float | None]:
    """One value a day, with the first N days of each month missing."""
    return [None if d.day <= missing_per_month.get(d.month, 0) else value for d in days]


YEAR_2025 = _days(date(2025, 1, 1), date(2025, 12, 31))


def test_year_with_323_days_is_invalid():
    """standards.md §3.4 / GB 3095-2026 Table 4: 323 valid daily values in a year → invalid, even when every month
    has its minimum (31-day months miss 4, 30-day months 3, February 2: 365 − 42 = 323); 324 → valid."""
    missing = {m: 4 for m in (1, 3, 5, 7, 8, 10, 12)} | {m: 3 for m in (4, 6, 9, 11)} | {2: 1}
    ok = period_statistics({"pm2_5": _series(YEAR_2025, missing)}, first_day=date(2025, 1, 1))
    assert ok.kind == "year" and ok.pollutants["pm2_5"].days == 324 and ok.pollutants["pm2_5"].valid is True
    missing[2] = 2
    bad = period_statistics({"pm2_5": _series(YEAR_2025, missing)}, first_day=date(2025, 1, 1))
    stats = bad.pollutants["pm2_5"]
    assert stats.days == 323 and stats.valid is False
    assert stats.short_months == () and stats.short_years == (2025,)


def test_year_with_324_days_but_february_24_is_invalid():
    """standards.md §3.4: 324 values with February 24 → invalid (February needs ≥ 25)."""
    missing = {2: 4} | {m: 4 for m in (1, 3, 5, 7, 8, 10, 12)} | {m: 3 for m in (4, 6, 9)}
    series = _series(YEAR_2025, missing)
    stats = period_statistics({"so2": series}, first_day=date(2025, 1, 1)).pollutants["so2"]
    assert stats.days == 324 and stats.valid is False
    assert stats.short_months == ("2025-02",) and stats.short_years == ()


@pytest.mark.parametrize(
    ("first", "length", "valid_days", "valid"),
    [
        (date(2025, 1, 1), 31, 27, True),
        (date(2025, 1, 1), 31, 26, False),
        (date(2025, 2, 1), 28, 25, True),
        (date(2025, 2, 1), 28, 24, False),
        (date(2024, 2, 1), 29, 25, True),  # leap year: still 25
        (date(2025, 4, 1), 30, 27, True),
    ],
)
def test_month_rule(first, length, valid_days, valid):
    """GB 3095-2026 Table 4 / standards.md §3.1: a month needs ≥ 27 daily values, February ≥ 25."""
    values = [10.0] * valid_days + [None] * (length - valid_days)
    result = period_statistics({"no2": values}, first_day=first)
    assert result.kind == "month" and result.n_days == length
    assert result.pollutants["no2"].valid is valid
    assert result.pollutants["no2"].short_months == (() if valid else (f"{first:%Y-%m}",))


def test_other_spans_use_the_whole_months_inside():
    """A span that is neither one month nor one year is valid when every whole month inside it is; with no whole
    month inside, no rule applies (valid None)."""
    days = _days(date(2025, 1, 15), date(2025, 3, 20))
    values = [None if d.month == 2 and d.day <= 3 else 1.0 for d in days]  # February 25 days: valid
    assert period_statistics({"co": values}, first_day=days[0]).pollutants["co"].valid is True
    values = [None if d.month == 2 and d.day <= 4 else 1.0 for d in days]  # February 24 days
    result = period_statistics({"co": values}, first_day=days[0])
    assert result.kind == "period" and result.pollutants["co"].valid is False
    # January 15–31 is not a whole month: its missing days do not matter.
    values = [None if d.month == 1 else 1.0 for d in days]
    assert period_statistics({"co": values}, first_day=days[0]).pollutants["co"].valid is True
    week = period_statistics({"co": [1.0] * 7}, first_day=date(2025, 5, 3))
    assert week.kind == "period" and week.pollutants["co"].valid is None


def test_period_statistics_values():
    """standards.md §3.2: SO2/NO2 mean + P98, PM mean + P95, CO P95 (its assessment concentration), O3 P90 of MDA8;
    the optional ``o3`` (daily max 1-h) gets mean and max only."""
    rng = np.random.default_rng(3)
    days = 31
    daily = {key: np.round(rng.gamma(2, 20, days), 1).tolist() for key in ("so2", "no2", "pm10", "pm2_5", "o3_8h")}
    daily["co"] = np.round(rng.gamma(2, 0.4, days), 1).tolist()
    daily["o3"] = np.round(rng.gamma(2, 40, days), 0).tolist()
    daily["so2"][3] = None
    result = period_statistics(daily, first_day=date(2025, 7, 1))
    so2 = result.pollutants["so2"]
    valid_so2 = [v for v in daily["so2"] if v is not None]
    assert so2.days == 30 and so2.mean == mean(valid_so2) and so2.maximum == max(valid_so2)
    assert so2.percentile_name == "p98" and so2.percentile == percentile(valid_so2, 98)
    assert so2.statistic == "mean" and so2.concentration == so2.mean
    assert result.pollutants["pm10"].percentile == percentile(daily["pm10"], 95)
    co = result.pollutants["co"]
    assert co.statistic == "p95" and co.concentration == percentile(daily["co"], 95)
    o3 = result.pollutants["o3_8h"]
    assert o3.percentile_name == "p90" and o3.concentration == percentile(daily["o3_8h"], 90)
    one_hour = result.pollutants["o3"]
    assert one_hour.percentile is None and one_hour.concentration is None and one_hour.mean == mean(daily["o3"])
    assert set(result.concentrations()) == {"so2", "no2", "co", "o3_8h", "pm10", "pm2_5"}
    plain = json.loads(json.dumps(result.as_dict()))
    assert plain["edition"] == "HJ 663-2013" and plain["kind"] == "month" and plain["last_day"] == "2025-07-31"
    assert plain["pollutants"]["so2"]["p98"] == so2.percentile and "p95" in plain["pollutants"]["co"]
    assert "p90" not in plain["pollutants"]["o3"] and plain["pollutants"]["so2"]["valid"] is True


def test_period_edition_follows_the_last_day():
    """The edition defaults to the one in force on the period's last Beijing day; it can be named."""
    assert period_statistics({"so2": [1.0] * 28}, first_day=date(2026, 2, 1)).edition == "HJ 663-2013"
    assert period_statistics({"so2": [1.0] * 31}, first_day=date(2026, 3, 1)).edition == "HJ 663-2026"
    year = period_statistics({"so2": [1.0] * 365}, first_day=date(2026, 1, 1))
    assert year.edition == "HJ 663-2026" and year.kind == "year"
    named = period_statistics({"so2": [1.0] * 365}, first_day=date(2026, 1, 1), edition="HJ 663-2013")
    assert named.edition == "HJ 663-2013"


def test_period_statistics_bad_input():
    with pytest.raises(ValueError, match="unknown pollutant key"):
        period_statistics({"pm25": [1.0]}, first_day=date(2025, 1, 1))
    with pytest.raises(ValueError, match="differ in length"):
        period_statistics({"so2": [1.0], "no2": [1.0, 2.0]}, first_day=date(2025, 1, 1))
    with pytest.raises(ValueError, match="no pollutant"):
        period_statistics({}, first_day=date(2025, 1, 1))
    with pytest.raises(ValueError, match="so2 day 2"):
        period_statistics({"so2": [1.0, "x"]}, first_day=date(2025, 1, 1))


# --- comprehensive index -------------------------------------------------------------------------------------------

VECTOR = {"pm2_5": 21, "pm10": 39, "so2": 9, "no2": 15, "o3_8h": 192, "co": 0.7}


def test_comprehensive_index_vector_2013():
    """standards.md §3.4: 21/35 + 39/70 + 9/60 + 15/40 + 192/160 + 0.7/4 = 3.057 → 3.06 (2 decimals)."""
    r = comprehensive_index(VECTOR, edition="HJ 663-2013")
    assert r.total == pytest.approx(3.0571428571428571, rel=1e-15)
    assert r.published == 3.06
    assert r.ratios == r.single_indices
    assert r.single_indices["pm2_5"] == 0.6 and r.single_indices["co"] == 0.175
    assert r.largest == ("o3_8h",) and r.missing == () and r.edition == "HJ 663-2013"


def test_comprehensive_index_weighted_2026():
    """standards.md §3.3 [UNVERIFIED weights]: 3·21/30 + 39/60 + 9/60 + 2·15/40 + 2·192/160 + 0.7/4 = 6.225, which
    GB/T 8170 (half to even) publishes as 6.22."""
    r = comprehensive_index(VECTOR, edition=2026)
    assert r.total == 6.225 and r.published == 6.22
    assert r.ratios["pm2_5"] == 0.7 and r.single_indices["pm2_5"] == 2.1
    assert r.single_indices["o3_8h"] == 2.4 and r.largest == ("o3_8h",)
    assert r.weights == {"so2": 1, "no2": 2, "co": 1, "o3_8h": 2, "pm10": 1, "pm2_5": 3}


def test_comprehensive_index_missing_and_ties():
    r = comprehensive_index({**VECTOR, "co": None}, edition=2013)
    assert r.total is None and r.published is None and r.missing == ("co",)
    assert "co" not in r.single_indices and r.largest == ("o3_8h",)
    tie = comprehensive_index({**VECTOR, "pm2_5": 35, "o3_8h": 160}, edition=2013)
    assert tie.largest == ("o3_8h", "pm2_5")  # both exactly 1, listed in pollutant order
    # ``o3`` (1-h) is no index item and is ignored; unknown keys are refused.
    assert comprehensive_index({**VECTOR, "o3": 500}, edition=2013).total == r_total_2013()
    with pytest.raises(ValueError, match="unknown pollutant key"):
        comprehensive_index({**VECTOR, "pm25": 1}, edition=2013)
    assert json.loads(json.dumps(tie.as_dict()))["largest"] == ["o3_8h", "pm2_5"]


def r_total_2013() -> float:
    return comprehensive_index(VECTOR, edition=2013).total


# --- excellent-good days, change rates -----------------------------------------------------------------------------


def test_excellent_good_vectors():
    """standards.md §3.3/§3.4: days with AQI ≤ 100 ÷ valid days: 27 of 29 → 93.1 %, 86 of 91 → 94.5 %."""
    r = excellent_good([40] * 10 + [100] * 17 + [101, 301] + [None, math.nan])
    assert (r.valid_days, r.good_days, r.percent) == (29, 27, 93.1)
    assert r.ratio == 27 / 29
    assert r.days_per_level == {1: 10, 2: 17, 3: 1, 4: 0, 5: 0, 6: 1}
    r = excellent_good([50] * 86 + [150, 151, 200, 201, 300])
    assert (r.valid_days, r.good_days, r.percent) == (91, 86, 94.5)
    assert r.days_per_level == {1: 86, 2: 0, 3: 1, 4: 2, 5: 2, 6: 0}
    assert json.loads(json.dumps(r.as_dict()))["days_per_level"]["4"] == 2


def test_excellent_good_edges():
    assert excellent_good([0]).days_per_level[1] == 1  # HJ 633-2012 AQI 0 is level I
    none = excellent_good([None, None])
    assert none.valid_days == 0 and none.ratio is None and none.percent is None
    with pytest.raises(ValueError, match="day 2"):
        excellent_good([10, -1])
    with pytest.raises(ValueError, match="integer"):
        excellent_good([10.5])


def test_change_rate():
    """同比/环比: (current − previous) / previous, exact on the decimals; None without a non-zero previous value."""
    assert change_rate(110, 100) == 0.1
    assert change_rate(0.3, 0.1) == 2.0  # (0.3 − 0.1) / 0.1 in floats is 1.9999999999999996
    assert change_rate(Decimal("93.1"), Decimal("94.5")) == float(Fraction("-1.4") / Fraction("94.5"))
    assert change_rate(5, 0) is None and change_rate(None, 5) is None and change_rate(5, math.nan) is None
