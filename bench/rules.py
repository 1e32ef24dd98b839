"""Observations per second through the alarm rule engine on one core (issue 5 target ≥ 100,000/s).

Builds the Xianyang demo registry (141 air stations, 7 VOCs, 4 water stations, 220 outlets: 372 data loggers,
each outlet factor with its limit) plus copies of its monitored outlets up to ``--devices`` loggers (600) and the
default rule set (``ensure_default_rules``), then streams ``--hours`` of simulated data through
``Engine.evaluate_observations`` in gateway-sized batches (``--batch`` rows), in the feed's row layout, as the live
evaluator thread does. Every series sends real-time values every 30 s,
minute values every 10 min and hourly values (the city's real mix: about 94 % real-time). Outlet values run at
25–65 % of their limit; 1 % of outlet-factor-hours are exceedances (1.15–2.5 × the limit for the whole hour, as
the simulator's); 0.5 % of hourly values carry the QC flag NEGATIVE; 0.2 % drop to zero.

Scenarios: ``default_rules`` (the default rules: emission on hourly and daily limits, suspicious data on hourly
values, …) and ``every_resolution`` (plus a suspicious-data rule on every resolution, so every row meets at least
one check). Each first evaluates one warm-up hour (cold: index building, priming, alarms opening), then measures
the following hours: wall and CPU time of the evaluation only (generating the rows is not timed), and separately
the time spent writing transitions (raise/clear) to the database. SQLite in a temporary directory (PostgreSQL too
when ECOBRAIN_DATABASE_URL names one: a scratch database created and dropped); each scenario and backend runs in
its own process. Prints one JSON object.

Usage: .venv/bin/python bench/rules.py [--hours 2] [--batch 450] [--devices 600]
                                     [--scenario default_rules|every_resolution]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scratch_db import open_scratch, run_on_each_backend

REALTIME_SECONDS = 30
MINUTE_SECONDS = 600
EXCEEDANCE_RATE = 0.01  # per outlet-factor-hour
FLAG_RATE = 0.005  # hourly values with a QC flag
ZERO_RATE = 0.002


def add_outlets(devices: int) -> None:
    """Copies of the demo's monitored outlets (same limits, each with its own logger) until there are ``devices``
    data loggers: the demo has 372, a city like Xianyang about 600."""
    from ecobrain.registry.models import Device, Outlet, OutletFactor

    templates = list(Outlet.objects.filter(devices__isnull=False).prefetch_related("factor_limits").order_by("pk"))
    missing = devices - Device.objects.count()
    for i in range(max(0, missing)):
        template = templates[i % len(templates)]
        outlet = Outlet.objects.create(
            enterprise_id=template.enterprise_id,
            code=f"D{template.code[1]}{500 + i:03d}",
            name=f"{template.name}（复制{i}）",
            kind=template.kind,
            district_id=template.district_id,
        )
        OutletFactor.objects.bulk_create(
            [
                OutletFactor(
                    outlet=outlet,
                    factor_id=of.factor_id,
                    limit_min=of.limit_min,
                    limit_value=of.limit_value,
                    limit_unit=of.limit_unit,
                    limit_basis=of.limit_basis,
                    uses_converted_value=of.uses_converted_value,
                    standard=of.standard,
                )
                for of in template.factor_limits.all()
            ]
        )
        device = Device(mn=f"BENCHRULES{i:06d}", outlet=outlet)
        device.set_access_password("bench")
        device.save()


def build_registry(devices: int) -> tuple[list, dict]:
    """The demo registry, its series and the default rules; returns (series, limits by series)."""
    from ecobrain.alarms.services.defaults import ensure_default_rules
    from ecobrain.monitoring.models import Series
    from ecobrain.registry.demo import load_demo_registry
    from ecobrain.registry.models import Device, OutletFactor

    load_demo_registry(seed=2026)
    add_outlets(devices)
    ensure_default_rules()
    wanted = []
    devices = Device.objects.select_related("station", "outlet").prefetch_related(
        "station__factors", "outlet__factor_limits"
    )
    for device in devices:
        if device.station_id:
            codes = [f.pk for f in device.station.factors.all()]
        else:
            codes = [of.factor_id for of in device.outlet.factor_limits.all()]
        wanted += [Series(device=device, factor_id=factor_id) for factor_id in codes]
    Series.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=2000)
    outlet_limits = {
        (outlet_id, factor_id): (_float(high), _float(low), converted)
        for outlet_id, factor_id, high, low, converted in OutletFactor.objects.values_list(
            "outlet_id", "factor_id", "limit_value", "limit_min", "uses_converted_value"
        )
    }
    limits = {}
    for pk, outlet_id, factor_id in Series.objects.filter(device__outlet__isnull=False).values_list(
        "pk", "device__outlet_id", "factor_id"
    ):
        if (outlet_id, factor_id) in outlet_limits:
            limits[pk] = outlet_limits[(outlet_id, factor_id)]
    series = list(Series.objects.order_by("pk").values_list("pk", "device_id"))
    return series, limits


def _float(value) -> float | None:
    return None if value is None else float(value)


class Stream:
    """Deterministic simulated rows in the feed layout (monitoring.feed.ROW_*), generated per time step."""

    def __init__(self, series: list, limits: dict, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - bench data, predictable on purpose
        self.series = series
        self.limits = limits
        self.pool = [Decimal(f"{i / 10:.1f}") for i in range(0, 5000)]  # shared value objects
        self.exceeding: set[int] = set()
        self.empty: dict = {}

    def start_hour(self) -> None:
        self.exceeding = {pk for pk in self.limits if self.rng.random() < EXCEEDANCE_RATE}

    def value(self, pk: int) -> tuple[Decimal, dict, int]:
        limit = self.limits.get(pk)
        if limit is None or limit[0] is None:
            v = self.rng.uniform(5, 120)
        elif pk in self.exceeding:
            v = limit[0] * self.rng.uniform(1.15, 2.5)
        else:
            v = limit[0] * self.rng.uniform(0.25, 0.65)
        value = self.pool[min(len(self.pool) - 1, int(v * 10))]
        stats = {"ZsAvg": str(value)} if limit is not None and limit[2] else self.empty
        return value, stats, 0

    def rows(self, resolution: str, period: datetime, received: datetime) -> list[tuple]:
        rows = []
        hourly = resolution == "hour"
        for pk, _device in self.series:
            value, stats, qc = self.value(pk)
            if hourly:
                draw = self.rng.random()
                if draw < FLAG_RATE:
                    qc = 2  # QCFlag.NEGATIVE
                elif draw < FLAG_RATE + ZERO_RATE:
                    value = self.pool[0]
            if resolution == "realtime" and stats:
                stats = {"ZsRtd": stats["ZsAvg"]}
            rows.append((pk, period, value, str(value), stats, "N", qc, 1, received))
        return rows


def hour_batches(stream: Stream, hour: datetime, batch: int):
    """The rows of one simulated hour in arrival order, cut into gateway-sized batches per resolution."""
    stream.start_hour()
    steps = []
    for second in range(0, 3600, REALTIME_SECONDS):
        steps.append(("realtime", hour + timedelta(seconds=second)))
        if second % MINUTE_SECONDS == 0 and second:
            steps.append(("minute", hour + timedelta(seconds=second - MINUTE_SECONDS)))
    steps.append(("minute", hour + timedelta(seconds=3600 - MINUTE_SECONDS)))
    steps.append(("hour", hour))
    for resolution, period in steps:
        rows = stream.rows(resolution, period, period + timedelta(seconds=5))
        for at in range(0, len(rows), batch):
            yield resolution, rows[at : at + batch]


def run_scenario(name: str, hours: int, batch: int, seed: int, devices: int) -> dict:
    from django.db import connection

    from ecobrain.alarms.choices import RuleKind
    from ecobrain.alarms.engine import Engine
    from ecobrain.alarms.models import Alarm, AlarmRule
    from ecobrain.alarms.params import params_json, parse_params

    series, limits = build_registry(devices)
    if name == "every_resolution":
        AlarmRule.objects.get_or_create(
            name="数据异常（所有数据类型）",
            kind=RuleKind.SUSPICIOUS_DATA,
            defaults={"params": params_json(parse_params(RuleKind.SUSPICIOUS_DATA, {})), "consecutive": 2},
        )
    engine = Engine()
    flush_seconds = [0.0]
    real_flush = engine.flush

    def timed_flush(now=None):
        started = time.perf_counter()
        try:
            return real_flush(now)
        finally:
            flush_seconds[0] += time.perf_counter() - started

    engine.flush = timed_flush
    stream = Stream(series, limits, seed)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first = now - timedelta(hours=hours + 1)

    def evaluate_hour(hour: datetime) -> tuple[int, int, float, float]:
        rows = evaluated = 0
        wall = cpu = 0.0
        for resolution, chunk in hour_batches(stream, hour, batch):
            w0, c0 = time.perf_counter(), time.process_time()
            evaluated += engine.evaluate_observations(resolution, chunk, final=False, now=now)
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
            rows += len(chunk)
        return rows, evaluated, wall, cpu

    warm = evaluate_hour(first)
    warm_counts = Counter(engine.counts)
    flush_seconds[0] = 0.0
    totals = [0, 0, 0.0, 0.0]
    for h in range(hours):
        for i, figure in enumerate(evaluate_hour(first + timedelta(hours=h + 1))):
            totals[i] += figure
    observations, evaluated, wall, cpu = totals
    transitions = {k: engine.counts[k] - warm_counts[k] for k in ("opened", "repeated", "cleared", "failed")}
    return {
        "scenario": name,
        "rules": AlarmRule.objects.filter(enabled=True).count(),
        "series": len(series),
        "devices": len({device for _, device in series}),
        "limited_series": len(limits),
        "batch_rows": batch,
        "warm_up_hour": {
            "observations": warm[0],
            "seconds": round(warm[2], 3),
            "observations_per_second": round(warm[0] / warm[2]),
            "states_primed": warm_counts["primed"],
            "alarms_opened": warm_counts["opened"],
        },
        "measured_hours": hours,
        "observations": observations,
        "observations_with_rules": evaluated,
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "observations_per_second": round(observations / wall),
        "observations_per_cpu_second": round(observations / cpu),
        "transitions": transitions,
        "database_seconds": round(flush_seconds[0], 3),
        "observations_per_second_without_database": round(observations / max(1e-9, wall - flush_seconds[0])),
        "alarms_in_database": Alarm.objects.count(),
        "states": len(engine.states),
        "database": connection.vendor,
    }


def measure(backend: str, scenario: str, hours: int, batch: int, seed: int, devices: int) -> dict:
    with open_scratch(backend):
        return run_scenario(scenario, hours, batch, seed, devices)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=int, default=2, help="simulated hours measured (after one warm-up hour)")
    parser.add_argument("--batch", type=int, default=450, help="rows per evaluated batch (a gateway batch)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--devices", type=int, default=600, help="data loggers (the demo's 372 plus outlet copies)")
    parser.add_argument("--scenario", action="append", choices=["default_rules", "every_resolution"])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    scenarios = args.scenario or ["default_rules", "every_resolution"]
    if args.backend:  # a child: one scenario on one scratch database
        print(json.dumps(measure(args.backend, scenarios[0], args.hours, args.batch, args.seed, args.devices)))
        return
    extra = ["--hours", str(args.hours), "--batch", str(args.batch), "--seed", str(args.seed)]
    extra += ["--devices", str(args.devices)]
    results = [result for name in scenarios for result in run_on_each_backend(__file__, [*extra, "--scenario", name])]
    report = {
        "benchmark": "rules",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "target_observations_per_second": 100_000,
        "scenarios": results,
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
