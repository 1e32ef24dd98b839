"""Raw bulk statements of the hot write paths (``ecobrain.core.bulk``): SQLite's statement sizes and driver cursor.

Persona: the HJ 212 gateway's writer, whose batches vary in size from one commit to the next.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ecobrain.core import bulk


@pytest.mark.parametrize("count", [0, 1, 2, 3, 511, 512, 513, 1000, 4321])
def test_sqlite_chunks_cover_every_row_once_with_the_cached_sizes_only(count):
    chunks = bulk.sqlite_chunks(count)
    assert [start for start, _ in chunks] == [sum(size for _, size in chunks[:i]) for i in range(len(chunks))]
    assert sum(size for _, size in chunks) == count
    assert {size for _, size in chunks} <= set(bulk.SQLITE_SIZES)
    # a batch costs at most one statement per 512 rows plus one per smaller size
    assert len(chunks) <= count // 512 + len(bulk.SQLITE_SIZES) - 1


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the driver-cursor path is SQLite's")
def test_sqlite_fetchall_runs_in_the_transaction_with_djangos_errors_and_is_recorded():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bulk_probe (k INTEGER PRIMARY KEY, v TEXT)")
    with CaptureQueriesContext(connection) as queries:
        rows = bulk.sqlite_fetchall(
            connection, "INSERT INTO bulk_probe (k, v) VALUES (?, ?), (?, ?) RETURNING k", [1, "a", 2, "b"]
        )
    assert sorted(rows) == [(1,), (2,)]
    assert any("INSERT INTO bulk_probe" in q["sql"] for q in queries.captured_queries)
    with pytest.raises(IntegrityError), transaction.atomic():  # Django's exception, not sqlite3's
        bulk.sqlite_fetchall(connection, "INSERT INTO bulk_probe (k, v) VALUES (?, ?) RETURNING k", [1, "again"])
    with connection.cursor() as cursor:  # the failed statement rolled back to its savepoint only
        cursor.execute("SELECT k, v FROM bulk_probe ORDER BY k")
        assert cursor.fetchall() == [(1, "a"), (2, "b")]
