"""Writes to the time-series store: bulk, idempotent upserts keyed by (series, period start)."""

from __future__ import annotations

import functools
import json
import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from ecobrain.core import bulk
from ecobrain.monitoring.feed import publish_on_commit
from ecobrain.monitoring.models import (
    OBSERVATION_MODELS,
    VALUE_DECIMAL_PLACES,
    VALUE_MAX_DIGITS,
    VALUE_TEXT_MAX,
    Series,
)
from ecobrain.monitoring.qc import WINDOW_FLAGS, forget_series, point_flags, series_rules

# Rows per INSERT: 9 parameters a row keeps a batch far under SQLite's 32,766 and PostgreSQL's 65,535.
BATCH_SIZE = 2000
# On PostgreSQL a call with at least this many rows streams them with COPY into a temporary staging table and
# upserts from there (ARCHITECTURE.md decision 3), in chunks of COPY_CHUNK rows. Low: psycopg binds the
# parameters of ``INSERT … VALUES`` on the client, parsing the statement for its placeholders (not cached for
# long statements): for 450 rows, about 50 µs of client CPU per row against 12 µs with COPY (measured on the
# busy development container); below it the VALUES path's single round trip wins.
COPY_THRESHOLD = 100
COPY_CHUNK = 50_000
_STAGE = "ecobrain_observation_stage"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_QUANTUM = Decimal(1).scaleb(-VALUE_DECIMAL_PLACES)
_INTEGER_DIGITS = VALUE_MAX_DIGITS - VALUE_DECIMAL_PLACES


@dataclass(slots=True)
class ObservationRow:
    """One value to store: ``value_text`` exactly as sent; the numeric value is derived from it.

    Not frozen: the gateway builds one per value, and a frozen dataclass's ``__init__`` (``object.__setattr__``
    per field) costs several times a plain one. Treat it as read-only all the same."""

    series_id: int
    period_start: datetime
    value_text: str = ""
    stats: dict[str, str] = field(default_factory=dict)
    device_flag: str = ""
    qc_flags: int = 0


@dataclass(frozen=True)
class StoreResult:
    inserted: int = 0
    updated: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated


def parse_value(text: str) -> Decimal | None:
    """The stored number for a value text; None when it is not a plain decimal or does not fit the column."""
    if not text or not _NUMBER.match(text):
        return None
    number = Decimal(text)
    if number.adjusted() >= _INTEGER_DIGITS:
        return None
    return number.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


def store_observations(
    rows: Iterable[ObservationRow], *, resolution: str, received_at: datetime | None = None
) -> StoreResult:
    """Insert or update ``rows`` in the table of ``resolution``; a re-sent key updates its row, never adds one.

    One ``INSERT … ON CONFLICT (series_id, period_start) DO UPDATE`` per batch (SQLite ≥ 3.35 and
    PostgreSQL both speak it; on PostgreSQL a call of COPY_THRESHOLD rows or more is COPYed into a staging
    table and upserted from there with the same clause): the update takes the new value, flag and stats and sets
    ``revision = revision + 1``, so a repeat or a correction is counted. ``RETURNING … revision`` tells
    inserted rows (revision 1) from updated ones. Within one call a key given twice keeps its last row.

    QC (docs/monitoring.md "QC rules"): each row's point flags (negative, out of range, maintenance) are
    computed here from its value, device flag and factor rule, and OR-ed with ``row.qc_flags``. The window
    flags (flat line, stuck, spike) of an existing row survive a repeat of the same value text and are
    dropped by a correction; the window job then judges the new value.
    """
    values = _prepare(rows, received_at)
    updated = len(_write(values, resolution=resolution))
    return StoreResult(inserted=len(values) - updated, updated=updated)


