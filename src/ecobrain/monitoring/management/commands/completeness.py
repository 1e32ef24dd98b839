from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date: use YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Recompute data completeness (应传/实传/有效, standards.md §8) per series and China day, "
        "from --since to --until (default: yesterday and today). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day, YYYY-MM-DD (default yesterday)")
        parser.add_argument("--until", help="last day, included, YYYY-MM-DD (default today)")

    def handle(self, *args, since=None, until=None, **options):
        from ecobrain.monitoring.completeness import china_today, compute_range

        today = china_today(timezone.now())
        last = _date(until) if until else today
        first = _date(since) if since else min(last, today - timedelta(days=1))
        if last < first:
            raise CommandError(f"--until {last} is before --since {first}")
        for day, rows in compute_range(first, last).items():
            self.stdout.write(f"{day}: {rows} rows")
