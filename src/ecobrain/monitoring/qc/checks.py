"""The QC checks as pure functions over values: point checks for one row, window checks over a sequence."""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from ecobrain.monitoring.choices import QCFlag
from ecobrain.monitoring.qc.rules import FactorRule

POINT_FLAGS = int(QCFlag.OUT_OF_RANGE | QCFlag.NEGATIVE | QCFlag.MAINTENANCE)
WINDOW_FLAGS = int(QCFlag.FLAT_LINE | QCFlag.SPIKE | QCFlag.STUCK)

# Device data flags (standards.md §1.9, HJ 212-2017 and HJ/T 212-2005) that mean "calibration or
# maintenance": C (calibration / 校验), M (maintenance / 维护) in both editions, and the 2005 ambient-air
# flag 0 (calibration data). T means "above the measuring range" (超测上限) in both editions, so the
# device itself says the value is out of range. D (fault), F (stopped), B (communication), P (power) and S
# (set value) are device states, not maintenance: they stay in ``device_flag`` and make a value invalid
# for the data completeness counts (monitoring.completeness), without a platform QC flag.
MAINTENANCE_DEVICE_FLAGS = frozenset({"C", "M", "0"})
ABOVE_RANGE_DEVICE_FLAGS = frozenset({"T"})

# Two neighbouring values further apart than this many intervals are not neighbours: a gap breaks runs
# and spikes (an outage is not a flat line).
MAX_GAP_INTERVALS = 3


def typical_interval(times: Sequence[datetime], default: timedelta) -> timedelta:
    """The most common positive gap between consecutive ``times`` (sorted); ``default`` with fewer than two.

    The most common gap, not the mean, so that outages and re-sent history do not stretch it. Ties go to
    the shorter gap.
    """
    counts: dict[timedelta, int] = {}
    for earlier, later in itertools.pairwise(times):
        gap = later - earlier
        if gap > timedelta(0):
            counts[gap] = counts.get(gap, 0) + 1
    if not counts:
        return default
    return min(counts, key=lambda gap: (-counts[gap], gap))


def point_flags(rule: FactorRule | None, value: Decimal | None, device_flag: str) -> int:
    """The point QC bits of one stored row: from its value, its factor's rule and the device's flag."""
    flags = 0
    if device_flag in MAINTENANCE_DEVICE_FLAGS:
        flags |= QCFlag.MAINTENANCE
    if device_flag in ABOVE_RANGE_DEVICE_FLAGS:
        flags |= QCFlag.OUT_OF_RANGE
    if rule is None or value is None:
        return int(flags)
    if value < 0 and rule.non_negative:
        flags |= QCFlag.NEGATIVE  # not also OUT_OF_RANGE: the more specific flag says it
    elif (rule.maximum is not None and value > rule.maximum) or (rule.minimum is not None and value < rule.minimum):
        flags |= QCFlag.OUT_OF_RANGE
    return int(flags)


def window_counts(rule: FactorRule, interval: timedelta) -> tuple[int | None, int | None]:
    """(allowed repeats, flat-line length) in values of this ``interval``; the rule counts hourly values."""
    per_hour = timedelta(hours=1) / interval

    def scaled(hours: int | None) -> int | None:
        return None if hours is None else max(1, math.ceil(hours * per_hour - 1e-9))

    return scaled(rule.stuck_hours), scaled(rule.flat_hours)


def context_size(rule: FactorRule, interval: timedelta) -> int:
    """K: a row's window flags depend only on the K−1 values either side of it (see window_flags)."""
    stuck, flat = window_counts(rule, interval)
    return max(2, (stuck or 0) + 1, flat or 0)


def window_flags(
    times: Sequence[datetime], values: Sequence[Decimal], rule: FactorRule, interval: timedelta
) -> list[int]:
    """The window QC bits of each value of one series, in time order.

    - STUCK: the value is in a run of equal values longer than the allowed repeats (equivalently: in a
      window of allowed+1 equal values, which keeps the check local).
    - FLAT_LINE: the value is in a window of ``flat`` consecutive values whose max − min ≤ the tolerance.
    - SPIKE: the value is above both neighbours, or below both, by more than
      ``max(spike_delta, spike_ratio × (|prev| + |next|) / 2)``. The first and last values have one
      neighbour only and are never spikes.
    A gap of more than MAX_GAP_INTERVALS intervals between two values ends every run and neighbourhood.
    """
    n = len(values)
    flags = [0] * n
    if n == 0:
        return flags
    stuck, flat = window_counts(rule, interval)
    max_gap = interval * MAX_GAP_INTERVALS
    start = 0
    for end in range(1, n + 1):
        if end == n or times[end] - times[end - 1] > max_gap:
            _segment(values, start, end, rule, stuck, flat, flags)
            start = end
    return flags


def _segment(values, lo: int, hi: int, rule: FactorRule, stuck, flat, flags: list[int]) -> None:
    if stuck is not None:
        run_start = lo
        for i in range(lo + 1, hi + 1):
            if i == hi or values[i] != values[run_start]:
                if i - run_start > stuck:
                    for j in range(run_start, i):
                        flags[j] |= QCFlag.STUCK
                run_start = i
    if flat is not None and hi - lo >= flat:
        _flat(values, lo, hi, flat, rule.flat_tolerance, flags)
    if rule.spike_delta is not None:
        for i in range(lo + 1, hi - 1):
            before, value, after = values[i - 1], values[i], values[i + 1]
            threshold = max(rule.spike_delta, rule.spike_ratio * (abs(before) + abs(after)) / 2)
            up = value - before > threshold and value - after > threshold
            down = before - value > threshold and after - value > threshold
            if up or down:
                flags[i] |= QCFlag.SPIKE


def _flat(values, lo: int, hi: int, width: int, tolerance: Decimal, flags: list[int]) -> None:
    """Mark every value inside a window of ``width`` values with max − min ≤ tolerance (sliding min/max)."""
    highs: deque[int] = deque()
    lows: deque[int] = deque()
    covered_until = lo - 1  # the last index already marked
    for i in range(lo, hi):
        while highs and values[highs[-1]] <= values[i]:
            highs.pop()
        highs.append(i)
        while lows and values[lows[-1]] >= values[i]:
            lows.pop()
        lows.append(i)
        first = i - width + 1
        if first < lo:
            continue
        while highs[0] < first:
            highs.popleft()
        while lows[0] < first:
            lows.popleft()
        if values[highs[0]] - values[lows[0]] <= tolerance:
            for j in range(max(first, covered_until + 1), i + 1):
                flags[j] |= QCFlag.FLAT_LINE
            covered_until = i
