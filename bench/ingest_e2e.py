"""End-to-end HJ 212 ingest: simulated data loggers over loopback TCP → `ecobrain gateway` → database → 9014 acks.

The bench sets up a fresh database (SQLite in a temporary directory; PostgreSQL when ECOBRAIN_DATABASE_URL is a
postgres:// URL: a throwaway database is created next to the one named and dropped afterwards), migrates it,
loads the base data, registers the devices, starts ONE `ecobrain gateway` subprocess per scenario and acts as the
load generator itself (asyncio, one process). Every packet is an hourly 2061 upload with 8 or 10 factors and
Flag=5 (ack wanted); each device counts its packets' DataTime up by one hour, so every packet stores new rows.

Scenarios (all by default; `--scenario NAME` repeats to choose):
  throughput   D devices, each keeping up to K unacked packets in flight, for T s: acked packets/s, values/s,
               ack latency (send → ack).
  latency      a fixed total rate (open loop, packets spread evenly over the devices): ack latency measured from
               each packet's SCHEDULED send time, so a stalled gateway cannot hide its queueing delay.
  connections  C concurrent connections, each sending a packet every 30–60 s: gateway RSS (VmRSS/VmHWM).
After each scenario the database is checked: every acked packet's values stored exactly, one row per key, no
revision above 1 (nothing is re-sent here), and any packet whose ack never came is reported.

Prints one JSON object on stdout, progress on stderr. Usage:
  .venv/bin/python bench/ingest_e2e.py [--quick] [--scenario throughput|latency|connections ...] [--profile DIR]
See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from ecobrain.standards.hj212 import CHINA_TZ, build_frame

ROOT = Path(__file__).resolve().parent.parent
BASE_TIME = datetime(2020, 1, 1, tzinfo=CHINA_TZ)  # DataTime of a device's packet 0; packet k is k hours later
BASE_TIME_UTC = BASE_TIME.astimezone(UTC)
HOUR = timedelta(hours=1)
PASSWORD = "bench-212"

# Hourly air-station data (ST=22): six pollutants and four weather factors, Avg + Flag.
AIR_FACTORS = ("a21026", "a21004", "a21005", "a05024", "a34002", "a34004", "a01001", "a01002", "a01007", "a01008")
AIR_SCALE = (80, 120, 4, 300, 400, 250, 40, 100, 20, 360)
# Hourly flue-gas CEMS data (ST=31): pollutants with Min/Avg/Max/ZsAvg, flow with Cou, flue parameters.
CEMS_FACTORS = ("a34013", "a21026", "a21002", "a19001", "a01012", "a01011", "a01013", "a00000")
CEMS_SCALE = (30, 50, 100, 21, 150, 25, 2, 300)
CEMS_CONVERTED = frozenset({"a34013", "a21026", "a21002"})

TARGETS = {"throughput_packets_per_second": 5000, "latency_p99_ms": 200, "connections_rss_mb": 500}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------------
# Devices and their packets


def _value(device_index: int, seq: int, factor_index: int, scale: int) -> str:
    """A reproducible value text for (device, packet, factor); recomputed when the database is checked."""
    h = (device_index * 1_000_003 + seq * 7_919 + factor_index * 104_729) * 2_654_435_761 & 0xFFFFFFFF
    return f"{(h % 100_000) / 100_000 * scale:.{1 + h % 3}f}"


@dataclass
class BenchDevice:
    """One simulated data logger: its MN, kind (air station or CEMS outlet) and packet builder."""

    index: int
    mn: str
    kind: str  # "air" | "cems"

    @property
    def factors(self) -> tuple[str, ...]:
        return AIR_FACTORS if self.kind == "air" else CEMS_FACTORS

    def expected(self, seq: int) -> dict[str, str]:
        """factor code → the main value text (Avg) of packet ``seq``."""
        scales = AIR_SCALE if self.kind == "air" else CEMS_SCALE
        return {code: _value(self.index, seq, i, scales[i]) for i, code in enumerate(self.factors)}

    def frame(self, seq: int) -> tuple[bytes, bytes]:
        """(frame, QN) of packet ``seq``: 2061 hourly data, DataTime = BASE_TIME + seq hours, Flag=5."""
        data_time = BASE_TIME + seq * HOUR
        stamp = data_time.strftime("%Y%m%d%H%M%S")
        qn = f"{stamp}{self.index % 1000:03d}"
        values = self.expected(seq)
        if self.kind == "air":
            cp = ";".join(f"{code}-Avg={text},{code}-Flag=N" for code, text in values.items())
            st = "22"
        else:
            groups = []
            for code, text in values.items():
                if code in CEMS_CONVERTED:
                    groups.append(
                        f"{code}-Min={text},{code}-Avg={text},{code}-Max={text},{code}-ZsAvg={text},{code}-Flag=N"
                    )
                elif code == "a00000":
                    groups.append(f"{code}-Cou={text}00,{code}-Avg={text},{code}-Flag=N")
                else:
                    groups.append(f"{code}-Avg={text},{code}-Flag=N")
            cp = ";".join(groups)
            st = "31"
        segment = f"QN={qn};ST={st};CN=2061;PW={PASSWORD};MN={self.mn};Flag=5;CP=&&DataTime={stamp};{cp}&&"
        return build_frame(segment), qn.encode()


def seq_of(period_start: datetime) -> int:
    return round((period_start - BASE_TIME_UTC) / HOUR)


# --------------------------------------------------------------------------------------------------------------
# Database: a fresh one per run


class BenchDatabase:
    """SQLite in the run's temporary directory, or a throwaway PostgreSQL database created and dropped here."""

    def __init__(self, workdir: Path, admin_url: str | None) -> None:
        self.workdir = workdir
        self.admin_url = (
            admin_url if admin_url and urlparse(admin_url).scheme.startswith(("postgres", "pgsql")) else None
        )
        self.pg_name: str | None = None
        self.url: str | None = None

    @property
    def vendor(self) -> str:
        return "postgresql" if self.admin_url else "sqlite"

    def create(self) -> None:
        if not self.admin_url:
            self.url = f"sqlite:///{self.workdir / 'ecobrain.sqlite3'}"
            return
        import psycopg

        self.pg_name = f"ecobrain_bench_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(self._conninfo(self.admin_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.pg_name}"')
        parsed = urlparse(self.admin_url)
        self.url = urlunparse(parsed._replace(path=f"/{self.pg_name}"))
        log(f"created PostgreSQL database {self.pg_name}")

    def drop(self) -> None:
        if not self.pg_name:
            return
        import psycopg

        with psycopg.connect(self._conninfo(self.admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        log(f"dropped PostgreSQL database {self.pg_name}")
        self.pg_name = None

    def version(self) -> dict:
        if self.admin_url:
            import psycopg

            with psycopg.connect(self._conninfo(self.admin_url)) as conn:
                return {"postgresql": conn.execute("SHOW server_version").fetchone()[0]}
        return {"sqlite": sqlite3.sqlite_version}

    @staticmethod
    def _conninfo(url: str) -> str:
        parsed = urlparse(url)
        return urlunparse(parsed._replace(query=""))


def prepare_environment(workdir: Path, database: BenchDatabase) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOBRAIN_", "PYTEST_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ecobrain.settings",
            "ECOBRAIN_SECRET_KEY": secrets.token_hex(25),
            "ECOBRAIN_DATA_DIR": str(workdir),
            "ECOBRAIN_DATABASE_URL": database.url or "",
            "ECOBRAIN_LOG_LEVEL": "WARNING",  # a failed group commit is logged at ERROR; connection chatter is not
        }
    )
    return env


