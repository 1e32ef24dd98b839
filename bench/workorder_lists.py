"""The work-order pages and API at the issue's scale: 20,000 work orders and 100,000 alarms.

Builds a scratch database (bench/scratch_db.py) with ``--orders`` work orders (default 20,000) spread over the 14
districts, every state and the last 365 days, each with its timeline rows (created, accepted, …, about 4.5 per
order), and ``--alarms`` alarms (default 100,000) of a few rules, a tenth of them linked to the alarm-source orders.
Rows are bulk-inserted (the services' speed is not what is measured). Then times, through Django's test client,
``--repeat`` requests of each page as a city-wide dispatcher and as one district's handler:

- the all-orders list (first page; open orders of one district; a search), my work orders (a branch handler's
  default tab), the overdue board, the statistics page (this year), an order's detail page, and
  ``/api/v1/workorders/`` (city-wide and for the handler),

and prints p50/p95/max in ms and the query count of each (issue 5 target: p95 < 200 ms). SQLite by default; also
PostgreSQL when ECOBRAIN_DATABASE_URL names a server (a scratch database is created and dropped there).
Usage: .venv/bin/python bench/workorder_lists.py [--orders 20000] [--alarms 100000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scratch_db import open_scratch, run_on_each_backend

TARGET_MS = 200
# Share of orders per state (the rest of a year's orders are closed).
STATE_SHARES = [
    ("dispatched", 0.03),
    ("accepted", 0.03),
    ("in_progress", 0.05),
    ("submitted", 0.03),
    ("returned", 0.01),
    ("cancelled", 0.03),
]


def build(orders: int, alarms: int, seed: int) -> dict:
    from django.utils import timezone

    from ecobrain.accounts.models import User
    from ecobrain.alarms.models import Alarm, AlarmRule
    from ecobrain.core.models import Organisation, OrganisationKind, Region, RegionLevel
    from ecobrain.workorders.choices import ACTIVE_STATES, WorkOrderEventKind, WorkOrderSource
    from ecobrain.workorders.models import WorkOrder, WorkOrderEvent

    rng = random.Random(seed)  # noqa: S311 - bench data
    now = timezone.now()
    districts = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode"))
    branches = {o.district_id: o for o in Organisation.objects.filter(kind=OrganisationKind.BRANCH)}
    enforcement = Organisation.objects.get(code__endswith="-enforcement")
    dispatcher = User.objects.create_user(
        username="bench-city", role="enforcement_officer", city_wide=True, organisation=enforcement
    )
    handler_district = districts[1]
    handler = User.objects.create_user(
        username="bench-branch", role="district_handler", organisation=branches[handler_district.pk]
    )
    handler.districts.set([handler_district])
    sources = [s for s, _label in WorkOrderSource.choices]

    rows = []
    for n in range(orders):
        district = districts[n % len(districts)]
        dispatched = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        deadline = dispatched + timedelta(days=rng.choice((3, 5, 7, 10, 21)))
        pick, status = rng.random(), "closed"
        for state, share in STATE_SHARES:
            if pick < share:
                status = state
                break
            pick -= share
        if status != "closed" and dispatched < now - timedelta(days=40):  # old orders are mostly finished
            status = "closed"
        closed_at = submitted_at = None
        if status == "closed":
            submitted_at = dispatched + (deadline - dispatched) * rng.uniform(0.2, 1.3)
            closed_at = min(now, submitted_at + timedelta(hours=rng.uniform(1, 72)))
        escalated = now if status in ACTIVE_STATES and deadline < now else None
        rows.append(
            WorkOrder(
                number=f"RB{n:08d}",
                title=f"{district.name}第{n}号任务",
                source=sources[n % len(sources)],
                priority=rng.choice((1, 2, 2, 3, 4)),
                status=status,
                district=district,
                dispatcher_org=enforcement,
                assignee_org=branches[district.pk],
                assignee=handler if district == handler_district and rng.random() < 0.3 else None,
                created_by=dispatcher,
                deadline=deadline,
                day_kind="working",
                dispatched_at=dispatched,
                accepted_at=dispatched + timedelta(hours=2) if status != "dispatched" else None,
                submitted_at=submitted_at,
                closed_at=closed_at,
                closed_on_time=(submitted_at <= deadline) if closed_at else None,
                escalated_at=escalated,
                result="已整改" if submitted_at else "",
            )
        )
    WorkOrder.objects.bulk_create(rows, batch_size=2000)
    events = []
    for wo in WorkOrder.objects.values("pk", "status", "dispatched_at", "closed_at"):
        steps = [("created", "", "dispatched"), ("accepted", "dispatched", "accepted")]
        if wo["status"] in ("in_progress", "submitted", "returned", "closed"):
            steps.append(("started", "accepted", "in_progress"))
        if wo["status"] in ("submitted", "closed"):
            steps.append(("submitted", "in_progress", "submitted"))
        if wo["status"] == "closed":
            steps.append(("verified", "submitted", "closed"))
        for index, (kind, before, after) in enumerate(steps):
            events.append(
                WorkOrderEvent(
                    workorder_id=wo["pk"],
                    kind=WorkOrderEventKind(kind),
                    at=wo["dispatched_at"] + timedelta(hours=index),
                    actor=dispatcher if kind in ("created", "verified") else handler,
                    from_status=before,
                    to_status=after,
                )
            )
    WorkOrderEvent.objects.bulk_create(events, batch_size=5000)

    rules = [
        AlarmRule.objects.create(name=f"规则{k}", kind=kind)
        for k, kind in enumerate(("emission_exceedance", "device_offline", "ambient_threshold"))
    ]
    alarm_orders = list(WorkOrder.objects.filter(source="alarm").values_list("pk", "district_id"))
    batch = []
    for n in range(alarms):
        triggered = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        linked = alarm_orders[n % len(alarm_orders)] if n % 10 == 0 and alarm_orders else None
        batch.append(
            Alarm(
                rule=rules[n % len(rules)],
                kind=rules[n % len(rules)].kind,
                status="closed",
                object_key=f"bench:{n}",
                title=f"报警{n}",
                district_id=linked[1] if linked else districts[n % len(districts)].pk,
                triggered_at=triggered,
                last_triggered_at=triggered,
                workorder_id=linked[0] if linked else None,
            )
        )
        if len(batch) == 5000:
            Alarm.objects.bulk_create(batch)
            batch = []
    Alarm.objects.bulk_create(batch)
    sample = WorkOrder.objects.filter(source="alarm", status="closed").order_by("-dispatched_at").first()
    return {
        "workorders": WorkOrder.objects.count(),
        "open_workorders": WorkOrder.objects.open().count(),
        "events": WorkOrderEvent.objects.count(),
        "alarms": Alarm.objects.count(),
        "dispatcher": dispatcher,
        "handler": handler,
        "handler_district": handler_district.pk,
        "sample": sample.pk,
        "year": now.year,
    }


def time_request(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: session, grants
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            body = response.content
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    return {
        "url": url,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "max_ms": round(timings[-1], 1),
        "queries": len(queries.captured_queries),
        "bytes": len(body),
    }


def run(backend: str, orders: int, alarms: int, repeat: int) -> dict:
    with open_scratch(backend):
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment

        setup_test_environment()  # the test client's host (testserver) is allowed
        started = time.perf_counter()
        built = build(orders, alarms, seed=2026)
        build_seconds = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        city, branch = Client(), Client()
        city.force_login(built.pop("dispatcher"), backend="ecobrain.accounts.backends.ThrottledModelBackend")
        branch.force_login(built.pop("handler"), backend="ecobrain.accounts.backends.ThrottledModelBackend")
        district, sample, year = built.pop("handler_district"), built.pop("sample"), built.pop("year")
        pages = {
            "list_first_page": (city, "/workorders/all/"),
            "list_open_in_one_district": (city, f"/workorders/all/?status=open&district={district}"),
            "list_search": (city, "/workorders/all/?q=第1234"),
            "list_overdue_only": (city, "/workorders/all/?overdue=true"),
            "mine_district_handler": (branch, "/workorders/"),
            "list_district_handler": (branch, "/workorders/all/"),
            "overdue_board": (city, "/workorders/overdue/"),
            "statistics_year": (city, f"/workorders/statistics/?year={year}"),
            "detail": (city, f"/workorders/{sample}/"),
            "api_list": (city, "/api/v1/workorders/"),
            "api_list_district_handler": (branch, "/api/v1/workorders/"),
            "api_detail": (city, f"/api/v1/workorders/{sample}/"),
        }
        results = {name: time_request(client, url, repeat) for name, (client, url) in pages.items()}
        worst = max(r["p95_ms"] for r in results.values())
        return {
            "backend": backend,
            "database": connection.vendor,
            **built,
            "build_seconds": round(build_seconds, 1),
            "repeat": repeat,
            "pages": results,
            "worst_p95_ms": worst,
            "target_p95_ms": TARGET_MS,
            "met": worst < TARGET_MS,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--alarms", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(run(args.backend, args.orders, args.alarms, args.repeat), ensure_ascii=False))
        return
    options = ["--orders", str(args.orders), "--alarms", str(args.alarms), "--repeat", str(args.repeat)]
    results = run_on_each_backend(__file__, options)
    print(
        json.dumps(
            {
                "python": platform.python_version(),
                "machine": platform.machine(),
                "load_average": os.getloadavg(),
                "runs": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
