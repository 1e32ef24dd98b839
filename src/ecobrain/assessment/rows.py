"""Rows in, JSON lines out: the reader and the loop shared by the row-by-row assessment commands (`aqi`, `water-class`).

A file is CSV with a header row, or JSON lines (one object per line): the first non-blank line decides. Each row is
assessed on its own; a row that cannot be assessed prints ``{"error": "row N: …"}`` and the next row goes on.
"""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import TextIO


class RowError(ValueError):
    """A row that cannot be assessed; the message names the column and value."""


def parse_time(raw: object) -> datetime:
    """An ISO 8601 time from a row (a trailing ``Z`` means UTC)."""
    if not isinstance(raw, str) or not raw.strip():
        raise RowError(f"column time: {raw!r} is not an ISO 8601 time")
    text = raw.strip()
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise RowError(f"column time: {raw!r} is not an ISO 8601 time") from None


def is_blank(raw: object) -> bool:
    """An absent value: ``None`` (JSON null or a missing column) or an empty or blank CSV cell."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def read_records(stream: TextIO) -> Iterator[tuple[int, object]]:
    """(row number, record) pairs: a JSON line's object or a CSV row's dict; a syntax error becomes a RowError."""
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


def assess_rows(stream: TextIO, assess: Callable[[dict], dict]) -> Iterator[dict]:
    """One output object per input row: ``assess(record)``, or ``{"error": "row N: …"}`` when it raises ValueError."""
    for number, record in read_records(stream):
        try:
            if isinstance(record, RowError):
                raise record
            if not isinstance(record, dict):
                raise RowError("a JSON line must hold an object")
            output = assess(record)
        except ValueError as exc:
            output = {"error": f"row {number}: {exc}"}
        yield output


def write_assessed_rows(
    path: str | None, stdin: TextIO | None, assess: Callable[[dict], dict], write: Callable[[str], None]
) -> None:
    """Assess the rows of ``path`` (stdin when None or "-") and write one JSON line per row."""
    if path and path != "-":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for output in assess_rows(handle, assess):
                write(json.dumps(output, ensure_ascii=False))
    else:
        for output in assess_rows(stdin or sys.stdin, assess):
            write(json.dumps(output, ensure_ascii=False))
