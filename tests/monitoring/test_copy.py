"""The COPY path of ``store_observations`` on PostgreSQL gives exactly what the INSERT … VALUES path gives.

On SQLite the module checks that large batches take the plain path (there is no COPY) with the same results.
Persona: the gateway and the file importer writing large batches, including re-sends and corrections.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from ecobrain.monitoring import services
from ecobrain.monitoring.choices import QCFlag, Resolution
from ecobrain.monitoring.models import HourObservation, Series
from ecobrain.monitoring.services import ObservationRow, StoreResult, store_observations
from ecobrain.registry.models import MonitoringFactor
from tests import factories

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ROWS = 2600  # above COPY_THRESHOLD
ON_POSTGRES = connection.vendor == "postgresql"
# Texts that exercise the COPY text format and the value parsing: separators, escapes, quotes, non-ASCII,
# negative and out-of-range values, a flag-only row and a text too long for value_text.
ODD = ["12.5", "-3", "99999", "", "abc\tdef", "back\\slash", "line\nbreak", "1.1234567", "温度", "1" * 40]


@pytest.fixture
def series_pair(qindu):
    """Two series with the same factor and context: one written by each path."""
    factor = MonitoringFactor.objects.get(code="a21026")
    return [
        Series.objects.create(device=factories.device(station=factories.station(qindu)), factor=factor)
        for _ in range(2)
    ]


def batch(series, *, corrected=False) -> list[ObservationRow]:
    rows = []
    for i in range(ROWS):
        text = ODD[i % len(ODD)]
        if corrected and i % 3 == 0:
            text = f"{i}.5"
        rows.append(
            ObservationRow(
                series.pk,
                T0 + i * timedelta(hours=1),
                value_text=text,
                stats={"Min": "1", "Note": 'quote " and \\ and 中文', "n": str(i)},
                device_flag="C" if i % 7 == 0 else "N",
            )
        )
    rows.append(rows[5])  # a key twice in one call: the last one wins
    return rows


def content(series) -> list[tuple]:
    fields = ("period_start", "value", "value_text", "stats", "device_flag", "qc_flags", "revision", "received_at")
    return list(HourObservation.objects.filter(series=series).order_by("period_start").values_list(*fields))


@pytest.fixture
def spy(monkeypatch):
    """Counts the calls of each path."""
    calls = {"copy": 0, "values": 0}
    copy, values = services._copy_upsert, services._upsert

    def counting(name, func):
        def wrapper(*args):
            calls[name] += 1
            return func(*args)

        return wrapper

    monkeypatch.setattr(services, "_copy_upsert", counting("copy", copy))
    monkeypatch.setattr(services, "_upsert", counting("values", values))
    return calls


def write(series, rows, *, received_at, copy: bool, mp) -> StoreResult:
    mp.setattr(services, "COPY_THRESHOLD", 1 if copy else 10**9)
    return store_observations(rows, resolution=Resolution.HOUR, received_at=received_at)


@pytest.mark.skipif(not ON_POSTGRES, reason="COPY exists on PostgreSQL only")
def test_copy_and_values_paths_store_identical_rows(series_pair, spy, monkeypatch):
    by_copy, by_values = series_pair
    for step, corrected in enumerate([False, False, True]):  # insert, re-send, re-send with corrections
        received = T0 + timedelta(days=200 + step)
        a = write(by_copy, batch(by_copy, corrected=corrected), received_at=received, copy=True, mp=monkeypatch)
        b = write(by_values, batch(by_values, corrected=corrected), received_at=received, copy=False, mp=monkeypatch)
        assert a == b
        if step == 1:  # window flags set in between must survive a repeat on both paths
            HourObservation.objects.filter(series__in=series_pair).update(qc_flags=QCFlag.STUCK)
    assert content(by_copy) == content(by_values)
    assert a == StoreResult(inserted=0, updated=ROWS)
    assert spy["copy"] == 3 and spy["values"] >= 3
    rows = {r[0]: r for r in content(by_copy)}
    assert rows[T0][6] == 3  # revision: inserted, re-sent, corrected
    assert rows[T0 + timedelta(hours=1)][5] == QCFlag.STUCK | QCFlag.NEGATIVE  # "-3": unchanged, window flag kept


@pytest.mark.skipif(not ON_POSTGRES, reason="COPY exists on PostgreSQL only")
def test_copy_path_runs_by_default_for_large_batches_and_twice_in_one_transaction(series_pair, spy):
    first, second = series_pair
    with transaction.atomic():
        assert store_observations(batch(first), resolution=Resolution.HOUR).inserted == ROWS
        assert store_observations(batch(second), resolution=Resolution.HOUR).inserted == ROWS  # stage emptied
    assert spy == {"copy": 2, "values": 0}
    small = [ObservationRow(first.pk, T0 - timedelta(hours=1), value_text="1")]
    store_observations(small, resolution=Resolution.HOUR)
    assert spy == {"copy": 2, "values": 1}
    assert HourObservation.objects.count() == 2 * ROWS + 1


@pytest.mark.skipif(ON_POSTGRES, reason="the plain path on SQLite")
def test_sqlite_takes_the_values_path_for_large_batches(series_pair, spy):
    first, _ = series_pair
    assert store_observations(batch(first), resolution=Resolution.HOUR) == StoreResult(inserted=ROWS, updated=0)
    assert spy == {"copy": 0, "values": 1}  # one call: it cuts the rows into statements of the cached sizes
    stored = {r[0]: r for r in content(first)}
    assert stored[T0 + timedelta(hours=6)][2] == "line\nbreak"
    assert stored[T0 + timedelta(hours=9)][3]["_value"] == "1" * 40


def test_both_databases_store_the_odd_texts_as_sent(series_pair):
    first, _ = series_pair
    store_observations(batch(first), resolution=Resolution.HOUR)
    stored = {r[0]: r for r in content(first)}
    assert [stored[T0 + timedelta(hours=i)][2] for i in range(9)] == ODD[:9]
    assert stored[T0 + timedelta(hours=1)][5] == QCFlag.NEGATIVE
    assert stored[T0][5] == QCFlag.MAINTENANCE  # device flag C on every 7th row
    assert stored[T0 + timedelta(hours=3)][3]["Note"] == 'quote " and \\ and 中文'
