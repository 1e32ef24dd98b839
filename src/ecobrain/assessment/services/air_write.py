"""Writing assessment rows in bulk: multi-row ``INSERT`` (SQLite) or COPY (PostgreSQL), after deleting the rows they
replace, inside the caller's transaction.

Every writer first locks the ``RecomputeWatermark("air")`` row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has
one writer at a time anyway), so two recomputations that cover the same rows — the job and the command — take
turns instead of one inserting what the other is about to insert.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from ecobrain.assessment.models import RecomputeWatermark
from ecobrain.core import bulk

LOCK_NAME = "air"
ROWS_PER_STATEMENT = 500


def ensure_lock_row() -> None:
    RecomputeWatermark.objects.get_or_create(name=LOCK_NAME)


def lock() -> None:
    """Take the writers' lock for the rest of the transaction (call inside ``transaction.atomic``)."""
    list(RecomputeWatermark.objects.select_for_update().filter(name=LOCK_NAME).values_list("pk", flat=True))


def delete_rows(model, where: str, params: Sequence) -> int:
    """``DELETE FROM table WHERE <where>``; the condition is written by the caller with %s placeholders."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where}", list(params))  # noqa: S608 - identifiers from the model
        return max(cursor.rowcount, 0)


@dataclass
class RowBlock:
    """Rows to insert: ``table`` [rows, columns] of database-ready values (JSON as text) for ``columns``, and the
    ``constants`` every row shares (column → value), written once into the statement rather than bound per row."""

    columns: tuple[str, ...]
    table: np.ndarray
    constants: dict[str, object] = field(default_factory=dict)


def insert_rows(model, block: RowBlock) -> int:
    """Insert a block into ``model``'s table: COPY on PostgreSQL; on SQLite multi-row ``INSERT … VALUES``
    statements (binding is most of SQLite's cost per row, and one statement per many rows halves it)."""
    n = len(block.table)
    if not n:
        return 0
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in (*block.columns, *block.constants))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tail = tuple(block.constants.values())
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in block.table.tolist():
                    copy.write_row((*row, *tail))
            return n
        literals = ", ".join(_literal(v) for v in block.constants.values())
        one = "(" + ", ".join(["?"] * len(block.columns) + ([literals] if literals else [])) + ")"
        per = max(1, min(ROWS_PER_STATEMENT, _max_params() // len(block.columns)))
        statements: dict[int, str] = {}
        for at in range(0, n, per):
            chunk = block.table[at : at + per]
            if len(chunk) not in statements:
                statements[len(chunk)] = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))}"  # noqa: S608
            # The driver's own cursor with ? placeholders: Django's wrapper would rewrite %s in the long statement
            # with a regular expression on every call.
            bulk.sqlite_fetchall(cursor.db, statements[len(chunk)], chunk.ravel().tolist())
    return n


def _literal(value: object) -> str:
    """A constant of a RowBlock as SQL (the platform's own values: scope, edition names, time stamps, counts)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"


def _max_params() -> int:
    """Bound parameters SQLite accepts in one statement (32,766 since 3.32; 999 before)."""
    getlimit = getattr(connection.connection, "getlimit", None)
    if getlimit is None:
        return 999
    return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def one_of(column: str, ids: Sequence[int]) -> tuple[str, list]:
    """``column`` is one of ``ids``, as SQL with one parameter however many ids there are (SQLite before 3.32 takes
    999 parameters a statement): ``IN (SELECT value FROM json_each(%s))`` on SQLite, ``= ANY(%s)`` on PostgreSQL."""
    ids = [int(i) for i in ids]
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]  # noqa: S608 - our column names
