"""`ecobrain aqi`: the AQI of each row of a CSV or JSON-lines file (or stdin), one JSON object per row."""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import TextIO

from django.core.management.base import BaseCommand

from ecobrain.standards.aqi import compute_aqi, edition_for, get_edition, to_decimal

CONCENTRATION_COLUMNS = ("so2", "no2", "co", "o3", "o3_8h", "pm10", "pm2_5", "pm10_24h", "pm2_5_24h", "so2_24h")


class RowError(ValueError):
    """A row that cannot be assessed; the message names the column and value."""


def parse_time(raw: object) -> datetime:
    if not isinstance(raw, str) or not raw.strip():
        raise RowError(f"column time: {raw!r} is not an ISO 8601 time")
    text = raw.strip()
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise RowError(f"column time: {raw!r} is not an ISO 8601 time") from None


def parse_concentration(column: str, raw: object) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
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


def assess(record: object, *, edition: str | None, kind: str) -> dict:
    if not isinstance(record, dict):
        raise RowError("a JSON line must hold an object")
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


def read_records(stream: TextIO) -> Iterator[tuple[int, object]]:
    """(row number, record) pairs: a JSON line's object or a CSV row's dict; a JSON syntax error becomes a record."""
    lines = iter(stream)
    head: list[str] = []
    for line in lines:
        head.append(line)
        if line.strip():
            break
    rest: Iterable[str] = itertools.chain(head, lines)
    if head and head[-1].lstrip().startswith("{"):
        number = 0
        for line in rest:
            if not line.strip():
                continue
            number += 1
            try:
                yield number, json.loads(line, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                yield number, RowError(f"not valid JSON: {exc.msg} at column {exc.colno}")
        return
    reader = csv.DictReader(line for line in rest if line.strip())
    for number, row in enumerate(reader, start=1):
        if None in row:
            yield number, RowError(f"{len(row[None])} more value(s) than header columns")
        else:
            yield number, {(key or "").strip(): value for key, value in row.items()}


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
        path = options.get("file")
        if path and path != "-":
            with open(path, encoding="utf-8-sig", newline="") as handle:
                self.write_results(handle, options)
        else:
            self.write_results(options.get("stdin") or sys.stdin, options)

    def write_results(self, stream: TextIO, options: dict) -> None:
        for number, record in read_records(stream):
            try:
                if isinstance(record, RowError):
                    raise record
                output = assess(record, edition=options.get("edition"), kind=options["kind"])
            except ValueError as exc:
                output = {"error": f"row {number}: {exc}"}
            self.stdout.write(json.dumps(output, ensure_ascii=False))
