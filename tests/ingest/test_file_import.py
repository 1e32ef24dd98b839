"""`ecobrain import observations`: PRSA, csv, jsonl and hj212 files, streamed in batches, resumable, reported.

Persona: a monitoring engineer loading years of history files from the command line (and a few broken
lines in them), who needs to know exactly what went in, what did not and why, and who re-runs an import
that was interrupted.
"""

from __future__ import annotations

import csv
import json
import re
import tracemalloc
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from ecobrain.ingest.documents import store
from ecobrain.ingest.fileimport import ObservationFileImport, detect_format
from ecobrain.ingest.fileimport.prsa import COMPASS
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket, HourObservation, MinuteObservation
from ecobrain.registry.choices import DeviceStatus
from ecobrain.registry.models import Device, Station
from ecobrain.standards.hj212 import encode, packet_from_json
from tests import factories

PRSA = Path(__file__).with_name("data") / "prsa_aotizhongxin_sample.csv"
SITE_MN = "PRSA-Aotizhongxin"
MN = "MN610402000000000401"


def run(*args) -> tuple[int, str, str]:
    """``ecobrain import observations ARGS`` → (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import", "observations", *map(str, args), stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def values(mn=SITE_MN) -> dict[tuple[str, datetime], str]:
    rows = HourObservation.objects.filter(series__device__mn=mn).values_list(
        "series__factor__code", "period_start", "value_text"
    )
    return {(code, start): text for code, start, text in rows}


def utc(hour: int, day: int = 1) -> datetime:
    """Hour ``hour`` of 2013-03-``day`` in Beijing time (UTC+8), in UTC."""
    return datetime(2013, 3, day, tzinfo=UTC) + timedelta(hours=hour - 8)


@pytest.fixture
def air_device(qindu):
    return factories.device(mn=MN, station=factories.station(qindu))


def test_prsa_file_with_create_stations(base_data, tmp_path):
    report = tmp_path / "errors.csv"
    status, out, err = run(PRSA, "--create-stations", "--errors", report)
    assert status == 1, out  # some rows were rejected
    stored = values()
    assert len(stored) == 275
    # The first row: 2013-03-01 hour 0 is the hour starting 00:00 Beijing time (HJ 212 DataTime convention,
    # standards.md §1.8), stored as 16:00 UTC the day before.
    first = {code: text for (code, start), text in stored.items() if start == utc(0)}
    assert first == {
        "a34004": "4",
        "a34002": "4",
        "a21026": "4",
        "a21004": "7",
        "a21005": "0.300",  # CO 300 µg/m³ = 0.300 mg/m³, exactly
        "a05024": "77",
        "a01001": "-0.7",
        "a01006": "102.3",  # PRES 1023 hPa = 102.3 kPa
        "a01007": "4.4",
        "a01008": "337.5",  # NNW: the centre of the sector
    }
    assert stored[("a01006", utc(1))] == "102.32"  # 1023.2 hPa
    # NA is missing: no row, and not an error.
    assert ("a34004", utc(3)) not in stored and ("a21005", utc(3)) not in stored
    assert ("a34002", utc(3)) in stored
    assert "NA (missing, no row): 3" in out
    # Columns without an HJ 212 code are reported, not silently dropped.
    assert "not imported: DEWP — 28 values" in out and "not imported: RAIN — 29 values" in out
    assert "values: 275 inserted, 0 updated, 13 rejected" in out
    with report.open(newline="", encoding="utf-8") as handle:
        errors = [(row["row"], row["field"]) for row in csv.DictReader(handle)]
    assert errors == [("12", "PM2.5"), ("14", "time"), ("17", "wd"), ("22", "row")]
    assert "row 14 [time]" in out and "20130301240000" in out
    assert "rows/s" in err and "errors" in err  # the progress bar
    station = Station.objects.get(code=SITE_MN)
    assert (station.district, station.longitude, station.is_assessment) == (None, None, False)
    assert "外部导入" in station.notes and "PRSA" in station.name
    device = Device.objects.get(mn=SITE_MN)
    assert (device.station, device.status) == (station, DeviceStatus.RETIRED)


def test_rerun_is_idempotent_and_an_interrupted_import_resumes(base_data, monkeypatch):
    real = store.write_rows
    calls = []

    def crash_on_third_batch(rows, **kwargs):
        calls.append(len(rows))
        if len(calls) == 3:
            raise KeyboardInterrupt  # the operator pressed Ctrl+C, or the machine went down
        return real(rows, **kwargs)

    monkeypatch.setattr("ecobrain.ingest.fileimport.importer.write_rows", crash_on_third_batch)
    importer = ObservationFileImport(create_stations=True, batch_size=50)
    with pytest.raises(KeyboardInterrupt):
        importer.run(PRSA)
    partial = HourObservation.objects.count()
    assert 0 < partial < 275  # two batches committed, the third rolled back
    monkeypatch.setattr("ecobrain.ingest.fileimport.importer.write_rows", real)
    summary = ObservationFileImport(create_stations=True, batch_size=50).run(PRSA)
    assert (summary.inserted, summary.updated) == (275 - partial, partial)
    assert HourObservation.objects.count() == 275
    again = ObservationFileImport(batch_size=50).run(PRSA)
    assert (again.inserted, again.updated, again.rejected) == (0, 275, 13)
    assert set(HourObservation.objects.values_list("revision", flat=True)) <= {2, 3}
    assert HourObservation.objects.count() == 275


def test_prsa_without_a_registered_station_rejects_every_row_and_says_what_to_do(base_data):
    status, out, _ = run(PRSA, "--no-progress")
    assert status == 1
    assert "values: 0 inserted, 0 updated, 288 rejected" in out
    assert "MN PRSA-Aotizhongxin 未登记" in out and "--create-stations" in out
    assert not Station.objects.filter(code=SITE_MN).exists()
    assert not HourObservation.objects.exists()


def test_dry_run_writes_nothing_and_registers_nothing(base_data):
    status, out, _ = run(PRSA, "--create-stations", "--dry-run", "--no-progress")
    assert status == 1  # rows would be rejected
    assert "values: 275 valid (not written), 13 rejected" in out
    assert "stations that would be registered: PRSA-Aotizhongxin" in out
    assert not Station.objects.filter(code=SITE_MN).exists()
    assert not HourObservation.objects.exists()


def test_prsa_rows_can_go_to_one_existing_device(air_device):
    status, out, _ = run(PRSA, "--device", MN, "--format", "beijing-prsa", "--no-progress")
    assert status == 1, out
    assert len(values(MN)) == 275
    assert not Station.objects.filter(code=SITE_MN).exists()


def test_csv_with_defaults_from_the_options(air_device, tmp_path):
    path = tmp_path / "minutes.csv"
    path.write_text("time,factor,value,flag\n20260301090000,a34004,35,N\n20260301090100,a34004,36,N\n")
    status, out, _ = run(path, "--device", MN, "--resolution", "minute", "--no-progress")
    assert status == 0, out
    assert "values: 2 inserted, 0 updated, 0 rejected" in out
    assert MinuteObservation.objects.count() == 2


def test_a_file_that_cannot_be_read_fails_with_its_reason(air_device, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("when,what\n1,2\n")
    status, out, _ = run(path, "--no-progress")
    assert status == 1
    assert "FAILED, nothing read" in out and "缺少列" in out


def test_jsonl_documents_one_per_line(air_device, tmp_path):
    path = tmp_path / "docs.jsonl"
    document = {"mn": MN, "resolution": "hour", "time": "20260301090000", "values": {"a34004": "35", "a21026": "9"}}
    path.write_text(json.dumps(document) + "\n\n{oops\n" + json.dumps({**document, "time": "20260301100000"}) + "\n")
    assert detect_format(path) == "jsonl"
    status, out, _ = run(path, "--no-progress")
    assert status == 1
    assert "values: 4 inserted, 0 updated, 1 rejected" in out
    assert "row 3 [document]" in out


def test_hj212_frames_are_archived_and_stored_like_the_gateways(air_device, tmp_path):
    def frame(hour, pm25, pw="123456"):
        cp = {"DataTime": f"20260301{hour}0000", "a34004-Avg": pm25, "a34004-Flag": "N", "x99999-Avg": "1"}
        document = {"qn": f"202603011{hour}00000", "st": "22", "cn": "2061", "pw": pw, "mn": MN, "flag": 5, "cp": cp}
        return encode(packet_from_json(document))

    good = frame("09", "35")
    bad_crc = frame("10", "36")[:-6] + b"0000\r\n"
    path = tmp_path / "history.hj212"
    path.write_bytes(good + good + bad_crc + frame("11", "37", pw="guess") + b"\n")
    assert detect_format(path) == "hj212"
    status, out, _ = run(path, "--no-progress")
    assert status == 1
    assert not re.search(r"\b3 rows", out) and "4 rows read" in out  # (a rate like "543 rows/s" is no count)
    # good twice: one row, revision 2; the unknown code x99999 is reported, never silently dropped.
    assert "values: 1 inserted, 1 updated, 4 rejected" in out
    assert "row 3 [packet] decode_error: crc" in out and "row 4 [packet] auth_failed" in out
    assert "row 1 [factor]" in out and "x99999" in out
    assert HourObservation.objects.get().revision == 2
    outcomes = sorted(ArchivedPacket.objects.values_list("outcome", flat=True))
    assert outcomes == sorted(
        [PacketOutcome.STORED, PacketOutcome.DUPLICATE, PacketOutcome.DECODE_ERROR, PacketOutcome.AUTH_FAILED]
    )
    assert ArchivedPacket.objects.filter(peer="file:history.hj212").count() == 4


def test_memory_does_not_grow_with_the_file(air_device, tmp_path):
    """Streaming: ten times the rows must not take ten times the memory (batches of 250 rows)."""

    def peak(rows: int) -> int:
        path = tmp_path / f"{rows}.csv"
        start = datetime(2020 if rows < 1000 else 2021, 1, 1, tzinfo=UTC)  # no overlap: every row is new
        with path.open("w") as handle:
            handle.write("time,factor,value\n")
            for n in range(rows):
                handle.write(f"{(start + timedelta(minutes=n)).isoformat()},a34004,{n % 97}\n")
        importer = ObservationFileImport(device=MN, resolution="minute", batch_size=250)
        tracemalloc.start()
        try:
            summary = importer.run(path)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert summary.inserted == rows

    small, large = peak(500), peak(5000)
    assert large < 2 * small, (small, large)


def test_compass_points_are_sector_centres():
    assert (COMPASS["N"], COMPASS["E"], COMPASS["SSW"], COMPASS["NNW"]) == ("0", "90", "202.5", "337.5")
    assert len(COMPASS) == 16
