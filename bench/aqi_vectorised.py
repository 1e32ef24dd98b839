"""Vectorised real-time AQI over 5,000,000 random station-hours on one core, checked against the exact path.

Run: .venv/bin/python bench/aqi_vectorised.py [--rows N] [--edition 2026|2012]. Prints one JSON object.
Target (issue 4): ≥ 2,000,000 station-hours/s, identical to the exact scalar path.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from ecobrain.standards.aqi import compute_aqi  # noqa: E402
from ecobrain.standards.aqi.vectorised import compute_aqi_arrays  # noqa: E402

SAMPLE = 20_000


def station_hours(rows: int, seed: int = 212) -> dict[str, np.ndarray]:
    """Hourly concentrations with realistic shapes: log-normal PM and gases, PM10 tracking PM2.5, O3 by day,
    values reported with 0–3 decimals (HJ 212 sends 3), 2 % missing per pollutant."""
    rng = np.random.default_rng(seed)
    haze = rng.lognormal(0.0, 0.6, rows)  # shared episode factor
    pm2_5 = rng.lognormal(np.log(30), 0.7, rows) * haze
    columns = {
        "pm2_5": pm2_5,
        "pm10": pm2_5 * rng.uniform(1.2, 2.4, rows) + rng.gamma(2, 8, rows),
        "so2": rng.lognormal(np.log(8), 0.8, rows),
        "no2": rng.lognormal(np.log(28), 0.6, rows) * np.sqrt(haze),
        "co": rng.lognormal(np.log(0.7), 0.5, rows) * np.sqrt(haze),
        "o3": rng.gamma(2.2, 30, rows) * (1 + 0.8 * np.sin(np.linspace(0, rows / 24 * 2 * np.pi, rows))).clip(0.1),
    }
    for key, column in columns.items():
        decimals = rng.integers(0, 4, rows) if key != "co" else rng.integers(1, 4, rows)
        for d in range(4):
            chosen = decimals == d
            column[chosen] = np.round(column[chosen], d)
        column[rng.random(rows) < 0.02] = np.nan
    return columns


def identical_on_sample(columns: dict[str, np.ndarray], edition: str, size: int) -> tuple[bool, int]:
    rows = len(next(iter(columns.values())))
    index = np.random.default_rng(7).choice(rows, size, replace=False)
    sample = {key: column[index] for key, column in columns.items()}
    arrays = compute_aqi_arrays(sample, edition=edition, kind="hourly")
    lists = {key: column.tolist() for key, column in sample.items()}
    mismatches = 0
    for row in range(size):
        exact = compute_aqi(
            {key: (None if math.isnan(v[row]) else v[row]) for key, v in lists.items()}, edition=edition, kind="hourly"
        )
        same = (
            int(arrays.aqi[row]) == (-1 if exact.aqi is None else exact.aqi)
            and int(arrays.level[row]) == (exact.level.number if exact.level else 0)
            and arrays.primary_pollutants(row) == exact.primary_pollutants
            and all(int(arrays.iaqi[k][row]) == exact.iaqi.get(k, -1) for k in arrays.iaqi)
        )
        mismatches += not same
    return mismatches == 0, mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--edition", choices=["2012", "2026"], default="2026")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    columns = station_hours(args.rows)
    compute_aqi_arrays({k: v[:1000] for k, v in columns.items()}, edition=args.edition)  # warm the lookup tables
    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = compute_aqi_arrays(columns, edition=args.edition, kind="hourly")
        timings.append(time.perf_counter() - start)
    seconds = min(timings)
    identical, mismatches = identical_on_sample(columns, args.edition, min(SAMPLE, args.rows))
    levels = np.bincount(result.level, minlength=7)
    print(
        json.dumps(
            {
                "benchmark": "aqi_vectorised",
                "rows": args.rows,
                "seconds": round(seconds, 4),
                "rows_per_second": round(args.rows / seconds),
                "identical_on_sample": identical,
                "sample_rows": min(SAMPLE, args.rows),
                "sample_mismatches": mismatches,
                "edition": result.edition,
                "kind": "hourly",
                "timings": [round(t, 4) for t in timings],
                "median_seconds": round(statistics.median(timings), 4),
                "target_rows_per_second": 2_000_000,
                "meets_target": args.rows / seconds >= 2_000_000,
                "na_rows": int(levels[0]),
                "rows_per_level": {str(i): int(levels[i]) for i in range(1, 7)},
                "numpy": np.__version__,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cores_used": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            }
        )
    )
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
