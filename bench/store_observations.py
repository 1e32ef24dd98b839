"""store_observations throughput: rows/s for first writes (inserts) and for re-sends (updates).

Three shapes of write, each on its own rows: ``packet`` (8 rows a call, 500 calls per transaction, as the
gateway's group commit writes one HJ 212 packet at a time), ``batch`` (1,000 rows a call, the INSERT … VALUES
path everywhere) and ``bulk`` (50,000 rows a call, a file import: COPY on PostgreSQL). On PostgreSQL ``bulk``
is also run with COPY switched off (``bulk_values``) for comparison. Each shape is written once (inserts) and
then again with the same keys (re-sends: updates that count revisions). Runs on a scratch SQLite database
and, when ECOBRAIN_DATABASE_URL names PostgreSQL, on a scratch database created and dropped next to it.
Prints one JSON object per backend. Usage: .venv/bin/python bench/store_observations.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scratch_db import open_scratch, run_on_each_backend

FACTORS = ["a21026", "a21004", "a21005", "a05024", "a34002", "a34004", "a01001", "a01002"]


def measure(backend: str, rows: int) -> dict:
    with open_scratch(backend):
        from django.db import connection, transaction

        from ecobrain.core.models import Region
        from ecobrain.monitoring import services
        from ecobrain.monitoring.models import Series
        from ecobrain.monitoring.services import ObservationRow, ensure_series, store_observations
        from ecobrain.registry.models import Device, MonitoringFactor, Station

        district = Region.objects.get(adcode="610402")
        station = Station.objects.create(code="BENCH1", name="bench", kind="air_city", district=district)
        factor_ids = list(MonitoringFactor.objects.filter(code__in=FACTORS).values_list("pk", flat=True))
        series_ids = []
        for n in range(25):
            device = Device(mn=f"BENCH{n:05d}", station=station)
            device.set_access_password("bench")
            device.save()
            series_ids += ensure_series(device.pk, factor_ids).values()
        rng = random.Random(212)  # noqa: S311 - reproducible data, not security
        start = [datetime(2026, 1, 1, tzinfo=UTC)]

        def make(count: int) -> list[ObservationRow]:
            """``count`` rows on fresh keys: every series, consecutive hours after the previous shape's."""
            hours = -(-count // len(series_ids))
            made = [
                ObservationRow(
                    series_id,
                    start[0] + timedelta(hours=h),
                    value_text=f"{rng.random() * 200:.{rng.choice([1, 2, 3])}f}",
                    stats={"Min": "1.0", "Max": "250.5"},
                    device_flag="N",
                )
                for h in range(hours)
                for series_id in series_ids
            ][:count]
            start[0] += timedelta(hours=hours)
            return made

        def run(data: list[ObservationRow], per_call: int, per_transaction: int) -> float:
            began = time.perf_counter()
            for at in range(0, len(data), per_call * per_transaction):
                with transaction.atomic():
                    for call in range(at, min(at + per_call * per_transaction, len(data)), per_call):
                        store_observations(data[call : call + per_call], resolution="hour")
            return time.perf_counter() - began

        shapes = [("packet", 8, 500, min(rows, 40_000)), ("batch", 1000, 1, rows), ("bulk", 50_000, 1, rows)]
        if connection.vendor == "postgresql":
            shapes.append(("bulk_values", 50_000, 1, rows))
        results = {}
        for name, per_call, per_transaction, count in shapes:
            services.COPY_THRESHOLD = 10**9 if name == "bulk_values" else 2000
            data = make(count)
            inserted = run(data, per_call, per_transaction)
            resent = run(data, per_call, per_transaction)
            path = "copy" if connection.vendor == "postgresql" and per_call >= services.COPY_THRESHOLD else "values"
            results[name] = {
                "rows": count,
                "rows_per_call": per_call,
                "path": path,
                "insert_rows_per_s": round(count / inserted),
                "resend_rows_per_s": round(count / resent),
            }
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
            version = cursor.fetchone()[0]
        return {
            "benchmark": "store_observations",
            "backend": backend,
            "database_version": version,
            "series": Series.objects.count(),
            "results": results,
            "python": platform.python_version(),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per shape (packet: at most 40,000)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(measure(args.backend, args.rows)))
        return
    for result in run_on_each_backend(__file__, ["--rows", str(args.rows)]):
        print(json.dumps(result))


if __name__ == "__main__":
    main()
