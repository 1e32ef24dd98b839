"""`ecobrain simulate`: the registry's data loggers speaking HJ 212 over TCP (docs/simulator.md)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ecobrain.ingest.simulator.registry import DeviceSelectionError, load_device_specs
from ecobrain.ingest.simulator.runner import Simulator
from ecobrain.ingest.simulator.timeline import Rates


class Command(BaseCommand):
    help = (
        "Simulate the registry's HJ 212 data loggers over TCP: real-time, minute and hourly data with 9014 acks, "
        "re-sends, outages and answers to host commands; a JSON summary at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--devices", type=int, default=None, help="the first N active devices by MN (default all)")
        parser.add_argument("--mn", nargs="+", action="extend", default=[], help="simulate exactly these MNs")
        parser.add_argument("--seed", type=int, default=0, help="seed of the values and events (default 0)")
        parser.add_argument("--host", default="127.0.0.1", help="platform address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=None, help="platform port (default ECOBRAIN_HJ212_PORT)")
        parser.add_argument("--speed", type=float, default=1.0, help="simulation clock speed-up (default 1)")
        parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
        parser.add_argument("--backfill-hours", type=float, default=0.0, help="first upload this many past hours")
        parser.add_argument("--ack-timeout", type=float, default=10.0, help="seconds to wait for a 9014 (default 10)")
        parser.add_argument("--retries", type=int, default=3, help="re-sends when no 9014 comes (default 3)")
        parser.add_argument("--window", type=int, default=1, help="uploads in flight per device (default 1)")
        parser.add_argument("--rtd-interval", type=int, default=30, help="real-time data every N s (default 30)")
        parser.add_argument("--min-interval", type=int, default=10, help="minute data every N minutes (default 10)")
        rates = Rates()
        parser.add_argument("--exceedance-rate", type=float, default=rates.exceedance, help="per outlet-hour")
        parser.add_argument("--outage-rate", type=float, default=rates.outage, help="per device-hour")
        parser.add_argument("--calibration-rate", type=float, default=rates.calibration, help="per device-day")
        parser.add_argument("--maintenance-rate", type=float, default=rates.maintenance, help="per device-day")
        parser.add_argument("--status-every", type=float, default=5.0, help="seconds between status lines (0: none)")

    def handle(self, *args, **options):
        simulator = build_simulator(options, status=self.stdout.write)
        kinds = Counter(spec.kind.value for spec in simulator.specs)
        self.stdout.write(
            f"HJ 212 simulator: {len(simulator.specs)} devices ({', '.join(f'{k} {n}' for k, n in kinds.items())})"
            f" → {simulator.host}:{simulator.port}, seed {simulator.seed}, speed ×{simulator.clock.speed:g}"
        )
        summary = asyncio.run(_run_until_signal(simulator, options["duration"]))
        self.stdout.write(json.dumps(summary, ensure_ascii=False))


def build_simulator(options: dict, *, status) -> Simulator:
    """A Simulator from the command's options; raises CommandError on bad input."""
    port = settings.HJ212_PORT if options.get("port") is None else options["port"]
    if not 1 <= port <= 65535:
        raise CommandError(f"--port {port} is not a TCP port (1–65535)")
    if options.get("devices") is not None and options["devices"] < 1:
        raise CommandError("--devices must be ≥ 1")
    if options.get("duration") is not None and options["duration"] <= 0:
        raise CommandError("--duration must be > 0 seconds")
    try:
        rates = Rates(
            calibration=options["calibration_rate"],
            maintenance=options["maintenance_rate"],
            exceedance=options["exceedance_rate"],
            outage=options["outage_rate"],
        )
    except ValueError as exc:
        raise CommandError(f"--…-rate: {exc}") from None
    try:
        specs, notes = load_device_specs(count=options.get("devices"), mns=options.get("mn") or ())
    except DeviceSelectionError as exc:
        raise CommandError(str(exc)) from None
    for note in notes:
        status(f"skipped {note}")
    if not specs:
        raise CommandError("no device to simulate: register data loggers first (or run `ecobrain demo --no-serve`)")
    try:
        return Simulator(
            specs,
            host=options["host"],
            port=port,
            seed=options["seed"],
            speed=options["speed"],
            backfill_hours=options["backfill_hours"],
            ack_timeout=options["ack_timeout"],
            retries=options["retries"],
            window=options["window"],
            rtd_interval=options["rtd_interval"],
            min_interval=options["min_interval"],
            rates=rates,
            status_every=options["status_every"],
            status=status,
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None


async def _run_until_signal(simulator: Simulator, duration: float | None) -> dict:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread / platform
            loop.add_signal_handler(sig, simulator.stop)
    return await simulator.run(duration)
