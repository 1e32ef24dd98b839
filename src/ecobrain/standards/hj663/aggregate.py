"""Hour → day aggregation over NumPy arrays for bulk recomputation (HJ 663 / GB 3095-2026 Table 4).

Arrays are float64 with NaN for a missing or invalid value, and the hour axis is the LAST axis (any leading axes,
e.g. stations × hours). A natural day is the 24 hours whose period starts are 00:00 … 23:00 China time; the hourly
value with period start 00:00 is the one the Chinese convention labels 01:00, so the 8-h windows labelled
08:00 … 24:00 end at the period starts 07:00 … 23:00.

Values with at most 3 decimals (HJ 212 data) are summed in integer thousandths, so a mean is the float nearest the
exact decimal mean (as :func:`ecobrain.standards.hj663.statistics.mean` gives it) and a later GB/T 8170 rounding
sees 74.5 as 74.5; other values are summed as floats.
"""

from __future__ import annotations

import numpy as np

from ecobrain.standards.hj663.model import AssessmentEdition
from ecobrain.standards.hj663.selection import resolve_edition
from ecobrain.standards.hj663.statistics import SCALE, SCALED_MAX

HOURS = 24
EditionArg = AssessmentEdition | str | int | None


def _hourly(values: object, name: str = "hourly") -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 0:
        raise ValueError(f"{name}: expected an array with an hour axis, got a scalar")
    if np.isinf(x).any():
        raise ValueError(f"{name}: values must be finite or NaN")
    return x