def run_command(env: dict[str, str], *args: str) -> None:
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "ecobrain", *args], env=env, cwd=ROOT, check=True, capture_output=True, timeout=600
    )
    log(f"ecobrain {' '.join(args)}: {time.monotonic() - started:.1f} s")


def register_devices(prefix: str, count: int, first_index: int) -> list[BenchDevice]:
    """``count`` data loggers, alternately at an air station and at a CEMS outlet (bulk, through the ORM)."""
    from ecobrain.core import geo
    from ecobrain.core.models import Region
    from ecobrain.registry.models import Device, Enterprise, Outlet, Station
    from ecobrain.standards.uscc import make_credit_code

    districts = list(Region.objects.filter(parent__adcode="610400").order_by("adcode"))
    points = {d.pk: geo.representative_point(d) for d in districts}
    devices = [
        BenchDevice(first_index + i, f"{prefix}{first_index + i:010d}", "air" if i % 2 == 0 else "cems")
        for i in range(count)
    ]
    air = [d for d in devices if d.kind == "air"]
    cems = [d for d in devices if d.kind == "cems"]
    stations = []
    for n, dev in enumerate(air):
        district = districts[n % len(districts)]
        lon, lat = points[district.pk]
        stations.append(
            Station(code=f"B{dev.mn}", name=f"基准站{dev.index}", kind="air_city", longitude=lon, latitude=lat,
                    district=district)
        )  # fmt: skip
    Station.objects.bulk_create(stations, batch_size=500)
    station_of = dict(Station.objects.filter(code__in=[s.code for s in stations]).values_list("code", "pk"))
    enterprises = []
    for n in range(0, len(cems), 100):  # 100 outlets (DA001…DA100) per enterprise
        district = districts[(n // 100) % len(districts)]
        lon, lat = points[district.pk]
        serial = first_index + n
        enterprises.append(
            Enterprise(name=f"基准企业{serial}", credit_code=make_credit_code(f"91{district.adcode}MB{serial:07d}"),
                       industry="D4411", longitude=lon, latitude=lat, district=district)
        )  # fmt: skip
    Enterprise.objects.bulk_create(enterprises, batch_size=500)
    enterprise_ids = list(
        Enterprise.objects.filter(credit_code__in=[e.credit_code for e in enterprises])
        .order_by("name")
        .values_list("pk", flat=True)
    )
    outlets = [
        Outlet(enterprise_id=enterprise_ids[n // 100], code=f"DA{n % 100 + 1:03d}", name=f"{dev.index}#排气筒",
               kind="gas")
        for n, dev in enumerate(cems)
    ]  # fmt: skip
    Outlet.objects.bulk_create(outlets, batch_size=500)
    outlet_of = {
        (enterprise_id, code): pk
        for enterprise_id, code, pk in Outlet.objects.filter(enterprise_id__in=enterprise_ids).values_list(
            "enterprise_id", "code", "pk"
        )
    }
    rows = [Device(mn=dev.mn, station_id=station_of[f"B{dev.mn}"]) for dev in air]
    for n, dev in enumerate(cems):
        rows.append(Device(mn=dev.mn, outlet_id=outlet_of[(enterprise_ids[n // 100], f"DA{n % 100 + 1:03d}")]))
    for row in rows:
        row.set_access_password(PASSWORD)
    Device.objects.bulk_create(rows, batch_size=500)
    return devices


# --------------------------------------------------------------------------------------------------------------
# The gateway subprocess


class GatewayProcess:
    """`ecobrain gateway` as a child process; RSS and CPU time read from /proc."""

    def __init__(self, env: dict[str, str], port: int, workdir: Path, name: str, extra: list[str]) -> None:
        self.env = env
        self.port = port
        self.stderr_path = workdir / f"gateway-{name}.log"
        self.extra = extra
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        command = [sys.executable, "-m", "ecobrain", "gateway", "--port", str(self.port), *self.extra]
        with self.stderr_path.open("wb") as stderr:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {self.proc.returncode}: {self.stderr_tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                self._wait_for_processes(deadline)
                return
            time.sleep(0.1)
        raise RuntimeError(f"gateway did not listen on port {self.port} within {timeout} s")

    def _wait_for_processes(self, deadline: float) -> None:
        """With `--processes N`: until each of the N gateway processes listens (the kernel spreads new connections
        over the listening ones only), judged by N children with a listening socket's worth of start-up time."""
        if "--processes" not in self.extra:
            return
        wanted = int(self.extra[self.extra.index("--processes") + 1])
        while len(self.pids()) - 1 < wanted and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(3.0)  # a Django process starts in 1–2 s here

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # the command commits what is queued, then exits
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def pids(self) -> list[int]:
        """The gateway process and, with `--processes`, the gateway processes it started (its children)."""
        found = [self.proc.pid]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[1]) == self.proc.pid:  # ppid
                        found.append(int(entry))
        return found

    def status(self) -> dict[str, int]:
        """VmRSS, VmHWM (kB), threads and open file descriptors, summed over the gateway's processes."""
        values: dict[str, int] = {}
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    key, _, rest = line.partition(":")
                    if key in ("VmRSS", "VmHWM", "Threads"):
                        values[key] = values.get(key, 0) + int(rest.split()[0])
                values["fds"] = values.get("fds", 0) + len(os.listdir(f"/proc/{pid}/fd"))
        return values

    def cpu_seconds(self) -> float:
        """utime + stime of the gateway's processes (with `--processes`, the supervisor and its gateways)."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stderr_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def failed_commits(self) -> int:
        with contextlib.suppress(OSError):
            return self.stderr_path.read_text(errors="replace").count("group commit of")
        return 0


# --------------------------------------------------------------------------------------------------------------
# The load generator


@dataclass
class Run:
    """What one scenario sent and got back."""

    sent: int = 0
    acks: int = 0
    unexpected_acks: int = 0
    values_acked: int = 0
    window_start: float = float("inf")
    window_end: float = float("inf")
    window_acks: int = 0
    window_values: int = 0
    latencies: list[float] = field(default_factory=list)
    acked: dict[int, set[int]] = field(default_factory=dict)  # device index → acked packet seqs
    sending: bool = True
    lost_connections: int = 0
    connect_failures: int = 0
    last_ack: float = 0.0
    by_schedule: bool = False  # open loop: the window holds packets SCHEDULED in it, whenever their ack came

    def record(self, link: Link, seq: int, reference: float, now: float) -> None:
        self.acks += 1
        self.last_ack = now
        nvalues = len(link.device.factors)
        self.values_acked += nvalues
        self.acked.setdefault(link.device.index, set()).add(seq)
        if self.window_start <= (reference if self.by_schedule else now) < self.window_end:
            self.window_acks += 1
            self.window_values += nvalues
            self.latencies.append(now - reference)


class Link(asyncio.Protocol):
    """One data logger's TCP connection: sends frames, matches 9014 acks to them by QN."""

    def __init__(self, device: BenchDevice, run: Run, *, closed_loop: bool) -> None:
        self.device = device
        self.run = run
        self.closed_loop = closed_loop
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.inflight: dict[bytes, tuple[int, float]] = {}
        self.next_seq = 0
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.run.sending:
            self.run.lost_connections += 1

    def frames(self, count: int, reference: float) -> bytes:
        chunks = []
        for _ in range(count):
            frame, qn = self.device.frame(self.next_seq)
            self.inflight[qn] = (self.next_seq, reference)
            self.next_seq += 1
            chunks.append(frame)
        self.run.sent += count
        return b"".join(chunks)

    def send(self, count: int = 1, reference: float | None = None) -> None:
        if self.closed:
            return
        self.transport.write(self.frames(count, time.monotonic() if reference is None else reference))

    def data_received(self, data: bytes) -> None:
        lines = (self.buffer + data).split(b"\r\n")
        self.buffer = lines.pop()
        now = time.monotonic()
        replies = 0
        for line in lines:
            start = line.find(b"QN=") + 3
            qn = line[start : line.find(b";", start)]
            entry = self.inflight.pop(qn, None) if b";CN=9014;" in line else None
            if entry is None:
                self.run.unexpected_acks += 1
                continue
            self.run.record(self, entry[0], entry[1], now)
            replies += 1
        if self.closed_loop and self.run.sending and replies:
            self.send(replies)


async def open_links(devices: list[BenchDevice], run: Run, port: int, *, closed_loop: bool, wave: int = 200) -> list:
    loop = asyncio.get_running_loop()
    links: list[Link] = []

    async def connect(device: BenchDevice) -> None:
        for attempt in range(5):
            try:
                _, link = await loop.create_connection(
                    lambda: Link(device, run, closed_loop=closed_loop), "127.0.0.1", port
                )
            except OSError:
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            links.append(link)
            return
        run.connect_failures += 1

    for start in range(0, len(devices), wave):  # waves: the server's listen backlog is 100
        await asyncio.gather(*(connect(d) for d in devices[start : start + wave]))
    return links


async def drain(links: list[Link], run: Run, stall: float, limit: float = 300.0) -> float:
    """Stop sending and wait for every outstanding ack, until none came for ``stall`` seconds; returns the wait."""
    run.sending = False
    started = last_progress = time.monotonic()
    acks = run.acks
    while any(link.inflight and not link.closed for link in links):
        await asyncio.sleep(0.05)
        now = time.monotonic()
        if run.acks != acks:
            acks, last_progress = run.acks, now
        if now - last_progress > stall or now - started > limit:
            break
    return round(time.monotonic() - started, 1)


def close_links(links: list[Link]) -> None:
    for link in links:
        if link.transport is not None:
            link.transport.close()


class RssSampler:
    """The gateway's largest VmRSS, sampled twice a second while a scenario runs (its frame queue has no bound)."""

    def __init__(self, gateway: GatewayProcess) -> None:
        self.gateway = gateway
        self.max_kb = 0
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.max_kb = max(self.max_kb, self.gateway.status().get("VmRSS", 0))
            await asyncio.sleep(0.5)

    def stop(self) -> float:
        self.task.cancel()
        return round(self.max_kb / 1024, 1)


def percentiles(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50": None, "p95": None, "p99": None, "max": None, "count": 0}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1] * 1000, 2),
            "count": len(ordered)}  # fmt: skip


def cpu_use(gateway: GatewayProcess, cpu0: float, client0: float, seconds: float) -> dict[str, float]:
    client = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "gateway_cpu_cores": round((gateway.cpu_seconds() - cpu0) / seconds, 2),
        "client_cpu_cores": round((client.ru_utime + client.ru_stime - client0) / seconds, 2),
    }


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------------------------------------------
# Scenarios


async def scenario_throughput(devices, gateway: GatewayProcess, args, profiler) -> tuple[Run, dict]:
    run = Run()
    rss = RssSampler(gateway)
    links = await open_links(devices, run, gateway.port, closed_loop=True)
    log(f"throughput: {len(links)} connections, {args.in_flight} packets in flight each, {args.seconds} s")
    start = time.monotonic()
    run.window_start = start + args.warmup
    run.window_end = run.window_start + args.seconds
    for link in links:
        link.send(args.in_flight)
    await asyncio.sleep(args.warmup)
    cpu0, client0 = gateway.cpu_seconds(), _client_cpu()
    if profiler:
        profiler.start(gateway.proc.pid, args.seconds)
    await asyncio.sleep(args.seconds)
    cpu = cpu_use(gateway, cpu0, client0, args.seconds)
    drained = await drain(links, run, args.drain)
    rss_mb_max = rss.stop()
    close_links(links)
    result = {
        "devices": len(devices),
        "in_flight_per_device": args.in_flight,
        "drain_seconds": drained,
        "warmup_seconds": args.warmup,
        "seconds": args.seconds,
        "packets_acked_in_window": run.window_acks,
        "packets_per_second": round(run.window_acks / args.seconds),
        "values_per_second": round(run.window_values / args.seconds),
        "ack_latency_ms": percentiles(run.latencies),
        **cpu,
        # What one packet costs the gateway process whatever else the machine runs (its CPU time / acks).
        "gateway_cpu_ms_per_packet": round(cpu["gateway_cpu_cores"] * args.seconds * 1000 / max(1, run.window_acks), 2),
        "rss_mb_max": rss_mb_max,
        "target_packets_per_second": TARGETS["throughput_packets_per_second"],
        "target_met": run.window_acks / args.seconds >= TARGETS["throughput_packets_per_second"],
    }
    return run, result


async def scenario_latency(devices, gateway: GatewayProcess, args, profiler) -> tuple[Run, dict]:
    run = Run()
    rss = RssSampler(gateway)
    links = await open_links(devices, run, gateway.port, closed_loop=False)
    total = int(args.rate * (args.warmup + args.seconds))
    log(f"latency: {len(links)} connections, {args.rate} packets/s, {args.seconds} s (+{args.warmup} s warm-up)")
    start = time.monotonic() + 0.05
    run.window_start = start + args.warmup
    run.window_end = float("inf")  # every packet scheduled after the warm-up counts, however late its ack
    run.by_schedule = True
    cpu0, client0, cpu_from = gateway.cpu_seconds(), _client_cpu(), time.monotonic()
    interval = 1.0 / args.rate
    worst_lag = 0.0
    saturated_at = None
    i = 0
    while i < total:
        now = time.monotonic()
        if run.sent - run.acks > args.rate * args.max_backlog:  # the gateway falls ever further behind: stop here
            saturated_at = now - start
            log(f"latency: {run.sent - run.acks} packets unacked after {saturated_at:.1f} s: saturated, sending stops")
            break
        while i < total and start + i * interval <= now:
            scheduled = start + i * interval
            worst_lag = max(worst_lag, now - scheduled)
            links[i % len(links)].send(1, reference=scheduled)
            i += 1
        if i < total:
            await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
    cpu = cpu_use(gateway, cpu0, client0, time.monotonic() - cpu_from)  # while sending
    drained = await drain(links, run, args.drain)
    rss_mb_max = rss.stop()
    close_links(links)
    lat = percentiles(run.latencies)
    result = {
        "devices": len(devices),
        "drain_seconds": drained,
        "packets_per_second_offered": args.rate,
        "warmup_seconds": args.warmup,
        "seconds": args.seconds,
        "packets_measured": lat["count"],
        "acked_per_second_overall": round(run.acks / max(1e-9, run.last_ack - start)),
        "ack_latency_ms": lat,
        "max_send_lag_ms": round(worst_lag * 1000, 2),
        "saturated_after_seconds": None if saturated_at is None else round(saturated_at, 1),
        "rss_mb_max": rss_mb_max,
        **cpu,
        "target_p99_ms": TARGETS["latency_p99_ms"],
        "target_met": lat["p99"] is not None and lat["p99"] < TARGETS["latency_p99_ms"],
    }
    return run, result


async def scenario_connections(devices, gateway: GatewayProcess, args, profiler) -> tuple[Run, dict]:
    run = Run()
    before = gateway.status()
    rng = random.Random(212)  # noqa: S311 - a reproducible schedule, not security
    started = time.monotonic()
    links = await open_links(devices, run, gateway.port, closed_loop=False)
    connect_seconds = time.monotonic() - started
    log(f"connections: {len(links)} open after {connect_seconds:.1f} s; holding {args.hold} s")
    loop = asyncio.get_running_loop()
    lo, hi = args.interval
    run.window_start = time.monotonic()
    run.window_end = float("inf")

    def tick(link: Link) -> None:
        if not run.sending or link.closed:
            return
        link.send(1)
        loop.call_later(rng.uniform(lo, hi), tick, link)

    for link in links:  # the first packet comes at a random moment of the first interval
        loop.call_later(rng.uniform(0, lo), tick, link)
    samples = []
    cpu0, client0 = gateway.cpu_seconds(), _client_cpu()
    hold_end = time.monotonic() + args.hold
    while time.monotonic() < hold_end:
        await asyncio.sleep(min(1.0, max(0.0, hold_end - time.monotonic())))
        status = gateway.status()
        status["open_links"] = sum(1 for link in links if not link.closed)
        samples.append(status)
    cpu = cpu_use(gateway, cpu0, client0, args.hold)
    drained = await drain(links, run, args.drain)
    end = gateway.status()
    close_links(links)
    result = {
        "connections": len(devices),
        "connected": len(links),
        "connect_failures": run.connect_failures,
        "connect_seconds": round(connect_seconds, 1),
        "hold_seconds": args.hold,
        "drain_seconds": drained,
        "send_interval_seconds": list(args.interval),
        "min_open_during_hold": min((s["open_links"] for s in samples), default=0),
        "lost_connections": run.lost_connections,
        "gateway_fds_max": max((s.get("fds", 0) for s in samples), default=0),
        "gateway_threads_max": max((s.get("Threads", 0) for s in samples), default=0),
        "rss_mb_before_connections": round(before.get("VmRSS", 0) / 1024, 1),
        "rss_mb_max": round(max((s.get("VmRSS", 0) for s in samples), default=0) / 1024, 1),
        "vmhwm_mb": round(end.get("VmHWM", 0) / 1024, 1),
        "packets_acked": run.acks,
        "ack_latency_ms": percentiles(run.latencies),
        **cpu,
        "target_rss_mb": TARGETS["connections_rss_mb"],
        "target_met": end.get("VmHWM", 0) / 1024 < TARGETS["connections_rss_mb"]
        and len(links) == len(devices)
        and run.lost_connections == 0,
    }
    return run, result


# --------------------------------------------------------------------------------------------------------------
# Checking the database after a scenario


def verify(devices: list[BenchDevice], run: Run, prefix: str) -> dict:
    """Every acked packet's values stored exactly; one row per key; no revision above 1; lost acks counted."""
    from django.db import connections
    from django.db.models import Count

    from ecobrain.monitoring.choices import PacketOutcome
    from ecobrain.monitoring.models import ArchivedPacket, HourObservation

    connections.close_all()
    started = time.monotonic()
    by_mn = {d.mn: d for d in devices}
    rows_per_packet: Counter[tuple[int, int]] = Counter()
    wrong_values = revisions_above_1 = 0
    rows = HourObservation.objects.filter(series__device__mn__startswith=prefix).values_list(
        "series__device__mn", "series__factor__code", "period_start", "value_text", "revision"
    )
    for mn, code, period_start, value_text, revision in rows.iterator(chunk_size=20_000):
        device = by_mn[mn]
        seq = seq_of(period_start)
        rows_per_packet[(device.index, seq)] += 1
        if revision != 1:
            revisions_above_1 += 1
        if seq in run.acked.get(device.index, ()) and device.expected(seq)[code] != value_text:
            wrong_values += 1
    duplicate_keys = (
        HourObservation.objects.filter(series__device__mn__startswith=prefix)
        .values("series_id", "period_start")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    acked_packets = missing_values = 0
    for device in devices:
        for seq in run.acked.get(device.index, ()):
            acked_packets += 1
            missing_values += len(device.factors) - rows_per_packet.get((device.index, seq), 0)
    stored_without_ack = sum(1 for index, seq in rows_per_packet if seq not in run.acked.get(index, ()))
    archived = Counter(
        ArchivedPacket.objects.filter(mn__startswith=prefix).values_list("outcome", flat=True).iterator(10_000)
    )
    connections.close_all()
    return {
        "packets_sent": run.sent,
        "packets_acked": acked_packets,
        "acks_lost": run.sent - acked_packets,
        "unexpected_acks": run.unexpected_acks,
        "packets_stored": len(rows_per_packet),
        "stored_without_ack": stored_without_ack,
        "acked_values_missing": missing_values,
        "acked_values_wrong": wrong_values,
        "duplicate_keys": duplicate_keys,
        "revisions_above_1": revisions_above_1,
        "archived": dict(archived),
        "archived_stored": archived.get(PacketOutcome.STORED, 0),
        "ok": missing_values == 0 and wrong_values == 0 and duplicate_keys == 0 and revisions_above_1 == 0,
        "check_seconds": round(time.monotonic() - started, 1),
    }


# --------------------------------------------------------------------------------------------------------------
# Profiling (optional): py-spy samples the gateway process, all threads, without stopping it


class Profiler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(self.exe).exists():
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        self.proc: subprocess.Popen | None = None
        self.output = directory / "gateway-throughput.txt"

    def start(self, pid: int, seconds: float) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [self.exe, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
                   "--format", "raw", "--nonblocking", "--output", str(self.output)]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603

    def summary(self, top: int = 15) -> dict:
        """Shares of the gateway's busy samples: per function (self, inclusive) and per source line of the ingest
        path (which statement of ``_ingest_decoded`` costs what)."""
        if self.proc is None:
            return {}
        self.proc.wait(60)
        own: Counter[str] = Counter()
        inclusive: Counter[str] = Counter()
        lines: Counter[str] = Counter()
        total = writer = 0
        for line in self.output.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = stack.split(";")
            total += n
            writer += n if any(f.startswith("BatchWriter._run ") for f in frames) else 0
            own[_short(frames[-1])] += n
            for name in {_short(f) for f in frames}:
                inclusive[name] += n
            for where in {f for f in frames if f.split(" ", 1)[0] in PROFILED_FUNCTIONS}:
                lines[where] += n

        def share(counter: Counter[str], count: int) -> list:
            return [[name, round(100 * n / total, 1)] for name, n in counter.most_common(count)]

        return {
            "file": str(self.output),
            "busy_samples": total,
            "writer_thread_percent": round(100 * writer / total, 1) if total else None,
            "self_percent": share(own, top),
            "inclusive_percent": share(inclusive, top),
            "ingest_lines_percent": [[f"{where} {_source(where)}", pct] for where, pct in share(lines, 30)],
        }


# Functions whose every line is attributed in the profile summary (the per-packet ingest path).
PROFILED_FUNCTIONS = frozenset({"BatchWriter._commit", "ingest_packets", "ingest_packet", "_ingest_decoded"})


def _source(where: str) -> str:
    """The source text of ``func (ecobrain/x.py:123)``."""
    import linecache

    path, _, number = where.rpartition(" (")[2].rstrip(")").rpartition(":")
    return linecache.getline(str(ROOT / "src" / path), int(number)).strip()


def _short(frame: str) -> str:
    """``func (path/to/module.py:123)`` → ``func (module.py)``: one entry per function."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    parts = path.split("/")
    return f"{name} ({'/'.join(parts[-2:])})"


# --------------------------------------------------------------------------------------------------------------


SCENARIOS = {
    "throughput": (scenario_throughput, "T"),
    "latency": (scenario_latency, "L"),
    "connections": (scenario_connections, "C"),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS), help="run only these (repeat)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few devices, a few seconds each")
    parser.add_argument("--port", type=int, default=19206, help="gateway port (default 19206)")
    parser.add_argument("--devices", type=int, help="throughput/latency devices (default 200; quick 20)")
    parser.add_argument("--in-flight", type=int, help="throughput: unacked packets per device (default 10)")
    parser.add_argument("--seconds", type=float, help="measured seconds of throughput/latency (default 30; quick 5)")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (default 3; quick 1)")
    parser.add_argument("--rate", type=float, help="latency: packets/s offered (default 1000; quick 200)")
    parser.add_argument("--connections", type=int, help="connections scenario: connections (default 5000)")
    parser.add_argument("--hold", type=float, help="connections: seconds held open (default 90; quick 10)")
    parser.add_argument("--interval", type=float, nargs=2, metavar=("MIN", "MAX"),
                        help="connections: seconds between a device's packets (default 30 60; quick 2 4)")  # fmt: skip
    parser.add_argument(
        "--drain", type=float, default=10.0, help="after sending: wait for the last acks until none came for S seconds"
    )
    parser.add_argument(
        "--max-backlog",
        type=float,
        default=5.0,
        help="latency: stop sending when more than RATE × S packets are unacked (the gateway is saturated)",
    )
    parser.add_argument("--batch-max", type=int, help="passed to `ecobrain gateway --batch-max`")
    parser.add_argument(
        "--processes", type=int, default=1, help="passed to `ecobrain gateway --processes` (default 1: the target's)"
    )
    parser.add_argument("--profile", type=Path, metavar="DIR", help="py-spy the gateway during throughput")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, gateway logs)")
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "devices": 20 if quick else 200,
        "in_flight": 10,
        "seconds": 5.0 if quick else 30.0,
        "warmup": 1.0 if quick else 3.0,
        "rate": 200.0 if quick else 1000.0,
        "connections": 300 if quick else 5000,
        "hold": 10.0 if quick else 90.0,
        "interval": (2.0, 4.0) if quick else (30.0, 60.0),
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.scenario = args.scenario or list(SCENARIOS)
    return args


def machine_facts() -> dict:
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "ulimit_nofile": nofile,
    }


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt  # out of the event loop, into main's cleanup (gateway, database, directory)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    workdir = Path(tempfile.mkdtemp(prefix="ecobrain-bench-"))
    database = BenchDatabase(workdir, os.environ.get("ECOBRAIN_DATABASE_URL"))
    report: dict = {
        "benchmark": "ingest_e2e",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": "quick" if args.quick else "full",
        "machine": machine_facts(),
        "database": database.vendor,
        "gateway_processes": args.processes,
        "scenarios": {},
    }
    gateway: GatewayProcess | None = None
    try:
        database.create()
        report["machine"].update(database.version())
        env = prepare_environment(workdir, database)
        run_command(env, "migrate", "--noinput", "-v", "0")
        run_command(env, "loadbase")
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        profiler = Profiler(args.profile) if args.profile else None
        extra = ["--batch-max", str(args.batch_max)] if args.batch_max else []
        if args.processes > 1:
            extra += ["--processes", str(args.processes)]
        next_index = 0
        for name in args.scenario:
            function, letter = SCENARIOS[name]
            count = args.connections if name == "connections" else args.devices
            prefix = f"BN{letter}"
            started = time.monotonic()
            devices = register_devices(prefix, count, next_index)
            next_index += count
            connections.close_all()
            log(f"{name}: registered {count} devices in {time.monotonic() - started:.1f} s")
            gateway = GatewayProcess(env, args.port, workdir, name, extra)
            gateway.start()
            run, result = asyncio.run(function(devices, gateway, args, profiler if name == "throughput" else None))
            result["gateway_failed_commits_logged"] = gateway.failed_commits()
            result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            gateway.stop()
            gateway = None
            result["verify"] = verify(devices, run, prefix)
            if name == "throughput" and profiler:
                result["profile"] = profiler.summary()
            report["scenarios"][name] = result
            log(f"{name}: {json.dumps(result, ensure_ascii=False)}")
    finally:
        if gateway is not None:
            gateway.stop(timeout=2)
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        database.drop()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        log("interrupted: gateway stopped, database and temporary directory removed")
        sys.exit(130)
