"""Re-derivation from the raw packet archive (ARCHITECTURE.md decision 4): replay, no new archive rows.

Personas: monitoring staff who registered a factor after devices had been sending it for months and want
history to include it; the operator who re-runs the command and must not see anything change but revisions.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ecobrain.audit.models import SecurityEvent
from ecobrain.ingest.rederive import rederive
from ecobrain.ingest.services import ingest_packet
from ecobrain.monitoring.choices import QCFlag
from ecobrain.monitoring.models import ArchivedPacket, HourObservation, MinuteObservation, Series
from ecobrain.monitoring.qc import rules
from ecobrain.registry.models import MonitoringFactor
from tests import factories
from tests.ingest.test_ingest_packet import MN, PW, frame

T0 = datetime(2026, 3, 1, 1, 0, 5, tzinfo=UTC)
NEW_CODE = "x99999"


@pytest.fixture
def air_device(qindu):
    return factories.device(mn=MN, password=PW, station=factories.station(qindu))


def hour_packet(hour: int, so2: str = "12.5", extra: str = "7") -> bytes:
    data_time = f"20260301{8 + hour:02d}0000"  # 08:00 China time is 00:00 UTC
    return frame(cp={"DataTime": data_time, "a21026-Avg": so2, "a21026-Flag": "N", f"{NEW_CODE}-Avg": extra})


def observations() -> list[tuple]:
    """Every stored row's content, without the revision."""
    fields = ("series_id", "period_start", "value", "value_text", "stats", "device_flag", "qc_flags", "received_at")
    return [
        row
        for model in (HourObservation, MinuteObservation)
        for row in model.objects.order_by("series_id", "period_start").values_list(*fields)
    ]


def revisions() -> list[int]:
    return list(HourObservation.objects.order_by("series_id", "period_start").values_list("revision", flat=True))


def test_a_factor_registered_later_is_derived_from_history(air_device):
    for hour in range(3):
        ingest_packet(hour_packet(hour), peer="10.0.0.7:40001", received_at=T0 + timedelta(hours=hour))
    assert not Series.objects.filter(factor__code=NEW_CODE).exists()
    archived, events = ArchivedPacket.objects.count(), SecurityEvent.objects.count()

    MonitoringFactor.objects.create(code=NEW_CODE, name="新登记因子", medium="gas", unit="mg/m³")
    report = rederive()

    assert (report.packets_read, report.packets_stored) == (3, 3)
    assert (report.values_inserted, report.values_updated) == (3, 3)  # the new factor's 3; SO2's 3 again
    assert report.skipped_codes == {}
    new = HourObservation.objects.filter(series__factor__code=NEW_CODE).order_by("period_start")
    assert [(r.value_text, r.revision, r.received_at) for r in new] == [
        ("7", 1, T0),
        ("7", 1, T0 + timedelta(hours=1)),
        ("7", 1, T0 + timedelta(hours=2)),
    ]  # each row carries its packet's receive time
    # No new archive rows, no security events; the archive keeps what happened on arrival.
    assert ArchivedPacket.objects.count() == archived
    assert SecurityEvent.objects.count() == events
    assert all(NEW_CODE in detail for detail in ArchivedPacket.objects.values_list("detail", flat=True))


def test_rederiving_again_changes_nothing_but_revisions(air_device):
    ingest_packet(hour_packet(0), peer="p", received_at=T0)
    ingest_packet(hour_packet(0, so2="13"), peer="p", received_at=T0 + timedelta(minutes=5))  # a correction
    ingest_packet(hour_packet(1), peer="p", received_at=T0 + timedelta(hours=1))
    MonitoringFactor.objects.create(code=NEW_CODE, name="新登记因子", medium="gas")
    rederive()
    content, revs = observations(), revisions()
    report = rederive()
    assert (report.values_inserted, report.values_updated) == (0, 6)
    assert observations() == content  # values, flags, stats and receive times are the same
    assert revisions() == [r + n for r, n in zip(revs, [2, 1, 2, 1], strict=True)]  # one per replayed packet
    so2 = HourObservation.objects.get(series__factor__code="a21026", period_start=datetime(2026, 3, 1, 0, tzinfo=UTC))
    assert so2.value_text == "13"  # the last packet's version wins, as it did on arrival


def test_a_changed_qc_rule_is_applied_to_history(air_device, settings, tmp_path):
    for hour in range(8):
        ingest_packet(hour_packet(hour, so2="300"), peer="p", received_at=T0 + timedelta(hours=hour))
    assert set(HourObservation.objects.filter(series__factor__code="a21026").values_list("qc_flags", flat=True)) == {0}
    path = tmp_path / "qc.json"
    path.write_text(json.dumps({"a21026": {"maximum": "250", "stuck_hours": 6}}))
    settings.QC_RULES_FILE = str(path)
    rules.rule_table.cache_clear()
    try:
        report = rederive()
    finally:
        rules.rule_table.cache_clear()
    flags = set(HourObservation.objects.filter(series__factor__code="a21026").values_list("qc_flags", flat=True))
    assert flags == {QCFlag.OUT_OF_RANGE | QCFlag.STUCK}  # point rule at store, window rule after the batch
    assert report.qc_rows_changed == 8


def test_filters_by_device_and_receive_time(air_device, binzhou):
    other = factories.device(mn="OTHER0001", password=PW, station=factories.station(binzhou))
    for hour in range(3):
        ingest_packet(hour_packet(hour), peer="p", received_at=T0 + timedelta(hours=hour))
        ingest_packet(frame(mn=other.mn, cp={"DataTime": f"202603010{hour}0000", "a21026-Avg": "1"}), received_at=T0)
    assert rederive(mns=[MN]).packets_read == 3
    assert rederive(mns=[MN, other.mn]).packets_read == 6
    assert rederive(since=T0 + timedelta(hours=1)).packets_read == 2
    assert rederive(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2)).packets_read == 1


