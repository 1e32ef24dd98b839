"""From packet to store: real HJ 212 frames through ``ingest_packet`` — archive, authentication, idempotence.

Persona: a data logger at a wastewater outlet and an air station reporting to the bureau, re-sending when the
ack does not come; and someone probing the gateway with unknown MNs and wrong passwords.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.audit.models import SecurityEvent
from ecobrain.ingest.services import ingest_packet
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import (
    ArchivedPacket,
    DayObservation,
    HourObservation,
    MinuteObservation,
    RealtimeObservation,
    Series,
)
from ecobrain.standards.hj212 import build_frame, encode, packet_from_json
from tests import factories

MN = "MN610402000000000001"
PW = "s3cret"
RECEIVED = datetime(2026, 3, 1, 2, 0, 5, tzinfo=UTC)
# A real HJ/T 212-2005 packet (tests/ingest/test_hj212_cli.py): old codes B01, 011, 060 at a wastewater outlet.
OLD_2005 = (
    b"##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;"
    b"B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n"
)
ALL_TABLES = (RealtimeObservation, MinuteObservation, HourObservation, DayObservation)


def frame(cn="2061", *, cp=None, mn=MN, pw=PW, flag=5, st="22", **extra) -> bytes:
    document = {"qn": "20260301100000000", "st": st, "cn": cn, "pw": pw, "mn": mn, "flag": flag, **extra}
    document["cp"] = (
        cp
        if cp is not None
        else {
            "DataTime": "20260301090000",
            "a21026-Avg": "12.5",
            "a21026-Min": "10.1",
            "a21026-Max": "15.0",
            "a21026-Flag": "N",
            "a34004-Avg": "35",
            "a34004-Flag": "N",
        }
    )
    return encode(packet_from_json(document))


@pytest.fixture
def air_device(qindu):
    return factories.device(mn=MN, password=PW, station=factories.station(qindu))


def rows_stored() -> int:
    return sum(model.objects.count() for model in ALL_TABLES)


def test_hourly_packet_is_stored_archived_and_acked(air_device):
    result = ingest_packet(frame(), peer="10.0.0.7:40001", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.STORED
    assert (result.inserted, result.updated) == (2, 0)
    assert result.ack_due
    so2 = HourObservation.objects.get(series__device=air_device, series__factor__code="a21026")
    # DataTime 09:00 China time is the start of the hour: 01:00 UTC.
    assert so2.period_start == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    assert (so2.value, so2.value_text, so2.device_flag) == (Decimal("12.5"), "12.5", "N")
    assert so2.stats == {"Min": "10.1", "Max": "15.0"}
    assert so2.received_at == RECEIVED
    archive = ArchivedPacket.objects.get(pk=result.archive_id)
    assert bytes(archive.raw) == frame()
    assert (archive.mn, archive.cn, archive.outcome, archive.device, archive.values_stored) == (
        MN,
        "2061",
        PacketOutcome.STORED,
        air_device,
        2,
    )
    assert archive.peer == "10.0.0.7:40001"


def test_same_packet_twice_is_one_row_per_value_with_revision_two(air_device):
    ingest_packet(frame(), peer="p", received_at=RECEIVED)
    again = ingest_packet(frame(), peer="p", received_at=RECEIVED + timedelta(seconds=30))
    assert again.outcome == PacketOutcome.DUPLICATE
    assert (again.inserted, again.updated) == (0, 2)
    assert again.ack_due  # the device must get its ack, or it re-sends forever
    assert HourObservation.objects.count() == 2
    assert set(HourObservation.objects.values_list("revision", flat=True)) == {2}
    assert ArchivedPacket.objects.count() == 2


def test_changed_value_updates_the_same_row(air_device):
    ingest_packet(frame(), peer="p", received_at=RECEIVED)
    corrected = frame(cp={"DataTime": "20260301090000", "a21026-Avg": "13.0", "a21026-Flag": "C"})
    result = ingest_packet(corrected, peer="p", received_at=RECEIVED)
    assert (result.inserted, result.updated) == (0, 1)
    so2 = HourObservation.objects.get(series__factor__code="a21026")
    assert (so2.value_text, so2.device_flag, so2.revision, so2.stats) == ("13.0", "C", 2, {})
    assert HourObservation.objects.count() == 2


def test_one_packet_takes_a_handful_of_queries(air_device, django_assert_max_num_queries):
    ingest_packet(frame(), peer="p", received_at=RECEIVED)
    with django_assert_max_num_queries(7):  # savepoint, device, factors, series, upsert, archive, release
        ingest_packet(frame(), peer="p", received_at=RECEIVED)


@pytest.mark.parametrize(
    ("cn", "model", "data_time", "expected"),
    [
        ("2011", RealtimeObservation, "20260301093015", datetime(2026, 3, 1, 1, 30, 15, tzinfo=UTC)),
        ("2051", MinuteObservation, "20260301091000", datetime(2026, 3, 1, 1, 10, tzinfo=UTC)),
        ("2061", HourObservation, "20260301090000", datetime(2026, 3, 1, 1, 0, tzinfo=UTC)),
        ("2031", DayObservation, "20260301000000", datetime(2026, 2, 28, 16, 0, tzinfo=UTC)),
    ],
)
def test_cn_decides_the_table(air_device, cn, model, data_time, expected):
    suffix = "Rtd" if cn == "2011" else "Avg"
    cp = {"DataTime": data_time, f"a21026-{suffix}": "7.25", "a21026-Flag": "N", "a21026-ZsRtd": "9"}
    result = ingest_packet(frame(cn, cp=cp), peer="p", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.STORED
    row = model.objects.get()
    assert (row.period_start, row.value_text) == (expected, "7.25")
    assert row.stats == {"ZsRtd": "9"}
    assert rows_stored() == 1


def test_2005_old_codes_land_on_the_2017_factors(enterprise_in_qindu):
    outlet = factories.outlet(enterprise_in_qindu, code="DW001", kind="water")
    device = factories.device(mn="LD130133000015", password="123456", outlet=outlet)
    result = ingest_packet(OLD_2005, peer="p", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.STORED
    assert not result.ack_due  # 2005 packets have no Flag, so no ack is asked for
    stored = {
        r.series.factor.code: (r.value_text, r.device_flag)
        for r in RealtimeObservation.objects.select_related("series__factor")
    }
    assert stored == {"w00000": ("36.91", ""), "w01018": ("231.0", "N"), "w21003": ("1.803", "N")}
    # DataTime 2016-08-24 00:38:17 in UTC+8 (17 digits, milliseconds) is the sampling instant.
    assert RealtimeObservation.objects.first().period_start == datetime(2016, 8, 23, 16, 38, 17, tzinfo=UTC)
    assert Series.objects.filter(device=device).count() == 3


def test_unknown_mn_stores_nothing_and_records_a_security_event(air_device):
    result = ingest_packet(frame(mn="NOSUCHMN"), peer="203.0.113.9:5555", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.UNKNOWN_MN
    assert not result.ack_due
    assert rows_stored() == 0 and not Series.objects.exists()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.DEVICE_AUTH_FAILED)
    assert event.ip == "203.0.113.9"
    assert event.detail["mn"] == "NOSUCHMN"
    archive = ArchivedPacket.objects.get()
    assert (archive.outcome, archive.mn, archive.device) == (PacketOutcome.UNKNOWN_MN, "NOSUCHMN", None)


def test_wrong_password_stores_nothing_and_records_a_security_event(air_device):
    result = ingest_packet(frame(pw="guess"), peer="[2001:db8::1]:5555", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.AUTH_FAILED
    assert not result.ack_due
    assert rows_stored() == 0
    event = SecurityEvent.objects.get(kind=SecurityEventKind.DEVICE_AUTH_FAILED)
    assert event.ip == "2001:db8::1"
    assert event.detail["mn"] == MN
    assert ArchivedPacket.objects.get().outcome == PacketOutcome.AUTH_FAILED


def test_bad_crc_is_archived_as_a_decode_error(air_device):
    good = frame()
    bad = good[:-6] + (b"0000" if good[-6:-2] != b"0000" else b"1111") + b"\r\n"
    result = ingest_packet(bad, peer="p", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.DECODE_ERROR
    assert not result.ack_due and result.packet is None
    archive = ArchivedPacket.objects.get()
    assert archive.detail.startswith("crc:")
    assert (archive.mn, archive.cn, bytes(archive.raw)) == (MN, "2061", bad)
    assert rows_stored() == 0


def test_garbage_is_archived_never_a_crash(db):
    result = ingest_packet(b"\xff\x00garbage", peer="p", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.DECODE_ERROR
    assert bytes(ArchivedPacket.objects.get().raw) == b"\xff\x00garbage"


def test_unsupported_cn_and_heartbeat_are_archived(air_device):
    unsupported = ingest_packet(frame("3020", cp={"PolId": "a21026"}), peer="p", received_at=RECEIVED)
    heartbeat = ingest_packet(frame("9015", cp={}, flag=9), peer="p", received_at=RECEIVED)
    assert unsupported.outcome == PacketOutcome.UNSUPPORTED and not unsupported.ack_due
    assert heartbeat.outcome == PacketOutcome.ACCEPTED and not heartbeat.ack_due
    assert sorted(ArchivedPacket.objects.values_list("cn", "outcome")) == [
        ("3020", PacketOutcome.UNSUPPORTED),
        ("9015", PacketOutcome.ACCEPTED),
    ]
    assert rows_stored() == 0


def test_unknown_factor_codes_are_skipped_and_recorded(air_device):
    cp = {"DataTime": "20260301090000", "a21026-Avg": "1", "x99999-Avg": "2", "i12001-Info": "1"}
    result = ingest_packet(frame(cp=cp), peer="p", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.STORED
    assert result.skipped_codes == ("i12001", "x99999")
    assert HourObservation.objects.count() == 1
    assert "x99999" in ArchivedPacket.objects.get().detail


def test_no_ack_when_the_flag_does_not_ask_for_one(air_device):
    result = ingest_packet(frame(flag=4), peer="p", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.STORED and not result.ack_due


def test_split_packets_are_left_to_the_gateway(air_device):
    result = ingest_packet(frame(flag=7, pnum=2, pno=1), peer="p", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.UNSUPPORTED
    assert "split" in result.detail
    assert rows_stored() == 0


def test_data_without_datatime_is_archived_not_stored(air_device):
    result = ingest_packet(frame(cp={"a21026-Avg": "1"}), peer="p", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.DECODE_ERROR
    assert rows_stored() == 0


def test_every_outcome_is_archived(air_device):
    frames = [
        frame(),
        frame(),
        frame(mn="NOSUCHMN"),
        frame(pw="guess"),
        b"##garbage",
        frame("3020", cp={}),
        frame("9015", cp={}, flag=9),
    ]
    outcomes = [ingest_packet(f, peer="p", received_at=RECEIVED).outcome for f in frames]
    assert set(outcomes) == set(PacketOutcome.values)
    assert ArchivedPacket.objects.count() == len(frames)


def test_nul_bytes_are_archived_as_a_decode_error_on_every_database(air_device):
    nul_in_value = build_frame(
        f"QN=1;ST=22;CN=2061;PW={PW};MN={MN};Flag=5;CP=&&DataTime=20260301090000;a21026-Avg=1\x002&&"
    )
    nul_in_mn = b"##0010MN=A\x00B;CN=2061;xx\r\n"
    first = ingest_packet(nul_in_value, peer="p\x00q", received_at=RECEIVED)
    second = ingest_packet(nul_in_mn, peer="p", received_at=RECEIVED)
    assert first.outcome == second.outcome == PacketOutcome.DECODE_ERROR
    assert "NUL" in first.detail
    assert rows_stored() == 0
    assert ArchivedPacket.objects.count() == 2
    assert bytes(ArchivedPacket.objects.get(pk=first.archive_id).raw) == nul_in_value


def test_data_time_out_of_range_is_archived(air_device):
    result = ingest_packet(frame(cp={"DataTime": "00010101000000", "a21026-Avg": "1"}), peer="p", received_at=RECEIVED)
    assert result.outcome == PacketOutcome.DECODE_ERROR
    assert "out of range" in result.detail
    assert rows_stored() == 0
