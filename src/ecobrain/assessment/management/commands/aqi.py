"""`ecobrain aqi`: the AQI of each row of a CSV or JSON-lines file (or stdin), one JSON object per row."""

from __future__ import annotations

import sys
from decimal import Decimal

from django.core.management.base import BaseCommand

from ecobrain.assessment.rows import RowError, is_blank, parse_time, write_assessed_rows
from ecobrain.standards.aqi import compute_aqi, edition_for, get_edition, to_decimal

CONCENTRATION_COLUMNS = ("so2", "no2", "co", "o3", "o3_8h", "pm10", "pm2_5", "pm10_24h", "pm2_5_24h", "so2_24h")


def parse_concentration(column: str, raw: object) -> Decimal | None:
    if is_blank(raw):
        return None
    if not isinstance(raw, str | int | float | Decimal) or isinstance(raw, bool):
        raise RowError(f"column {column}: {raw!r} is not a concentration")
    try:
        return to_decimal(raw, column)
    except ValueError:
        raise RowError(f"column {column}: {raw!r} is not a non-negative number") from None


def inputs_for(record: dict, kind: str) -> dict[str, Decimal | None]:
    values = {column: parse_concentration(column, record.get(column)) for column in CONCENTRATION_COLUMNS}
    if kind == "daily":
        # A daily row's PM values are the daily means: `pm10`/`pm2_5`, or the `_24h` columns (the same thing).
        for name in ("pm10", "pm2_5"):
            plain, daily = values[name], values.pop(f"{name}_24h")
            if plain is not None and daily is not None and plain != daily:
                raise RowError(f"columns {name} and {name}_24h disagree ({plain} vs {daily}) in a daily row")
            values[name] = plain if plain is not None else daily
        values.pop("so2_24h")
    return values


def assess(record: dict, *, edition: str | None, kind: str) -> dict:
    values = inputs_for(record, kind)
    if edition is not None:
        chosen = get_edition(edition)
    else:
        if record.get("time") in (None, ""):
            raise RowError("column time: missing; it is required without --edition")
        try:
            chosen = edition_for(parse_time(record["time"]))
        except RowError:
            raise
        except ValueError as exc:
            raise RowError(f"column time: {record['time']!r}: {exc}") from None
    return compute_aqi(values, kind=kind, edition=chosen).as_dict()


class Command(BaseCommand):
    help = (
        "Compute the AQI (HJ 633-2012 / HJ 633-2026) of each row of a CSV (header row) or JSON-lines file, or of "
        "stdin. Columns: time, so2, no2, co, o3, o3_8h, pm10, pm2_5, pm10_24h, pm2_5_24h (µg/m³, CO mg/m³)."
    )
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="CSV or JSON-lines file; stdin when omitted or '-'")
        parser.add_argument(
            "--edition", choices=["2012", "2026"], help="HJ 633 edition; default: by the Beijing date of `time`"
        )
        parser.add_argument("--kind", choices=["hourly", "daily"], default="hourly", help="real-time or daily AQI")

    def handle(self, *args, **options) -> None:
        write_assessed_rows(
            options.get("file"),
            options.get("stdin") or sys.stdin,
            lambda record: assess(record, edition=options.get("edition"), kind=options["kind"]),
            self.stdout.write,
        )
