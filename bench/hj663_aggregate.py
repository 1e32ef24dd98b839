"""HJ 663 hour → day aggregation over a year of hourly values for 141 stations (the Xianyang network) on one core.

Run: .venv/bin/python bench/hj663_aggregate.py [--stations 141] [--days 366] [--repeat 5] [--full-floats].
Prints one JSON object.
Target (issue 4, bulk recomputation of ~1.2 million station-hours a year): daily_means + moving_means +
daily_max_8h well under one second together.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from ecobrain.standards.hj663.aggregate import (  # noqa: E402
    daily_max_1h,
    daily_max_8h,
    daily_means,
    moving_means,
    percentile_rows,
)


def station_hours(stations: int, hours: int, *, full_floats: bool = False, seed: int = 663) -> np.ndarray:
    """O3-like hourly values with a daily cycle, 1 decimal (as stored from HJ 212) or full floats, 3 % random gaps
    and some outages of several hours, so short days and invalid 8-h windows occur."""
    rng = np.random.default_rng(seed)
    hour = np.arange(hours) % 24
    cycle = 1 + 0.8 * np.sin((hour - 9) / 24 * 2 * np.pi)
    x = rng.gamma(2.2, 30, (stations, hours)) * cycle
    if not full_floats:
        x = np.round(x, 1)
    x[rng.random((stations, hours)) < 0.03] = np.nan
    for station in range(stations):
        for start in rng.integers(0, hours - 12, 20):
            x[station, start : start + rng.integers(2, 12)] = np.nan
    return x


def best_of(repeat: int, function, *args, **kwargs) -> tuple[float, list[float]]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args, **kwargs)
        timings.append(time.perf_counter() - start)
    return min(timings), timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stations", type=int, default=141)
    parser.add_argument("--days", type=int, default=366)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--full-floats", action="store_true", help="values with all their binary digits (the float-sum path)"
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    x = station_hours(args.stations, args.days * 24, full_floats=args.full_floats)
    cells = x.size
    daily, _ = daily_means(x)
    runs = {
        "daily_means": (daily_means, (x,), {}),
        "moving_means_8h": (moving_means, (x, 8, 6), {}),
        "moving_means_24h": (moving_means, (x, 24, 20), {}),
        "daily_max_8h": (daily_max_8h, (x,), {}),
        "daily_max_1h": (daily_max_1h, (x,), {}),
    }
    results = {}
    for name, (function, positional, keywords) in runs.items():
        seconds, timings = best_of(args.repeat, function, *positional, **keywords)
        results[name] = {
            "seconds": round(seconds, 4),
            "station_hours_per_second": round(cells / seconds),
            "median_seconds": round(statistics.median(timings), 4),
        }
    seconds, _ = best_of(args.repeat, percentile_rows, daily, 95)
    results["percentile_rows_p95_of_daily"] = {"seconds": round(seconds, 4), "rows": args.stations}
    core = sum(results[name]["seconds"] for name in ("daily_means", "moving_means_8h", "daily_max_8h"))
    mda8, _ = daily_max_8h(x)
    print(
        json.dumps(
            {
                "benchmark": "hj663_aggregate",
                "stations": args.stations,
                "days": args.days,
                "station_hours": cells,
                "values": "full floats" if args.full_floats else "1 decimal",
                "missing_hours_percent": round(float(np.isnan(x).mean() * 100), 2),
                "invalid_days_percent": round(float(np.isnan(daily).mean() * 100), 2),
                "invalid_mda8_percent": round(float(np.isnan(mda8).mean() * 100), 2),
                "functions": results,
                "daily_means_moving_8h_mda8_seconds": round(core, 4),
                "target_seconds": 1.0,
                "meets_target": core < 1.0,
                "numpy": np.__version__,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cores_used": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            }
        )
    )


if __name__ == "__main__":
    main()
