"""`ecobrain gateway [--host H] [--port N]`: run the HJ 212 TCP gateway in the foreground (docs/hj212.md)."""

from __future__ import annotations

import asyncio
import contextlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ecobrain.ingest.gateway import Gateway
from ecobrain.standards.hj212 import MAX_DATA_LENGTH


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

    def handle(self, *args, host, port, idle_timeout, frame_timeout, batch_max, max_length, queue_max, **options):
        port = settings.HJ212_PORT if port is None else port
        if not 0 <= port <= 65535:
            raise CommandError(f"--port {port} is not a TCP port")
        if idle_timeout <= 0 or frame_timeout <= 0 or batch_max < 1 or not 0 <= max_length <= 9999:
            raise CommandError("timeouts must be > 0, --batch-max ≥ 1 and --max-length 0–9999")
        if queue_max < 1:
            raise CommandError("--queue-max must be ≥ 1")
        gateway = Gateway(
            host,
            port,
            idle_timeout=idle_timeout,
            frame_timeout=frame_timeout,
            max_length=max_length,
            batch_max=batch_max,
            queue_max=queue_max,
        )
        self.stdout.write(f"HJ 212 gateway on {host}:{port} (Ctrl+C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(gateway.serve())
