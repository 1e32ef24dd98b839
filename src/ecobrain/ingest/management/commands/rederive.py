from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError


def _moment(text: str, option: str) -> datetime:
    """An ISO date or date-time; without an offset it is China time (the time on the device's packets)."""
    from ecobrain.standards.hj212 import CHINA_TZ

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} {text!r} is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return (value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)).astimezone(UTC)


class Command(BaseCommand):
    help = (
        "Re-derive observations from the raw packet archive: replay archived packets (stored, duplicate, "
        "unsupported) through decode → store, without new archive rows, acks or security events."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mn", action="append", default=[], help="only this device (repeatable)")
        parser.add_argument("--since", help="packets received at or after this (ISO; China time without offset)")
        parser.add_argument("--until", help="packets received before this (ISO; China time without offset)")
        parser.add_argument("--dry-run", action="store_true", help="count what would change, then roll back")
        parser.add_argument("--batch-size", type=int, default=500, help="packets per transaction (default 500)")
        parser.add_argument(
            "--decode-errors",
            action="store_true",
            help="also frames archived as decode errors (after a codec fix), authenticated against today's registry",
        )

    def handle(self, *args, mn, since=None, until=None, dry_run=False, batch_size=500, decode_errors=False, **options):
        from ecobrain.ingest.rederive import rederive

        start = _moment(since, "--since") if since else None
        end = _moment(until, "--until") if until else None
        if start and end and end <= start:
            raise CommandError(f"--until {until} is not after --since {since}")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")

        def progress(report):
            if options["verbosity"] > 1:
                self.stderr.write(f"… {report.packets_read} packets read")

        report = rederive(
            mns=mn,
            since=start,
            until=end,
            dry_run=dry_run,
            batch_size=batch_size,
            progress=progress,
            decode_errors=decode_errors,
        )
        for line in report.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("dry run: nothing was changed")
