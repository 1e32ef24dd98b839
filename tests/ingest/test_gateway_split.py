"""Split packets (Flag D=1, PNUM/PNO; standards.md §1.3, §1.4) reassembled in the gateway, over real sockets.

Persona: a CEMS data logger whose hourly message is too long for one 1024-byte packet (HJ 212-2017 Table 2), so
it sends it in parts, sometimes out of order, sometimes re-sending a part, sometimes over a new connection.

Acks: standards.md says nothing about acking split packets. We follow §1.4 (A=1 asks for a reply, per packet),
§1.3 (a 9014 reuses the upload's QN) and ARCHITECTURE.md decision 4 (ack after commit): each part that asked
gets a 9014 with the message's QN once the whole message's values are committed.
"""

from __future__ import annotations

import pytest

from ecobrain.ingest.services import SPLIT_PART, SplitMessages, ingest_packet
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket, HourObservation
from ecobrain.standards.hj212 import encode, packet_from_json
from tests import factories
from tests.ingest.gateway_helpers import FrameReader, connect, in_writer, running_gateway, until

MN = "MN610402000000000701"
PW = "s3cret"
QN = "20260301100000000"
# The hourly message, factor by factor: each part carries DataTime and its share of the factors.
PARTS = [
    {"a21026-Avg": "20.1", "a21026-ZsAvg": "21.5", "a21026-Flag": "N"},
    {"a21002-Avg": "45.0", "a21002-ZsAvg": "48.2", "a21002-Flag": "N"},
    {"a34013-Avg": "8.5", "a19001-Avg": "7.2"},
]


def part(pno: int, *, pnum: int = 3, flag: int = 7, pw: str = PW, qn: str = QN, avg: str | None = None) -> bytes:
    cp = {"DataTime": "20260301090000", **PARTS[pno - 1]}
    if avg is not None:
        cp = {key: (avg if key.endswith("-Avg") else value) for key, value in cp.items()}
    document = {"qn": qn, "st": "31", "cn": "2061", "pw": pw, "mn": MN, "flag": flag, "pnum": pnum, "pno": pno}
    return encode(packet_from_json({**document, "cp": cp}))


@pytest.fixture
def device(transactional_db, enterprise_in_qindu):
    return factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))


def stored_values() -> dict:
    return dict(HourObservation.objects.values_list("series__factor__code", "value_text"))


def test_a_message_in_three_parts_is_stored_once_and_each_part_acked_after_commit(device):
    with running_gateway() as gw:
        sock = connect(gw)
        reader = FrameReader(sock)
        sock.sendall(part(1) + part(2))
        reader.nothing(wait=0.4)  # no ack before the whole message is durable
        assert in_writer(gw, lambda: (ArchivedPacket.objects.count(), HourObservation.objects.count())) == (2, 0)
        sock.sendall(part(3))
        acks = reader.read(3)
        sock.close()
    assert [(a.cn, a.qn, a.flag, a.pnum) for a in acks] == [("9014", QN, 4, None)] * 3
    assert stored_values() == {"a21026": "20.1", "a21002": "45.0", "a34013": "8.5", "a19001": "7.2"}
    last = ArchivedPacket.objects.get(outcome=PacketOutcome.STORED)
    assert last.values_stored == 4 and last.raw_text().find("PNO=3") > 0
    assert "split message of 3 parts" in last.detail
    parts = ArchivedPacket.objects.filter(outcome=PacketOutcome.ACCEPTED)
    assert parts.count() == 2, "every part is archived raw"
    assert all(f"archived #{last.pk}" in p.detail and p.detail.startswith(SPLIT_PART) for p in parts)


def test_parts_out_of_order_with_a_resent_part_over_two_connections(device):
    with running_gateway() as gw:
        first = connect(gw)
        first.sendall(part(2) + part(1) + part(1))  # part 1 re-sent: ignored by the reassembly, archived
        until(gw, lambda: ArchivedPacket.objects.count() == 3)
        first.close()
        second = connect(gw)  # the logger reconnected before its last part
        second.sendall(part(3))
        reader = FrameReader(second)
        acks = reader.read(3)
        reader.nothing(wait=0.3)
        second.close()
    assert len(acks) == 3, "one ack per part that asked (parts 1, 2, 3), not per frame"
    assert HourObservation.objects.count() == 4
    assert ArchivedPacket.objects.count() == 4


def test_a_message_whose_parts_ask_no_ack_is_stored_and_not_acked(device):
    with running_gateway() as gw:
        sock = connect(gw)
        sock.sendall(part(1, flag=6) + part(2, flag=6) + part(3, flag=6))
        until(gw, lambda: HourObservation.objects.count() == 4)
        FrameReader(sock).nothing(wait=0.3)
        sock.close()


def test_a_part_with_a_wrong_password_does_not_count_and_the_resent_message_is_a_revision(device):
    with running_gateway() as gw:
        sock = connect(gw)
        reader = FrameReader(sock)
        sock.sendall(part(1, pw="guess") + part(2) + part(3))
        reader.nothing(wait=0.4)
        assert not in_writer(gw, HourObservation.objects.exists), "part 1 failed authentication: incomplete"
        sock.sendall(part(1))
        assert len(reader.read(3)) == 3  # parts 2 and 3, and part 1 with the right PW
        sock.sendall(part(1, avg="99") + part(2) + part(3))  # the whole message again: its ack was lost
        assert len(reader.read(3)) == 3
        sock.close()
    assert HourObservation.objects.count() == 4
    assert set(HourObservation.objects.values_list("revision", flat=True)) == {2}
    assert stored_values()["a21026"] == "99"


def test_a_part_whose_pnum_changed_is_a_field_error(device):
    split = SplitMessages()
    assert ingest_packet(part(1), split=split).outcome == PacketOutcome.ACCEPTED
    result = ingest_packet(part(2, pnum=4), split=split)
    assert result.outcome == PacketOutcome.DECODE_ERROR and "PNUM" in result.detail
    assert not result.ack_due


def test_without_the_gateways_reassembly_a_part_is_archived_as_unsupported(device):
    result = ingest_packet(part(1))
    assert result.outcome == PacketOutcome.UNSUPPORTED and "reassembles" in result.detail


def test_open_messages_are_bounded_by_count_and_by_age():
    now = [0.0]
    split = SplitMessages(max_pending=2, timeout=60, clock=lambda: now[0])
    from ecobrain.standards.hj212 import decode

    for qn in ("1", "2", "3"):
        assert split.add(decode(part(1, qn=qn))) == (None, 0)
    assert len(split) == 2 and split.reassembler.dropped == 1
    now[0] = 61.0
    assert split.add(decode(part(1, qn="4"))) == (None, 0)
    assert len(split) == 1 and split.reassembler.dropped == 3
    merged, asked = (None, 0)
    for pno in (2, 3):
        merged, asked = split.add(decode(part(pno, qn="4")))
    assert merged is not None and merged.parts == 3 and asked == 3
