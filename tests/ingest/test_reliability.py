"""Reliability of the HJ 212 gateway as a real process: kill -9 under load, and a database that goes away.

Persona: the data loggers of a city's flue-gas outlets, each re-sending what was not acknowledged, as HJ 212
asks (standards.md §1.6: an upload with Flag A=1 is re-sent until its 9014 ack arrives); and the operator whose
gateway host loses power, or whose database restarts, in the middle of the hourly burst. The rule under test is
ARCHITECTURE.md decision 4, acknowledge after commit: an ack is a promise that the values are durable, and a
re-sent upload updates its rows (a revision), never adds a second one.

The gateway runs as `python -m ecobrain gateway` against the test database (tests/ingest/gateway_process.py); the
loggers run in the test's thread (tests/ingest/data_loggers.py), so each ack can be checked against the database
the moment it arrives. Every loop is bounded in time and stops by itself.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket, HourObservation
from tests import factories
from tests.ingest.data_loggers import FACTORS, DataLogger, Upload, drive, make_upload
from tests.ingest.gateway_process import GatewayProcess, free_port, shared_database

PW = "rel-212"
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
# SQLite: the gateway waits up to its busy timeout (10 s, PRAGMA busy_timeout in core/env.py SQLITE_INIT) for
# the write lock, so the lock must be held longer for the database to refuse it: longer than two timeouts, as a
# fast writer may spend the first one in its session bookkeeping after a commit. PostgreSQL refuses at once.
OUTAGE_SECONDS = 3.0 if ON_POSTGRES else 22.0
GRACE = 0.5  # acks of a batch committed just before the outage may still be on their way


@pytest.fixture
def devices(transactional_db, enterprise_in_qindu):
    return [
        factories.device(
            mn=f"MNREL{number:015d}", password=PW, outlet=factories.outlet(enterprise_in_qindu, code=f"DA{number:03d}")
        )
        for number in range(1, 5)
    ]


@pytest.fixture
def gateway(devices, tmp_path):
    with shared_database() as url:
        process = GatewayProcess(url, free_port(), tmp_path)
        process.start()
        try:
            yield process
        finally:
            process.stop()


def loggers_for(devices, port: int, *, hours: int, in_flight: int, ack_timeout: float) -> list[DataLogger]:
    return [
        DataLogger(d.mn, PW, port, number=n, hours=hours, in_flight=in_flight, ack_timeout=ack_timeout)
        for n, d in enumerate(devices)
    ]


def stored_values(mn: str, upload: Upload) -> dict[str, str]:
    rows = HourObservation.objects.filter(series__device__mn=mn, period_start=upload.period_start)
    return dict(rows.values_list("series__factor__code", "value_text"))


def assert_stored_exactly_once(logger: DataLogger) -> dict[str, int]:
    """Every (acked) upload's values stored exactly as sent, one row per (series, hour), each row's revision equal
    to the number of times the gateway stored that upload (its archive rows); returns QN → revision."""
    rows = HourObservation.objects.filter(series__device__mn=logger.mn)
    found = {
        (period_start, code): (text, revision)
        for period_start, code, text, revision in rows.values_list(
            "period_start", "series__factor__code", "value_text", "revision"
        )
    }
    stores = Counter(
        ArchivedPacket.objects.filter(
            mn=logger.mn, outcome__in=[PacketOutcome.STORED, PacketOutcome.DUPLICATE]
        ).values_list("qn", flat=True)
    )
    revisions = {}
    for qn, upload in logger.uploads.items():
        assert qn in logger.acked, f"upload {qn} of {logger.mn} was never acked"
        texts = {code: found[key][0] for code in upload.values if (key := (upload.period_start, code)) in found}
        assert texts == upload.values, f"acked upload {qn} of {logger.mn}: stored {texts}, sent {upload.values}"
        (revision,) = {found[(upload.period_start, code)][1] for code in upload.values}
        assert revision == stores[qn], f"upload {qn}: revision {revision}, but stored {stores[qn]} times"
        revisions[qn] = revision
    assert rows.count() == len(found) == len(logger.uploads) * len(FACTORS), "one row per factor and hour, no more"
    return revisions


def test_kill_9_under_load_loses_no_acked_value_and_stores_each_value_once(devices, gateway):
    loggers = loggers_for(devices, gateway.port, hours=60, in_flight=8, ack_timeout=5.0)
    acked = lambda: sum(len(logger.acked) for logger in loggers)  # noqa: E731
    try:
        drive(loggers, until=lambda: acked() >= 100, timeout=20, what="100 acks before the kill")
        for logger in loggers:  # refill: the kill lands while every logger has uploads on the wire
            logger.step(time.monotonic())
        in_flight_at_kill = sum(len(logger.inflight) for logger in loggers)
        acked_before = {logger.mn: set(logger.acked) for logger in loggers}
        gateway.kill()  # SIGKILL mid-stream: open transaction, queued frames and unsent acks are gone
        gateway.start()  # same port; the loggers reconnect and re-send every unacked upload
        ack_lost = {}
        for logger in loggers:  # and each re-sends its latest acked upload, as if that ack was lost in the crash
            ack_lost[logger.mn] = max(acked_before[logger.mn])
            logger.resend(ack_lost[logger.mn])
        drive(loggers, until=lambda: all(lg.done for lg in loggers), timeout=30, what="every upload acked")
    finally:
        for logger in loggers:
            logger.close()
    gateway.stop()

    assert in_flight_at_kill > 0, "the kill came while uploads were in flight"
    assert all(logger.disconnects >= 1 for logger in loggers), "every logger lost its connection to the kill"
    for logger in loggers:
        assert logger.unexpected == []
        revisions = assert_stored_exactly_once(logger)
        assert revisions[ack_lost[logger.mn]] == 2, "a re-sent stored upload is a revision, not a second row"
        for qn in acked_before[logger.mn] - {ack_lost[logger.mn]}:
            assert revisions[qn] == 1, f"{qn} was acked before the kill and never re-sent"


def _postgres(dbname: str):
    """A separate psycopg session as the test database's user (ALTER DATABASE cannot name the current one)."""
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
        dbname=dbname, autocommit=dbname == "postgres",
    )  # fmt: skip


