"""HJ 212 decode throughput on one core: a realistic mix of packets, decoded with CRC check.

Mix (per 20 packets): 8 air-station minute/hour packets (2017, ST=22, 11 factors), 6 CEMS outlet hourly
packets (2017, ST=31, with -ZsAvg/-Cou), 2 HJ/T 212-2005 wastewater packets with old codes, 2 parts of a
split CEMS message (reassembled), 1 real-time 2025 surface-water packet and 1 packet with a wrong CRC.
Prints one JSON object. Usage: .venv/bin/python bench/hj212_codec.py [--packets N]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time

from ecobrain.standards.hj212 import HJ212Error, Reassembler, build_frame, decode

AIR = ["a21026", "a21004", "a21005", "a05024", "a34002", "a34004", "a01001", "a01002", "a01006", "a01007", "a01008"]
CEMS = ["a34013", "a21026", "a21002", "a19001", "a01012", "a01011", "a01013", "a01014"]


def _num(rng: random.Random, scale: float) -> str:
    return f"{rng.random() * scale:.{rng.choice([1, 2, 3])}f}"


def _air(rng: random.Random, n: int) -> bytes:
    cn = rng.choice(["2051", "2061"])
    groups = ";".join(f"{c}-Avg={_num(rng, 200)},{c}-Flag=N" for c in AIR)
    head = f"QN=20260301{n % 240000:06d}000;ST=22;CN={cn};PW=123456;MN=AIR{n % 500:08d};Flag=5"
    seg = f"{head};CP=&&DataTime=20260301080000;{groups}&&"
    return build_frame(seg)


def _cems(rng: random.Random, n: int) -> bytes:
    groups = ";".join(
        f"{c}-Min={_num(rng, 50)},{c}-Avg={_num(rng, 60)},{c}-Max={_num(rng, 80)},{c}-ZsAvg={_num(rng, 70)},{c}-Flag=N"
        for c in CEMS[:5]
    )
    seg = (
        f"QN=20260301{n % 240000:06d}000;ST=31;CN=2061;PW=123456;MN=CEMS{n % 300:06d};Flag=5;"
        f"CP=&&DataTime=20260301070000;a00000-Cou={_num(rng, 90000)},a00000-Avg={_num(rng, 30)},a00000-Flag=N;"
        f"{groups}&&"
    )
    return build_frame(seg)


def _old(rng: random.Random, n: int) -> bytes:
    seg = (
        f"ST=32;CN=2011;PW=123456;MN=LD{n % 200:012d};CP=&&DataTime=20260301080000000;B01-Rtd={_num(rng, 40)};"
        f"011-Rtd={_num(rng, 300)},011-Flag=N;060-Rtd={_num(rng, 5)},060-Flag=N;101-Rtd={_num(rng, 1)},101-Flag=N&&"
    )
    return build_frame(seg)


def _split(rng: random.Random, n: int) -> list[bytes]:
    qn = f"20260301{n % 240000:06d}999"
    parts = []
    for pno, codes in ((1, CEMS[:4]), (2, CEMS[4:])):
        groups = ";".join(f"{c}-Avg={_num(rng, 60)},{c}-ZsAvg={_num(rng, 70)},{c}-Flag=N" for c in codes)
        head = f"QN={qn};ST=31;CN=2061;PW=123456;MN=CEMS{n % 300:06d};Flag=7;PNUM=2;PNO={pno}"
        seg = f"{head};CP=&&DataTime=20260301070000;{groups}&&"
        parts.append(build_frame(seg))
    return parts


def _water_2025(rng: random.Random, n: int) -> bytes:
    groups = ";".join(f"{c}-Rtd={_num(rng, 10)},{c}-Flag=N" for c in ["w01001", "w01009", "w01010", "w21003", "w21011"])
    head = f"QN=20260301{n % 240000:06d}000;ST=21;CN=2011;PW=123456;MN=WQ{n % 50:06d};Flag=8"
    seg = f"{head};CP=&&DataTime=20260301080000;{groups}&&"
    return build_frame(seg)


def _bad_crc(rng: random.Random, n: int) -> bytes:
    frame = bytearray(_air(rng, n))
    frame[-3] = ord("0") if frame[-3] != ord("0") else ord("1")
    return bytes(frame)


def build_mix(count: int, seed: int = 212) -> list[bytes]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not security
    mix: list[bytes] = []
    n = 0
    while len(mix) < count:
        block = [_air(rng, n) for _ in range(8)] + [_cems(rng, n) for _ in range(6)]
        block += [_old(rng, n) for _ in range(2)] + _split(rng, n) + [_water_2025(rng, n), _bad_crc(rng, n)]
        mix.extend(block)
        n += 1
    return mix[:count]


def run(packets: list[bytes]) -> tuple[float, int, int]:
    reassembler = Reassembler(max_pending=4096)
    errors = values = 0
    started = time.perf_counter()
    for frame in packets:
        try:
            packet = decode(frame)
        except HJ212Error:
            errors += 1
            continue
        if packet.pnum is not None:
            packet = reassembler.add(packet)
            if packet is None:
                continue
        values += len(packet.factors)
    return time.perf_counter() - started, errors, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=60_000)
    args = parser.parse_args()
    packets = build_mix(args.packets)
    run(packets[:2000])  # warm the caches (CRC pair table, factor-code lookups)
    seconds, errors, factors = run(packets)
    print(
        json.dumps(
            {
                "benchmark": "hj212_decode",
                "packets": len(packets),
                "seconds": round(seconds, 4),
                "packets_per_second": round(len(packets) / seconds),
                "rejected": errors,
                "factor_groups": factors,
                "mean_frame_bytes": round(sum(map(len, packets)) / len(packets)),
                "python": platform.python_version(),
            }
        )
    )


if __name__ == "__main__":
    main()
