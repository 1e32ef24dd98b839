"""The vectorised AQI gives the exact scalar path's aqi, iaqi, level and primary pollutants, row for row."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ecobrain.standards.aqi import compute_aqi, get_edition
from ecobrain.standards.aqi.vectorised import compute_aqi_arrays

ROWS = 100_000
TOPS = {  # a little above the top of each input's table, so the caps and the SO2/O3 notes are exercised
    "hourly": {"so2": 1000, "no2": 4000, "co": 160, "o3": 1300, "pm10": 650, "pm2_5": 550, "o3_8h": 900,
               "pm10_24h": 650, "pm2_5_24h": 550, "so2_24h": 2800},
    "daily": {"so2": 2800, "no2": 1000, "co": 65, "o3": 1300, "o3_8h": 900, "pm10": 650, "pm2_5": 550},
}  # fmt: skip


def random_column(rng: np.random.Generator, key: str, top: float, rows: int) -> np.ndarray:
    """Concentrations of every awkward kind: breakpoints and their neighbours, halves, 1–3 decimals, full floats."""
    editions = [get_edition(e) for e in ("2012", "2026")]
    tables = [t for e in editions for k, t in {**e.hourly_inputs, **e.daily_inputs}.items() if k == key] or [key]
    edges = np.array(sorted({bp for e in ("2012", "2026") for t in tables for _, bp in get_edition(e).breakpoints[t]}))
    edge = rng.choice(edges, rows) + rng.choice([0, 0, 0.5, -0.5, 0.05, -0.05, 0.001, -0.001, 1e-9, 0.45], rows)
    uniform = rng.uniform(0, top, rows)
    skewed = rng.gamma(1.5, top / 12, rows)
    choice = rng.integers(0, 8, rows)
    values = np.select(
        [choice == 0, choice == 1, choice == 2, choice == 3, choice == 4, choice == 5, choice == 6],
        [edge, np.round(uniform), np.round(uniform, 1), np.round(skewed, 2), np.round(uniform * 2) / 2,
         np.round(skewed, 3), uniform],
        skewed,
    )  # fmt: skip
    values = np.abs(values)
    values[rng.random(rows) < 0.04] = np.nan
    return values


@pytest.mark.parametrize("kind", ["hourly", "daily"])
@pytest.mark.parametrize("edition", ["2012", "2026"])
def test_vectorised_equals_exact(edition, kind):
    """HJ 633-2012 Table 1 / HJ 633-2026 Table 3 with §4.2.2 rounding, §4.2.6/§6.2 rounding up, the SO2/O3 notes,
    §5.3.1 missing data: 100,000 random rows (seed fixed) give identical results on both paths."""
    rng = np.random.default_rng(20260301 + int(edition) + len(kind))
    columns = {key: random_column(rng, key, top, ROWS) for key, top in TOPS[kind].items()}
    clean = rng.random(ROWS) < 0.4  # clean hours: every value divided by 8, so AQI ≤ 100 and §5.3.1 NA occur
    for column in columns.values():
        column[clean] /= 8
    arrays = compute_aqi_arrays(columns, edition=edition, kind=kind)
    lists = {key: column.tolist() for key, column in columns.items()}
    keys = list(arrays.iaqi)
    mismatches = []
    for row in range(ROWS):
        values = {key: (None if math.isnan(column[row]) else column[row]) for key, column in lists.items()}
        exact = compute_aqi(values, edition=edition, kind=kind)
        got = (
            int(arrays.aqi[row]),
            int(arrays.level[row]),
            arrays.primary_pollutants(row),
            tuple(int(arrays.iaqi[k][row]) for k in keys),
            {k: int(v[row]) for k, v in arrays.reported_iaqi.items() if v[row] >= 0},
        )
        want = (
            -1 if exact.aqi is None else exact.aqi,
            exact.level.number if exact.level else 0,
            exact.primary_pollutants,
            tuple(exact.iaqi.get(k, -1) for k in keys),
            dict(exact.reported_iaqi),
        )
        if got != want:
            mismatches.append((row, values, got, want))
    assert not mismatches[:5], f"{len(mismatches)} mismatching rows"
    published = arrays.aqi >= 0
    assert published.sum() > ROWS // 2 and (~published).sum() > 100  # both branches of §5.3.1 were exercised
    assert (arrays.level == 6).any() and (arrays.level == 1).any()


def test_vectorised_special_cases():
    """HJ 633-2012 Table 1 notes and HJ 633-2026 Table 3 notes (b), (c) on the vectorised path."""
    nan = float("nan")
    so2 = compute_aqi_arrays({"so2": [900, 900], "so2_24h": [160, nan]}, edition=2012)
    assert so2.iaqi["so2"].tolist() == [102, -1]
    assert so2.aqi.tolist() == [102, -1]
    assert compute_aqi_arrays({"so2": [900]}, edition=2026).iaqi["so2"].tolist() == [200]
    o3 = compute_aqi_arrays({"o3_8h": [850], "o3": [900]}, edition=2012, kind="daily")
    assert o3.iaqi["o3_8h"].tolist() == [-1] and o3.aqi.tolist() == [350]
    assert compute_aqi_arrays({"o3_8h": [850]}, edition=2026, kind="daily").aqi.tolist() == [300]


def test_vectorised_rounding_traps():
    """HJ 633-2026 §4.2.2 (GB/T 8170 half-even on the decimal) and §4.2.6: CO 0.15 → 0.2, 2.45 → 2.4, 2.2 → 55."""
    r = compute_aqi_arrays({"co": [0.15, 2.45, 0.05, 2.2]}, edition=2026, kind="daily")
    assert r.iaqi["co"].tolist() == [5, 60, 0, 55]


def test_vectorised_refuses_bad_input():
    """Concentrations are finite and non-negative; columns have one length."""
    with pytest.raises(ValueError):
        compute_aqi_arrays({"pm2_5": [-1.0]}, edition=2026)
    with pytest.raises(ValueError):
        compute_aqi_arrays({"pm2_5": [1.0, 2.0], "pm10": [1.0]}, edition=2026)