def store_value_rows(values: list[tuple], *, resolution: str) -> dict[tuple[int, datetime], int]:
    """The HJ 212 gateway's batch path: upsert rows already built by :func:`value_row`, each key (series id, aware
    UTC period start) at most once, and return the keys that were UPDATED (a re-send: revision 2+) with their
    revision; every other key was inserted (revision 1). Sorts ``values`` in place by key.

    Same statement, QC flags and alarm feed as :func:`store_observations`, without an ``ObservationRow`` per
    value and without re-reading the rows: the gateway builds each row once, from the decoded CP.
    """
    values.sort()
    return _write(values, resolution=resolution)


def value_row(
    series_id: int, period_start: datetime, sent: str, stats: dict, flag: str, qc: int, rule, received_at: datetime
) -> tuple:
    """One row to upsert, in ``_FIELD_NAMES`` order (Python values, not yet adapted): ``sent`` is the value text
    exactly as received, ``period_start`` aware UTC; ``qc`` the caller's own flags, OR-ed with the point QC
    flags of ``rule`` (``series_rules``). A text too long for its column is kept in the stats as ``_value``."""
    text = sent if len(sent) <= VALUE_TEXT_MAX else ""
    value = parse_value(text)
    flag = flag[:8]
    return (
        series_id,
        period_start,
        value,
        text,
        stats if text or not sent else {**stats, "_value": sent},
        flag,
        int(qc) | point_flags(rule, value, flag),
        1,
        received_at,
    )


def _prepare(rows: Iterable[ObservationRow], received_at: datetime | None) -> list[tuple]:
    """``value_row`` of each row, the last of a key given twice, in key order."""
    received_at = received_at or timezone.now()
    unique: dict[tuple[int, datetime], ObservationRow] = {}
    utc: dict[datetime, datetime] = {}  # period start → the same instant in UTC: a call has few distinct ones
    for row in rows:
        start = row.period_start
        start_utc = utc.get(start)
        if start_utc is None:
            if start.tzinfo is None:
                raise ValueError(f"period_start {start} is naive; times are aware UTC")
            start_utc = utc[start] = start.astimezone(UTC)
        unique[(row.series_id, start_utc)] = row
    if not unique:
        return []
    rules = series_rules({series_id for series_id, _ in unique})
    # In key order, so concurrent writers lock shared rows in the same order (no deadlock between them).
    return [
        value_row(
            key[0], key[1], row.value_text, row.stats, row.device_flag, row.qc_flags, rules.get(key[0]), received_at
        )
        for key, row in sorted(unique.items())  # keys are unique: rows are never compared
    ]


def _write(values: list[tuple], *, resolution: str) -> dict[tuple[int, datetime], int]:
    """Upsert ``values`` (``value_row`` tuples, one per key, in key order); the updated keys → their revision.

    Every row sent comes back from ``RETURNING`` exactly once (an insert or an update: the ``DO UPDATE`` has no
    condition), so a count check and the revisions suffice for the inserted ones; only the updated rows, few in
    steady operation, are matched to their keys by series and period start (RETURNING promises no order).
    """
    if not values:
        return {}
    model = OBSERVATION_MODELS[resolution]
    use_copy = connection.vendor == "postgresql" and len(values) >= COPY_THRESHOLD
    upsert, size = (_copy_upsert, COPY_CHUNK) if use_copy else (_upsert, BATCH_SIZE)
    if connection.vendor == "sqlite":
        size = len(values)  # _upsert cuts it into statements of the cached sizes (bulk.sqlite_chunks)
    updated: dict[tuple[int, datetime], int] = {}
    # savepoint=False: a nested call (ingest_packet) needs no savepoint; any error aborts the caller's transaction.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            returned = upsert(cursor, model, chunk)
            if len(returned) != len(chunk):
                raise DatabaseError(f"the upsert returned {len(returned)} revisions for {len(chunk)} rows")
            again = [row for row in returned if row[2] != 1]
            if not again:
                continue
            sent = {(row[0], row[1]) for row in chunk}
            starts: dict = {}  # few distinct period starts per call: parse each once
            for series_id, period_start, revision in again:
                key_start = starts.get(period_start)
                if key_start is None:
                    key_start = starts[period_start] = _aware_utc(period_start)
                key = (series_id, key_start)
                if key not in sent or key in updated:
                    raise DatabaseError(f"the upsert returned a key it was not given: {series_id}, {period_start!r}")
                updated[key] = revision
        publish_on_commit(resolution, values)  # the alarm engine's live path (monitoring/feed.py)
    return updated


