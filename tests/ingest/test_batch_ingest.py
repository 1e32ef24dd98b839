"""The gateway's batch path (``ingest_packets``): a constant number of statements per batch, exact per-packet
outcomes, the packet-by-packet fallback, the device look-up after registry changes, and backpressure.

Persona: fifty data loggers whose hourly uploads reach one gateway together, a few of them re-sending or
misconfigured, and a bureau engineer who changes a logger's password or re-registers an MN in the middle.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from ecobrain.ingest import services
from ecobrain.ingest.services import FAILED, ingest_packet, ingest_packets
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket, HourObservation, Series
from ecobrain.standards.hj212 import encode, packet_from_json
from tests import factories
from tests.ingest.gateway_helpers import FrameReader, connect, running_gateway

PW = "s3cret"


def upload(mn: str, hour: int, *, pw: str = PW, so2: str = "12.5", qn: str | None = None, cn="2061") -> bytes:
    """An hourly upload (2 factors) for 2026-03-01 at ``hour`` (UTC+8; day overflow goes on into March)."""
    day, hour = 1 + hour // 24, hour % 24
    cp = {"DataTime": f"202603{day:02d}{hour:02d}0000", "a21026-Avg": so2, "a21026-Flag": "N", "a34004-Avg": "35"}
    document = {"qn": qn or f"202603{day:02d}{hour:02d}0000000", "st": "22", "cn": cn, "pw": pw, "mn": mn, "flag": 5}
    return encode(packet_from_json({**document, "cp": cp}))


def mn_of(i: int) -> str:
    return f"MN6104020000000000{i:02d}"


@pytest.fixture
def devices(qindu):
    return [factories.device(mn=mn_of(i), password=PW, station=factories.station(qindu)) for i in range(50)]


def batch(frames: list[bytes]) -> list:
    return ingest_packets([(raw, "10.0.0.9:5000", None) for raw in frames])


def count_queries(frames: list[bytes]) -> int:
    with CaptureQueriesContext(connection) as queries:
        results = batch(frames)
    assert {r.outcome for r in results} == {PacketOutcome.STORED}
    return len(queries)


def test_a_batch_takes_a_few_statements_however_many_packets(devices):
    batch([upload(mn_of(i), 0) for i in range(50)])  # first sight: the series are created
    small = count_queries([upload(mn_of(i % 50), 1 + i // 50) for i in range(50)])
    large = count_queries([upload(mn_of(i % 50), 10 + i // 50) for i in range(200)])  # 200 packets, 50 devices
    # savepoints, devices, factors, series, the upsert (PostgreSQL: COPY from 2,000 rows: 4 statements; SQLite:
    # one statement per chunk of a cached size, bulk.sqlite_chunks: 400 rows = 256 + 128 + 16), the archive (SQLite:
    # 200 rows = 128 + 64 + 8)
    assert large <= 14
    assert large - small <= 3  # only the upsert's strategy may change with size, never per packet
    assert HourObservation.objects.count() == 2 * 300
    assert ArchivedPacket.objects.count() == 300


def test_mixed_batch_outcomes_are_exact_per_packet(devices):
    mn = mn_of(0)
    ingest_packet(upload(mn, 5), peer="p")  # stored before: its re-send is a duplicate
    frames = [
        upload(mn, 6),  # new
        upload(mn, 5),  # a re-send of an acked hour
        upload(mn, 7, so2="1.0"),  # new
        upload(mn, 7, so2="2.0"),  # a correction inside the same batch: revision 2, the later value
        upload(mn_of(99), 8),  # unknown MN
        upload(mn_of(1), 8, pw="wrong"),  # wrong password
        b"##0010garbage\r\n",  # undecodable
        upload(mn, 9, cn="9015"),  # heartbeat-like CN without values: accepted
        upload(mn_of(1), 9),  # new, another device
    ]
    results = batch(frames)
    assert [r.outcome for r in results] == [
        PacketOutcome.STORED,
        PacketOutcome.DUPLICATE,
        PacketOutcome.STORED,
        PacketOutcome.DUPLICATE,
        PacketOutcome.UNKNOWN_MN,
        PacketOutcome.AUTH_FAILED,
        PacketOutcome.DECODE_ERROR,
        PacketOutcome.ACCEPTED,
        PacketOutcome.STORED,
    ]
    assert [(r.inserted, r.updated) for r in results] == [(2, 0), (0, 2), (2, 0), (0, 2), *[(0, 0)] * 4, (2, 0)]
    assert [r.ack_due for r in results] == [True, True, True, True, False, False, False, False, True]
    assert results[5].device_id == devices[1].pk and results[4].device_id is None
    # Each result names its own archive row (bulk insert ids), with the same outcome and counts.
    for raw, result in zip(frames, results, strict=True):
        archive = ArchivedPacket.objects.get(pk=result.archive_id)
        assert (bytes(archive.raw), archive.outcome, archive.values_stored) == (
            raw,
            result.outcome,
            result.inserted + result.updated,
        )
    so2 = Series.objects.get(device=devices[0], factor__code="a21026")
    corrected = HourObservation.objects.get(series=so2, period_start=datetime(2026, 2, 28, 23, tzinfo=UTC))
    assert (corrected.value_text, corrected.revision) == ("2.0", 2)
    assert HourObservation.objects.filter(revision=1).count() == 2 * 2  # hour 6 of device 0, hour 9 of device 1
    assert HourObservation.objects.filter(revision=2).count() == 2 * 2  # hours 5 and 7 of device 0


def test_same_outcomes_as_one_by_one(qindu):
    """The batch path and ``ingest_packet`` agree on the same frames (two fresh devices, same history)."""
    frames_for = {}
    for n, mn in enumerate(("MN610402000000000301", "MN610402000000000302")):
        factories.device(mn=mn, password=PW, station=factories.station(qindu))
        frames_for[n] = [upload(mn, 1), upload(mn, 2), upload(mn, 1), upload(mn, 2, so2="9"), upload(mn, 3, pw="x")]
    one_by_one = [ingest_packet(raw, peer="p") for raw in frames_for[0]]
    batched = batch(frames_for[1])
    fields = [(r.outcome, r.inserted, r.updated, r.skipped_codes, r.detail, r.ack_due) for r in one_by_one]
    assert fields == [(r.outcome, r.inserted, r.updated, r.skipped_codes, r.detail, r.ack_due) for r in batched]


def _start(row) -> datetime:
    """The period start of an ObservationRow (store_observations) or of a value_row tuple (store_value_rows)."""
    return row[1] if isinstance(row, tuple) else row.period_start


def test_a_failing_insert_fails_only_its_packet(monkeypatch, devices):
    """Fallback: the batch savepoint fails, the batch runs packet by packet, the bad packet alone is FAILED."""
    bad = datetime(2026, 3, 1, 3, tzinfo=UTC)  # hour 11 UTC+8

    def refusing(real):
        def store(rows, **kwargs):
            rows = list(rows)
            if any(_start(row) == bad for row in rows):
                raise IntegrityError("simulated bad row")
            return real(rows, **kwargs)

        return store

    for name in ("store_observations", "store_value_rows"):  # the packet-by-packet path and the batch path
        monkeypatch.setattr(services, name, refusing(getattr(services, name)))
    frames = [upload(mn_of(0), 10), upload(mn_of(1), 11), upload(mn_of(2), 12), b"##0010garbage\r\n"]
    results = batch(frames)
    assert [r.outcome for r in results] == [
        PacketOutcome.STORED,
        FAILED,
        PacketOutcome.STORED,
        PacketOutcome.DECODE_ERROR,
    ]
    assert [r.ack_due for r in results] == [True, False, True, False]
    assert HourObservation.objects.count() == 4
    assert sorted(ArchivedPacket.objects.values_list("pk", flat=True)) == sorted(
        r.archive_id for r in results if r.outcome != FAILED
    )


def test_registry_changes_are_seen_by_the_next_batch(devices, qindu):
    """Password changed → the old one is refused at once; a new device is accepted at once; a deleted device's MN
    is unknown; an MN registered again to another target stores into the new device's series."""
    assert batch([upload(mn_of(0), 1)])[0].outcome == PacketOutcome.STORED
    device = devices[0]
    device.set_access_password("n3w-secret")
    device.save()
    old, new = batch([upload(mn_of(0), 2), upload(mn_of(0), 2, pw="n3w-secret")])
    assert (old.outcome, new.outcome) == (PacketOutcome.AUTH_FAILED, PacketOutcome.STORED)

    assert batch([upload("MN610402000000000777", 1)])[0].outcome == PacketOutcome.UNKNOWN_MN
    added = factories.device(mn="MN610402000000000777", password=PW, station=factories.station(qindu))
    result = batch([upload("MN610402000000000777", 1)])[0]
    assert (result.outcome, result.device_id) == (PacketOutcome.STORED, added.pk)

    devices[1].delete()
    assert batch([upload(mn_of(1), 1)])[0].outcome == PacketOutcome.UNKNOWN_MN
    moved = factories.device(mn=mn_of(1), password="other", outlet=factories.outlet(factories.enterprise(qindu)))
    refused, stored = batch([upload(mn_of(1), 2), upload(mn_of(1), 2, pw="other")])
    assert (refused.outcome, stored.outcome, stored.device_id) == (
        PacketOutcome.AUTH_FAILED,
        PacketOutcome.STORED,
        moved.pk,
    )
    assert Series.objects.filter(device=moved).count() == 2


