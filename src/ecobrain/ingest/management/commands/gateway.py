"""`ecobrain gateway [--host H] [--port N] [--processes P]`: run the HJ 212 TCP gateway in the foreground
(docs/hj212.md)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ecobrain.core.processes import tune_gc
from ecobrain.ingest.gateway import Gateway
from ecobrain.standards.hj212 import MAX_DATA_LENGTH

logger = logging.getLogger(__name__)

# A gateway process tells the supervisor it listens by writing to this file descriptor (an inherited pipe); one
# that ends before it could not start (a port in use, a bad setting): the supervisor then stops, rather than
# starting it again for ever.
READY_FD_ENV = "ECOBRAIN_GATEWAY_READY_FD"
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
        tune_gc()
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(gateway))


async def _serve(gateway: Gateway) -> None:
    """Serve until SIGTERM (or Ctrl+C): the writer commits what is queued, acks go out, connections close."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # not in the main thread, or not on POSIX
        loop.add_signal_handler(signal.SIGTERM, gateway.stop)
    ready_fd = os.environ.pop(READY_FD_ENV, "")
    notify = asyncio.create_task(_tell_when_listening(gateway, int(ready_fd))) if ready_fd.isdigit() else None
    try:
        await gateway.serve()
    finally:
        if notify is not None:
            notify.cancel()


async def _tell_when_listening(gateway: Gateway, fd: int) -> None:
    """Write one byte to the supervisor's pipe once the gateway listens."""
    try:
        while not gateway.ready.is_set():
            await asyncio.sleep(0.05)
        os.write(fd, b"1")
    finally:
        os.close(fd)


def supervise(processes: int, child_args: list[str]) -> int:
    """Run ``processes`` gateway processes on one port until SIGTERM or Ctrl+C, starting another for one that dies.

    Returns 0 after a requested stop, or the exit status of a process that ended before it listened (it could not
    start: the others are stopped too)."""
    command = [sys.executable, "-m", "ecobrain", "gateway", *child_args]
    stop = []
    previous = {sig: signal.signal(sig, lambda *_: stop.append(True)) for sig in (signal.SIGTERM, signal.SIGINT)}
    children: list[_Child] = []
    failed = 0
    try:
        children = [_Child.start(command) for _ in range(processes)]
        while not stop and not failed:
            time.sleep(0.2)
            for index, child in enumerate(children):
                child.check_ready()
                status = child.proc.poll()
                if status is None or stop:
                    continue
                if not child.ready:
                    failed = status or 1
                    break
                logger.error("HJ 212 gateway process %d ended with status %s; starting another", child.proc.pid, status)
                children[index] = _Child.start(command)
    finally:
        for child in children:
            child.close()
            if child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error("HJ 212 gateway process %d did not stop within %s s: killed", child.proc.pid, STOP_TIMEOUT)
                child.proc.kill()
                child.proc.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return failed


class _Child:
    """One gateway process of the supervisor, and the pipe on which it says it listens."""

    def __init__(self, proc: subprocess.Popen, ready_read: int) -> None:
        self.proc = proc
        self.ready_read = ready_read
        self.ready = False

    @classmethod
    def start(cls, command: list[str]) -> _Child:
        read, write = os.pipe()
        os.set_blocking(read, False)
        env = {**os.environ, READY_FD_ENV: str(write)}
        try:
            proc = subprocess.Popen(command, env=env, pass_fds=(write,))  # noqa: S603 - our own module
        finally:
            os.close(write)
        return cls(proc, read)

    def check_ready(self) -> None:
        if not self.ready and self.ready_read >= 0:
            with contextlib.suppress(BlockingIOError):
                self.ready = os.read(self.ready_read, 1) == b"1"

    def close(self) -> None:
        if self.ready_read >= 0:
            os.close(self.ready_read)
            self.ready_read = -1
