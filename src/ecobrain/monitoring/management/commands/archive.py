from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "The raw packet archive. `ecobrain archive purge [--before YYYY-MM-DD] [--dry-run]` deletes packets "
        "received before that day (00:00 China time); without --before, those older than "
        "ECOBRAIN_ARCHIVE_RETENTION_DAYS."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="delete archived packets received before a day")
        purge.add_argument("--before", help="YYYY-MM-DD: delete packets received before 00:00 China time that day")
        purge.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    def handle(self, *args, action, before=None, dry_run=False, **options):
        from ecobrain.monitoring.retention import count_archive_before, purge_archive, retention_cutoff
        from ecobrain.standards.hj212 import CHINA_TZ

        if before:
            try:
                cutoff = datetime.combine(date.fromisoformat(before), time(0), tzinfo=CHINA_TZ)
            except ValueError:
                raise CommandError(f"--before {before!r} is not a date: use YYYY-MM-DD") from None
        else:
            cutoff = retention_cutoff(timezone.now())
            if cutoff is None:
                raise CommandError(
                    "ECOBRAIN_ARCHIVE_RETENTION_DAYS is 0 (keep the archive forever): pass --before YYYY-MM-DD "
                    "to purge anyway."
                )
        when = cutoff.astimezone(CHINA_TZ).isoformat()
        if dry_run:
            self.stdout.write(f"would delete {count_archive_before(cutoff)} archived packets received before {when}")
            return
        self.stdout.write(f"deleted {purge_archive(cutoff)} archived packets received before {when}")
