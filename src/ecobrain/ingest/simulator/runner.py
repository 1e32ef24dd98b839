"""Running many simulated loggers in one asyncio loop: the simulation clock, counters, status lines, summary."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ecobrain.standards.hj212 import CHINA_TZ

from .device import MIN_INTERVALS, RTD_INTERVAL_RANGE, SimulatedDevice
from .profiles import DeviceSpec
from .timeline import Rates, Timeline
from .values import ValueModel

logger = logging.getLogger(__name__)


class SimClock:
    """Simulation time: ``start`` (epoch seconds) advancing ``speed`` times faster than the wall clock."""

    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError("speed must be > 0")
        self.start = time.time() if start is None else start
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> float:
        return self.start + (time.monotonic() - self._origin) * self.speed


@dataclass
class Stats:
    """Counters over all devices (the status line and the summary)."""

    devices: int = 0
    connected: int = 0
    connections: int = 0
    connect_failures: int = 0
    disconnects: int = 0
    outages: int = 0
    sent: int = 0
    resent: int = 0
    acked: int = 0
    gave_up: int = 0
    pending: int = 0
    values: int = 0
    bad_frames: int = 0
    errors: int = 0
    sent_by_cn: Counter = field(default_factory=Counter)
    received_by_cn: Counter = field(default_factory=Counter)

    def count_sent(self, cn: str, values: int, *, resend: bool) -> None:
        self.sent += 1
        self.sent_by_cn[cn] += 1
        if resend:
            self.resent += 1
        else:
            self.values += values

    def count_received(self, cn: str) -> None:
        self.received_by_cn[cn] += 1


class Simulator:
    """N data loggers over TCP to ``host:port``; ``await run(duration)`` returns the summary (a JSON-able dict)."""

    def __init__(
        self,
        specs: Sequence[DeviceSpec],
        *,
        host: str = "127.0.0.1",
        port: int = 9212,
        seed: int = 0,
        speed: float = 1.0,
        start: float | None = None,
        backfill_hours: float = 0.0,
        ack_timeout: float = 10.0,
        retries: int = 3,
        window: int = 1,
        rates: Rates | None = None,
        outages: bool = True,
        rtd_interval: int = 30,
        min_interval: int = 10,
        request_time: bool = True,
        ramp: float | None = None,
        status_every: float = 5.0,
        status: Callable[[str], None] | None = None,
    ) -> None:
        if ack_timeout <= 0 or retries < 0 or window < 1 or backfill_hours < 0:
            raise ValueError("ack_timeout must be > 0, retries ≥ 0, window ≥ 1 and backfill_hours ≥ 0")
        if not RTD_INTERVAL_RANGE[0] <= rtd_interval <= RTD_INTERVAL_RANGE[1]:
            raise ValueError(f"the real-time interval must be 30–3600 s (HJ 212-2017 CN 1062), not {rtd_interval}")
        if min_interval not in MIN_INTERVALS:
            allowed = ", ".join(str(m) for m in sorted(MIN_INTERVALS))
            raise ValueError(f"the minute-data interval must be one of {allowed} minutes (CN 1064), not {min_interval}")
        self.specs = list(specs)
        self.host, self.port, self.seed = host, port, seed
        self.clock = SimClock(start, speed)
        self.timeline = Timeline(seed, rates)
        self.values = ValueModel(seed, self.timeline)
        self.backfill_hours = backfill_hours
        self.ack_timeout, self.retries, self.window = ack_timeout, retries, window
        self.outages = outages
        self.rtd_interval, self.min_interval = rtd_interval, min_interval
        self.request_time = request_time  # send 1013 at start-up (a platform may answer with 1012 and set the clock)
        # Connect at most about 500 loggers a second, so that thousands do not knock at once.
        self.ramp = min(2.0, len(self.specs) / 500) if ramp is None else ramp
        self.status_every = status_every
        self.status = status
        self.stats = Stats(devices=len(self.specs))
        self.devices: list[SimulatedDevice] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = 0.0
        self.stopping = False  # closing connections now is the end of the run, not a disconnect

    def stop(self) -> None:
        """End ``run`` (from any thread)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    async def run(self, duration: float | None = None) -> dict:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._started = time.monotonic()
        sim_start = self.clock.now()
        self.devices = [SimulatedDevice(spec, self) for spec in self.specs]
        tasks = [asyncio.create_task(self._run_device(device)) for device in self.devices]
        reporter = asyncio.create_task(self._report()) if self.status and self.status_every > 0 else None
        try:
            await asyncio.wait_for(self._stop.wait(), duration)
        except TimeoutError:
            pass
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._drain(min(self.ack_timeout, 2.0))
            connected = self.stats.connected
            self.stopping = True
            for device in self.devices:
                device.disconnect()
                for task in list(device.tasks):
                    task.cancel()
            if reporter is not None:
                reporter.cancel()
            await asyncio.sleep(0)
        return self.summary(sim_start, connected)

    async def _run_device(self, device: SimulatedDevice) -> None:
        try:
            await device.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            self.stats.errors += 1
            logger.exception("simulated device %s stopped on an error", device.spec.mn)

    async def _drain(self, seconds: float) -> None:
        """Give uploads in flight a moment to be acknowledged before the connections close."""
        deadline = time.monotonic() + seconds
        while self.stats.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    async def _report(self) -> None:
        while True:
            await asyncio.sleep(self.status_every)
            self.status(self.status_line())

    def status_line(self) -> str:
        s = self.stats
        sim_time = datetime.fromtimestamp(self.clock.now(), CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
        backlog = sum(len(d.backlog) for d in self.devices)
        return (
            f"[{sim_time}] connected {s.connected}/{s.devices} · sent {s.sent} · acked {s.acked} · "
            f"re-sent {s.resent} · pending {s.pending} · backlog {backlog} · outages {s.outages}"
        )

    def summary(self, sim_start: float, connected: int) -> dict:
        s = self.stats
        return {
            "devices": s.devices,
            "seed": self.seed,
            "speed": self.clock.speed,
            "seconds": round(time.monotonic() - self._started, 3),
            "sim_start": datetime.fromtimestamp(sim_start, UTC).isoformat(),
            "sim_end": datetime.fromtimestamp(self.clock.now(), UTC).isoformat(),
            "connected_at_end": connected,
            "connections": s.connections,
            "connect_failures": s.connect_failures,
            "disconnects": s.disconnects,
            "outages": s.outages,
            "packets_sent": s.sent,
            "sent_by_cn": dict(sorted(s.sent_by_cn.items())),
            "values_sent": s.values,
            "acked": s.acked,
            "resent": s.resent,
            "gave_up": s.gave_up,
            "pending": s.pending,
            "backlog": sum(len(d.backlog) for d in self.devices),
            "received_by_cn": dict(sorted(s.received_by_cn.items())),
            "bad_frames": s.bad_frames,
            "errors": s.errors,
        }
