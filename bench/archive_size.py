"""Disk taken by the raw packet archive: bytes per archived packet (row + indexes), and a day at city scale.

Archives the codec benchmark's realistic packet mix (bench/hj212_codec.py) into a scratch database and
measures the table's growth. The city-scale day assumes Xianyang's ~600 data loggers each sending real-time
data every 2 minutes (720 packets), minute data every 10 minutes (144), 24 hourly and 1 daily packet: 889
packets per logger, 533,400 a day, about 4–5 million values (ARCHITECTURE.md "Scale": ~5 million a day).
Prints one JSON object per backend (SQLite; PostgreSQL too when ECOBRAIN_DATABASE_URL names one).
Usage: .venv/bin/python bench/archive_size.py [--packets N]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scratch_db import database_bytes, open_scratch, run_on_each_backend

DEVICES = 600
PACKETS_PER_DEVICE_DAY = 720 + 144 + 24 + 1


def measure(backend: str, count: int) -> dict:
    from hj212_codec import build_mix

    with open_scratch(backend):
        from ecobrain.monitoring.choices import PacketOutcome
        from ecobrain.monitoring.models import ArchivedPacket

        frames = build_mix(count)
        table = ArchivedPacket._meta.db_table
        before = database_bytes(table)
        start = datetime(2026, 3, 1, tzinfo=UTC)
        for at in range(0, count, 1000):
            ArchivedPacket.objects.bulk_create(
                ArchivedPacket(
                    raw=frame,
                    received_at=start + timedelta(seconds=i),
                    peer="10.20.30.40:51234",
                    mn=f"MN6104020000000{i % 600:05d}",
                    cn="2051",
                    qn="20260301080000000",
                    outcome=PacketOutcome.STORED,
                    values_stored=8,
                )
                for i, frame in enumerate(frames[at : at + 1000], start=at)
            )
        per_packet = (database_bytes(table) - before) / count
        per_day = per_packet * DEVICES * PACKETS_PER_DEVICE_DAY
        return {
            "benchmark": "archive_size",
            "backend": backend,
            "packets": count,
            "mean_frame_bytes": round(sum(map(len, frames)) / count),
            "bytes_per_packet": round(per_packet),
            "city_packets_per_day": DEVICES * PACKETS_PER_DEVICE_DAY,
            "city_mb_per_day": round(per_day / 1e6),
            "city_gb_per_400_days": round(per_day * 400 / 1e9),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=50_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(measure(args.backend, args.packets)))
        return
    for result in run_on_each_backend(__file__, ["--packets", str(args.packets)]):
        print(json.dumps(result))


if __name__ == "__main__":
    main()