def _aware_utc(value) -> datetime:
    """A period start as the database returns it (text or naive UTC on SQLite, aware on PostgreSQL), aware UTC."""
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


_COLUMNS = ("series", "period_start", "value", "value_text", "stats", "device_flag", "qc_flags", "revision")
_UPDATED = ("value", "value_text", "stats", "device_flag", "received_at")
_FIELD_NAMES = (*_COLUMNS, "received_at")


def _on_conflict(model) -> str:
    """The ``ON CONFLICT … DO UPDATE … RETURNING series, period start, revision`` tail of the VALUES and COPY
    paths."""
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    assignments = [
        f"{quote(meta.get_field(name).column)} = excluded.{quote(meta.get_field(name).column)}" for name in _UPDATED
    ]
    qc, text_col, revision = (quote(meta.get_field(n).column) for n in ("qc_flags", "value_text", "revision"))
    # Point flags always come from the new version; window flags stay only when the value text is unchanged.
    assignments.append(
        f"{qc} = CASE WHEN {table}.{text_col} = excluded.{text_col} "
        f"THEN ({table}.{qc} & {WINDOW_FLAGS}) | excluded.{qc} ELSE excluded.{qc} END"
    )
    assignments.append(f"{revision} = {table}.{revision} + 1")
    # The period start as text, parsed once per distinct value by _aware_utc (SQLite: its stored text, an
    # expression without declared type, so the driver does not run Django's datetime converter on each row;
    # PostgreSQL: psycopg would parse every row's timestamptz in Python).
    start = f"CAST({quote('period_start')} AS TEXT)"
    return (
        f"ON CONFLICT ({quote('series_id')}, {quote('period_start')}) DO UPDATE SET {', '.join(assignments)} "
        f"RETURNING {quote('series_id')}, {start}, {revision}"
    )


def _upsert(cursor, model, rows: Sequence[tuple]) -> list[tuple]:
    """One ``INSERT … VALUES (…), (…) … ON CONFLICT … RETURNING`` for ``rows`` (from :func:`value_row`).

    The parameters are adapted here as the model's fields would (``get_db_prep_save``), but per column kind,
    not through the field chain per value: that chain was most of the gateway's CPU per stored value. Only
    two columns need adapting at all: the period start (each distinct one once) and the stats (JSON, text
    values only: the default encoder); the receive time is one for the whole call; numbers and text go to the
    driver as they are (a ``Decimal`` too, as DecimalField passes it on). On SQLite the statement goes to the
    driver's own cursor (``bulk.sqlite_fetchall``), with ``?`` placeholders.
    """
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: the proxy costs a context lookup per access
    adapt_start = model._meta.get_field("period_start").get_db_prep_save
    sqlite = db.vendor == "sqlite"
    if sqlite:  # SQLite stores JSON as text: the default encoder's text (the field has no encoder of its own)
        dumps = json.dumps
        no_stats = "{}"
    else:  # PostgreSQL: psycopg's Jsonb wrapper, as the field would pass it
        encoder = model._meta.get_field("stats").encoder
        adapt_json = db.ops.adapt_json_value
        no_stats = adapt_json({}, encoder)

        def dumps(stats):
            return adapt_json(stats, encoder)

    received_at = model._meta.get_field("received_at").get_db_prep_save(rows[0][-1], db)  # one per call
    starts: dict = {}  # a batch has few distinct period starts: adapt each once
    params: list = []
    extend = params.extend
    for series_id, period_start, value, text, stats, flag, qc, revision, _received in rows:
        start = starts.get(period_start)
        if start is None:
            start = starts[period_start] = adapt_start(period_start, db)
        extend((series_id, start, value, text, dumps(stats) if stats else no_stats, flag, qc, revision, received_at))
    if sqlite:  # statements of a few sizes only, each compiled once (bulk.SQLITE_SIZES)
        width = len(_FIELD_NAMES)
        returned: list[tuple] = []
        for start, size in bulk.sqlite_chunks(len(rows)):
            part = params[start * width : (start + size) * width]
            returned += bulk.sqlite_fetchall(db, _values_sql(model, "sqlite", size), part)
        return returned
    cursor.execute(_values_sql(model, db.vendor, len(rows)), params)
    return cursor.fetchall()


