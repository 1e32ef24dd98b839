"""Monitoring pages against a realistic archive: how the packet list, the overview and the data tab scale.

Builds the Xianyang demo registry (141 air stations, 7 VOCs, water stations, 220 outlets…), a series per key
factor of every station and outlet logger with ``--days`` of hourly values, and ``--packets`` archived frames
spread over the same days (90 % from registered loggers). Then times each page through Django's test client
(median of ``--repeat`` runs, with its query count) and, for comparison, what the packet list avoids: a full
COUNT(*) and an OFFSET page deep in the archive.

SQLite in a temporary directory by default; with ECOBRAIN_DATABASE_URL=postgres://… it uses that database,
which ``--reset`` flushes first (never point it at data you keep). Prints one JSON object.
Usage: .venv/bin/python bench/monitoring_pages.py [--packets 300000] [--days 7] [--repeat 5] [--reset]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta


def setup_django(reset: bool) -> str:
    if not os.environ.get("ECOBRAIN_DATABASE_URL"):
        data_dir = tempfile.mkdtemp(prefix="ecobrain-pages-bench-")
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
        os.environ["ECOBRAIN_DATA_DIR"] = data_dir
    elif not reset:
        sys.exit("ECOBRAIN_DATABASE_URL is set: pass --reset to flush that database and build the bench data in it")
    os.environ.setdefault("ECOBRAIN_SECRET_KEY", secrets.token_hex(25))
    os.environ.setdefault("ECOBRAIN_DB_CONN_MAX_AGE", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecobrain.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if reset:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("loadbase", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return connection.vendor


def build(packets: int, days: int, seed: int) -> dict:
    from django.utils import timezone

    from ecobrain.accounts.models import User
    from ecobrain.monitoring.choices import PacketOutcome, Resolution
    from ecobrain.monitoring.models import ArchivedPacket, Series
    from ecobrain.monitoring.overview import CATEGORIES
    from ecobrain.monitoring.services import ObservationRow, store_observations
    from ecobrain.registry.demo import load_demo_registry
    from ecobrain.registry.models import Device, MonitoringFactor
    from ecobrain.standards.hj212 import build_frame

    rng = random.Random(seed)  # noqa: S311 - bench data, predictable on purpose
    load_demo_registry(seed=2026)
    user, _ = User.objects.get_or_create(username="bench-monitor", defaults={"role": "monitoring_staff"})
    user.city_wide = True
    user.save()
    factors = {f.code: f.pk for f in MonitoringFactor.objects.all()}
    devices = list(Device.objects.select_related("station", "outlet"))
    wanted = []
    for device in devices:
        target = device.station or device.outlet
        for category in CATEGORIES.values():
            if category.is_station == bool(device.station_id) and target.kind in category.kinds:
                wanted += [Series(device=device, factor_id=factors[c]) for c in category.factors if c in factors]
    Series.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=2000)
    series_ids = list(Series.objects.values_list("pk", flat=True))
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    hours = days * 24
    rows = []
    started = time.perf_counter()
    for sid in series_ids:
        for h in range(hours):
            rows.append(ObservationRow(sid, now - timedelta(hours=hours - h), f"{rng.random() * 80:.1f}", {}, "N"))
        if len(rows) >= 20_000:
            store_observations(rows, resolution=Resolution.HOUR)
            rows = []
    if rows:
        store_observations(rows, resolution=Resolution.HOUR)
    hour_seconds = time.perf_counter() - started

    mns = [d.mn for d in devices]
    device_by_mn = {d.mn: d.pk for d in devices}
    frames = [
        build_frame(
            f"QN=20260301080000{i:03d};ST=31;CN=2061;PW=123456;MN=XXXXXXXXXXXXXXXX;Flag=5;CP=&&DataTime=20260301070000;"
            + ";".join(f"{c}-Avg={rng.random() * 60:.2f},{c}-Flag=N" for c in ("a34013", "a21026", "a21002", "a19001"))
            + "&&"
        )
        for i in range(20)
    ]
    started = time.perf_counter()
    span = days * 86400
    batch = []
    for i in range(packets):
        known = rng.random() < 0.9
        mn = rng.choice(mns) if known else f"UNKNOWN{rng.randrange(200):05d}"
        batch.append(
            ArchivedPacket(
                raw=frames[i % len(frames)],
                received_at=now - timedelta(seconds=span * (packets - i) / packets),
                peer=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}:{rng.randrange(1024, 65535)}",
                mn=mn,
                cn="2061",
                device_id=device_by_mn.get(mn),
                outcome=(PacketOutcome.STORED if known else PacketOutcome.UNKNOWN_MN)
                if i % 10_000
                else PacketOutcome.DECODE_ERROR,
                values_stored=4 if known else 0,
            )
        )
        if len(batch) == 5000:
            ArchivedPacket.objects.bulk_create(batch)
            batch = []
    if batch:
        ArchivedPacket.objects.bulk_create(batch)
    return {
        "user": user,
        "devices": len(devices),
        "series": len(series_ids),
        "hour_rows": len(series_ids) * hours,
        "hour_rows_seconds": round(hour_seconds, 1),
        "packets_seconds": round(time.perf_counter() - started, 1),
        "sample_mn": rng.choice(mns),
    }


def measure(client, url: str, repeat: int, **params) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm caches
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            if response.streaming:
                b"".join(response.streaming_content)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, params, response.status_code)
    return {"ms": round(statistics.median(times) * 1000, 1), "queries": len(queries.captured_queries)}


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packets", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    vendor = setup_django(args.reset)
    built = build(args.packets, args.days, args.seed)

    from django.test import Client

    from ecobrain.monitoring.models import ArchivedPacket
    from ecobrain.monitoring.packets import encode_cursor
    from ecobrain.registry.models import Outlet, Station

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(built.pop("user"))
    deep = ArchivedPacket.objects.order_by("-received_at", "-pk")[args.packets // 2]
    ordered = ArchivedPacket.objects.order_by("-received_at", "-pk")
    station = Station.objects.filter(kind="air_national").first()
    outlet = Outlet.objects.filter(kind="gas", devices__isnull=False).first()
    r = args.repeat
    results = {
        "packet_list_first_page": measure(client, "/monitoring/packets/", r),
        "packet_list_middle_page_by_cursor": measure(client, "/monitoring/packets/", r, after=encode_cursor(deep)),
        "packet_list_by_mn": measure(client, "/monitoring/packets/", r, mn=built["sample_mn"]),
        "packet_list_unknown_mn_outcome": measure(client, "/monitoring/packets/", r, outcome="unknown_mn"),
        "packet_list_search_last_day": measure(client, "/monitoring/packets/", r, q=built["sample_mn"][-6:]),
        "packet_list_rare_outcome_last_day": measure(client, "/monitoring/packets/", r, outcome="decode_error"),
        "packet_list_rare_outcome_whole_archive": measure(
            client, "/monitoring/packets/", r, outcome="decode_error", received_after="2000-01-01T00:00"
        ),
        "packets_api_first_page": measure(client, "/api/v1/packets/", r),
        "for_comparison_full_count_ms": timed(lambda: ArchivedPacket.objects.count(), r),
        "for_comparison_offset_middle_page_ms": timed(
            lambda: list(ordered[args.packets // 2 : args.packets // 2 + 50]), r
        ),
        "overview_air_stations": measure(client, "/monitoring/", r, category="air"),
        "overview_gas_outlets": measure(client, "/monitoring/", r, category="gas"),
        "overview_wastewater_outlets": measure(client, "/monitoring/", r, category="wastewater"),
        "station_page_with_data_tab": measure(client, station.get_absolute_url(), r),
        "station_window_hour_7d": measure(
            client, f"/monitoring/data/station/{station.pk}/", r, resolution="hour", range="7d"
        ),
        "outlet_window_hour_30d": measure(
            client, f"/monitoring/data/outlet/{outlet.pk}/", r, resolution="hour", range="30d"
        ),
    }
    series = list(outlet.devices.first().series.values_list("pk", flat=True))
    results["api_observations_outlet_7d"] = measure(
        client, "/api/v1/observations/", r, series=",".join(map(str, series)), resolution="hour"
    )
    print(
        json.dumps(
            {
                "benchmark": "monitoring_pages",
                "database": vendor,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "packets": args.packets,
                "days": args.days,
                **built,
                "results": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
