"""How fast the simulator makes packets: values from the generator, encoded as HJ 212 frames, on one core.

The mix is the demo's: per 100 loggers 47 flue-gas CEMS (GB 13223 limits on the converted basis), 41 wastewater
(GB 18918), 7 air stations (6 pollutants + 5 meteorological factors), 3 VOCs and 2 surface-water stations; 80 %
on HJ 212-2017, 15 % HJ/T 212-2005 (old codes), 5 % 2025. For each kind it times real-time packets (2011), 10-minute
data (2051) and hourly data (2061): this bounds how many loggers one simulator process can drive, and how long
a backfill takes before any network or database cost. No Django, no network.
Usage: .venv/bin/python bench/simulator_values.py [--devices 200] [--hours 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

from ecobrain.ingest.simulator import packets
from ecobrain.ingest.simulator.profiles import DEFAULT_FACTORS, FACTORS_BY_KIND, DeviceKind, DeviceSpec, Limit
from ecobrain.ingest.simulator.values import ValueModel

MIX = ((DeviceKind.FLUE_GAS, 47), (DeviceKind.WASTEWATER, 41), (DeviceKind.AIR, 7), (DeviceKind.VOCS, 3))
MIX += ((DeviceKind.SURFACE_WATER, 2),)
GAS_LIMITS = {"a34013": 10, "a21026": 35, "a21002": 50}
WATER_LIMITS = {"w01018": 50, "w21003": 5, "w21011": 0.5, "w21001": 15}
START = 1767225600  # 2026-01-01 08:00 China time, in the heating season


def make_specs(count: int) -> list[DeviceSpec]:
    specs = []
    kinds = [kind for kind, share in MIX for _ in range(share)]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        version = "2005" if i % 20 in (3, 9, 15) else "2025" if i % 20 == 7 else "2017"
        if kind == DeviceKind.FLUE_GAS:
            limits = {c: Limit(v, None, True, "GB 13223-2011") for c, v in GAS_LIMITS.items()}
        elif kind == DeviceKind.WASTEWATER:
            limits = {c: Limit(v, None, False, "GB 18918-2002 一级A") for c, v in WATER_LIMITS.items()}
        else:
            limits = {}
        factors = FACTORS_BY_KIND[kind] if kind == DeviceKind.AIR else DEFAULT_FACTORS[kind]
        specs.append(DeviceSpec(f"BENCH{i:09d}", "123456", version, kind, factors, limits))
    return specs


def run(specs: list[DeviceSpec], cn: str, seconds: int, steps: int) -> dict:
    model = ValueModel(2026)
    devices = [(spec, model.device(spec)) for spec in specs]
    frames = values = size = 0
    started = time.perf_counter()
    for step in range(steps):
        t = START + step * seconds
        for spec, device in devices:
            data = device.instant(t) if cn == "2011" else device.period(t, seconds)
            frame = packets.data_frame(spec, cn, t, data, qn="20260101080000000", ack=True)
            frames += 1
            values += len(data)
            size += len(frame)
    elapsed = time.perf_counter() - started
    return {
        "packets": frames,
        "packets_per_s": round(frames / elapsed),
        "values_per_s": round(values / elapsed),
        "mean_bytes": round(size / frames),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--hours", type=int, default=2, help="simulated hours per CN")
    options = parser.parse_args()
    specs = make_specs(options.devices)
    result = {
        "benchmark": "simulator_values",
        "python": platform.python_version(),
        "devices": options.devices,
        "realtime_2011": run(specs, "2011", 30, options.hours * 120),
        "minute_2051": run(specs, "2051", 600, options.hours * 6),
        "hour_2061": run(specs, "2061", 3600, options.hours),
    }
    # One day of a city's loggers at the default intervals (30 s, 10 min, 1 h), in seconds of one core.
    day = {"2011": 2880, "2051": 144, "2061": 24}
    per_device_day = sum(
        day[cn] / result[key]["packets_per_s"]
        for cn, key in (("2011", "realtime_2011"), ("2051", "minute_2051"), ("2061", "hour_2061"))
    )
    result["core_seconds_per_device_day"] = round(per_device_day, 3)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
