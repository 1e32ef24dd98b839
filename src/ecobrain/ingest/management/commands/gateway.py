"""`ecobrain gateway [--host H] [--port N] [--processes P]`: run the HJ 212 TCP gateway in the foreground
(docs/hj212.md)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ecobrain.ingest.gateway import Gateway
from ecobrain.standards.hj212 import MAX_DATA_LENGTH

logger = logging.getLogger(__name__)

# A gateway process that ends within this many seconds of its start failed to start (a port in use, a bad
# setting): the supervisor stops, rather than restarting it for ever.
START_GRACE = 5.0
STOP_TIMEOUT = 20.0  # seconds a gateway process has to commit what it queued and close, after SIGTERM


class Command(BaseCommand):
    help = "Run the HJ 212 gateway: device TCP connections → group commit → 9014 acks after commit."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument(
            "--port", type=int, default=None, help="TCP port (default ECOBRAIN_HJ212_PORT, 9212 if unset)"
        )
        parser.add_argument("--idle-timeout", type=float, default=600.0, help="seconds without data before close")
        parser.add_argument("--frame-timeout", type=float, default=30.0, help="seconds allowed for one frame")
        parser.add_argument("--batch-max", type=int, default=500, help="most packets per group commit")
        parser.add_argument(
            "--queue-max", type=int, default=20_000, help="most frames waiting for the writer before reads pause"
        )
        parser.add_argument("--max-length", type=int, default=MAX_DATA_LENGTH, help="largest data segment, bytes")
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="gateway processes sharing the port (SO_REUSEPORT, Linux): one core each; default 1",
        )
        # internal: set on the processes that --processes starts
        parser.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, host, port, idle_timeout, frame_timeout, batch_max, max_length, queue_max, **options):
        port = settings.HJ212_PORT if port is None else port
        processes = options["processes"]
        if not 0 <= port <= 65535:
            raise CommandError(f"--port {port} is not a TCP port")
        if idle_timeout <= 0 or frame_timeout <= 0 or batch_max < 1 or not 0 <= max_length <= 9999:
            raise CommandError("timeouts must be > 0, --batch-max ≥ 1 and --max-length 0–9999")
        if queue_max < 1:
            raise CommandError("--queue-max must be ≥ 1")
        if not 1 <= processes <= 64:
            raise CommandError(f"--processes {processes}: give 1 to 64")
        if processes > 1:
            if port == 0:
                raise CommandError("--processes above 1 needs a fixed --port (they share it)")
            if connection.vendor == "sqlite":
                raise CommandError(
                    "--processes above 1 needs PostgreSQL: SQLite has one write lock, which the processes would take "
                    "in turns, slower than one process (docs/hj212.md, 'Several gateway processes')"
                )
            child = [
                *("--host", host, "--port", str(port), "--idle-timeout", str(idle_timeout)),
                *("--frame-timeout", str(frame_timeout), "--batch-max", str(batch_max)),
                *("--queue-max", str(queue_max), "--max-length", str(max_length), "--reuse-port"),
            ]
            self.stdout.write(f"HJ 212 gateway on {host}:{port}, {processes} processes (Ctrl+C to stop)")
            self.stdout.flush()
            status = supervise(processes, child)
            if status:
                raise CommandError(f"a gateway process could not start (exit status {status}); see its log above")
            return
        gateway = Gateway(
            host,
            port,
            idle_timeout=idle_timeout,
            frame_timeout=frame_timeout,
            max_length=max_length,
            batch_max=batch_max,
            queue_max=queue_max,
            reuse_port=options["reuse_port"],
        )
        self.stdout.write(f"HJ 212 gateway on {host}:{port} (Ctrl+C to stop)")
        self.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(gateway))


async def _serve(gateway: Gateway) -> None:
    """Serve until SIGTERM (or Ctrl+C): the writer commits what is queued, acks go out, connections close."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # not in the main thread, or not on POSIX
        loop.add_signal_handler(signal.SIGTERM, gateway.stop)
    await gateway.serve()


def supervise(processes: int, child_args: list[str]) -> int:
    """Run ``processes`` gateway processes on one port until SIGTERM or Ctrl+C, restarting one that dies.

    Returns 0 after a requested stop, or the exit status of a process that ended within START_GRACE seconds of
    its start (it could not start: the others are stopped too)."""
    command = [sys.executable, "-m", "ecobrain", "gateway", *child_args]
    stop = []
    previous = {sig: signal.signal(sig, lambda *_: stop.append(True)) for sig in (signal.SIGTERM, signal.SIGINT)}
    children: list[tuple[subprocess.Popen, float]] = []
    failed = 0
    try:
        for _ in range(processes):
            children.append((subprocess.Popen(command), time.monotonic()))  # noqa: S603 - our own module
        while not stop and not failed:
            time.sleep(0.2)
            for index, (child, started) in enumerate(children):
                status = child.poll()
                if status is None or stop:
                    continue
                if time.monotonic() - started < START_GRACE:
                    failed = status or 1
                    break
                logger.error("HJ 212 gateway process %d ended with status %s; starting another", child.pid, status)
                children[index] = (subprocess.Popen(command), time.monotonic())  # noqa: S603
    finally:
        for child, _ in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child, _ in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error("HJ 212 gateway process %d did not stop within %s s: killed", child.pid, STOP_TIMEOUT)
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return failed
