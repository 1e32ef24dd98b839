"""The observation document format and its validator (docs/ingest.md), against a real database.

Persona: a monitoring engineer who loads station data exported from another platform as JSON or CSV,
with a few rows that are wrong in every way a real export is wrong.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ecobrain.ingest.documents import (
    DocumentError,
    Scope,
    UserScope,
    ingest_records,
    read_csv,
    read_json,
)
from ecobrain.ingest.documents.validate import FUTURE_TOLERANCE
from ecobrain.monitoring.models import DayObservation, HourObservation, MinuteObservation, RealtimeObservation
from tests import factories

MN = "MN610402000000000101"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def air_device(qindu):
    return factories.device(mn=MN, station=factories.station(qindu))


def ingest(body, *, scope=None, now=NOW, **options):
    """``body``: raw JSON text (``$MN`` stands for the device's MN), a JSON-able object, or records."""
    if isinstance(body, str):
        records = read_json(body.replace("$MN", MN))
    elif isinstance(body, dict) or (body and isinstance(body[0], dict)):
        records = read_json(json.dumps(body))
    else:
        records = body
    return ingest_records(records, scope=scope or Scope(), now=now, **options)


def hour_values() -> dict[str, tuple[str, str, dict]]:
    return {
        row.series.factor.code: (row.value_text, row.device_flag, row.stats)
        for row in HourObservation.objects.select_related("series__factor")
    }


def test_json_document_is_stored_with_exact_text_flags_and_suffixes(air_device):
    report = ingest(
        '{"mn": "$MN", "resolution": "hour", "time": "2026-03-01T09:00:00+08:00",'
        ' "values": {"a34004": "35.0", "a21026": {"Avg": "12.50", "Min": "10.1", "Flag": "N"}, "a21004": 41.30}}'
    )
    assert report.as_json() == {"inserted": 3, "updated": 0, "rejected": 0, "errors": [], "errors_omitted": 0}
    # Text exactly as sent, JSON numbers included (41.30 keeps its zero).
    assert hour_values() == {
        "a34004": ("35.0", "", {}),
        "a21026": ("12.50", "N", {"Min": "10.1"}),
        "a21004": ("41.30", "", {}),
    }
    row = HourObservation.objects.get(series__factor__code="a21026")
    assert row.period_start == datetime(2026, 3, 1, 1, tzinfo=UTC)
    assert row.value == Decimal("12.5")


def test_batch_forms_cn_aliases_and_hj212_time(air_device):
    """standards.md §1.6 (CN 2061 = hourly, 2031 = daily) and §1.8 (DataTime = period start, China time)."""
    wrapped = (
        '{"mn": "$MN", "resolution": "2061", "rows": ['
        '{"time": "20260301090000", "values": {"a34004": "35"}},'
        '{"time": "20260301100000", "values": {"a34004": "36"}}]}'
    )
    assert ingest(wrapped).inserted == 2
    listed = (
        '[{"mn": "$MN", "resolution": "2031", "time": "20260228000000", "values": {"a34004": "30"}},'
        ' {"mn": "$MN", "resolution": "2011", "time": "2026-03-01T03:04:05Z", "values": {"a34004": {"Rtd": "7"}}},'
        ' {"mn": "$MN", "resolution": "minute", "time": "2026-03-01T09:05:00+08:00", "values": {"a34004": "8"}}]'
    )
    assert ingest(listed).inserted == 3
    assert sorted(HourObservation.objects.values_list("period_start", flat=True)) == [
        datetime(2026, 3, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 1, 2, tzinfo=UTC),
    ]
    # A China day starts at 00:00 UTC+8, 16:00 UTC the day before.
    assert DayObservation.objects.get().period_start == datetime(2026, 2, 27, 16, tzinfo=UTC)
    assert RealtimeObservation.objects.get().period_start == datetime(2026, 3, 1, 3, 4, 5, tzinfo=UTC)
    assert MinuteObservation.objects.get().period_start == datetime(2026, 3, 1, 1, 5, tzinfo=UTC)


def test_times_must_be_aligned_have_an_offset_and_not_lie_in_the_future(air_device):
    def one(resolution, time):
        return ingest({"mn": MN, "resolution": resolution, "time": time, "values": {"a34004": "1"}})

    late = one("hour", "2026-03-01T09:30:00+08:00")
    assert (late.inserted, late.rejected) == (0, 1)
    (error,) = late.errors
    assert (error.row, error.field) == (0, "time")
    assert "不是小时时段的起始时刻" in error.message and "2026-03-01T09:00:00+08:00" in error.message
    assert one("day", "2026-03-01T00:00:00Z").errors[0].field == "time"  # 08:00 China time: not a day start
    assert one("day", "2026-02-28T16:00:00Z").inserted == 1  # 00:00 China time
    assert one("minute", "20260301090030").errors[0].field == "time"
    assert one("realtime", "2026-03-01T09:00:30.5+08:00").inserted == 1  # an instant needs no alignment
    naive = one("hour", "2026-03-01T09:00:00").errors[0]
    assert (naive.field, "缺少时区偏移" in naive.message) == ("time", True)
    assert one("hour", "20261301090000").errors[0].field == "time"  # month 13
    assert one("hour", "yesterday").errors[0].field == "time"
    soon = NOW + FUTURE_TOLERANCE - timedelta(minutes=1)
    assert one("realtime", soon.isoformat()).inserted == 1
    future = one("hour", (NOW + timedelta(hours=1)).isoformat()).errors[0]
    assert (future.field, "晚于当前时间" in future.message) == ("time", True)


def test_every_bad_row_is_reported_and_the_good_ones_stored(air_device):
    body = (
        "["
        '{"mn": "$MN", "resolution": "hour", "time": "20260301090000",'
        ' "values": {"a34004": "35", "x99999": "1", "a21026": "1e3", "a21004": "123456789012345",'
        ' "a05024": {"Avg": "80", "Flag": "N;"}, "a21005": {"Flag": "D"}, "a34002": null}},'
        '{"mn": "NOPE0001", "resolution": "hour", "time": "20260301090000", "values": {"a34004": "1", "a21026": "2"}},'
        '{"mn": "$MN", "resolution": "week", "time": "20260301090000", "values": {"a34004": "1"}},'
        '{"mn": "$MN", "resolution": "hour", "time": "20260301090000", "values": {}, "vaules": 1},'
        "7"
        "]"
    )
    report = ingest(body)
    # Stored: a34004, and a21005 with only a flag (an instrument fault: no value, but a flag worth keeping).
    assert (report.inserted, report.updated) == (2, 0)
    assert hour_values()["a21005"] == ("", "D", {})
    found = {(e.row, e.field): e.message for e in report.errors}
    assert "未知的因子编码 x99999" in found[(0, "values.x99999")]
    assert "不是十进制数" in found[(0, "values.a21026")]
    assert "超过 14 位整数" in found[(0, "values.a21004")]
    assert "数据标记" in found[(0, "values.a05024.Flag")]
    assert "数值为空" in found[(0, "values.a34002")]
    assert "MN 'NOPE0001'" not in found[(1, "mn")] and "NOPE0001 未登记" in found[(1, "mn")]
    assert "week" in found[(2, "resolution")]
    assert (3, "values") in found and (3, "vaules") in found
    assert (4, "document") in found
    # Rejected rows: 5 bad values of document 0, both of document 1, one each for 2, 3 and 4.
    assert report.rejected == 5 + 2 + 3


def test_2005_old_codes_map_through_the_registry(enterprise_in_qindu):
    """standards.md §1.10: 011 is COD (w01018) in water, 02 is SO2 (a21026) in gas."""
    water = factories.device(mn="WATER0001", outlet=factories.outlet(enterprise_in_qindu, code="DW001", kind="water"))
    gas = factories.device(mn="GAS0001", outlet=factories.outlet(enterprise_in_qindu))
    body = (
        '[{"mn": "WATER0001", "resolution": "hour", "time": "20260301090000", "values": {"011": "231.0", "B01": "3"}},'
        ' {"mn": "GAS0001", "resolution": "hour", "time": "20260301090000", "values": {"02": "15"}}]'
    )
    assert ingest(body).inserted == 3
    stored = set(HourObservation.objects.values_list("series__device__mn", "series__factor__code", "value_text"))
    assert stored == {("WATER0001", "w01018", "231.0"), ("WATER0001", "w00000", "3"), ("GAS0001", "a21026", "15")}
    assert water.pk and gas.pk


def test_resend_updates_the_same_row_and_counts_a_revision(air_device):
    def doc(value):
        return {"mn": MN, "resolution": "hour", "time": "20260301090000", "values": {"a34004": value}}

    assert ingest(doc("35")).inserted == 1
    again = ingest(doc("36"))
    assert (again.inserted, again.updated) == (0, 1)
    row = HourObservation.objects.get()
    assert (row.value_text, row.revision) == ("36", 2)
    # The same key twice in one batch: both are written in order, the later one is a revision.
    twice = ingest([doc("37"), doc("38")])
    assert (twice.inserted, twice.updated, twice.rejected) == (0, 2, 0)
    row.refresh_from_db()
    assert (row.value_text, row.revision) == ("38", 4)


def test_too_many_rows_are_all_rejected_and_nothing_is_stored(air_device):
    docs = [
        {"mn": MN, "resolution": "hour", "time": f"202603010{hour}0000", "values": {"a34004": "1", "a21026": "2"}}
        for hour in range(3)
    ]
    report = ingest(docs, max_rows=5)
    assert (report.inserted, report.rejected) == (0, 6)
    assert report.errors[0].field == "rows" and report.errors[0].row is None
    assert HourObservation.objects.count() == 0


def test_user_scope_needs_the_import_grant_and_the_device_in_scope(air_device, binzhou, qindu, handler):
    far = factories.device(mn="MN610482000000000001", station=factories.station(binzhou))
    monitor_qindu = factories.user("mq", "monitoring_staff", districts=[qindu])
    body = [
        {"mn": MN, "resolution": "hour", "time": "20260301090000", "values": {"a34004": "1"}},
        {"mn": far.mn, "resolution": "hour", "time": "20260301090000", "values": {"a34004": "2"}},
    ]
    report = ingest(body, scope=UserScope(monitor_qindu))
    assert (report.inserted, report.rejected) == (1, 1)
    assert report.errors[0].field == "mn" and "不在您的管辖范围内" in report.errors[0].message
    # A district handler may read monitoring data but not import it.
    refused = ingest(body, scope=UserScope(handler))
    assert refused.inserted == 0 and {e.field for e in refused.errors} == {"resolution"}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("{not json", "不是有效的 JSON"),
        ('{"mn": "A", "mn": "B", "values": {}}', "重复"),
        ("42", "正文应为 JSON 对象"),
        ('{"rows": {}}', "rows 应为文档数组"),
        ('{"rows": [], "extra": 1}', "未知的键"),
        ("[" * 100000 + "]" * 100000, "不是有效的 JSON"),
    ],
)
def test_unreadable_json_is_a_document_error(body, needle):
    with pytest.raises(DocumentError, match=needle):
        read_json(body)


