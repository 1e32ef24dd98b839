"""Load on the public portal's home page: requests per second and latency percentiles through a real web server.

1. Builds a demo-like database in a temporary directory (SQLite; ``--database-url postgres://…`` uses that server
   instead, on a scratch database created and dropped here): migrate, the Xianyang base data, the demo registry
   (141 air stations, water sections), ``--hours`` hours of hourly AQI and ``--days`` days of daily AQI for every air
   station, district and the city, 12 months of water classes, and the demo notices.
2. Starts ``ecobrain serve`` with the web server only (waitress, ``--threads``), waits for ``/healthz``, and warms
   ``--path`` (the first request renders the page into the cache).
3. Opens ``--concurrency`` keep-alive HTTP/1.1 connections (asyncio, raw sockets, no dependencies) that each send
   ``GET --path`` one after another for ``--seconds`` seconds, and prints one JSON object:
   ``{requests_per_s, p50_ms, p95_ms, p99_ms, errors, concurrency, seconds, ...}``.

The client runs in this process and the server in its own, on the same machine: both share its cores. Issue 6's
target: ≥ 500 requests/s and p95 < 100 ms. Usage:

    .venv/bin/python bench/portal_load.py [--concurrency 20] [--seconds 15] [--threads 8] [--path /public/]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
ECOBRAIN = [sys.executable, "-m", "ecobrain"]
READ_TIMEOUT = 10  # seconds a response may take before it counts as an error


# --- the database ---------------------------------------------------------------------------------------------


def seed(hours: int, days: int) -> dict:
    """Runs in a child process with the bench's environment: a demo-like database with published results."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "ecobrain.settings"
    django.setup()
    from datetime import UTC, datetime, timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from ecobrain.assessment.choices import Scope
    from ecobrain.assessment.models import AirQualityDay, AirQualityHour, WaterQualityMonth
    from ecobrain.assessment.periods import china_month, previous_month
    from ecobrain.core.models import Region, RegionLevel
    from ecobrain.portal.demo import load_demo_notices
    from ecobrain.registry.choices import AIR_STATION_KINDS, WATER_STATION_KINDS
    from ecobrain.registry.demo import load_demo_registry
    from ecobrain.registry.models import Station
    from ecobrain.standards.aqi import BEIJING, level_for

    call_command("migrate", verbosity=0)
    call_command("loadbase", verbosity=0)
    load_demo_registry()
    rng = random.Random(6)  # noqa: S311 - bench data
    city = Region.objects.get(level=RegionLevel.CITY)
    districts = list(Region.objects.filter(level=RegionLevel.COUNTY))
    stations = list(Station.objects.filter(kind__in=list(AIR_STATION_KINDS)))
    objects = [{"scope": Scope.STATION, "station": s} for s in stations]
    objects += [{"scope": Scope.DISTRICT, "region": d} for d in districts] + [{"scope": Scope.CITY, "region": city}]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    computed = datetime.now(UTC)

    def values(aqi: int) -> dict:
        pm = aqi / 1.4
        return {
            "so2": rng.uniform(3, 20),
            "no2": rng.uniform(10, 60),
            "co": round(rng.uniform(0.3, 2.0), 1),
            "o3": rng.uniform(30, 200),
            "o3_8h": rng.uniform(20, 180),
            "pm10": pm * 1.6,
            "pm2_5": pm,
            "aqi": aqi,
            "level": level_for(aqi).number,
            "primary_pollutants": "pm2_5" if aqi > 50 else "",
            "iaqi": {"pm2_5": aqi},
            "edition": "HJ 633-2026",
            "computed_at": computed,
        }

    batch = []
    for obj in objects:
        for h in range(hours):
            batch.append(AirQualityHour(**obj, period_start=now - timedelta(hours=h), **values(rng.randint(20, 220))))
    AirQualityHour.objects.bulk_create(batch, batch_size=5000)
    today = now.astimezone(BEIJING).date()
    batch = [
        AirQualityDay(**obj, day=today - timedelta(days=d), hours={"pm2_5": 24}, **values(rng.randint(20, 220)))
        for obj in objects
        for d in range(days)
    ]
    AirQualityDay.objects.bulk_create(batch, batch_size=5000)
    months, month = [], china_month(now)
    for _ in range(12):
        months.append(month)
        month = previous_month(month)
    classes = ["I", "II", "III", "III", "IV", "V", "劣V"]
    water = [
        WaterQualityMonth(
            station=s,
            month=m,
            samples=30,
            water_class=rng.choice(classes),
            target_class="III",
            attained=rng.random() < 0.8,
            worst_factors=["nh3n"],
            edition="GB 3838-2002",
            computed_at=computed,
        )
        for s in Station.objects.filter(kind__in=list(WATER_STATION_KINDS))
        for m in months
    ]
    WaterQualityMonth.objects.bulk_create(water, batch_size=5000)
    load_demo_notices()
    return {"air_stations": len(stations), "hour_rows": hours * len(objects), "day_rows": days * len(objects)}


