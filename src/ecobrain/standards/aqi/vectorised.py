"""Bulk AQI over NumPy arrays, giving exactly the results of :mod:`ecobrain.standards.aqi.exact`.

Exactness without Decimal per value:
- 2026 rounds every concentration first (§4.2.2), so the IAQI is a lookup in a table built by the exact path, indexed
  by the rounded value in units of 1 (or 0.1 mg/m³ for CO). ``np.rint`` is GB/T 8170 half-even on the shortest repr:
  a float whose repr ends in ".5" is exactly that half. CO's 0.05 steps are not exact in binary, so CO is rounded
  in integer micro-units (values with ≤ 6 decimals) and the rare ambiguous rest goes to the exact path.
- 2012 uses the concentration as given: values with ≤ 3 decimals are a lookup by thousandths (built with the integer
  formula); other values use floats unless the result is within 1e-6 of an integer, then integer arithmetic in
  micro-units (≤ 6 decimals) or the exact path.
Missing values are NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

import numpy as np

from ecobrain.standards.aqi.exact import USE_OTHER, iaqi, pollutant_of
from ecobrain.standards.aqi.model import PRIMARY_ORDER, Edition, Kind
from ecobrain.standards.aqi.selection import get_edition

ABSENT = -1  # no IAQI: the value is missing (or, O3 8-h above 800 in 2012, represented by the 1-h IAQI)
_OTHER = -2  # internal: a 2012 note asks for another table's IAQI
_SCALE = 1_000_000
_LEVEL_UPPERS = np.array([50, 100, 150, 200, 300], dtype=np.int16)


@dataclass(frozen=True)
class AqiArrays:
    """AQI of many station-periods: ``aqi`` −1 and ``level`` 0 mean NA; ``iaqi`` −1 means no IAQI."""

    edition: str
    kind: Kind
    aqi: np.ndarray
    level: np.ndarray
    iaqi: dict[str, np.ndarray]
    reported_iaqi: dict[str, np.ndarray]
    primary_mask: np.ndarray  # bit j set: PRIMARY_ORDER[j] is a primary pollutant
    missing_count: np.ndarray

    def primary_pollutants(self, row: int) -> tuple[str, ...]:
        mask = int(self.primary_mask[row])
        return tuple(key for bit, key in enumerate(PRIMARY_ORDER) if mask >> bit & 1)


@cache
def _lookup(edition_name: str, table: str, decimals: int) -> np.ndarray:
    """IAQI by rounded concentration in units of 10**-decimals; the last two cells: above the top, missing."""
    edition = get_edition(edition_name)
    top = edition.breakpoints[table][-1][1] * 10**decimals
    cells = [iaqi(table, Decimal(n).scaleb(-decimals), edition) for n in range(top + 1)]
    above = iaqi(table, top + 1, edition)
    cells.append(_OTHER if above == USE_OTHER else above)
    cells.append(ABSENT)
    return np.array(cells, dtype=np.int16)


def _exact_tenths(values: np.ndarray) -> np.ndarray:
    return np.array(
        [float(Decimal(repr(float(v))).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN).scaleb(1)) for v in values]
    )


def _round_tenths(c: np.ndarray) -> np.ndarray:
    """GB/T 8170 half-even to 0.1, in tenths, identical to Decimal(repr(x)).quantize(0.1, ROUND_HALF_EVEN)."""
    scaled = c * 10
    tenths = np.rint(scaled)
    # Only values within a hair of a half (x.x5 in decimal) can round differently from their binary value.
    doubtful = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    if doubtful.size:
        x = c[doubtful]
        micro = np.rint(x * _SCALE)
        quotient = np.floor(micro / 100_000)
        rest = micro - quotient * 100_000
        up = (rest > 50_000) | ((rest == 50_000) & (np.fmod(quotient, 2) == 1))
        fixed = quotient + up
        inexact = micro / _SCALE != x  # more than 6 decimals: the exact path decides
        if inexact.any():
            fixed[inexact] = _exact_tenths(x[inexact])
        tenths[doubtful] = fixed
    return tenths


def _iaqi_rounded(table: str, c: np.ndarray, edition: Edition) -> np.ndarray:
    """2026: round per §4.2.2, then look the IAQI up."""
    decimals = edition.concentration_decimals[pollutant_of(table)]
    rounded = _round_tenths(c) if decimals == 1 else np.rint(c)
    lut = _lookup(edition.name, table, decimals)
    top = len(lut) - 3
    index = np.where(np.isnan(rounded), top + 2, np.minimum(rounded, top + 1)).astype(np.intp)
    return lut[index]


@cache
def _milli_lookup(edition_name: str, table: str) -> np.ndarray:
    """2012: IAQI by concentration in thousandths (the exact integer formula); then above-the-top and missing cells."""
    edition = get_edition(edition_name)
    points = edition.breakpoints[table]
    i_pts = np.array([p[0] for p in points], dtype=np.int64)
    b_pts = np.array([p[1] for p in points], dtype=np.int64) * 1000
    top = int(b_pts[-1])
    n = np.arange(top + 1, dtype=np.int64)
    seg = np.maximum(np.searchsorted(b_pts, n, side="left"), 1)
    den = np.diff(b_pts)[seg - 1]
    cells = i_pts[:-1][seg - 1] + (np.diff(i_pts)[seg - 1] * (n - b_pts[:-1][seg - 1]) + den - 1) // den
    above = iaqi(table, top // 1000 + 1, edition)
    tail = [_OTHER if above == USE_OTHER else above, ABSENT]
    return np.concatenate([cells, tail]).astype(np.int16)


def _iaqi_raw(table: str, c: np.ndarray, edition: Edition) -> np.ndarray:
    """2012: the IAQI of the concentration as given, rounded up, identical to the exact path.

    Values with ≤ 3 decimals (nearly all monitoring data) are a lookup by thousandths; the rest use floats where the
    result is clearly not an integer, and integer or Decimal arithmetic where it is.
    """
    lut = _milli_lookup(edition.name, table)
    top = len(lut) - 3
    milli = np.rint(c * 1000)
    missing = np.isnan(c)
    index = np.where(missing, top + 2, np.minimum(milli, top + 1)).astype(np.intp)
    out = lut[index]
    rest = np.flatnonzero(~missing & (milli / 1000 != c))
    if rest.size:
        out[rest] = _iaqi_raw_floats(table, c[rest], edition)
    return out


def _iaqi_raw_floats(table: str, c: np.ndarray, edition: Edition) -> np.ndarray:
    points = edition.breakpoints[table]
    i_pts = np.array([p[0] for p in points], dtype=np.int64)
    b_pts = np.array([p[1] for p in points], dtype=np.int64)
    top = int(b_pts[-1])
    above = c > top
    x = np.where(above, 0.0, c)
    v = np.interp(x, b_pts, i_pts)
    result = np.ceil(v)
    # A float IAQI farther than 1e-6 from an integer has the exact ceiling; nearer ones are recomputed exactly.
    doubtful = np.flatnonzero(np.abs(v - np.rint(v)) < 1e-6)
    if doubtful.size:
        result[doubtful] = _iaqi_exact_ints(x[doubtful], i_pts, b_pts, table, edition)
    above_value = iaqi(table, top + 1, edition)
    return np.where(above, _OTHER if above_value == USE_OTHER else above_value, result).astype(np.int16)


def _iaqi_exact_ints(x: np.ndarray, i_pts: np.ndarray, b_pts: np.ndarray, table: str, edition: Edition) -> np.ndarray:
    """IAQI = I_lo + ceil(ΔI·(C − BP_lo) / ΔBP) in integers, C in micro-units; > 6 decimals go to the exact path."""
    seg = np.maximum(np.searchsorted(b_pts, x, side="left"), 1)
    i_lo, d_i = i_pts[:-1][seg - 1], np.diff(i_pts)[seg - 1]
    b_lo, d_b = b_pts[:-1][seg - 1], np.diff(b_pts)[seg - 1]
    micro = np.rint(x * _SCALE)
    den = d_b * _SCALE
    result = (i_lo + (d_i * (micro.astype(np.int64) - b_lo * _SCALE) + den - 1) // den).astype(np.float64)
    inexact = micro / _SCALE != x
    if inexact.any():
        result[inexact] = [iaqi(table, float(value), edition) for value in x[inexact]]
    return result


def _iaqi_array(table: str, c: np.ndarray, edition: Edition) -> np.ndarray:
    if edition.concentration_decimals is None:
        return _iaqi_raw(table, c, edition)
    return _iaqi_rounded(table, c, edition)


def _column(columns: Mapping[str, object], key: str, size: int) -> np.ndarray:
    raw = columns.get(key)
    if raw is None:
        return np.full(size, np.nan)
    c = np.asarray(raw, dtype=np.float64)
    if c.shape != (size,):
        raise ValueError(f"{key}: expected {size} values, got shape {c.shape}")
    if np.isinf(c).any() or (c < 0).any():
        raise ValueError(f"{key}: concentrations must be finite and non-negative")
    return c


def compute_aqi_arrays(
    columns: Mapping[str, object],
    *,
    edition: Edition | str | int,
    kind: Kind = "hourly",
    exempt: Iterable[str] = (),
) -> AqiArrays:
    """The AQI of every row of ``columns`` (key → 1-D float array, NaN = missing), the same inputs as compute_aqi."""
    ed = get_edition(edition)
    inputs = ed.inputs(kind)
    sizes = {len(np.asarray(v)) for v in columns.values() if v is not None}
    if len(sizes) > 1:
        raise ValueError(f"columns differ in length: {sorted(sizes)}")
    size = sizes.pop() if sizes else 0
    exempt = set(exempt)
    missing = np.zeros(size, dtype=np.int8)
    result: dict[str, np.ndarray] = {}
    for key, table in inputs.items():
        c = _column(columns, key, size)
        values = _iaqi_array(table, c, ed)
        other = values == _OTHER
        if table == "so2_1h" and other.any():
            fallback = _iaqi_array("so2_24h", _column(columns, "so2_24h", size), ed)
            values = np.where(other, fallback, values)
        elif other.any():
            values = np.where(other, ABSENT, values)  # O3 8-h > 800 in 2012: O3 counts by its 1-h IAQI
            other = np.zeros(size, dtype=bool)
        if key not in exempt:
            missing += np.isnan(c) | (other & (values == ABSENT))
        result[key] = values
    reported = {}
    for key, table in ed.reported(kind).items():
        values = _iaqi_array(table, _column(columns, key, size), ed)
        reported[key] = np.where(values == _OTHER, ABSENT, values)

    ordered = [k for k in PRIMARY_ORDER if k in result]
    raw = np.max(np.stack([result[k] for k in ordered]), axis=0) if size else np.zeros(0, dtype=np.int16)
    published = (raw >= 0) & ((missing == 0) | (raw > 100))
    aqi = np.where(published, np.maximum(raw, ed.aqi_min), ABSENT).astype(np.int16)
    level = np.where(published, np.searchsorted(_LEVEL_UPPERS, aqi, side="left") + 1, 0).astype(np.int8)
    mask = np.zeros(size, dtype=np.uint8)
    has_primary = aqi > 50
    for bit, key in enumerate(PRIMARY_ORDER):
        if key in result:
            mask |= ((result[key] == raw) & has_primary).astype(np.uint8) << bit
    return AqiArrays(
        edition=ed.name,
        kind=kind,
        aqi=aqi,
        level=level,
        iaqi=result,
        reported_iaqi=reported,
        primary_mask=mask,
        missing_count=missing,
    )