@contextlib.contextmanager
def database_refusing_writes():
    """PostgreSQL: the database takes no new connections and the gateway's session is terminated. SQLite: another
    connection holds the write lock (BEGIN EXCLUSIVE) longer than the gateway's busy timeout."""
    if ON_POSTGRES:
        name = connection.settings_dict["NAME"]
        quoted = connection.ops.quote_name(name)
        ours = connection.connection.info.backend_pid  # the test's own session stays, to check acks against
        with _postgres("postgres") as admin:
            admin.execute(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS false")
            try:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                    [name, ours],
                )
                yield
            finally:
                admin.execute(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS true")
        return
    # A generous timeout: on a loaded machine the gateway may hold the write lock for a long batch.
    locker = sqlite3.connect(connection.settings_dict["NAME"], timeout=60, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def test_database_outage_sends_no_ack_for_unsaved_data_and_the_gateway_recovers_by_itself(devices, gateway):
    loggers = loggers_for(devices, gateway.port, hours=30, in_flight=4, ack_timeout=1.5)
    unsaved_acks = []
    outage = {"from": float("inf"), "to": float("inf")}
    acks_in_outage = []

    def check(logger: DataLogger, qn: str) -> None:
        """At the moment the ack arrives, the upload's values must already be in the database."""
        upload = logger.uploads[qn]
        if stored_values(logger.mn, upload) != upload.values:
            unsaved_acks.append((logger.mn, qn))
        if outage["from"] + GRACE <= time.monotonic() < outage["to"]:
            acks_in_outage.append(qn)

    acked = lambda: sum(len(logger.acked) for logger in loggers)  # noqa: E731
    try:
        drive(loggers, until=lambda: acked() >= 20, timeout=20, on_ack=check, what="20 acks before the outage")
        with database_refusing_writes():
            outage["from"] = time.monotonic()
            end = outage["from"] + OUTAGE_SECONDS
            drive(loggers, until=lambda: time.monotonic() >= end, timeout=OUTAGE_SECONDS + 5, on_ack=check)
            outage["to"] = time.monotonic()
        drive(loggers, until=lambda: all(lg.done for lg in loggers), timeout=25, on_ack=check, what="every ack")
    finally:
        for logger in loggers:
            logger.close()
    log = gateway.log()
    recovered = gateway.running() and gateway.starts == 1
    gateway.stop()

    assert "group commit of" in log, "the outage made a group commit fail (else this test proved nothing)"
    assert unsaved_acks == [], "acks were sent for uploads whose values are not stored"
    assert acks_in_outage == [], "nothing can be committed, so nothing may be acked, while the database refuses"
    assert recovered, "the same gateway process went on after the outage"
    resent = sum(sum(logger.sends.values()) - len(logger.uploads) for logger in loggers)
    assert resent > 0, "uploads unacked during the outage were re-sent"
    for logger in loggers:
        assert logger.unexpected == []
        assert_stored_exactly_once(logger)


def _read_acks(sock: socket.socket, seconds: float) -> list[str]:
    """QNs of the 9014 acks that arrive within ``seconds``."""
    sock.settimeout(0.05)
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(TimeoutError):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return [part.split(b";", 1)[0].decode() for part in data.split(b"QN=")[1:]]


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite takes the write lock at BEGIN IMMEDIATE; no session dies mid-batch")
def test_connection_lost_in_the_middle_of_a_batch_acks_no_packet_of_that_batch(devices, gateway):
    """A batch whose transaction is lost after some packets' savepoints succeeded must ack none of them."""
    mn = devices[0].mn
    held = make_upload(mn, PW, 0, 0)
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=5)
    try:
        sock.sendall(held.frame)
        if _read_acks(sock, 5.0) != [held.qn]:
            pytest.fail("the first upload was not acked")
        for attempt in range(1, 4):
            fresh = [make_upload(mn, PW, 0, attempt * 10 + hour) for hour in range(3)]
            locker = _postgres(connection.settings_dict["NAME"])
            try:
                # Another session holds the rows of `held`: its re-send will wait inside the gateway's batch.
                locker.execute(
                    "SELECT o.id FROM monitoring_hourobservation o JOIN monitoring_series s ON s.id = o.series_id "
                    "JOIN registry_device d ON d.id = s.device_id WHERE d.mn = %s AND o.period_start = %s FOR UPDATE",
                    [mn, held.period_start],
                )
                sock.sendall(b"".join(u.frame for u in fresh) + held.frame)  # one read, one batch: 3 new, 1 re-send
                waiting = _gateway_waiting_on_lock(locker.info.backend_pid)
                early = _read_acks(sock, 0.1)
                if early:  # the writer split the frames over two batches; the first committed: try again
                    locker.rollback()
                    _read_acks(sock, 1.0)
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [waiting])
            finally:
                locker.rollback()
                locker.close()
            acks = _read_acks(sock, 2.0)
            unsaved = [u.qn for u in fresh if u.qn in acks and stored_values(mn, u) != u.values]
            assert unsaved == [], "acked, though the batch's transaction was rolled back"
            sock.sendall(b"".join(u.frame for u in fresh) + held.frame)  # the logger re-sends: all stored now
            assert sorted(_read_acks(sock, 5.0)) == sorted(u.qn for u in [*fresh, held])
            assert all(stored_values(mn, u) == u.values for u in [*fresh, held])
            break
        else:
            pytest.fail("the writer never put the four frames into one batch")
    finally:
        sock.close()


def _gateway_waiting_on_lock(locker_pid: int) -> int:
    """The pid of the session that waits for a lock (read outside the locker's transaction: its view of
    pg_stat_activity is a snapshot)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND pid NOT IN (pg_backend_pid(), %s)",
                [locker_pid],
            )
            row = cursor.fetchone()
        if row:
            return row[0]
        time.sleep(0.02)
    pytest.fail("the gateway's batch never waited on the held rows")
