"""`ecobrain assess recompute [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--station CODE …]`: recompute the air assessment.

Hourly and daily AQI of stations, districts and the city and the HJ 663 month and year statistics, from the stored
hourly values (docs/air-assessment.md "The assessment pipeline"). A progress line goes to stderr, one JSON object
with the rows written per table and the seconds per stage to stdout.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ecobrain.standards.hj212 import CHINA_TZ


def _date(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} {text!r} is not a date: use YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Air assessment. `ecobrain assess recompute`: recompute hourly and daily AQI of stations, districts and the "
        "city and the HJ 663 month/year statistics for a span of days (idempotent)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{recompute}")
        recompute = actions.add_parser("recompute", help="recompute the air assessment of a span of China days")
        recompute.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="first day (default yesterday)")
        recompute.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="last day, included (default today)")
        recompute.add_argument(
            "--station",
            dest="stations",
            nargs="+",
            action="extend",
            metavar="CODE",
            help="only these air stations (and their districts and the city); default every air station",
        )
        recompute.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")

    def handle(self, *args, action, first=None, last=None, stations=None, no_progress=False, **options):
        from ecobrain.assessment.services import recompute_air
        from ecobrain.registry.choices import AIR_STATION_KINDS
        from ecobrain.registry.models import Station

        today = timezone.now().astimezone(CHINA_TZ).date()
        end = _date("--to", last) if last else today
        start = _date("--from", first) if first else min(end, today - timedelta(days=1))
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}")
        chosen = None
        if stations:
            found = {s.code: s for s in Station.objects.filter(code__in=stations)}
            unknown = [code for code in stations if code not in found]
            if unknown:
                raise CommandError(f"unknown station code(s): {', '.join(unknown)}")
            other = [code for code in stations if found[code].kind not in AIR_STATION_KINDS]
            if other:
                raise CommandError(f"not air stations: {', '.join(other)}")
            chosen = list(found.values())
        progress = None if no_progress else (lambda line: self.stderr.write(f"assess recompute {start}…{end}: {line}"))
        try:
            result = recompute_air(start=start, end=end, stations=chosen, progress=progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