def _days(x: np.ndarray, name: str) -> np.ndarray:
    """(..., n_days*24) → (..., n_days, 24)."""
    if x.shape[-1] % HOURS:
        raise ValueError(f"{name}: the hour axis has {x.shape[-1]} values, not a whole number of days (24 each)")
    return x.reshape(*x.shape[:-1], x.shape[-1] // HOURS, HOURS)


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """valid mask, values in integer thousandths (0 where not exact), the other values (0 elsewhere), their mask."""
    valid = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        milli = np.rint(x * SCALE)
        exact = valid & (np.abs(x) < SCALED_MAX) & (milli / SCALE == x)
    scaled = np.where(exact, milli, 0).astype(np.int64)
    inexact = valid & ~exact
    rest = np.where(inexact, x, 0.0)
    return valid, scaled, rest, inexact


def _means(
    scaled_sum: np.ndarray,
    rest_sum: np.ndarray | None,
    mixed: np.ndarray | None,
    counts: np.ndarray,
    ok: np.ndarray,
) -> np.ndarray:
    """Σ thousandths / (n·1000): one correctly rounded division; where inexact values take part, the float sum."""
    with np.errstate(invalid="ignore", divide="ignore"):
        means = scaled_sum / (counts * SCALE)
        if rest_sum is not None:
            means = np.where(mixed, (scaled_sum / SCALE + rest_sum) / counts, means)
    return np.where(ok, means, np.nan)


def daily_means(
    hourly: object, *, min_hours: int | None = None, edition: EditionArg = None
) -> tuple[np.ndarray, np.ndarray]:
    """Daily means (日平均) of the natural days: (means[..., n_days], counts[..., n_days]).

    A mean is the mean of the day's valid hours when there are at least ``min_hours`` of them (default: the
    edition's ``daily_min_hours``, 20 in both editions: GB 3095-2026 Table 4, standards.md §3.1), else NaN.
    ``counts`` is the number of valid hours per day. ``edition`` None means the newest edition.
    """
    minimum = resolve_edition(edition).daily_min_hours if min_hours is None else int(min_hours)
    x = _days(_hourly(hourly), "hourly")
    valid, scaled, rest, inexact = _split(x)
    counts = valid.sum(axis=-1)
    mixed = rest_sum = None
    if inexact.any():
        mixed, rest_sum = inexact.any(axis=-1), rest.sum(axis=-1)
    means = _means(scaled.sum(axis=-1), rest_sum, mixed, counts, counts >= max(minimum, 1))
    return means, counts.astype(np.int32)


def _window_sums(a: np.ndarray, window: int) -> np.ndarray:
    """Sums over the last ``window`` positions (fewer at the start) along the last axis, by cumulative sums."""
    c = np.cumsum(a, axis=-1)
    if window < a.shape[-1]:
        c[..., window:] -= c[..., :-window].copy()
    return c


def moving_means(hourly: object, window: int, min_count: int) -> np.ndarray:
    """Moving means along the hour axis: index i holds the mean of the valid values at i−window+1 … i when at least
    ``min_count`` are valid, else NaN. Positions before the first hour count as missing, so callers pass
    ``window − 1`` hours of lead-in before the first hour they need. O(n) by cumulative sums.

    O3 8-h mean: window 8, min 6 (GB 3095-2026 Table 4); PM 24-h moving means (HJ 633-2012 real-time): 24, 20.
    """
    window, min_count = int(window), int(min_count)
    if window < 1 or not 1 <= min_count <= window:
        raise ValueError(f"need window ≥ 1 and 1 ≤ min_count ≤ window, got window={window}, min_count={min_count}")
    x = _hourly(hourly)
    valid, scaled, rest, inexact = _split(x)
    counts = _window_sums(valid.astype(np.int32), window)
    scaled_sum = _window_sums(scaled, window)
    mixed = rest_sum = None
    if inexact.any():
        mixed = _window_sums(inexact.astype(np.int32), window) > 0
        rest_sum = _window_sums(rest, window)
    return _means(scaled_sum, rest_sum, mixed, counts, counts >= min_count)


def daily_max_8h(hourly_o3: object, *, edition: EditionArg = None) -> tuple[np.ndarray, np.ndarray]:
    """O3 daily maximum 8-h mean (日最大8小时平均, MDA8) per natural day: (mda8[..., n_days], windows[..., n_days]).

    The candidates are the 8-h means ending at the edition's ``mda8_window_ends`` (period starts 07:00 … 23:00,
    labelled 08:00 … 24:00: the 17 windows within the day), each valid with ≥ 6 hours (GB 3095-2026 Table 4,
    GB 3095-2026 §3.9). The day is valid with ≥ ``mda8_min_windows`` (14) valid windows, or with fewer when the
    maximum exceeds ``o3_8h_limit`` (160) — both UNVERIFIED (standards.md §3.1) and kept as edition data.
    ``windows`` counts the valid 8-h means of each day.
    """
    ed = resolve_edition(edition)
    x = _hourly(hourly_o3, "hourly_o3")
    _days(x, "hourly_o3")  # checks whole days
    eight = _days(moving_means(x, ed.o3_8h_window, ed.o3_8h_min_hours), "hourly_o3")
    candidates = eight[..., list(ed.mda8_window_ends)]
    windows = (~np.isnan(candidates)).sum(axis=-1).astype(np.int32)
    mda8 = np.fmax.reduce(candidates, axis=-1) if candidates.shape[-1] else np.full(windows.shape, np.nan)
    valid = windows >= ed.mda8_min_windows
    if ed.mda8_valid_above_limit:
        with np.errstate(invalid="ignore"):
            valid |= (windows > 0) & (mda8 > float(ed.o3_8h_limit))
    return np.where(valid, mda8, np.nan), windows


def daily_max_1h(hourly: object, *, edition: EditionArg = None) -> np.ndarray:
    """Daily maximum 1-h value per natural day (e.g. O3 for the HJ 633-2012 daily AQI): the largest valid hour when
    the day has the edition's daily minimum of valid hours (20), else NaN."""
    ed = resolve_edition(edition)
    x = _days(_hourly(hourly), "hourly")
    counts = (~np.isnan(x)).sum(axis=-1)
    top = np.fmax.reduce(x, axis=-1)
    return np.where(counts >= ed.daily_min_hours, top, np.nan)


def percentile_rows(values: object, p: float) -> np.ndarray:
    """The p-th percentile of each row (last axis) ignoring NaN, per HJ 663 Appendix A; NaN for a row without
    values. Row for row the same float as :func:`ecobrain.standards.hj663.statistics.percentile`."""
    p = float(p)
    if not 0 <= p <= 100:
        raise ValueError(f"percentile p must be within 0–100, got {p}")
    x = np.sort(_hourly(values, "values"), axis=-1)  # NaN sorts last
    n = (~np.isnan(x)).sum(axis=-1)
    if x.shape[-1] == 0:
        return np.full(x.shape[:-1], np.nan)
    last = np.maximum(n - 1, 0)
    # The float formula: position = (n−1)·p/100, X(s) + (X(s+1) − X(s))·(position − s).
    position = (n - 1) * p / 100
    s = np.clip(np.floor(position), 0, None).astype(np.intp)
    hi_index = np.minimum(s + 1, last)
    lo = np.take_along_axis(x, s[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(x, hi_index[..., None], axis=-1)[..., 0]
    result = lo + (hi - lo) * (position - s)
    if p.is_integer():
        # Rows whose values all have ≤ 3 decimals: (100·X(s) + (X(s+1) − X(s))·r) / 100 in thousandths, exact.
        _, scaled, _, inexact = _split(x)
        exact_rows = ~inexact.any(axis=-1) & (n > 0)
        s_int, r = np.divmod((n - 1) * int(p), 100)
        s_int = np.maximum(s_int, 0)
        lo_m = np.take_along_axis(scaled, s_int[..., None], axis=-1)[..., 0]
        hi_m = np.take_along_axis(scaled, np.minimum(s_int + 1, last)[..., None], axis=-1)[..., 0]
        result = np.where(exact_rows, (100 * lo_m + (hi_m - lo_m) * r) / (100 * SCALE), result)
    return np.where(n > 0, result, np.nan)
