"""The gateway's writer in-process: ``ingest_packets`` on batches of real HJ 212 frames, no sockets.

What one group commit costs per packet, without the network, the event loop or the machine's other work between
the threads: the figure to compare when changing the batch path (``ingest_e2e.py`` measures the whole gateway).
A fresh scratch database (SQLite; PostgreSQL too when ECOBRAIN_DATABASE_URL names a server), the devices of
``ingest_e2e.py`` (alternately an air station with 10 factors and a CEMS outlet with 8), then B batches of N
frames, each packet with a new DataTime (every value an insert), one transaction per batch as the writer does;
then the same frames again (every value an update: revision 2, outcome duplicate). Each batch's commit included.

Prints one JSON object per backend: microseconds of this process's CPU and of wall time per packet, for the
decode alone, for inserts and for re-sends. Usage:
  .venv/bin/python bench/ingest_batch.py [--devices 200] [--batch 500] [--batches 40]
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ingest_e2e import register_devices
from scratch_db import open_scratch, run_on_each_backend


def _timed(func) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    func()
    return time.process_time() - cpu, time.perf_counter() - wall


def measure(backend: str, devices: int, batch: int, batches: int) -> dict:
    with open_scratch(backend):
        from django.db import connection
        from django.utils import timezone

        from ecobrain.core.processes import tune_gc
        from ecobrain.ingest import services
        from ecobrain.monitoring.models import ArchivedPacket, HourObservation
        from ecobrain.standards.hj212 import decode

        fleet = register_devices("BT", devices, 0)
        per_device = -(-batch * batches // devices)
        frames = [fleet[i % devices].frame(seq)[0] for seq in range(per_device) for i in range(devices)]
        frames = frames[: batch * batches]
        groups = [frames[i : i + batch] for i in range(0, len(frames), batch)]
        # Warm-up: series created, caches filled (a running gateway's steady state), on packets not measured.
        warm = [fleet[i].frame(per_device + 1)[0] for i in range(devices)]
        services.ingest_packets([(raw, "127.0.0.1:1", None) for raw in warm])
        tune_gc()  # the garbage collector as `ecobrain gateway` sets it up

        def decode_all() -> None:
            for raw in frames:
                decode(raw)

        def ingest_all() -> list:
            outcomes = []
            for group in groups:
                now = timezone.now()
                results = services.ingest_packets([(raw, "127.0.0.1:1", now) for raw in group])
                outcomes.extend(r.outcome for r in results)
            return outcomes

        figures: dict = {"backend": backend, "vendor": connection.vendor}
        cpu, wall = _timed(decode_all)
        per_packet = 1e6 / len(frames)
        figures["decode_us_per_packet"] = {"cpu": round(cpu * per_packet, 1), "wall": round(wall * per_packet, 1)}
        for name, expected in (("insert", "stored"), ("resend", "duplicate")):
            outcomes: list = []
            cpu, wall = _timed(lambda outcomes=outcomes: outcomes.extend(ingest_all()))
            wrong = sum(1 for outcome in outcomes if outcome != expected)
            figures[f"{name}_us_per_packet"] = {
                "cpu": round(cpu / len(frames) * 1e6, 1),
                "wall": round(wall / len(frames) * 1e6, 1),
                "packets_per_second_one_thread": round(len(frames) / wall),
                f"outcomes_not_{expected}": wrong,
            }
        figures["rows"] = HourObservation.objects.count()
        figures["archived"] = ArchivedPacket.objects.count()
        figures.update(packets=len(frames), batch=batch, devices=devices)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--backend", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.backend:
        figures = measure(args.backend, args.devices, args.batch, args.batches)
        figures["platform"] = {"python": platform.python_version(), "machine": platform.machine()}
        print(json.dumps(figures))
        return
    options = ["--devices", str(args.devices), "--batch", str(args.batch), "--batches", str(args.batches)]
    for result in run_on_each_backend(__file__, options):
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
