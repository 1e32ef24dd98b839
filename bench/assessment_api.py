"""The air quality API at Xianyang's scale: a year of one station's daily AQI, and a month's district ranking.

Builds a scratch database (bench/scratch_db.py) with 141 air stations in the city's districts (a third of them
assessment stations), 365 days of `AirQualityDay` rows for every station, district and the city, and month and
year `AirQualityPeriod` rows for this year and the year before (for the year-on-year changes). Then times, through
Django's test client with a signed-in user, ``--repeat`` requests of

- ``/api/v1/air-quality/days/?station=CODE&start=…&end=…&page_size=366`` (a year of one station, 365 rows), and
- ``/api/v1/air-quality/rankings/?kind=month&period=YYYY-11`` (districts and assessment stations ranked),

and prints p50/p95/max in ms and the query count of each (issue 4 target: < 100 ms each). SQLite by default;
also PostgreSQL when ECOBRAIN_DATABASE_URL names a server (a scratch database is created and dropped there).
Usage: .venv/bin/python bench/assessment_api.py [--stations 141] [--repeat 30]
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
from datetime import UTC, date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scratch_db import open_scratch, run_on_each_backend

YEAR = 2026


def build(stations: int, seed: int) -> dict:
    from ecobrain.assessment.choices import PeriodKind, Scope
    from ecobrain.assessment.models import AirQualityDay, AirQualityPeriod
    from ecobrain.core.geo import representative_point
    from ecobrain.core.models import Region, RegionLevel
    from ecobrain.registry.models import Station
    from ecobrain.standards.aqi import level_for

    rng = random.Random(seed)  # noqa: S311 - bench data
    city = Region.objects.get(level=RegionLevel.CITY)
    districts = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode"))
    kinds = ["air_national", "air_provincial", "air_city", "air_micro"]
    made = []
    for n in range(stations):
        district = districts[n % len(districts)]
        lon, lat = representative_point(district)
        made.append(
            Station(
                code=f"B{n:04d}",
                name=f"空气站{n:03d}",
                kind=kinds[n % 4],
                district=district,
                longitude=lon,
                latitude=lat,
                is_assessment=n % 3 == 0,
            )
        )
    Station.objects.bulk_create(made, batch_size=500)
    station_list = list(Station.objects.filter(code__startswith="B").order_by("code"))
    computed = datetime(YEAR, 12, 1, tzinfo=UTC)
    objects = [{"scope": Scope.STATION, "station": s} for s in station_list]
    objects += [{"scope": Scope.DISTRICT, "region": d} for d in districts] + [{"scope": Scope.CITY, "region": city}]
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    batch = []
    for obj in objects:
        for day in days:
            pm = max(3.0, rng.gauss(45, 25))
            aqi = max(1, int(pm * 1.4))
            batch.append(
                AirQualityDay(
                    **obj,
                    day=day,
                    so2=rng.uniform(3, 20),
                    no2=rng.uniform(10, 60),
                    co=round(rng.uniform(0.3, 2.0), 1),
                    o3=rng.uniform(30, 200),
                    o3_8h=rng.uniform(20, 180),
                    pm10=pm * 1.6,
                    pm2_5=pm,
                    aqi=aqi,
                    level=level_for(aqi).number,
                    primary_pollutants="pm2_5" if aqi > 50 else "",
                    iaqi={"pm2_5": aqi},
                    hours={"pm2_5": 24},
                    edition="HJ 633-2026",
                    computed_at=computed,
                )
            )
            if len(batch) >= 5000:
                AirQualityDay.objects.bulk_create(batch)
                batch = []
    AirQualityDay.objects.bulk_create(batch)
    periods = []
    for year in (YEAR - 1, YEAR):
        starts = [(PeriodKind.MONTH, date(year, m, 1)) for m in range(1, 13)] + [(PeriodKind.YEAR, date(year, 1, 1))]
        for obj in objects:
            for kind, start in starts:
                pm = rng.uniform(25, 60)
                stats = {
                    "edition": "HJ 663-2026",
                    "pollutants": {
                        key: {"days": 30, "mean": value, "concentration": value, "valid": True}
                        for key, value in {
                            "so2": rng.uniform(5, 15),
                            "no2": rng.uniform(20, 45),
                            "co": rng.uniform(0.8, 1.6),
                            "o3_8h": rng.uniform(120, 180),
                            "pm10": pm * 1.6,
                            "pm2_5": pm,
                        }.items()
                    },
                }
                periods.append(
                    AirQualityPeriod(
                        **obj,
                        kind=kind,
                        period_start=start,
                        stats=stats,
                        comprehensive_index=round(rng.uniform(3, 7), 3),
                        index_primary="pm2_5",
                        valid_days=30,
                        good_days=24,
                        good_ratio=0.8,
                        days_per_level={"1": 8, "2": 16, "3": 6},
                        edition="HJ 663-2026",
                        computed_at=computed,
                    )
                )
    AirQualityPeriod.objects.bulk_create(periods, batch_size=2000)
    return {
        "stations": len(station_list),
        "day_rows": AirQualityDay.objects.count(),
        "period_rows": AirQualityPeriod.objects.count(),
        "station_code": station_list[0].code,
    }


def time_request(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: session, grants
    assert response.status_code == 200, response.content[:500]
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            body = response.content
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    document = json.loads(body)
    return {
        "url": url,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "max_ms": round(timings[-1], 1),
        "queries": len(queries.captured_queries),
        "bytes": len(body),
        "rows": len(document["results"] if "results" in document else document["districts"] + document["stations"]),
    }


def run(backend: str, stations: int, repeat: int) -> dict:
    with open_scratch(backend):
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment

        from ecobrain.accounts.models import User

        setup_test_environment()  # the test client's host (testserver) is allowed
        started = time.perf_counter()
        built = build(stations, seed=2026)
        build_seconds = time.perf_counter() - started
        user = User.objects.create_user(username="bench", password="x", role="monitoring_staff", city_wide=True)
        client = Client()
        client.force_login(user, backend="ecobrain.accounts.backends.ThrottledModelBackend")
        code = built.pop("station_code")
        year = time_request(
            client,
            f"/api/v1/air-quality/days/?station={code}&start={YEAR}-01-01&end={YEAR}-12-31&page_size=366",
            repeat,
        )
        ranking = time_request(client, f"/api/v1/air-quality/rankings/?kind=month&period={YEAR}-11", repeat)
        return {
            "backend": backend,
            "database": connection.vendor,
            **built,
            "build_seconds": round(build_seconds, 1),
            "station_year_of_days": year,
            "month_ranking": ranking,
            "target_ms": 100,
            "met": year["p95_ms"] < 100 and ranking["p95_ms"] < 100,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--stations", type=int, default=141)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(run(args.backend, args.stations, args.repeat), ensure_ascii=False))
        return
    results = run_on_each_backend(__file__, ["--stations", str(args.stations), "--repeat", str(args.repeat)])
    print(
        json.dumps(
            {"python": platform.python_version(), "machine": platform.machine(), "runs": results},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
