"""`ecobrain import observations FILE… [options]`: observation files into the time-series store (docs/ingest.md).

Django names a command after its module, so `import` is this module and `observations` its subcommand (the
registry's CSV imports stay on the pages). Exit status 0 when every row went in, 1 when any was rejected or
a file could not be read.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ecobrain.ingest.documents.validate import RESOLUTIONS
from ecobrain.ingest.fileimport import FORMATS, FileSummary, ObservationFileImport
from ecobrain.ingest.fileimport.importer import BATCH_SIZE


class Command(BaseCommand):
    help = (
        "Import data files. `ecobrain import observations FILE…`: observations from csv, jsonl, hj212 or Beijing PRSA."
    )

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="{observations}")
        observations = kinds.add_parser("observations", help="observation files into the time-series store")
        observations.add_argument("files", nargs="+", metavar="FILE")
        observations.add_argument(
            "--format", choices=FORMATS, default=None, help="file format (default: detected from the first line)"
        )
        observations.add_argument(
            "--resolution", choices=sorted(RESOLUTIONS), default=None, help="for rows that name none (csv, jsonl)"
        )
        observations.add_argument(
            "--device", metavar="MN", default=None, help="for rows that name none; PRSA: all rows"
        )
        observations.add_argument("--errors", metavar="REPORT.csv", default=None, help="write every rejected row here")
        observations.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        observations.add_argument(
            "--create-stations",
            action="store_true",
            help="beijing-prsa: register each site as an external station with a data logger PRSA-<site>",
        )
        observations.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"rows per transaction (default {BATCH_SIZE})"
        )
        observations.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, files, errors, no_progress, **options):
        paths = [Path(name) for name in files]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be ≥ 1")
        report = open(errors, "w", newline="", encoding="utf-8") if errors else None  # noqa: SIM115 - closed below
        try:
            writer = csv.writer(report) if report else None
            if writer:
                writer.writerow(["file", "row", "field", "message"])
            importer = ObservationFileImport(
                fmt=options["format"],
                resolution=options["resolution"],
                device=options["device"],
                dry_run=options["dry_run"],
                create_stations=options["create_stations"],
                batch_size=options["batch_size"],
                errors_writer=writer,
                # The raw stream: Django's OutputWrapper ends each write with a newline; the bar redraws with \r.
                progress_stream=None if no_progress else self.stderr._out,
            )
            summaries = []
            for path in paths:
                summary = importer.run(path)
                summaries.append(summary)
                self._print(summary)
        finally:
            if report:
                report.close()
        if len(summaries) > 1:
            self._print_total(summaries)
        if errors:
            self.stdout.write(f"errors: every rejected row is listed in {errors}")
        if any(s.rejected or s.failure for s in summaries):
            sys.exit(1)

    def _print(self, s: FileSummary) -> None:
        rate = s.rows / s.seconds if s.seconds else 0.0
        values_rate = s.values / s.seconds if s.seconds else 0.0
        write = self.stdout.write
        write(
            f"{s.path} ({s.format}{', dry run' if s.dry_run else ''}): {s.rows:,} rows read in {s.seconds:.1f} s "
            f"({rate:,.0f} rows/s, {values_rate:,.0f} values/s)"
        )
        if s.failure:
            write(f"  FAILED, nothing read: {s.failure}")
            return
        if s.dry_run:
            write(f"  values: {s.valid:,} valid (not written), {s.rejected:,} rejected")
        else:
            write(f"  values: {s.inserted:,} inserted, {s.updated:,} updated, {s.rejected:,} rejected")
        if s.format == "beijing-prsa":
            write(f"  NA (missing, no row): {s.missing:,}")
            for name, (count, reason) in s.not_imported.items():
                write(f"  not imported: {name} — {count:,} values ({reason})")
        if s.stations_created:
            write(f"  stations registered (external, no district): {', '.join(s.stations_created)}")
        if s.stations_to_create:
            write(f"  stations that would be registered: {', '.join(s.stations_to_create)}")
        if s.error_count:
            shown = len(s.first_errors)
            write(f"  {s.error_count:,} error(s){f', the first {shown}' if shown < s.error_count else ''}:")
            for error in s.first_errors:
                write(f"    row {error.row if error.row is not None else '-'} [{error.field}] {error.message}")
            unregistered = {e.message for e in s.first_errors if e.field == "mn" and "PRSA-" in e.message}
            if unregistered and s.format == "beijing-prsa":
                write(
                    "  hint: register the sites with --create-stations, or send all rows to one logger with --device MN"
                )

    def _print_total(self, summaries: list[FileSummary]) -> None:
        seconds = sum(s.seconds for s in summaries)
        rows = sum(s.rows for s in summaries)
        values = sum(s.values for s in summaries)
        self.stdout.write(
            f"total: {len(summaries)} files, {rows:,} rows, {sum(s.inserted for s in summaries):,} inserted, "
            f"{sum(s.updated for s in summaries):,} updated, {sum(s.rejected for s in summaries):,} rejected, "
            f"{sum(1 for s in summaries if s.failure)} failed, {seconds:.1f} s "
            f"({values / seconds if seconds else 0:,.0f} values/s)"
        )
