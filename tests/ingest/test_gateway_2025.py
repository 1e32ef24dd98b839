"""HJ 212-2025 packets over real sockets: Flag 8–11 (version bits 2, standards.md §1.4 [I]), the 9015 heartbeat,
and the 2025 CNs the platform does not implement yet (standards.md §1.6, "HJ 212-2025 additions" [I]).

Persona: a surface-water station's logger upgraded to the 2025 edition: it sends real-time data with Flag=8,
hourly data asking for an ack (Flag=9), split messages (Flag=11), heartbeats between uploads, and the edition's
new commands (serial number, raw data, standard-sample checks…).
"""

from __future__ import annotations

import pytest

from ecobrain.ingest.models import DeviceSession
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket, HourObservation, RealtimeObservation
from tests import factories
from tests.ingest.gateway_helpers import FrameReader, connect, in_writer, packet, running_gateway, until

MN = "ZLDSZ20210127"
PW = "123456"
# standards.md §1.11 vector 3: real surface-water real-time data with Flag=8 (HJ 212-2025), lower-case CRC.
VECTOR_3 = (
    b"##0435QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=ZLDSZ20210127;Flag=8;CP=&&DataTime=20210301111100;"
    b"w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N;w01010-Rtd=9.7,w01010-Flag=N;"
    b"w01014-Rtd=1425,w01014-Flag=N;w01003-Rtd=13.10,w01003-Flag=N;w21011-Rtd=0,w21011-Flag=N;"
    b"w21001-Rtd=3.563168,w21001-Flag=N;w21003-Rtd=0.09055002,w21003-Flag=N;w01019-Rtd=4.102818,w01019-Flag=N;"
    b"w01008-Rtd=0,w01008-Flag=N;w23002-Rtd=0,w23002-Flag=N&&7d00\r\n"
)
NEW_2025_CNS = ("1001", "1002", "1014", "2013", "2052", "2062", "2111", "3022", "3024")


@pytest.fixture
def device(transactional_db, qindu):
    return factories.device(mn=MN, password=PW, station=factories.station(qindu, kind="water_auto"))


def session(gw) -> DeviceSession:
    return in_writer(gw, lambda: DeviceSession.objects.get(device__mn=MN))


def test_2025_data_is_stored_and_acked_with_its_own_edition(device):
    with running_gateway() as gw:
        sock = connect(gw)
        reader = FrameReader(sock)
        sock.sendall(VECTOR_3)  # Flag=8: version 2, no ack asked
        hourly = {"DataTime": "20210301100000", "w01001-Avg": "8.1", "w01001-Flag": "N"}
        sock.sendall(packet(MN, PW, "2061", qn="20210301111100113", cp=hourly, flag=9, st="21"))
        (ack,) = reader.read(1)
        assert (ack.cn, ack.qn, ack.flag, ack.version) == ("9014", "20210301111100113", 8, "2025")
        until(gw, lambda: DeviceSession.objects.filter(device__mn=MN, data_packets=2).exists())
        assert in_writer(gw, RealtimeObservation.objects.count) == 10  # w01008 is not in the factor table: kept raw
        assert in_writer(gw, lambda: ArchivedPacket.objects.get(cn="2011").detail).endswith("w01008")
        assert in_writer(gw, HourObservation.objects.get).value_text == "8.1"
        assert session(gw).edition == "2025"
        sock.close()


def test_a_2025_split_message_is_reassembled(device):
    parts = [{"w01001-Avg": "8.2"}, {"w01009-Avg": "10.0"}]
    with running_gateway() as gw:
        sock = connect(gw)
        for pno, values in enumerate(parts, start=1):
            cp = {"DataTime": "20210301110000", **values}
            sock.sendall(packet(MN, PW, "2061", qn="20210301120000000", cp=cp, flag=11, st="21", pnum=2, pno=pno))
        acks = FrameReader(sock).read(2)
        assert {(a.cn, a.flag) for a in acks} == {("9014", 8)}
        assert in_writer(gw, HourObservation.objects.count) == 2
        sock.close()


def test_a_heartbeat_keeps_the_device_online_without_counting_as_data(device):
    with running_gateway() as gw:
        sock = connect(gw)
        reader = FrameReader(sock)
        sock.sendall(VECTOR_3)
        until(gw, lambda: DeviceSession.objects.filter(device__mn=MN, online=True).exists())
        before = session(gw)
        sock.sendall(packet(MN, PW, "9015", qn="20210301111200000", cp={}, flag=8, st="21"))
        until(gw, lambda: DeviceSession.objects.get(device__mn=MN).packets == 2)
        after = session(gw)
        assert (after.packets, after.data_packets, after.errors) == (2, 1, 0)
        assert after.last_seen_at > before.last_seen_at and after.last_data_at == before.last_data_at
        assert after.offline_after > before.offline_after, "a heartbeat moves the offline deadline on"
        assert in_writer(gw, lambda: ArchivedPacket.objects.get(cn="9015").outcome) == PacketOutcome.ACCEPTED
        reader.nothing(wait=0.2)  # a heartbeat gets no reply
        sock.close()


def test_2025_commands_not_implemented_are_archived_as_unsupported_and_nothing_breaks(device):
    with running_gateway() as gw:
        sock = connect(gw)
        reader = FrameReader(sock)
        for number, cn in enumerate(NEW_2025_CNS):
            cp = {"DataTime": "20210301111100", "w01001-Rtd": "8.3"} if cn.startswith("2") else {"SN": "A1B2"}
            sock.sendall(packet(MN, PW, cn, qn=f"2021030111110{number:04d}", cp=cp, flag=9, st="21"))
        sock.sendall(packet(MN, PW, "2061", qn="20210301111199999", cp={"DataTime": "20210301100000"}, flag=9))
        assert reader.read(1)[0].qn == "20210301111199999", "the connection still works after them"
        archived = dict(in_writer(gw, lambda: list(ArchivedPacket.objects.values_list("cn", "outcome"))))
        assert {cn: archived[cn] for cn in NEW_2025_CNS} == dict.fromkeys(NEW_2025_CNS, PacketOutcome.UNSUPPORTED)
        until(gw, lambda: DeviceSession.objects.get(device__mn=MN).packets == len(NEW_2025_CNS) + 1)
        assert session(gw).errors == 0, "unsupported is not an error: the packet is valid and kept"
        assert in_writer(gw, RealtimeObservation.objects.count) == 0, "a 2013 raw-data packet stores no values yet"
        sock.close()
