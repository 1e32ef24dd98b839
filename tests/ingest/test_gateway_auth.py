"""Repeated authentication failures close the connection (issue 3: "the connection is closed after repeated
failures"), over real sockets.

Personas: someone probing the gateway with guessed passwords and invented MNs; a real logger that once sent
an old password and then the right one.
"""

from __future__ import annotations

import pytest

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.audit.models import SecurityEvent
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket
from tests import factories
from tests.ingest.gateway_helpers import FrameReader, closed_by_peer, connect, packet, running_gateway

MN = "MN610402000000000601"
PW = "s3cret"


@pytest.fixture
def device(transactional_db, enterprise_in_qindu):
    return factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))


def test_three_wrong_passwords_close_the_connection_and_each_is_archived(device):
    with running_gateway() as gw:
        honest = connect(gw)
        probe = connect(gw)
        probe.sendall(b"".join(packet(MN, f"guess{i}", qn=str(i)) for i in range(3)))
        assert closed_by_peer(probe), "the third failure closes the connection (ECOBRAIN_HJ212_MAX_AUTH_FAILURES=3)"
        honest.sendall(packet(MN, PW, qn="9"))
        assert FrameReader(honest).read(1)[0].qn == "9", "another connection of the same MN is not affected"
        honest.close()
        probe.close()
    assert ArchivedPacket.objects.filter(outcome=PacketOutcome.AUTH_FAILED).count() == 3
    events = SecurityEvent.objects.filter(kind=SecurityEventKind.DEVICE_AUTH_FAILED)
    assert events.count() == 4  # one per packet, one for the close
    closing = events.get(detail__failures=3)
    assert closing.ip == "127.0.0.1" and closing.detail["mn"] == MN and "连接已关闭" in closing.detail["reason"]


def test_failures_below_the_limit_leave_the_connection_open_and_they_add_up(device):
    with running_gateway() as gw:
        sock = connect(gw)
        reader = FrameReader(sock)
        sock.sendall(packet(MN, "old-password", qn="1") + packet("MN-NOT-REGISTERED", PW, qn="2"))
        sock.sendall(packet(MN, PW, qn="3"))
        assert reader.read(1)[0].qn == "3", "two failures: still served"
        assert not closed_by_peer(sock, wait=0.3)
        sock.sendall(packet("MN-NOT-REGISTERED", PW, qn="4"))  # an unknown MN counts as a failure too
        assert closed_by_peer(sock), "failures on one connection add up, good packets in between or not"
        sock.close()
    outcomes = list(ArchivedPacket.objects.order_by("qn").values_list("qn", "outcome"))
    assert outcomes == [
        ("1", PacketOutcome.AUTH_FAILED),
        ("2", PacketOutcome.UNKNOWN_MN),
        ("3", PacketOutcome.STORED),
        ("4", PacketOutcome.UNKNOWN_MN),
    ]


def test_the_limit_is_configurable(device, settings):
    settings.HJ212_MAX_AUTH_FAILURES = 1
    with running_gateway() as gw:
        sock = connect(gw)
        sock.sendall(packet(MN, "guess"))
        assert closed_by_peer(sock)
        sock.close()
    assert SecurityEvent.objects.filter(detail__failures=1).exists()