@functools.lru_cache(maxsize=64)
def _values_sql(model, vendor: str, count: int) -> str:
    """The upsert statement for ``count`` rows (cached: a gateway's batches come in a few sizes); SQLite's with the
    driver's own ``?`` placeholders (it bypasses Django's cursor), the others' with ``%s``."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _FIELD_NAMES)
    mark = "?" if vendor == "sqlite" else "%s"
    placeholder = "(" + ", ".join([mark] * len(_FIELD_NAMES)) + ")"
    # Identifiers come from the model's meta (quoted); every value is a bound parameter.
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([placeholder] * count)} "  # noqa: S608
        + _on_conflict(model)
    )


def _copy_upsert(cursor, model, rows: Sequence[tuple]) -> list[int]:
    """PostgreSQL: COPY ``rows`` into a session-local staging table, then the same ON CONFLICT upsert from it.

    The staging table is created once per connection (``ON COMMIT DELETE ROWS``; remembered only once the
    transaction that created it commits) and emptied after each use, so several calls in one transaction do not
    see each other's rows.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in _FIELD_NAMES]
    columns = ", ".join(quote(f.column) for f in fields)
    raw = connection.connection
    if raw not in _staged:
        definition = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ({definition}) ON COMMIT DELETE ROWS")
        transaction.on_commit(functools.partial(_staged.add, raw))
    dumps = json.dumps
    with cursor.cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN") as copy:
        write_row = copy.write_row
        # jsonb takes the JSON text; the other values are adapted by psycopg as in the VALUES path.
        for series_id, start, value, text, stats, flag, qc, revision, received_at in rows:
            write_row((series_id, start, value, text, dumps(stats) if stats else "{}", flag, qc, revision, received_at))
    cursor.execute(
        f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {columns} FROM {_STAGE} "  # noqa: S608
        f"ORDER BY {quote('series_id')}, {quote('period_start')} " + _on_conflict(model)
    )
    revisions = cursor.fetchall()
    cursor.execute(f"TRUNCATE {_STAGE}")
    return revisions


# The driver connections (PostgreSQL) whose session has the COPY staging table.
_staged: weakref.WeakSet = weakref.WeakSet()


def ensure_series(device_id: int, factor_ids: Iterable[int]) -> dict[int, int]:
    """factor id → series id for one device, creating the missing series on first sight.

    One query when every series exists (the steady state), three when some are new.
    """
    wanted = set(factor_ids)
    if not wanted:
        return {}
    found = dict(
        Series.objects.filter(device_id=device_id, factor_id__in=wanted).order_by().values_list("factor_id", "pk")
    )
    missing = wanted - found.keys()
    if missing:
        # ignore_conflicts: a concurrent writer may create the same series; the unique constraint decides.
        Series.objects.bulk_create(
            [Series(device_id=device_id, factor_id=factor_id) for factor_id in sorted(missing)], ignore_conflicts=True
        )
        created = dict(
            Series.objects.filter(device_id=device_id, factor_id__in=missing).order_by().values_list("factor_id", "pk")
        )
        forget_series(created.values())  # an id reused after a rolled-back transaction must not keep a stale rule
        found.update(created)
    return found