def test_dry_run_counts_and_changes_nothing(air_device):
    ingest_packet(hour_packet(0), peer="p", received_at=T0)
    MonitoringFactor.objects.create(code=NEW_CODE, name="新登记因子", medium="gas")
    content, revs = observations(), revisions()
    report = rederive(dry_run=True)
    assert (report.values_inserted, report.values_updated) == (1, 1)
    assert observations() == content and revisions() == revs
    assert not Series.objects.filter(factor__code=NEW_CODE).exists()


def test_unsupported_packets_stay_so_and_split_parts_are_reassembled(air_device):
    ingest_packet(frame("3020", cp={"PolId": "a21026"}), peer="p", received_at=T0)
    for pno, code in ((1, "a21026"), (2, "a34004")):
        part = frame(flag=7, pnum=2, pno=pno, cp={"DataTime": "20260301090000", f"{code}-Avg": "5"})
        assert ingest_packet(part, peer="p", received_at=T0 + timedelta(seconds=pno)).outcome == "unsupported"
    ingest_packet(b"##garbage", peer="p", received_at=T0)  # decode errors are not replayed
    report = rederive()
    assert report.packets_read == 3
    assert report.still_unsupported == 1
    assert report.values_inserted == 2  # the split message's two values, now stored
    assert HourObservation.objects.count() == 2


def test_batches_of_one_give_the_same_result(air_device):
    for hour in range(5):
        ingest_packet(hour_packet(hour), peer="p", received_at=T0 + timedelta(hours=hour))
    MonitoringFactor.objects.create(code=NEW_CODE, name="新登记因子", medium="gas")
    report = rederive(batch_size=1)
    assert (report.packets_read, report.values_inserted) == (5, 5)


def test_the_command_reports_and_checks_its_options(air_device, capsys):
    ingest_packet(hour_packet(0), peer="p", received_at=T0)
    call_command("rederive", "--mn", MN, "--since", "2026-03-01", "--until", "2026-03-02T00:00")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "packets read: 1"
    assert "values inserted: 0, updated: 1" in out
    assert f"factor codes still unknown: {NEW_CODE} (1)" in out
    call_command("rederive", "--dry-run")
    assert capsys.readouterr().out.splitlines()[-1] == "dry run: nothing was changed"
    with pytest.raises(CommandError, match="is not after"):
        call_command("rederive", "--since", "2026-03-02", "--until", "2026-03-01")
    with pytest.raises(CommandError, match="not a date or time"):
        call_command("rederive", "--since", "March")


def archived_decode_error(raw: bytes, received_at: datetime) -> ArchivedPacket:
    """An archive row as an older codec left it: the frame refused as undecodable, no device, no MN."""
    return ArchivedPacket.objects.create(
        raw=raw, received_at=received_at, peer="10.0.0.7:40001", outcome="decode_error", detail="field: old codec"
    )


def test_decode_errors_are_replayed_only_on_request_and_authenticated_against_todays_registry(air_device):
    # Frames an older codec refused (a codec fix later makes them decode): the right PW, a wrong PW, an unknown MN.
    good = archived_decode_error(hour_packet(0), T0)
    archived_decode_error(frame(cp={"DataTime": "20260301090000", "a21026-Avg": "99"}, pw="wrong"), T0)
    archived_decode_error(frame(mn="MN610402999999999999", cp={"DataTime": "20260301090000", "a21026-Avg": "1"}), T0)
    # Still refused after the fix: a frame with a NUL byte (no text column takes it), a bad CRC, a JSON document
    # that its validation refused (not a codec), all archived as decode errors on arrival.
    archived_decode_error(frame(cp={"DataTime": "20260301090000", "a21026-Avg": "1\x00"}), T0)
    ingest_packet(hour_packet(1)[:-6] + b"0000\r\n", peer="p", received_at=T0)  # the CRC no longer matches
    archived_decode_error(json.dumps({"mn": MN, "pw": PW, "records": "not a list"}).encode(), T0)
    assert ArchivedPacket.objects.filter(outcome="decode_error").count() == 6
    archived, events = ArchivedPacket.objects.count(), SecurityEvent.objects.count()

    assert rederive().packets_read == 0  # not without the option: they were never authenticated
    report = rederive(decode_errors=True)

    assert report.packets_read == 6
    assert (report.packets_stored, report.values_inserted, report.values_updated) == (1, 1, 0)
    assert report.not_authenticated == 2  # the wrong PW and the unknown MN store nothing
    assert report.undecodable == 3
    assert report.skipped_codes == {NEW_CODE: 1}
    stored = HourObservation.objects.get()
    assert (stored.series.device_id, stored.value_text, stored.received_at) == (air_device.pk, "12.5", T0)
    # The archive keeps what happened on arrival; no new rows, no security events for history.
    good.refresh_from_db()
    assert (good.outcome, good.device_id) == ("decode_error", None)
    assert ArchivedPacket.objects.count() == archived
    assert SecurityEvent.objects.count() == events


def test_the_command_replays_decode_errors_with_its_option(air_device, capsys):
    archived_decode_error(hour_packet(0), T0)
    call_command("rederive")
    assert capsys.readouterr().out.splitlines()[0] == "packets read: 0"
    call_command("rederive", "--decode-errors")
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["packets read: 1", "packets with values stored: 1", "values inserted: 1, updated: 0"]
    assert "not authenticated: 0" in out[3]
