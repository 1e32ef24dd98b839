"""`ecobrain assess-water [--from YYYY-MM] [--to YYYY-MM] [--station CODE …]`: recompute the sections' monthly class."""

from __future__ import annotations

import json
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


def parse_month(text: str, option: str) -> date:
    from ecobrain.assessment.periods import PeriodError
    from ecobrain.assessment.periods import parse_month as parse

    try:
        return parse(text, what=option)
    except PeriodError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = (
        "Recompute the monthly GB 3838-2002 class of the surface-water sections (water_auto and water_section "
        "stations) from their stored hourly and daily values, from --from to --to (default: the previous and the "
        "current month). Idempotent; prints a JSON summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first month, YYYY-MM (default: the previous month)")
        parser.add_argument("--to", dest="last", help="last month, included, YYYY-MM (default: the current month)")
        parser.add_argument("--station", action="append", default=[], help="a station code (repeatable)")

    def handle(self, *args, first=None, last=None, station=(), **options):
        from ecobrain.assessment.periods import china_month, previous_month
        from ecobrain.assessment.water import recompute_water, water_stations

        current = china_month(timezone.now())
        last_month = parse_month(last, "--to") if last else current
        first_month = parse_month(first, "--from") if first else min(previous_month(current), last_month)
        if last_month < first_month:
            raise CommandError(f"--to {last_month:%Y-%m} 早于 --from {first_month:%Y-%m}")
        stations = None
        if station:
            found = {s.code: s for s in water_stations().filter(code__in=station)}
            unknown = [code for code in station if code not in found]
            if unknown:
                raise CommandError(f"未找到地表水站点：{', '.join(unknown)}（站点类型须为水质自动站或地表水断面）")
            stations = list(found.values())
        started = time.monotonic()
        result = recompute_water(first_month=first_month, last_month=last_month, stations=stations)
        summary = {
            "from": f"{first_month:%Y-%m}",
            "to": f"{last_month:%Y-%m}",
            **result.as_dict(),
            "seconds": round(time.monotonic() - started, 3),
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
