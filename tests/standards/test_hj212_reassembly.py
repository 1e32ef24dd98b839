"""Split packets (PNUM/PNO) reassembled into one message.

Persona: a CEMS data logger whose hourly upload exceeds one packet and is sent in parts (Flag D=1).
"""

from __future__ import annotations

import pytest

from ecobrain.standards.hj212 import FieldError, Reassembler, build_frame, decode


def part(pno: int, pnum: int, body: str, *, qn: str = "20260101080000000", mn: str = "CEMS01", flag: int = 7):
    segment = (
        f"QN={qn};ST=31;CN=2061;PW=1;MN={mn};Flag={flag};PNUM={pnum};PNO={pno};CP=&&DataTime=20260101070000;{body}&&"
    )
    return decode(build_frame(segment))


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_parts_in_any_order_give_one_message():
    """HJ 212-2017 Table 3 (PNUM 总包数, PNO 包号) / §6.3.3 Flag D: parts are joined in PNO order."""
    reassembler = Reassembler()
    assert reassembler.add(part(2, 3, "a21026-Avg=20.1,a21026-Flag=N")) is None
    assert reassembler.add(part(1, 3, "a34013-Avg=8.5,a34013-Flag=N")) is None
    assert reassembler.add(part(2, 3, "a21026-Avg=99")) is None  # a re-sent part is ignored
    message = reassembler.add(part(3, 3, "a19001-Avg=7.2"))
    assert message is not None and len(reassembler) == 0
    assert list(message.factors) == ["a34013", "a21026", "a19001"]
    assert message.factors["a21026"] == {"Avg": "20.1", "Flag": "N"}
    assert message.cp["DataTime"] == "20260101070000"
    assert [g[0][0] for g in message.cp_groups].count("DataTime") == 1  # repeated DataTime kept once
    assert (message.pnum, message.pno, message.flag, message.parts, message.ack_required) == (None, None, 5, 3, True)


def test_a_packet_that_is_not_split_passes_straight_through():
    """HJ 212-2017 §6.3.3 Flag D=0: no PNUM/PNO, nothing to reassemble."""
    packet = decode(build_frame("QN=1;ST=31;CN=2061;PW=1;MN=M;Flag=5;CP=&&a19001-Avg=7.2&&"))
    assert Reassembler().add(packet) is packet


def test_messages_are_keyed_by_mn_and_qn():
    """HJ 212-2017 Table 3 (QN identifies one exchange): parts of two devices or two QNs do not mix."""
    reassembler = Reassembler()
    assert reassembler.add(part(1, 2, "a19001-Avg=1", mn="A")) is None
    assert reassembler.add(part(1, 2, "a19001-Avg=2", mn="B")) is None
    assert reassembler.add(part(1, 2, "a19001-Avg=3", mn="A", qn="20260101080000001")) is None
    assert len(reassembler) == 3
    message = reassembler.add(part(2, 2, "a21026-Avg=9", mn="B"))
    assert message.mn == "B" and message.factors["a19001"] == {"Avg": "2"}


def test_the_buffer_is_bounded_and_stale_parts_time_out():
    """HJ 212-2017 Table 1 (timeouts): incomplete messages are dropped, oldest first, by count and by age."""
    clock = Clock()
    reassembler = Reassembler(max_pending=2, timeout=30, clock=clock)
    for qn in ("1", "2", "3"):
        reassembler.add(part(1, 2, "a19001-Avg=1", qn=qn))
    assert (len(reassembler), reassembler.dropped) == (2, 1)
    # qn=1 lost its first part, so its second opens a new entry (evicting qn=2): nothing is completed.
    assert reassembler.add(part(2, 2, "a19001-Avg=1", qn="1")) is None
    assert (len(reassembler), reassembler.dropped) == (2, 2)
    clock.now = 29
    assert reassembler.expire() == 0
    clock.now = 31
    assert reassembler.expire() == 2 and len(reassembler) == 0 and reassembler.dropped == 4


def test_a_changed_pnum_is_a_field_error():
    """HJ 212-2017 Table 3 (PNUM): every part of one message states the same total."""
    reassembler = Reassembler()
    reassembler.add(part(1, 2, "a19001-Avg=1"))
    with pytest.raises(FieldError, match="PNUM=3"):
        reassembler.add(part(2, 3, "a19001-Avg=1"))


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        Reassembler(max_pending=0)
