"""The NumPy hour → day aggregation against plain scalar reference implementations of the same clauses."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import numpy as np
import pytest

from ecobrain.standards.hj663 import get_edition, mean, percentile
from ecobrain.standards.hj663.aggregate import (
    daily_max_1h,
    daily_max_8h,
    daily_means,
    moving_means,
    percentile_rows,
)

STATIONS, DAYS = 6, 40


def _nan_to_none(values) -> list[float | None]:
    return [None if math.isnan(v) else float(v) for v in values]


def hourly_data(seed: int, decimals: int | None) -> np.ndarray:
    """Station × hour values with every kind of day: complete, 20 hours, 19 hours, empty, and random gaps; values
    rounded to 0–3 decimals (HJ 212 data) or left as full floats (``decimals`` None)."""
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 40.0, (STATIONS, DAYS * 24))
    if decimals is not None:
        x = np.round(x, decimals)
    days = x.reshape(STATIONS, DAYS, 24)
    for s in range(STATIONS):
        for d in range(DAYS):
            kind = rng.integers(0, 6)
            if kind == 1:
                days[s, d, rng.choice(24, 4, replace=False)] = np.nan  # exactly 20 hours
            elif kind == 2:
                days[s, d, rng.choice(24, 5, replace=False)] = np.nan  # 19 hours: too short
            elif kind == 3:
                days[s, d, :] = np.nan
            elif kind == 4:
                days[s, d, rng.random(24) < rng.uniform(0.05, 0.7)] = np.nan
            elif kind == 5:
                start = rng.integers(0, 20)
                days[s, d, start : start + rng.integers(1, 9)] = np.nan  # a run of missing hours
    return x


def ref_daily_mean(hours: list[float | None], minimum: int) -> tuple[float | None, int]:
    """GB 3095-2026 Table 4 / standards.md §3.1: the daily mean needs ≥ 20 hourly values."""
    valid = [v for v in hours if v is not None]
    return (mean(valid) if len(valid) >= minimum else None), len(valid)


def ref_moving(values: list[float | None], window: int, min_count: int) -> list[float | None]:
    out = []
    for i in range(len(values)):
        chunk = [v for v in values[max(0, i - window + 1) : i + 1] if v is not None]
        out.append(mean(chunk) if len(chunk) >= min_count else None)
    return out


def ref_mda8(day: list[float | None], limit: float, min_windows: int, above_rule: bool) -> tuple[float | None, int]:
    """GB 3095-2026 §3.9 / standards.md §3.1: the 8-h means labelled 08:00 … 24:00 (period starts 07 … 23) within
    the natural day, each with ≥ 6 hours; MDA8 valid with ≥ 14 of them, or fewer when it exceeds the limit."""
    means = []
    for end in range(7, 24):
        chunk = [v for v in day[end - 7 : end + 1] if v is not None]
        if len(chunk) >= 6:
            means.append(mean(chunk))
    if not means:
        return None, 0
    top = max(means)
    ok = len(means) >= min_windows or (above_rule and top > limit)
    return (top if ok else None), len(means)


def same(got: float, want: float | None) -> bool:
    return math.isnan(got) if want is None else got == want


def close(got: float, want: float | None) -> bool:
    """Full floats are summed as floats (moving means by cumulative sums): equal to about 1e-12 of the data's size."""
    return math.isnan(got) if want is None else got == pytest.approx(want, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("decimals", [0, 1, 3, None])
def test_daily_means_match_reference(decimals):
    """GB 3095-2026 Table 4: mean of the natural day's valid hours when ≥ 20, else NaN; identical to the scalar mean
    for HJ 212 values (≤ 3 decimals), within 1e-12 for full floats."""
    x = hourly_data(1 + (decimals or 9), decimals)
    means, counts = daily_means(x)
    assert means.shape == counts.shape == (STATIONS, DAYS)
    check = same if decimals is not None else close
    for s in range(STATIONS):
        for d in range(DAYS):
            want, n = ref_daily_mean(_nan_to_none(x[s, d * 24 : d * 24 + 24]), 20)
            assert counts[s, d] == n
            assert check(means[s, d], want), (s, d, means[s, d], want)
    assert np.isnan(means).any() and (counts == 20).any() and (counts == 19).any()


def test_daily_means_minimum_and_shape():
    x = np.full(48, 10.0)
    x[:5] = np.nan  # day 1: 19 hours
    means, counts = daily_means(x)
    assert np.isnan(means[0]) and means[1] == 10 and counts.tolist() == [19, 24]
    assert daily_means(x, min_hours=19)[0][0] == 10
    assert daily_means(x, edition="HJ 663-2013")[0][1] == 10
    with pytest.raises(ValueError, match="whole number of days"):
        daily_means(np.zeros(30))
    with pytest.raises(ValueError, match="finite"):
        daily_means(np.full(24, np.inf))


def test_daily_means_half_is_exact():
    """A CO day whose exact mean is 1.65 mg/m³ stays 1.65, so GB/T 8170 gives 1.6 (HJ 633-2026 §4.2.2); the float
    sum gives 1.6500000000000001, which would round to 1.7."""
    hours = [1.3, 0.5, 3.0, 1.2, 1.5, 2.6, 2.1, 1.4, 2.6, 0.7, 0.5, 2.0,
             1.1, 1.6, 2.3, 1.4, 2.8, 0.4, 2.5, 2.4, 0.4, 1.7, 2.4, 1.2]  # fmt: skip
    assert np.sum(hours) / 24 != 1.65  # the trap is real
    got = daily_means(np.array(hours))[0][0]
    assert got == 1.65 == mean(hours)
    assert moving_means(np.array(hours), 24, 20)[-1] == 1.65


@pytest.mark.parametrize(("window", "min_count"), [(8, 6), (24, 20), (3, 1)])
@pytest.mark.parametrize("decimals", [1, None])
def test_moving_means_match_reference(window, min_count, decimals):
    """O3 8-h means (8, ≥ 6: GB 3095-2026 Table 4) and PM 24-h moving means (24, ≥ 20): the mean of the valid
    values at i−window+1 … i; positions before the array count as missing."""
    x = hourly_data(20 + window, decimals)[:3]
    got = moving_means(x, window, min_count)
    assert got.shape == x.shape
    check = same if decimals is not None else close
    for s in range(x.shape[0]):
        want = ref_moving(_nan_to_none(x[s]), window, min_count)
        bad = [i for i in range(x.shape[1]) if not check(got[s, i], want[i])]
        assert not bad, (s, bad[:5])


def test_moving_means_lead_in_and_arguments():
    x = np.arange(1.0, 11.0)
    got = moving_means(x, 8, 6)
    assert np.isnan(got[:5]).all() and got[5] == 3.5 and got[9] == 6.5  # index 5: values 1…6; index 9: 3…10
    with pytest.raises(ValueError, match="min_count"):
        moving_means(x, 8, 9)
    with pytest.raises(ValueError, match="min_count"):
        moving_means(x, 0, 0)
    assert moving_means(x[None, :], 24, 1)[0, -1] == 5.5  # window longer than the data


@pytest.mark.parametrize("decimals", [0, 2, None])
def test_daily_max_8h_matches_reference(decimals):
    """MDA8 per natural day (GB 3095-2026 §3.9, Table 4; standards.md §3.1 [UNVERIFIED 14-window rule])."""
    x = hourly_data(8 + (decimals or 5), decimals) * 2  # some days above 160, so the exception rule is exercised
    mda8, windows = daily_max_8h(x, edition=2026)
    check = same if decimals is not None else close
    for s in range(STATIONS):
        for d in range(DAYS):
            want, n = ref_mda8(_nan_to_none(x[s, d * 24 : d * 24 + 24]), 160, 14, True)
            assert windows[s, d] == n
            assert check(mda8[s, d], want), (s, d, mda8[s, d], want)
    short_but_high = (windows < 14) & (windows > 0) & ~np.isnan(mda8)
    short_and_low = (windows < 14) & (windows > 0) & np.isnan(mda8)
    assert short_but_high.any() and short_and_low.any()


def test_daily_max_8h_rules_are_edition_data():
    """The UNVERIFIED MDA8 rule lives in the edition: switching the exception off or changing the minimum changes
    the result, with no code change."""
    x = hourly_data(77, 1) * 2
    edition = get_edition(2026)
    strict = dataclasses.replace(edition, mda8_valid_above_limit=False)
    loose = dataclasses.replace(edition, mda8_min_windows=1, o3_8h_limit=Decimal(0))
    mda8, windows = daily_max_8h(x, edition=edition)
    mda8_strict, _ = daily_max_8h(x, edition=strict)
    mda8_loose, _ = daily_max_8h(x, edition=loose)
    assert np.array_equal(np.isnan(mda8_strict), windows < 14)
    assert np.array_equal(np.isnan(mda8_loose), windows == 0)
    assert (np.isnan(mda8_strict) & ~np.isnan(mda8)).any()


def test_daily_max_8h_stays_within_the_natural_day():
    """The window labelled 08:00 holds the hours with period starts 00:00 … 07:00; no window crosses midnight."""
    day0 = np.full(24, 100.0)
    day0[18:] = 300.0
    day1 = np.full(24, 50.0)
    day1[:7] = 400.0  # in windows ending before 07:00 only … and in the 08:00 window (hours 0–7): (7·400 + 50)/8
    mda8, windows = daily_max_8h(np.concatenate([day0, day1]))
    assert mda8[0] == (2 * 100 + 6 * 300) / 8 and windows.tolist() == [17, 17]
    assert mda8[1] == (7 * 400 + 50) / 8
    day1[7] = 400.0  # now the 08:00 window is all 400
    assert daily_max_8h(np.concatenate([day0, day1]))[0][1] == 400


@pytest.mark.parametrize("decimals", [1, None])
def test_daily_max_1h_matches_reference(decimals):
    """The O3 daily max 1-h for the HJ 633-2012 daily AQI: the largest valid hour of a day with ≥ 20 hours."""
    x = hourly_data(31, decimals)
    got = daily_max_1h(x, edition=2013)
    for s in range(STATIONS):
        for d in range(DAYS):
            hours = [v for v in _nan_to_none(x[s, d * 24 : d * 24 + 24]) if v is not None]
            want = max(hours) if len(hours) >= 20 else None
            assert same(got[s, d], want)


@pytest.mark.parametrize("p", [90, 95, 98, 50, 0, 100, 37.5])
@pytest.mark.parametrize("decimals", [0, 1, 3, None])
def test_percentile_rows_identical_to_scalar(p, decimals):
    """HJ 663 Appendix A: each row's percentile ignoring NaN is the very float statistics.percentile gives."""
    rng = np.random.default_rng(int(p * 10) + (decimals or 7))
    values = rng.gamma(2.0, 30.0, (300, 40))
    if decimals is not None:
        values = np.round(values, decimals)
    values[rng.random(values.shape) < rng.uniform(0, 1, (300, 1))] = np.nan  # 0 % … 100 % missing per row
    values[0] = np.nan
    values[1] = np.nan
    values[1, 0] = 12.5
    got = percentile_rows(values, p)
    assert got.shape == (300,)
    for row in range(300):
        want = percentile(_nan_to_none(values[row]), p)
        assert same(got[row], want), (row, got[row], want)
    assert np.isnan(got[0]) and got[1] == values[1, 0]


def test_percentile_rows_shapes_and_arguments():
    values = np.arange(24.0).reshape(2, 3, 4)
    assert percentile_rows(values, 50).shape == (2, 3)
    assert percentile_rows(np.arange(1.0, 11.0), 90) == 9.1  # standards.md §3.4
    assert np.isnan(percentile_rows(np.zeros((3, 0)), 90)).all()
    with pytest.raises(ValueError, match="0–100"):
        percentile_rows(values, -1)