@pytest.mark.django_db(transaction=True)
def test_series_ids_are_cached_after_commit_and_forgotten_when_deleted(qindu):
    mn = "MN610402000000000501"
    device = factories.device(mn=mn, password=PW, station=factories.station(qindu))
    services._series_ids.clear()
    assert batch([upload(mn, 1)])[0].outcome == PacketOutcome.STORED
    so2 = Series.objects.get(device=device, factor__code="a21026")
    assert services._series_ids[(device.pk, so2.factor_id)] == so2.pk  # filled after the commit
    with CaptureQueriesContext(connection) as cached:
        assert batch([upload(mn, 2)])[0].outcome == PacketOutcome.STORED
    assert not [q for q in cached.captured_queries if "monitoring_series" in q["sql"].split("WHERE")[0]]
    HourObservation.objects.filter(series=so2).delete()
    so2.delete()
    assert (device.pk, so2.factor_id) not in services._series_ids
    result = batch([upload(mn, 3)])[0]
    assert (result.outcome, result.inserted) == (PacketOutcome.STORED, 2)
    assert Series.objects.get(device=device, factor__code="a21026").pk != so2.pk


def test_a_failed_batch_empties_the_series_cache(monkeypatch, devices):
    services._series_ids[(devices[0].pk, 1)] = 10**9  # a stale id (its series deleted by another process)
    monkeypatch.setattr(services, "_ingest_batch", lambda frames: 1 / 0)
    assert batch([upload(mn_of(0), 1)])[0].outcome == PacketOutcome.STORED  # the fallback stores it
    assert services._series_ids == {}


