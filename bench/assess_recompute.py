"""Air-quality recomputation: a year of hourly values of 141 air stations → station, district and city AQI and
HJ 663 monthly and yearly statistics (issue 4 target: < 60 s on SQLite; PostgreSQL reported too).

Builds a scratch database (``scratch_db``): the demo registry of Xianyang (141 air stations in 14 districts, the
national and provincial stations being assessment stations), a series per station and pollutant it measures, and
``--days`` of realistic hourly values from ``--start`` (seasons, daily cycles, pollution episodes, about 2 % of
hours missing, outages, a few values flagged by the device) written with raw SQL (COPY on PostgreSQL). Then times
``recompute_air`` over the whole span: seconds per stage, station-hours/s, the rows written per table, and the
peak RSS of the recomputation. SQLite always; PostgreSQL too when ``ECOBRAIN_DATABASE_URL`` names one (a scratch
database created and dropped next to it). Prints one JSON object per backend.
Usage: .venv/bin/python bench/assess_recompute.py [--stations 141] [--days 365] [--start 2026-01-01]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from scratch_db import open_scratch, run_on_each_backend

KIND_ORDER = {"air_national": 0, "air_provincial": 1, "air_city": 2, "air_micro": 3}


def _vm(key: str) -> float:
    """VmRSS / VmHWM of this process in MB (Linux), else the peak from getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0), so the peak measured is the recomputation's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def synthetic_hours(n_series: int, kinds: list[str], first: datetime, hours: int, seed: int) -> np.ndarray:
    """[series, hours] realistic hourly concentrations (µg/m³, CO mg/m³) with NaN for missing hours."""
    rng = np.random.default_rng(seed)
    t = np.arange(hours)
    local_hour = (t + first.hour + 8) % 24
    day_of_year = (first.timetuple().tm_yday - 1 + (t + 8) // 24) % 365
    winter = 0.5 + 0.5 * np.cos(2 * np.pi * day_of_year / 365)  # 1 in January, 0 in July
    # City-wide episodes: a slowly varying log-factor shared by every station (AR(1) over days).
    days = hours // 24 + 2
    episode = np.zeros(days)
    shocks = rng.normal(0, 0.35, days)
    for d in range(1, days):
        episode[d] = 0.75 * episode[d - 1] + shocks[d]
    city = np.exp(episode[(t + 8) // 24])
    out = np.empty((n_series, hours))
    for i, kind in enumerate(kinds):
        station_factor = np.exp(rng.normal(0, 0.15))
        noise = np.exp(rng.normal(0, 0.18, hours))
        if kind == "pm2_5":
            v = (25 + 45 * winter) * city * (1 + 0.25 * np.cos(2 * np.pi * (local_hour - 23) / 24))
        elif kind == "pm10":
            v = (50 + 70 * winter) * city * (1 + 0.2 * np.cos(2 * np.pi * (local_hour - 23) / 24))
        elif kind == "so2":
            v = (6 + 14 * winter) * city**0.6 * (1 + 0.25 * np.cos(2 * np.pi * (local_hour - 11) / 24))
        elif kind == "no2":
            v = (25 + 20 * winter) * city**0.5 * (1 + 0.3 * np.cos(2 * np.pi * (local_hour - 20) / 24))
        elif kind == "co":
            v = (0.5 + 0.8 * winter) * city**0.6 * (1 + 0.15 * np.cos(2 * np.pi * (local_hour - 23) / 24))
        else:  # o3: summer afternoons
            v = (50 + 70 * (1 - winter)) * (1 + (0.6 - 0.3 * winter) * np.cos(2 * np.pi * (local_hour - 15) / 24))
            v = np.maximum(v, 2.0) * city**-0.15
        v = v * station_factor * noise
        out[i] = np.round(v, 3) if kind == "co" else np.round(v)
        missing = rng.random(hours) < 0.02
        for start in rng.integers(0, hours, size=max(1, hours // 1500)):  # outages of 2–30 hours
            missing[start : start + rng.integers(2, 30)] = True
        out[i, missing] = np.nan
    return out


def build(n_stations: int, first_day: date, n_days: int, seed: int) -> dict:
    from django.db import connection, transaction

    from ecobrain.assessment.choices import POLLUTANT_FACTOR_CODES
    from ecobrain.monitoring.models import HourObservation
    from ecobrain.monitoring.services import ensure_series
    from ecobrain.registry.choices import AIR_STATION_KINDS
    from ecobrain.registry.demo import load_demo_registry
    from ecobrain.registry.models import MonitoringFactor, Station
    from ecobrain.standards.hj212 import CHINA_TZ

    started = time.perf_counter()
    load_demo_registry(seed=2026)
    stations = sorted(
        Station.objects.filter(kind__in=AIR_STATION_KINDS).prefetch_related("factors", "devices"),
        key=lambda s: (KIND_ORDER[s.kind], s.code),
    )[:n_stations]
    factor_ids = dict(
        MonitoringFactor.objects.filter(code__in=POLLUTANT_FACTOR_CODES.values()).values_list("code", "pk")
    )
    key_by_code = {code: key for key, code in POLLUTANT_FACTOR_CODES.items()}
    series: list[tuple[int, str]] = []
    for station in stations:
        device = station.devices.all()[0]
        codes = [f.code for f in station.factors.all() if f.code in key_by_code]
        made = ensure_series(device.pk, [factor_ids[c] for c in codes])
        series += [(made[factor_ids[c]], key_by_code[c]) for c in codes]
    first = datetime.combine(first_day, datetime.min.time(), tzinfo=CHINA_TZ).astimezone(UTC)
    hours = n_days * 24
    values = synthetic_hours(len(series), [k for _, k in series], first, hours, seed)
    flagged = np.random.default_rng(seed + 1).random(values.shape) < 0.003
    registry_seconds = time.perf_counter() - started

    started = time.perf_counter()
    table = HourObservation._meta.db_table
    columns = "series_id, period_start, value, value_text, stats, device_flag, qc_flags, revision, received_at"
    received = datetime.now(UTC)
    ops = connection.ops
    starts = [first + timedelta(hours=h) for h in range(hours)]
    if connection.vendor == "sqlite":
        starts = [ops.adapt_datetimefield_value(s) for s in starts]
        received = ops.adapt_datetimefield_value(received)
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for i, (series_id, key) in enumerate(series):
            row = values[i]
            present = np.flatnonzero(~np.isnan(row))
            texts = [f"{v:.3f}" if key == "co" else f"{v:.0f}" for v in row[present].tolist()]
            flags = np.where(flagged[i, present], "D", "N").tolist()
            data = [
                (series_id, starts[h], float(text), text, "{}", flag, 0, 1, received)
                for h, text, flag in zip(present.tolist(), texts, flags, strict=True)
            ]
            rows += len(data)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for item in data:
                        copy.write_row(item)
            else:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", data)  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")
        else:  # start the measurement with the build's write-ahead log folded into the database
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "stations": len(stations),
        "assessment_stations": sum(s.is_assessment for s in stations),
        "series": len(series),
        "observation_rows": rows,
        "registry_seconds": round(registry_seconds, 1),
        "observations_seconds": round(time.perf_counter() - started, 1),
        "station_codes": [s.code for s in stations],
    }


def measure(backend: str, n_stations: int, first_day: date, n_days: int, seed: int) -> dict:
    with open_scratch(backend):
        from django.db import connection

        from ecobrain.assessment.services import recompute_air

        built = build(n_stations, first_day, n_days, seed)
        codes = built.pop("station_codes")
        from ecobrain.registry.models import Station

        stations = None if n_stations >= 141 else list(Station.objects.filter(code__in=codes))
        rss_before = _vm("VmRSS")
        peak_reset = _reset_peak()
        load_before = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        result = recompute_air(start=first_day, end=first_day + timedelta(days=n_days - 1), stations=stations)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        peak = _vm("VmHWM")
        again = time.perf_counter()
        second = recompute_air(start=first_day, end=first_day + timedelta(days=n_days - 1), stations=stations)
        rerun_seconds = time.perf_counter() - again
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
            version = cursor.fetchone()[0]
        station_hours = built["stations"] * n_days * 24
        return {
            "benchmark": "assess_recompute",
            "backend": backend,
            "database_version": version,
            "first_day": first_day.isoformat(),
            "days": n_days,
            **built,
            "station_hours": station_hours,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu_seconds, 2),
            "load_average_before": round(load_before, 2),
            "station_hours_per_s": round(station_hours / seconds),
            "stages": result.as_dict()["seconds"],
            "rows": result.as_dict()["rows"],
            "rerun_seconds": round(rerun_seconds, 2),
            "rerun_rows_identical": second.as_dict()["rows"] == result.as_dict()["rows"],
            "rss_mb_before": round(rss_before, 1),
            "peak_rss_mb": round(peak, 1),
            "peak_is_recompute_only": peak_reset,
            "target_seconds": 60,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "machine": platform.machine(),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=141, help="air stations (national and provincial first)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1), help="first day (China)")
    parser.add_argument("--seed", type=int, default=663)
    parser.add_argument("--backend", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.stations < 1 or args.days < 1:
        parser.error("--stations and --days must be ≥ 1")
    if args.backend:
        print(json.dumps(measure(args.backend, args.stations, args.start, args.days, args.seed), ensure_ascii=False))
        return
    extra = ["--stations", str(args.stations), "--days", str(args.days), "--start", args.start.isoformat()]
    for result in run_on_each_backend(__file__, [*extra, "--seed", str(args.seed)]):
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
