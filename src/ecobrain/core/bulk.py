"""Raw bulk statements for hot write paths (the HJ 212 gateway's writer): parameters adapted per column kind.

Django adapts each value of a ``bulk_create`` or ``save`` through its field (``get_db_prep_save``: a chain of
method calls, type checks and, for datetimes, a time-zone conversion per value). For a writer that sends
tens of thousands of values a second that chain costs more CPU than the database spends on them. The
functions here produce the same parameters, per column, with one cheap call (or none) per value, for the
value types our writers pass; anything else goes through the field as before.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence

from django.db import DatabaseError, connections, models

Adapter = Callable[[object], object] | None  # None: the value goes to the driver as it is


def _wrapper(connection):
    """The connection itself for ``django.db.connection`` (a proxy that looks the connection up in a context-local
    store on every attribute access: a cost per value when an adapter holds it)."""
    return connections[connection.alias]


def column_adapter(field: models.Field, connection) -> Adapter:
    """How a Python value of ``field`` becomes a driver parameter; same result as ``field.get_db_prep_save``."""
    slow = field.get_db_prep_save
    if isinstance(field, models.DateTimeField):
        adapt_datetime = connection.ops.adapt_datetimefield_value

        def datetime_value(value):
            # An aware datetime goes straight to the backend (SQLite: naive UTC text; PostgreSQL: as it is);
            # a naive one, or anything else, takes the field's path (its warning and default time zone).
            if getattr(value, "tzinfo", None) is None:
                return slow(value, connection)
            return adapt_datetime(value)

        return datetime_value
    if isinstance(field, models.JSONField):
        adapt_json, encoder = connection.ops.adapt_json_value, field.encoder
        return lambda value: slow(value, connection) if value is None else adapt_json(value, encoder)
    if isinstance(field, models.BinaryField):
        return lambda value: slow(value, connection)
    if isinstance(field, models.BooleanField | models.CharField | models.TextField | models.IntegerField):
        # ForeignKey ids are IntegerField-like (AutoField/BigAutoField), handled below.
        return _plain(field, slow, connection)
    if isinstance(field, models.ForeignKey) and isinstance(field.target_field, models.IntegerField):
        return _plain(field, slow, connection)
    return lambda value: slow(value, connection)


def _plain(field, slow, connection) -> Adapter:
    """Text, numbers and booleans of the right Python type pass as they are (the field's path returns them
    unchanged); another type (a lazy string, say) goes through the field."""
    if isinstance(field, models.BooleanField):
        kinds: tuple[type, ...] = (bool,)
    elif isinstance(field, models.CharField | models.TextField):
        kinds = (str,)
    else:
        kinds = (int,)

    def plain(value):
        return value if value is None or type(value) in kinds else slow(value, connection)

    return plain


def adapters(model: type[models.Model], names: Sequence[str], connection) -> list[Adapter]:
    """The adapter of each named field of ``model``, in order."""
    return [column_adapter(model._meta.get_field(name), connection) for name in names]


def adapt_rows(rows: Sequence[Sequence], column_adapters: Sequence[Adapter]) -> list:
    """The flat parameter list of ``rows`` (each in the adapters' column order)."""
    params: list = []
    extend = params.extend
    for row in rows:
        extend(value if adapt is None else adapt(value) for adapt, value in zip(column_adapters, row, strict=True))
    return params


# Statement sizes (rows) of the SQLite paths: a batch of n rows goes as chunks of these sizes only (the largest
# as often as it fits, then the binary digits of the rest), so the driver's statement cache (128 statements per
# connection) holds each compiled statement instead of compiling a statement of a new size for every batch:
# compiling a 500-row upsert costs SQLite more than running it.
SQLITE_SIZES = (512, 256, 128, 64, 32, 16, 8, 4, 2, 1)


def sqlite_chunks(count: int) -> list[tuple[int, int]]:
    """(start, size) of the chunks of ``count`` rows, each size one of ``SQLITE_SIZES``."""
    chunks = []
    start = 0
    for size in SQLITE_SIZES:
        while count - start >= size:
            chunks.append((start, size))
            start += size
    return chunks


def sqlite_fetchall(connection, sql: str, params: Sequence) -> list[tuple]:
    """SQLite: run ``sql`` (the driver's ``?`` placeholders) on the driver's own cursor and return its rows.

    For the statements of a hot write path only, which are long (hundreds of rows of parameters): Django's cursor
    wrapper converts ``%s`` to ``?`` with a regular expression over the whole statement on every call (about 1 ms
    for a 500-row upsert) and wraps each call in several layers. Same transaction (the connection is the one
    Django holds, inside its ``atomic``), same errors (Django's, through ``wrap_database_errors``); the statement
    is recorded where Django records queries (``CaptureQueriesContext``, DEBUG) when that is on.
    """
    connection.validate_no_broken_transaction()
    connection.ensure_connection()
    started = time.monotonic() if connection.queries_logged else 0.0
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        finally:
            cursor.close()
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return rows


def insert_returning_pks(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence], *, connection
) -> list[int]:
    """Insert ``rows`` (values of the fields ``names``) and return their new primary keys, in the order of ``rows``.

    Like ``bulk_create``, which relies on the same (the rows come back in the order they were given), without
    building a model instance per row. SQLite: ``INSERT … VALUES (…), (…) RETURNING pk``. PostgreSQL: one array
    parameter per column, ``INSERT … SELECT * FROM unnest(…) RETURNING pk``, as Django 5.2's ``bulk_create``
    does there: psycopg binds ``VALUES`` parameters on the client by parsing the statement for its
    placeholders, which costs far more than the insert for a few hundred rows.
    """
    if not rows:
        return []
    connection = _wrapper(connection)
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    columns = ", ".join(quote(field.column) for field in fields)
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    column_adapters = adapters(model, names, connection)
    pks: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) RETURNING {pk}"  # noqa: S608
            params = [
                list(values) if isinstance(field, models.BinaryField) else _adapt_column(values, adapt)
                for field, adapt, values in zip(fields, column_adapters, zip(*rows, strict=True), strict=True)
            ]  # bytea: bytes as they are (psycopg dumps them; Django's Binary wrapper is for one parameter)
            cursor.execute(sql, params)
            pks = [row[0] for row in cursor.fetchall()]
        else:
            placeholder = "(" + ", ".join(["?"] * len(names)) + ")"
            for start, size in sqlite_chunks(len(rows)):
                values = ", ".join([placeholder] * size)
                sql = f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING {pk}"  # noqa: S608
                params = adapt_rows(rows[start : start + size], column_adapters)
                pks.extend(row[0] for row in sqlite_fetchall(connection, sql, params))
    if len(pks) != len(rows):
        raise DatabaseError(f"the insert returned {len(pks)} ids for {len(rows)} rows")
    return pks


