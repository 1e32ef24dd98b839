"""The alarm centre at the size of a few years' operation: 100,000 alarms and 20,000 work orders.

Builds a scratch database (bench/scratch_db.py) with 420 enterprises (an outlet each) and 141 air stations spread
over the city's districts, 42 rules of every kind (a third of them district rules), 20,000 work orders (WorkOrder
rows written directly, in every state, a year of dispatch times) and 100,000 alarms over the year before
2026-12-01: about 7 % still open (open, acknowledged, dispatched: each at most one per rule and object), the rest
resolved, closed or false; dispatched and most closed emission alarms link to a work order; every alarm has its
TRIGGERED timeline row and one row per person's step. Then times ``--repeat`` requests through Django's test
client with a signed-in user of

- the alarm centre as monitoring staff (city-wide), default filter (open alarms),
- the alarm centre as a district handler (one district), default filter,
- a filtered and searched centre (every state, one kind, a name search, a three-month range),
- page 50 of every alarm (50 per page, OFFSET 2,450),
- ``/api/v1/alarms/`` (default filter) and ``/api/v1/alarms/?status=all&page=50``,
- one alarm's page (timeline, actions), and the rule list (each rule's open alarms counted),

and prints p50/p95/max in ms and the query count of each as one JSON object (target: p95 < 200 ms). SQLite by
default; PostgreSQL too when ECOBRAIN_DATABASE_URL names a server (a scratch database is created and dropped).
Usage: .venv/bin/python bench/alarm_lists.py [--alarms 100000] [--workorders 20000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scratch_db import open_scratch, run_on_each_backend

END = datetime(2026, 12, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
ENTERPRISES = 420
STATIONS = 141
# Share of the alarms in each state (the open states are the newest ones: old alarms are finished).
STATE_SHARES = [
    ("open", 0.025),
    ("acknowledged", 0.02),
    ("dispatched", 0.025),
    ("resolved", 0.38),
    ("closed", 0.47),
    ("false_alarm", 0.08),
]
NAME_PARTS = ["热电", "水泥", "化工", "制药", "造纸", "焦化", "陶瓷", "印染", "食品", "建材", "电力", "钢铁"]
FACTORS = ["a21026", "a21002", "a34013", "w01018", "w21003", "a21005"]


def build(n_alarms: int, n_workorders: int, seed: int) -> dict:
    from ecobrain.alarms.choices import AlarmEventKind, AlarmStatus, RuleKind, Severity
    from ecobrain.alarms.models import Alarm, AlarmEvent, AlarmRule
    from ecobrain.alarms.params import PARAMS_BY_KIND, params_json
    from ecobrain.core.geo import representative_point
    from ecobrain.core.models import Organisation, OrganisationKind, Region, RegionLevel
    from ecobrain.registry.models import Enterprise, MonitoringFactor, Outlet, Station
    from ecobrain.standards.uscc import make_credit_code
    from ecobrain.workorders.choices import WorkOrderSource, WorkOrderStatus
    from ecobrain.workorders.models import WorkOrder

    rng = random.Random(seed)  # noqa: S311 - bench data
    districts = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode"))
    branches = {o.district_id: o for o in Organisation.objects.filter(kind=OrganisationKind.BRANCH)}
    bureau = Organisation.objects.filter(kind=OrganisationKind.BUREAU).first()
    points = {d.pk: representative_point(d) for d in districts}

    enterprises = []
    for n in range(ENTERPRISES):
        district = districts[n % len(districts)]
        lon, lat = points[district.pk]
        enterprises.append(
            Enterprise(
                name=f"咸阳{rng.choice(NAME_PARTS)}{n:03d}有限公司",
                credit_code=make_credit_code(f"91{district.adcode}MA{n:07d}"),
                industry="D4411",
                district=district,
                longitude=lon,
                latitude=lat,
            )
        )
    Enterprise.objects.bulk_create(enterprises, batch_size=500)
    enterprises = list(Enterprise.objects.order_by("pk"))
    Outlet.objects.bulk_create(
        [Outlet(enterprise=e, code="DA001", name="1#排气筒", kind="gas", district=e.district) for e in enterprises],
        batch_size=500,
    )
    outlets = {o.enterprise_id: o for o in Outlet.objects.all()}
    stations = []
    for n in range(STATIONS):
        district = districts[n % len(districts)]
        lon, lat = points[district.pk]
        stations.append(
            Station(
                code=f"S{n:04d}",
                name=f"空气站{n:03d}",
                kind="air_city",
                district=district,
                longitude=lon,
                latitude=lat,
            )
        )
    Station.objects.bulk_create(stations, batch_size=500)
    stations = list(Station.objects.order_by("pk"))
    factors = list(MonitoringFactor.objects.filter(code__in=FACTORS))

    rules = []
    for n in range(42):
        kind = list(RuleKind)[n % len(RuleKind)]
        rules.append(
            AlarmRule(
                name=f"{kind.label}{n:02d}",
                kind=kind,
                severity=rng.choice(list(Severity)),
                district=districts[n % len(districts)] if n % 3 == 0 else None,
                params=params_json(PARAMS_BY_KIND[kind]()),
            )
        )
    AlarmRule.objects.bulk_create(rules)
    rules = list(AlarmRule.objects.order_by("pk"))
    station_kinds = {RuleKind.AMBIENT_THRESHOLD, RuleKind.AMBIENT_RISE, RuleKind.WATER_CLASS}

    # Work orders: a year of dispatch times; every source, mostly finished.
    wo_states = [
        (WorkOrderStatus.CLOSED, 0.7),
        (WorkOrderStatus.CANCELLED, 0.05),
        (WorkOrderStatus.DISPATCHED, 0.06),
        (WorkOrderStatus.ACCEPTED, 0.05),
        (WorkOrderStatus.IN_PROGRESS, 0.08),
        (WorkOrderStatus.SUBMITTED, 0.04),
        (WorkOrderStatus.RETURNED, 0.02),
    ]
    workorders = []
    for n in range(n_workorders):
        district = districts[n % len(districts)]
        dispatched_at = END - YEAR * rng.random()
        state = rng.choices([s for s, _ in wo_states], weights=[w for _, w in wo_states])[0]
        finished = state in (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED)
        workorders.append(
            WorkOrder(
                number=f"RW{dispatched_at:%Y%m%d}{n:05d}",
                title=f"任务{n}",
                source=WorkOrderSource.ALARM if n % 2 == 0 else rng.choice(list(WorkOrderSource)),
                priority=rng.randint(1, 4),
                status=state,
                district=district,
                dispatcher_org=bureau,
                assignee_org=branches[district.pk],
                deadline=dispatched_at + timedelta(days=5),
                dispatched_at=dispatched_at,
                closed_at=dispatched_at + timedelta(days=rng.randint(1, 9)) if finished else None,
            )
        )
    WorkOrder.objects.bulk_create(workorders, batch_size=2000)
    alarm_orders = list(
        WorkOrder.objects.filter(source=WorkOrderSource.ALARM).order_by("pk").values_list("pk", "status")
    )
    open_orders = [pk for pk, status in alarm_orders if status not in ("closed", "cancelled")]
    closed_orders = [pk for pk, status in alarm_orders if status == "closed"]

    # Alarms: the oldest are finished, the newest open (each open one its own object, as the constraint asks).
    states = []
    for state, share in STATE_SHARES:
        states += [state] * round(n_alarms * share)
    states = (states + ["closed"] * n_alarms)[:n_alarms]
    open_states = {"open", "acknowledged", "dispatched"}
    times = sorted((END - YEAR * rng.random() for _ in range(n_alarms)), reverse=True)
    still_open = [s for s in states if s in open_states]
    finished = [s for s in states if s not in open_states]
    rng.shuffle(still_open)
    rng.shuffle(finished)
    ordered_states = still_open + finished  # the newest alarms are the open ones
    batch, events = [], []
    made = 0
    for n, (at, state) in enumerate(zip(times, ordered_states, strict=True)):
        rule = rules[n % len(rules)]
        on_station = rule.kind in station_kinds or (rule.kind == RuleKind.DEVICE_OFFLINE and n % 2)
        if on_station:
            station = stations[rng.randrange(len(stations))]
            enterprise, outlet, district = None, None, station.district
            where = station.name
        else:
            enterprise = enterprises[rng.randrange(len(enterprises))]
            station, outlet, district = None, outlets[enterprise.pk], enterprise.district
            where = f"{enterprise.name} {outlet.code}"
        if rule.district_id and district.pk != rule.district_id:
            district = rule.district
        factor = factors[n % len(factors)]
        value = round(rng.uniform(10, 300), 2)
        workorder = None
        if state == "dispatched":
            workorder = open_orders[n % len(open_orders)]
        elif state == "closed" and rule.kind == RuleKind.EMISSION_EXCEEDANCE and n % 3:
            workorder = closed_orders[n % len(closed_orders)]
        batch.append(
            Alarm(
                rule=rule,
                kind=rule.kind,
                severity=rule.severity,
                status=state,
                object_key=f"bench:{n}",
                title=f"{where} {factor.name} {rule.get_kind_display()}",
                message=f"{factor.name} {value}，阈值 100",
                district=district,
                enterprise=enterprise,
                outlet=outlet,
                station=station,
                factor=factor,
                resolution="hour",
                threshold=100.0,
                first_value=value,
                last_value=value,
                peak_value=value,
                unit="mg/m³",
                first_period=at.replace(minute=0, second=0, microsecond=0),
                last_period=at.replace(minute=0, second=0, microsecond=0),
                triggered_at=at,
                last_triggered_at=at + timedelta(hours=rng.randint(0, 6)),
                trigger_count=rng.randint(1, 12),
                cleared_at=at + timedelta(hours=8) if state in ("resolved", "closed") else None,
                acknowledged_at=at + timedelta(minutes=20) if state != "open" else None,
                closed_at=at + timedelta(days=2) if state in ("closed", "false_alarm") else None,
                false_reason="校准期间数据" if state == "false_alarm" else "",
                workorder_id=workorder,
            )
        )
        if len(batch) >= 5000:
            made += _flush(Alarm, AlarmEvent, AlarmEventKind, AlarmStatus, batch, events)
            batch = []
    made += _flush(Alarm, AlarmEvent, AlarmEventKind, AlarmStatus, batch, events)
    return {
        "alarms": Alarm.objects.count(),
        "alarm_events": AlarmEvent.objects.count(),
        "open_alarms": Alarm.objects.open().count(),
        "workorders": WorkOrder.objects.count(),
        "rules": len(rules),
        "enterprises": len(enterprises),
        "stations": len(stations),
    }


def _flush(Alarm, AlarmEvent, AlarmEventKind, AlarmStatus, batch, events) -> int:
    created = Alarm.objects.bulk_create(batch)
    if created and created[0].pk is None:  # backends without RETURNING on bulk insert
        keys = [a.object_key for a in batch]
        ids = dict(Alarm.objects.filter(object_key__in=keys).values_list("object_key", "pk"))
        for alarm in batch:
            alarm.pk = ids[alarm.object_key]
    rows = []
    step = {
        AlarmStatus.ACKNOWLEDGED: AlarmEventKind.ACKNOWLEDGED,
        AlarmStatus.DISPATCHED: AlarmEventKind.DISPATCHED,
        AlarmStatus.RESOLVED: AlarmEventKind.CLEARED,
        AlarmStatus.CLOSED: AlarmEventKind.CLOSED,
        AlarmStatus.FALSE_ALARM: AlarmEventKind.MARKED_FALSE,
    }
    for alarm in batch:
        rows.append(
            AlarmEvent(alarm_id=alarm.pk, kind=AlarmEventKind.TRIGGERED, at=alarm.triggered_at, message=alarm.title)
        )
        if alarm.status in step:
            rows.append(
                AlarmEvent(alarm_id=alarm.pk, kind=step[alarm.status], at=alarm.triggered_at + timedelta(hours=1))
            )
    AlarmEvent.objects.bulk_create(rows, batch_size=5000)
    return len(batch)


def percentile_95(values: list[float]) -> float:
    """The nearest-rank 95th percentile of sorted ``values``."""
    return values[max(0, math.ceil(len(values) * 0.95) - 1)]


def time_request(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: session, grants, templates
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    timings, cpu = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            body = response.content
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    timings.sort()
    cpu.sort()
    result = {
        "url": url,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile_95(timings), 1),
        "max_ms": round(timings[-1], 1),
        # This process's CPU per request: on SQLite that includes the database's work; it does not grow when
        # other processes load the machine, so it is the figure to compare between busy runs.
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(percentile_95(cpu), 1),
        "queries": len(queries.captured_queries),
        "bytes": len(body),
    }
    if response["Content-Type"].startswith("application/json"):
        document = json.loads(body)
        result["rows"] = len(document.get("results", []))
        result["count"] = document.get("count")
    else:
        result["rows"] = max(body.count(b"<tr") - 1, 0)  # table rows less the header
    return result


def run(backend: str, n_alarms: int, n_workorders: int, repeat: int) -> dict:
    with open_scratch(backend):
        from django.conf import settings
        from django.db import connection
        from django.test import Client

        from ecobrain.accounts.models import User
        from ecobrain.alarms.models import Alarm
        from ecobrain.core.models import Region, RegionLevel

        # The test client's host, without setup_test_environment(): that instruments every template render (a
        # signal with a copy of the context per template), which a production page does not pay.
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        started = time.perf_counter()
        built = build(n_alarms, n_workorders, seed=2026)
        build_seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            # What autovacuum (PostgreSQL: statistics and the visibility map for index-only scans) or
            # `PRAGMA optimize` (SQLite) keep current in a running system after a bulk load.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        monitor = User.objects.create_user(username="bench", password="x", role="monitoring_staff", city_wide=True)
        handler = User.objects.create_user(username="district", password="x", role="district_handler")
        district = Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode").first()
        handler.districts.set([district])
        city = Client()
        city.force_login(monitor, backend="ecobrain.accounts.backends.ThrottledModelBackend")
        local = Client()
        local.force_login(handler, backend="ecobrain.accounts.backends.ThrottledModelBackend")
        newest = Alarm.objects.order_by("-triggered_at").values_list("pk", flat=True).first()
        searched = "/alarms/?" + urlencode(
            {
                "status": "all",
                "kind": "emission_exceedance",
                "q": "热电",
                "triggered_from": "2026-06-01",
                "triggered_to": "2026-08-31",
            }
        )
        measured = {
            "centre_city_default": time_request(city, "/alarms/", repeat),
            "centre_district_default": time_request(local, "/alarms/", repeat),
            "centre_filtered_searched": time_request(city, searched, repeat),
            "centre_page_50": time_request(city, "/alarms/?status=all&page=50", repeat),
            "api_default": time_request(city, "/api/v1/alarms/", repeat),
            "api_all_page_50": time_request(city, "/api/v1/alarms/?status=all&page=50", repeat),
            "alarm_page": time_request(city, f"/alarms/{newest}/", repeat),
            "rule_list": time_request(city, "/alarms/rules/", repeat),
        }
        worst = max(m["p95_ms"] for m in measured.values())
        return {
            "backend": backend,
            "database": connection.vendor,
            **built,
            "build_seconds": round(build_seconds, 1),
            "repeat": repeat,
            **measured,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "target_p95_ms": 200,
            "worst_p95_ms": worst,
            "met": worst < 200,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--alarms", type=int, default=100_000)
    parser.add_argument("--workorders", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(run(args.backend, args.alarms, args.workorders, args.repeat), ensure_ascii=False))
        return
    options = ["--alarms", str(args.alarms), "--workorders", str(args.workorders), "--repeat", str(args.repeat)]
    results = run_on_each_backend(__file__, options)
    print(
        json.dumps(
            {"python": platform.python_version(), "machine": platform.machine(), "runs": results},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