@contextlib.contextmanager
def scratch_database(database_url: str | None):
    """Environment for the seed and the server: a temporary data directory, SQLite or a scratch PostgreSQL DB."""
    with tempfile.TemporaryDirectory(prefix="ecobrain-portal-load-") as tmp:
        env = {
            **os.environ,
            "ECOBRAIN_DATA_DIR": tmp,
            "ECOBRAIN_SECRET_KEY": os.environ.get("ECOBRAIN_SECRET_KEY") or "bench-" + "x" * 40,
            "ECOBRAIN_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT / "src"),
        }
        env.pop("ECOBRAIN_DATABASE_URL", None)
        drop = None
        if database_url:
            import psycopg

            url = urlparse(database_url)
            name = f"ecobrain_portal_load_{os.getpid()}"
            admin = urlunparse(url._replace(path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            env["ECOBRAIN_DATABASE_URL"] = urlunparse(url._replace(path=f"/{name}"))

            def drop():
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        try:
            yield env
        finally:
            if drop:
                drop()


# --- the server -----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(env: dict, port: int, threads: int):
    command = [
        *ECOBRAIN,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--threads",
        str(threads),
        "--no-gateway",
        "--no-scheduler",
        "--no-notifier",
    ]
    # A file, not a pipe: a chatty server must never block on a full pipe.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    log.seek(0)
                    raise SystemExit("the server stopped:\n" + log.read().decode(errors="replace")[-4000:])
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not answer /healthz within 60 s")
                time.sleep(0.2)
            yield server
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


# --- the client -----------------------------------------------------------------------------------------------


async def one_connection(port: int, path: str, deadline: float, latencies: list[float], errors: list[str]) -> None:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Language: zh-CN,zh;q=0.9\r\n"
        "User-Agent: ecobrain-portal-load\r\n\r\n"
    ).encode()
    reader = writer = None
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.perf_counter()
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
            status = int(head.split(b" ", 2)[1])
            length, close = 0, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            await asyncio.wait_for(reader.readexactly(length), READ_TIMEOUT)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(f"HTTP {status}")
            if close:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError, IndexError) as exc:
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def load(port: int, path: str, concurrency: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(one_connection(port, path, deadline, latencies, errors) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    ms = sorted(value * 1000 for value in latencies)

    def percentile(p: float) -> float | None:
        return round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 2) if ms else None

    return {
        "requests_per_s": round(len(ms) / elapsed, 1),
        "p50_ms": round(statistics.median(ms), 2) if ms else None,
        "p95_ms": percentile(95),
        "p99_ms": percentile(99),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "requests": len(ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads of the server")
    parser.add_argument("--path", default="/public/")
    parser.add_argument("--hours", type=int, default=48, help="hours of hourly AQI to seed")
    parser.add_argument("--days", type=int, default=60, help="days of daily AQI to seed")
    parser.add_argument("--database-url", default=None, help="postgres://… to run on PostgreSQL (scratch database)")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)  # the child that builds the data
    args = parser.parse_args()
    if args.seed:
        print(json.dumps(seed(args.hours, args.days)))
        return
    with scratch_database(args.database_url) as env:
        started = time.perf_counter()
        child = subprocess.run(  # noqa: S603 - our interpreter and script
            [sys.executable, __file__, "--seed", "--hours", str(args.hours), "--days", str(args.days)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit("seeding failed:\n" + child.stderr)
        data = json.loads(child.stdout.strip().splitlines()[-1])
        seed_seconds = time.perf_counter() - started
        port = free_port()
        with running_server(env, port, args.threads):
            url = f"http://127.0.0.1:{port}{args.path}"
            cold = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as answer:
                size = len(answer.read())
                cache_state = answer.headers.get("X-Portal-Cache")
            cold_ms = (time.perf_counter() - cold) * 1000
            asyncio.run(load(port, args.path, min(args.concurrency, 4), 2))  # warm: threads, connections
            result = asyncio.run(load(port, args.path, args.concurrency, args.seconds))
    result.update(
        {
            "path": args.path,
            "page_bytes": size,
            "first_request_ms": round(cold_ms, 1),
            "first_request_cache": cache_state,
            "server_threads": args.threads,
            "backend": "postgresql" if args.database_url else "sqlite",
            "data": data,
            "seed_seconds": round(seed_seconds, 1),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        }
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