def _adapt_column(values: Sequence, adapt: Adapter) -> list:
    return list(values) if adapt is None else [adapt(value) for value in values]


def update_by_pk(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence], *, connection) -> None:
    """Set the fields ``names`` of many rows, each ``(*values, pk)``, in one statement to the driver.

    SQLite: one prepared ``UPDATE … WHERE pk = ?`` run for every row (``executemany``). PostgreSQL: one
    ``UPDATE … FROM unnest(…)`` with an array parameter per column (psycopg's ``executemany`` binds every row's
    parameters in Python, on the client). Django's ``bulk_update`` builds a CASE per field per row instead.
    """
    if not rows:
        return
    connection = _wrapper(connection)
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    column_adapters = adapters(model, names, connection)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            params = [
                [value if adapt is None else adapt(value) for adapt, value in zip(column_adapters, row, strict=False)]
                + [row[-1]]
                for row in rows
            ]
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", params)  # noqa: S608
            return
        columns = list(zip(*rows, strict=True))
        arrays, params, assignments = [], [], []
        for n, (field, adapt, values) in enumerate(zip(fields, column_adapters, columns, strict=False)):
            if isinstance(field, models.JSONField):  # JSON as text (an array of jsonb parameters is not dumped)
                encoder = field.encoder
                params.append([None if value is None else json.dumps(value, cls=encoder) for value in values])
                arrays.append("%s::text[]")
                assignments.append(f"{quote(field.column)} = u.c{n}::jsonb")
            else:
                params.append(_adapt_column(values, adapt))
                arrays.append(f"%s::{field.db_type(connection)}[]")
                assignments.append(f"{quote(field.column)} = u.c{n}")
        params.append(list(columns[-1]))
        arrays.append(f"%s::{meta.pk.db_type(connection)}[]")
        names_list = ", ".join(f"c{n}" for n in range(len(fields)))
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} FROM unnest({', '.join(arrays)}) "  # noqa: S608
            f"AS u({names_list}, pk) WHERE {table}.{pk} = u.pk",
            params,
        )