def test_nan_and_booleans_are_row_errors_not_crashes(air_device):
    report = ingest(
        '{"mn": "$MN", "resolution": "hour", "time": "20260301090000", "values": {"a34004": NaN, "a21026": true}}'
    )
    assert report.rejected == 2 and report.inserted == 0


def test_csv_rows_with_suffix_columns_and_line_numbers(air_device):
    text = (
        "\ufeffmn,resolution,time,factor,value,flag,Min\r\n"
        f"{MN},hour,20260301090000,a34004,35,N,30\r\n"
        f"{MN},hour,20260301090000,a21026,abc,N,\r\n"
        "\r\n"
        f"{MN},hour,20260301090000,a21004\r\n"
        f'{MN},hour,20260301100000,"a21004",40,,\r\n'
    )
    records = list(read_csv(io.StringIO(text, newline="")))
    report = ingest(records)
    assert (report.inserted, report.rejected) == (2, 2)
    assert [(e.row, e.field) for e in report.errors] == [(3, "value"), (5, "row")]
    assert hour_values()["a34004"] == ("35", "N", {"Min": "30"})


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        ("", "CSV 为空"),
        ("mn,resolution,time,factor\n", "缺少列：value"),
        ("mn,resolution,time,factor,value,unit price\n", "第 6 列"),
        ("mn,resolution,time,factor,value,flag,Flag\n", "重复"),
    ],
)
def test_bad_csv_headers_are_document_errors(header, needle):
    with pytest.raises(DocumentError, match=needle):
        list(read_csv(io.StringIO(header)))


def test_csv_without_mn_or_resolution_columns_takes_the_defaults(air_device):
    records = list(
        read_csv(io.StringIO("time,factor,value\n20260301090000,a34004,35\n"), mn_given=True, resolution_given=True)
    )
    report = ingest(records, default_mn=MN, default_resolution="hour")
    assert report.inserted == 1
