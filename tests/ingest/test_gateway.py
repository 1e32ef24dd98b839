"""The HJ 212 gateway over real sockets: framing, group commit, 9014 acks only after commit, idempotent re-sends.

Persona: a data logger at a flue-gas outlet that keeps one TCP connection open, sometimes sends two packets in
one segment or one packet in pieces, and re-sends an hour when its ack got lost; and a probe with a wrong
password or a huge declared length.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, OperationalError

from ecobrain.ingest import services
from ecobrain.ingest.gateway import Connection, FrameBuffer, Gateway, ack_frame
from ecobrain.ingest.services import FAILED, ingest_packets
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket, HourObservation
from ecobrain.standards.hj212 import Packet, decode, encode, packet_from_json
from tests import factories

MN = "MN610402000000000077"
PW = "s3cret"
WAIT = 1.5  # seconds any single expectation may take


def frame(qn="20260301100000000", *, hour="09", pw=PW, so2="12.5", flag=5) -> bytes:
    cp = {"DataTime": f"20260301{hour}0000", "a21026-Avg": so2, "a21026-Flag": "N", "a34004-Avg": "35"}
    document = {"qn": qn, "st": "31", "cn": "2061", "pw": pw, "mn": MN, "flag": flag, "cp": cp}
    return encode(packet_from_json(document))


@pytest.fixture
def device(transactional_db, enterprise_in_qindu):
    return factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))


@pytest.fixture
def gateway(device):
    gw = Gateway("127.0.0.1", 0, idle_timeout=5.0, frame_timeout=2.0, batch_wait=0.002)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(gw.serve(),), daemon=True)
    thread.start()
    assert gw.ready.wait(WAIT)
    yield gw
    loop.call_soon_threadsafe(gw.stop)
    thread.join(5)
    loop.close()
    assert not thread.is_alive()


@pytest.fixture
def device_socket(gateway):
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=WAIT)
    yield sock
    sock.close()


def read_acks(sock: socket.socket, count: int) -> list:
    """Read until ``count`` frames came back (or fail after WAIT seconds); returns the decoded packets."""
    data = b""
    deadline = time.monotonic() + WAIT
    while data.count(b"\r\n") < count:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    return [decode(line + b"\r\n") for line in data.split(b"\r\n") if line]


def wait_for(condition) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_hour_packet_is_stored_then_acked_with_its_qn(device, device_socket):
    device_socket.sendall(frame())
    (ack,) = read_acks(device_socket, 1)
    assert (ack.cn, ack.qn, ack.st, ack.pw, ack.mn, ack.flag) == ("9014", "20260301100000000", "91", PW, MN, 4)
    assert ack.cp_groups == ()
    # The ack came after commit: the values are visible from this (another) connection now.
    stored = dict(HourObservation.objects.values_list("series__factor__code", "value_text"))
    assert stored == {"a21026": "12.5", "a34004": "35"}
    assert HourObservation.objects.get(series__factor__code="a21026").period_start == datetime(
        2026, 3, 1, 1, tzinfo=UTC
    )


def test_two_frames_in_one_write_and_one_frame_in_three_writes_are_all_acked(device, device_socket):
    device_socket.sendall(frame("20260301100000001", hour="01") + frame("20260301100000002", hour="02"))
    split = frame("20260301100000003", hour="03")
    for piece in (split[:5], split[5:40], split[40:]):
        device_socket.sendall(piece)
        time.sleep(0.02)  # let each piece arrive as its own read
    acks = read_acks(device_socket, 3)
    assert sorted(a.qn for a in acks) == ["20260301100000001", "20260301100000002", "20260301100000003"]
    assert HourObservation.objects.count() == 6


def test_garbage_between_frames_is_skipped_and_counted(gateway, device_socket):
    device_socket.sendall(b"AT+CSQ\r\n" + frame("1", hour="01") + b"\x00\xff##xx#" + frame("2", hour="02"))
    assert [a.qn for a in read_acks(device_socket, 2)] == ["1", "2"]
    assert gateway.garbage_bytes == len(b"AT+CSQ\r\n") + len(b"\x00\xff##xx#")


def test_wrong_password_gets_no_ack_and_stores_nothing(device, device_socket):
    # The writer keeps order, so when the good packet's ack arrives the bad one would have been acked before it.
    device_socket.sendall(frame("1", hour="01", pw="guess") + frame("2", hour="02"))
    assert [a.qn for a in read_acks(device_socket, 1)] == ["2"]
    hours = {row.period_start.hour for row in HourObservation.objects.all()}
    assert hours == {18}  # 02:00 China time only (18:00 UTC the day before)
    assert ArchivedPacket.objects.filter(outcome=PacketOutcome.AUTH_FAILED).count() == 1


def test_same_packet_twice_is_one_row_revision_two_and_two_acks(device, device_socket):
    device_socket.sendall(frame())
    assert [a.qn for a in read_acks(device_socket, 1)] == ["20260301100000000"]
    device_socket.sendall(frame())  # the device did not see the ack and re-sends
    assert [a.qn for a in read_acks(device_socket, 1)] == ["20260301100000000"]
    assert HourObservation.objects.count() == 2
    assert set(HourObservation.objects.values_list("revision", flat=True)) == {2}


def test_oversize_declared_length_is_dropped_and_the_next_frame_works(gateway, device_socket):
    device_socket.sendall(b"##9000" + b"QN=1;" * 20 + b"\r\n" + frame("2"))
    assert [a.qn for a in read_acks(device_socket, 1)] == ["2"]
    assert ArchivedPacket.objects.count() == 1


def test_failed_commit_sends_no_ack_and_the_resend_is_acked(monkeypatch, device, device_socket):
    real = services.ingest_packets
    calls = []

    def commit_failing_once(items, **options):
        calls.append(len(items))
        if len(calls) == 1:
            raise OperationalError("simulated: disk full")
        return real(items, **options)

    monkeypatch.setattr(services, "ingest_packets", commit_failing_once)
    device_socket.sendall(frame("1"))
    wait_for(lambda: calls)
    device_socket.sendall(frame("2"))  # the re-send after no ack came
    assert [a.qn for a in read_acks(device_socket, 1)] == ["2"]
    assert HourObservation.objects.count() == 2
    assert set(HourObservation.objects.values_list("revision", flat=True)) == {1}


def test_packet_without_ack_flag_is_stored_but_not_acked(device, device_socket):
    device_socket.sendall(frame("1", hour="01", flag=4) + frame("2", hour="02"))
    assert [a.qn for a in read_acks(device_socket, 1)] == ["2"]
    assert HourObservation.objects.count() == 4


def test_idle_and_slow_connections_are_closed(device):
    gw = Gateway("127.0.0.1", 0, idle_timeout=0.2, frame_timeout=0.2)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(gw.serve(),), daemon=True)
    thread.start()
    try:
        assert gw.ready.wait(WAIT)
        idle = socket.create_connection(("127.0.0.1", gw.port), timeout=WAIT)
        slow = socket.create_connection(("127.0.0.1", gw.port), timeout=WAIT)
        slow.sendall(frame()[:30])
        assert idle.recv(100) == b""
        assert slow.recv(100) == b""
        idle.close()
        slow.close()
    finally:
        loop.call_soon_threadsafe(gw.stop)
        thread.join(5)
        loop.close()


def test_the_timeout_sweep_spares_a_connection_that_waits_for_the_writer():
    """Idle: no data for idle_timeout; slow frame: a partial frame older than frame_timeout; neither while the
    connection's reading is paused because the writer's queue is full (it waits for us, not for its device)."""
    gw = Gateway("127.0.0.1", 0, idle_timeout=600.0, frame_timeout=30.0)
    assert gw.sweep_interval() == 1.0
    assert Gateway("127.0.0.1", 0, idle_timeout=0.2, frame_timeout=5.0).sweep_interval() == pytest.approx(0.02)
    conn = Connection(gw)
    conn.last_read = 1000.0
    assert conn.timed_out(1000.0 + 599) is None
    assert conn.timed_out(1000.0 + 600) == "idle"
    conn.partial_since = 1000.0
    assert conn.timed_out(1000.0 + 29) is None
    assert conn.timed_out(1000.0 + 30) == "slow frame"
    conn.paused = True
    assert conn.timed_out(1000.0 + 10_000) is None


def test_frame_buffer_cuts_a_stream_anywhere():
    frames = [frame("1"), frame("2", hour="02"), frame("3", hour="03")]
    stream = b"junk" + b"".join(frames)
    for step in (1, 7, len(stream)):
        buffer = FrameBuffer()
        found = [f for i in range(0, len(stream), step) for f in buffer.feed(stream[i : i + step])]
        assert found == frames
        assert (buffer.garbage_bytes, buffer.pending) == (4, 0)


def test_frame_buffer_ends_a_frame_at_its_crlf_when_the_length_is_wrong():
    good = frame()
    wrong_length = b"##0010" + good[6:]  # the codec archives it as a length error
    buffer = FrameBuffer()
    assert buffer.feed(wrong_length + good) == [wrong_length, good]


def _start(row) -> datetime:
    """The period start of an ObservationRow (store_observations) or of a value_row tuple (store_value_rows)."""
    return row[1] if isinstance(row, tuple) else row.period_start


def test_one_failing_packet_does_not_abort_the_batch(monkeypatch, device):
    """The first packet's values cannot be stored: the batch savepoint fails, the batch is ingested again packet
    by packet, and only that packet fails (both the batch upsert and the per-packet one refuse its hour)."""

    def failing_for_01_00(real):
        def store(rows, **kwargs):
            rows = list(rows)
            if any(_start(row) == datetime(2026, 2, 28, 17, tzinfo=UTC) for row in rows):  # 01:00 UTC+8
                raise IntegrityError("simulated")
            return real(rows, **kwargs)

        return store

    for name in ("store_observations", "store_value_rows"):  # the packet-by-packet path and the batch path
        monkeypatch.setattr(services, name, failing_for_01_00(getattr(services, name)))
    results = ingest_packets([(frame("1", hour="01"), "p", None), (frame("2", hour="02"), "p", None)])
    assert [r.outcome for r in results] == [FAILED, PacketOutcome.STORED]
    assert not results[0].ack_due and results[1].ack_due
    assert HourObservation.objects.count() == 2
    assert ArchivedPacket.objects.count() == 1


@pytest.mark.parametrize(
    "document",
    [
        {"qn": "20260301100000000", "st": "31", "cn": "2061", "pw": PW, "mn": MN, "flag": 5},  # 2017, A=1
        {"qn": "20260301100000001", "st": "22", "cn": "2011", "pw": "pw2", "mn": MN, "flag": 7, "pnum": 2, "pno": 1},
        {"qn": "20260301100000002", "st": "21", "cn": "2051", "pw": PW, "mn": "M N", "flag": 9},  # 2025
        {"st": "32", "cn": "2061", "pw": PW, "mn": MN},  # 2005: no QN, no Flag
    ],
)
def test_ack_frame_is_the_encoded_reply(document):
    """The 9014/9013 reply built directly is the frame ``encode`` gives for the reply packet (standards.md §1.3:
    the upload's QN, ST=91, its PW and MN, the version bits of its Flag, an empty CP)."""
    cp = {"DataTime": "20260301090000", "a21026-Avg": "1"}
    packet = packet_from_json({**document, "cp": cp})
    for cn in ("9014", "9013"):
        reply = Packet(
            version=packet.version,
            qn=packet.qn,
            st="91",
            cn=cn,
            pw=packet.pw,
            mn=packet.mn,
            flag=(packet.flag or 0) & ~3,
        )
        assert ack_frame(packet, cn=cn) == encode(reply)
        assert decode(ack_frame(packet, cn=cn)).qn == packet.qn