@pytest.mark.django_db(transaction=True)
def test_a_full_queue_stops_reading_until_the_writer_catches_up(monkeypatch, qindu):
    """Backpressure: while the writer is stuck, a connection stops reading once ``queue_max`` frames wait (the
    rest stays in the socket buffers); when the writer resumes, every packet is stored and acked."""
    mn = "MN610402000000000401"
    factories.device(mn=mn, password=PW, station=factories.station(qindu))
    release = threading.Event()
    real = services.ingest_packets

    def stuck(items, **kwargs):
        release.wait(10)
        return real(items, **kwargs)

    monkeypatch.setattr(services, "ingest_packets", stuck)
    with running_gateway(queue_max=5) as gw:
        sock = connect(gw)
        for hour in range(40):
            sock.sendall(upload(mn, hour))
            time.sleep(0.005)  # one frame per read, so the bound is what stops the reads
        time.sleep(0.3)
        waiting = gw.writer.queued_frames
        assert gw.writer.waits >= 1
        # The bound, plus the frames of the read that reached it (one or a few, if a busy machine coalesces them)
        assert waiting <= 5 + 10, f"{waiting} of 40 frames queued, the bound is 5"
        release.set()
        acks = FrameReader(sock).read(40, wait=10)
        assert len({a.qn for a in acks}) == 40
        sock.close()
        deadline = time.monotonic() + 3
        while gw.connections and time.monotonic() < deadline:  # the gateway sees the close before it stops
            time.sleep(0.01)
    assert HourObservation.objects.count() == 80
    assert gw.writer.queued_frames == 0


def test_the_wal_checkpointer_checkpoints_a_sqlite_file_outside_the_writer(tmp_path):
    """SQLite: the gateway's checkpoint thread copies the WAL into the database while the writer's own connection
    has automatic checkpoints off (docs/hj212.md, "Durability")."""
    import sqlite3

    from ecobrain.ingest.gateway import WalCheckpointer

    path = str(tmp_path / "wal.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x)")
    writer.executemany("INSERT INTO t VALUES (?)", [(f"row {i:05d} " * 8,) for i in range(2000)])
    before = os.path.getsize(path)
    assert before <= 8192 < os.path.getsize(path + "-wal")  # the rows are in the WAL only: no checkpoint yet
    checkpointer = WalCheckpointer(path, interval=0.05)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 3
        while checkpointer.checkpoints < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        checkpointer.stop()
    assert checkpointer.checkpoints >= 2
    assert os.path.getsize(path) > 50 * 2000  # the rows (80 bytes each) were copied into the database file
    assert [n for (n,) in writer.execute("SELECT count(*) FROM t")] == [2000]
    writer.close()


def test_a_decoder_failure_other_than_a_decode_error_archives_the_frame(monkeypatch, devices):
    """The gateway decodes in its event loop: an unexpected exception there must not lose the frame or its
    connection; the frame is archived as undecodable (no ack) and the batch goes on."""
    real = services.decode
    broken = upload(mn_of(1), 2)

    def decode(raw):
        if raw == broken:
            raise RuntimeError("codec bug")
        return real(raw)

    monkeypatch.setattr(services, "decode", decode)
    results = batch([upload(mn_of(0), 1), broken])
    assert [r.outcome for r in results] == [PacketOutcome.STORED, PacketOutcome.DECODE_ERROR]
    assert [r.ack_due for r in results] == [True, False]
    archived = ArchivedPacket.objects.get(pk=results[1].archive_id)
    assert (archived.outcome, archived.mn) == (PacketOutcome.DECODE_ERROR, mn_of(1))
    assert "RuntimeError: codec bug" in archived.detail
