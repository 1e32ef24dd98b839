"""Monitoring pages over HTTP, per persona: the raw packet archive, the data tab, the overview.

Personas (tests/conftest.py): monitoring staff (city-wide), bureau leader, district handler (秦都区 only),
enterprise user (their own enterprise in 秦都区), data consumer (no monitoring grant).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from ecobrain.monitoring.choices import PacketOutcome, QCFlag, Resolution
from ecobrain.monitoring.models import ArchivedPacket
from ecobrain.monitoring.packets import COUNT_CAP, mask_password
from tests import factories
from tests.monitoring import pages_data as data

PACKETS = "/monitoring/packets/"


def body(response) -> str:
    return response.content.decode()


def packet_rows(response) -> list[int]:
    """The archive ids listed on a packet list page, in page order."""
    return [int(pk) for pk in re.findall(r'href="/monitoring/packets/(\d+)/"', body(response))]


def make_packets(n: int, *, start: datetime = data.NOW, mn="MNLIST0001", device=None, **fields) -> list[int]:
    ids = []
    for i in range(n):
        packet = ArchivedPacket.objects.create(
            raw=b"##0000garbage\r\n",
            received_at=start - timedelta(seconds=i),
            mn=mn,
            cn=fields.get("cn", "2011"),
            device=device,
            peer=fields.get("peer", "10.1.1.1:5000"),
            outcome=fields.get("outcome", PacketOutcome.STORED),
        )
        ids.append(packet.pk)
    return ids


@pytest.fixture
def loggers(enterprise_in_qindu, enterprise_in_binzhou, qindu, binzhou):
    """A gas outlet logger in 秦都区 (the enterprise user's), one in 彬州市, a station logger in each district."""
    qindu_outlet, qindu_device, _ = data.outlet_logger(enterprise_in_qindu, mn="MNQINDU0001")
    binzhou_outlet, binzhou_device, _ = data.outlet_logger(enterprise_in_binzhou, mn="MNBINZHOU001")
    qindu_station, qindu_station_device, _ = data.station_logger(qindu, code="Q01", mn="MNSTQ0001")
    binzhou_station, binzhou_station_device, _ = data.station_logger(binzhou, code="B01", mn="MNSTB0001")
    return {
        "qindu_outlet": qindu_outlet,
        "qindu_device": qindu_device,
        "binzhou_outlet": binzhou_outlet,
        "binzhou_device": binzhou_device,
        "qindu_station": qindu_station,
        "qindu_station_device": qindu_station_device,
        "binzhou_station": binzhou_station,
        "binzhou_station_device": binzhou_station_device,
    }


# --- the packet list ----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, db):
    for url in (PACKETS, "/monitoring/", "/monitoring/data/station/1/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_empty_archive_says_so(login, monitor):
    response = login(monitor).get(PACKETS)
    assert response.status_code == 200
    assert "暂无报文" in body(response)


def test_newest_first_with_keyset_pages_forward_and_back(login, monitor):
    ids = make_packets(30)  # ids[0] is the newest
    # Three packets share one receive time: the id breaks the tie, so none is skipped or repeated.
    same = [make_packets(1, start=data.NOW - timedelta(seconds=10))[0] for _ in range(2)]
    expected = sorted(ids[:10] + same, key=lambda pk: (-ArchivedPacket.objects.get(pk=pk).received_at.timestamp(), -pk))
    expected += ids[10:]
    client = login(monitor)

    first = client.get(PACKETS, {"per_page": 25})
    assert packet_rows(first) == expected[:25]
    assert "共 32 条" in body(first)
    after = re.search(r"after=([\d_]+)", body(first)).group(1)
    second = client.get(PACKETS, {"per_page": 25, "after": after})
    assert packet_rows(second) == expected[25:]
    assert 'rel="next"' not in body(second)  # the last page has no older page
    before = re.search(r"before=([\d_]+)", body(second)).group(1)
    back = client.get(PACKETS, {"per_page": 25, "before": before})
    assert packet_rows(back) == expected[:25]


def test_a_hand_edited_cursor_returns_to_the_first_page(login, monitor):
    make_packets(3)
    for cursor in ("garbage", "1_", "_5", "99999999999999999999999999_1", "1_99999999999999999999999"):
        response = login(monitor).get(PACKETS, {"after": cursor})
        assert response.status_code == 200, cursor
        assert "翻页参数无效" in body(response)
        assert len(packet_rows(response)) == 3


def test_the_count_is_capped_not_a_full_scan(login, monitor, settings, monkeypatch):
    from ecobrain.monitoring import packets

    monkeypatch.setattr(packets, "COUNT_CAP", 20)
    make_packets(26)
    response = login(monitor).get(PACKETS)
    assert "超过 20 条" in body(response)
    assert COUNT_CAP == 10_000  # the real cap


def test_filters(login, monitor, loggers):
    from django.utils import timezone

    now = timezone.now()
    device = loggers["qindu_device"]
    make_packets(3, start=now, mn=device.mn, device=device, cn="2061", peer="10.2.2.2:1")
    other = make_packets(2, start=now, mn="MNOTHER", cn="2011", outcome=PacketOutcome.UNKNOWN_MN, peer="10.3.3.3:1")
    old = make_packets(1, start=now - timedelta(days=3), mn="MNOLD")
    client = login(monitor)

    assert len(packet_rows(client.get(PACKETS, {"mn": device.mn}))) == 3
    assert len(packet_rows(client.get(PACKETS, {"device": device.pk}))) == 3
    assert packet_rows(client.get(PACKETS, {"outcome": "unknown_mn"})) == other
    assert len(packet_rows(client.get(PACKETS, {"peer": "10.2.2."}))) == 3
    assert len(packet_rows(client.get(PACKETS, {"q": "other"}))) == 2
    # Received time range, in China time as the form's datetime-local sends it.
    day = timezone.localtime(now - timedelta(days=3))
    window = {
        "received_after": (day - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "received_before": (day + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert packet_rows(client.get(PACKETS, window)) == old
    # A bad filter value is a message, never a 500.
    response = client.get(PACKETS, {"received_after": "yesterday", "device": "-1e173"})
    assert response.status_code == 200
    assert "筛选条件有误" in body(response)


def test_filters_that_scan_frames_read_the_last_day_unless_bounded(login, monitor):
    """CN, outcome, address and search test each frame: without an MN, logger or start time they read 24 hours."""
    from django.utils import timezone

    now = timezone.now()
    recent = make_packets(2, start=now, mn="MNA", cn="2011")
    old = make_packets(1, start=now - timedelta(days=3), mn="MNB", cn="2011")
    client = login(monitor)
    response = client.get(PACKETS, {"cn": "2011"})
    assert packet_rows(response) == recent
    assert "只查接收时间范围末尾的 24 小时" in body(response)
    assert packet_rows(client.get(PACKETS, {"cn": "2011", "mn": "MNB"})) == old  # an MN bounds the read
    since = timezone.localtime(now - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.get(PACKETS, {"cn": "2011", "received_after": since})
    assert packet_rows(response) == recent + old
    assert "只查接收时间范围末尾" not in body(response)
    assert len(packet_rows(client.get(PACKETS))) == 3  # no filter: the whole archive, by the index


def test_list_query_count_does_not_grow_with_rows(login, monitor, loggers, django_assert_max_num_queries):
    device = loggers["qindu_device"]
    client = login(monitor)
    make_packets(5, mn=device.mn, device=device)
    client.get(PACKETS)
    with django_assert_max_num_queries(5) as small:
        client.get(PACKETS)
    make_packets(150, mn=device.mn, device=device, start=data.NOW - timedelta(hours=1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(PACKETS, {"per_page": 100})
    assert len(packet_rows(response)) == 100


def test_district_handler_has_no_archive_grant(login, handler, loggers):
    # The raw archive is for monitoring staff, leaders and the admin (accounts/roles.py).
    assert login(handler).get(PACKETS).status_code == 403


def test_district_scoped_monitoring_staff_see_only_their_district(login, qindu, loggers):
    scoped = factories.user("qleader", "monitoring_staff", districts=[qindu])
    inside = make_packets(2, mn="MNQINDU0001", device=loggers["qindu_device"])
    outside = make_packets(2, mn="MNBINZHOU001", device=loggers["binzhou_device"])
    unknown = make_packets(1, mn="MNNOBODY", outcome=PacketOutcome.UNKNOWN_MN)
    client = login(scoped)
    assert sorted(packet_rows(client.get(PACKETS))) == sorted(inside)
    assert client.get(f"{PACKETS}{inside[0]}/").status_code == 200
    for pk in (outside[0], unknown[0]):
        response = client.get(f"{PACKETS}{pk}/")
        assert response.status_code == 404
        assert "不在您的权限范围内" in body(response)


def test_enterprise_user_and_data_consumer_are_denied_the_archive(login, enterprise_user, consumer, loggers):
    pk = make_packets(1, mn="MNQINDU0001", device=loggers["qindu_device"])[0]
    for user in (enterprise_user, consumer):
        client = login(user)
        assert client.get(PACKETS).status_code == 403
        assert client.get(f"{PACKETS}{pk}/").status_code == 403


def test_csv_export_of_the_filtered_frames(login, monitor, leader, loggers):
    device = loggers["qindu_device"]
    data.archive(data.frame(device.mn, data_time=data.NOW - timedelta(hours=2), factors={"a21026": {"Avg": "1"}}))
    make_packets(2, mn="MNOTHER")
    response = login(monitor).get(PACKETS, {"mn": device.mn, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2  # header + the one frame of that MN
    header, row = rows
    assert row[header.index("MN")] == device.mn
    assert row[header.index("处理结果")] == "已入库"
    raw = row[header.index("原始报文（PW 已隐藏）")]
    assert raw.startswith("##") and "PW=******;" in raw and "123456" not in raw
    # The bureau leader may view the archive but not export it.
    assert login(leader).get(PACKETS, {"export": "csv"}).status_code == 403


# --- one frame explained ------------------------------------------------------------------------------------


@pytest.fixture
def frame_loggers(enterprise_in_qindu, qindu):
    """The devices of the §1.11 vectors, registered so the frames are authenticated and stored."""
    gas = factories.outlet(enterprise_in_qindu, code="DA009", kind="gas")
    water = factories.outlet(enterprise_in_qindu, code="DW009", kind="water")
    river = factories.station(qindu, code="W-ZLD", kind="water_auto")
    return {
        "2017": factories.device(mn="010000A8900016F000169DC0", outlet=gas),
        "2005": factories.device(mn="LD130133000015", outlet=water, protocol_version="2005"),
        "2025": factories.device(mn="ZLDSZ20210127", station=river, protocol_version="2025"),
    }


def detail(client, raw: bytes) -> str:
    result = data.archive(raw)
    response = client.get(f"{PACKETS}{result.archive_id}/")
    assert response.status_code == 200
    return body(response)


def test_2017_hourly_frame_explained(login, monitor, frame_loggers):
    """standards.md §1.11 vector 10: ST 31 (§1.5), CN 2061 (§1.6 Table 9), Flag=5 (§1.4), flags N (§1.9)."""
    page = detail(login(monitor), data.FRAME_2017_HOUR)
    assert "已入库" in page
    assert "HJ 212-2017" in page
    assert "2026-01-01 08:00:00.000" in page  # QN as a time
    assert "大气环境污染源" in page  # ST 31
    assert "污染物小时数据" in page  # CN 2061
    assert "版本位 V5–V0 = 000001" in page and "A = 1：需要应答" in page and "D = 0：不拆分" in page
    assert "2026-01-01 07:00:00" in page and "时段起始" in page  # DataTime of hourly data = period start
    # PW: masked in the header and in the raw frame.
    assert "123456" not in page
    assert "PW=******;" in page
    # Factor table: 2017 code, name and unit from the registry, every suffix, the flag's meaning.
    assert "二氧化硫" in page and "mg/m³" in page
    for suffix in ("Avg", "ZsAvg", "Cou"):
        assert f">{suffix}</th>" in page
    assert "21.5" in page and "36000.0" in page
    assert "仪器正常" in page  # 2017 meaning of N
    assert f'href="{frame_loggers["2017"].get_absolute_url()}"' in page


def test_2005_frame_explained_with_old_codes(login, monitor, frame_loggers):
    """§1.11 vector 8: no QN or Flag (2005), old codes 011 → w01018, 060 → w21003, B01 → w00000 (§1.10)."""
    page = detail(login(monitor), data.FRAME_2005_REALTIME)
    assert "HJ/T 212-2005" in page
    assert "无 Flag 字段：按 HJ/T 212-2005 处理" in page
    assert "地表水体环境污染源" in page  # ST 32
    assert "污染物实时数据" in page and "采集时刻" in page  # CN 2011: DataTime is the instant
    assert "2016-08-24 00:38:17" in page
    assert "w01018" in page and "← 011" in page and "化学需氧量" in page
    assert "w21003" in page and "← 060" in page and "氨氮" in page
    assert "← B01" in page
    assert "231.0" in page and "1.803" in page
    assert "正常" in page  # 2005 meaning of N (§1.9)


def test_2025_frame_explained(login, monitor, frame_loggers):
    """§1.11 vector 3: Flag=8 is version bits 000010 = HJ 212-2025 (§1.4); ST 21 is surface water (§1.5)."""
    page = detail(login(monitor), data.FRAME_2025_REALTIME)
    assert "HJ 212-2025" in page
    assert "版本位 V5–V0 = 000010" in page and "A = 0：无需应答" in page
    assert "地表水质量监测" in page
    assert "污染物实时数据" in page
    assert "3.563168" in page and "0.09055002" in page
    assert "w01008" in page and "登记表中无此因子" in page  # an unknown code is kept and said so


def test_bad_crc_frame_shows_the_error_and_where(login, monitor, frame_loggers):
    """§1.11 item 9: vector 8 with the last CRC character changed must be rejected as a CRC error."""
    page = detail(login(monitor), data.FRAME_BAD_CRC)
    assert "解析失败" in page
    assert "<code>crc</code>" in page
    assert "CRC mismatch at byte offset 145" in page
    assert "字节偏移 145" in page
    assert '<mark class="eb-error-at">4981</mark>' in page
    assert "PW=******;" in page  # the password stays hidden in the error excerpt too


def test_a_frame_is_escaped_not_rendered(login, monitor):
    packet = ArchivedPacket.objects.create(
        raw=b"##0040<script>alert(1)</script>;MN=<b>x</b>\r\n",
        received_at=data.NOW,
        mn="<b>x</b>",
        outcome=PacketOutcome.DECODE_ERROR,
        detail="framing: <i>bad</i>",
    )
    page = body(login(monitor).get(f"{PACKETS}{packet.pk}/"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page and "<i>bad</i>" not in page


def test_mask_password_keeps_byte_offsets():
    frame = "##0101QN=1;ST=32;CN=1072;PW=abc;MN=X;Flag=5;CP=&&NewPW=secret1&&1C80"
    masked = mask_password(frame)
    assert masked == "##0101QN=1;ST=32;CN=1072;PW=***;MN=X;Flag=5;CP=&&NewPW=*******&&1C80"
    assert len(masked.encode()) == len(frame.encode())


def test_device_page_tab_lists_its_latest_packets(login, monitor, enterprise_user, frame_loggers):
    device = frame_loggers["2017"]
    data.archive(data.FRAME_2017_HOUR)
    page = body(login(monitor).get(device.get_absolute_url()))
    assert 'data-bs-target="#tab-packets"' in page and "最新报文" in page
    assert "污染物小时数据" in page
    assert f"/monitoring/packets/?mn={device.mn}" in page
    # The enterprise user sees the device but not the archive tab.
    page = body(login(enterprise_user).get(device.get_absolute_url()))
    assert "tab-packets" not in page


# --- the data tab (station, outlet, device pages) ----------------------------------------------------------


def window_url(obj, kind: str) -> str:
    return f"/monitoring/data/{kind}/{obj.pk}/"


def chart_of(response) -> dict:
    match = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', body(response), re.S)
    assert match, "the window has no chart data"
    return json.loads(match.group(1))


@pytest.fixture
def recent():
    """The start of the current hour: "latest" reads look back from the real clock."""
    from django.utils import timezone

    return timezone.now().replace(minute=0, second=0, microsecond=0)


def test_station_tab_shows_latest_values_with_flags(login, monitor, qindu, recent):
    station, _device, (pm25, so2) = data.station_logger(qindu, code="TAB1")
    data.hourly(pm25, 5, end=recent, value="35")
    data.hourly(so2, 3, end=recent, value="7", flag="M", qc=QCFlag.NEGATIVE | QCFlag.SPIKE)
    data.store(pm25, Resolution.REALTIME, recent - timedelta(minutes=5), ["41", "42.5"], step=timedelta(seconds=30))
    page = body(login(monitor).get(station.get_absolute_url()))
    assert 'data-bs-target="#tab-data"' in page and "监测数据" in page
    assert "细颗粒物 PM2.5 a34004" in page and "µg/m³" in page  # the ambient unit at a station
    assert "42.5" in page  # latest real-time value
    last_hour = (recent - timedelta(hours=1)).astimezone(data.CHINA).strftime("%Y-%m-%d %H:00")
    assert last_hour in page
    assert "维护期间数据" in page  # device flag M (standards.md §1.9, 2017)
    assert "负值" in page and "突变" in page  # platform QC flags
    assert 'src="/static/vendor/echarts/echarts.min.js"' in page
    assert 'hx-get="/monitoring/data/station/' in page


def test_tab_costs_the_same_queries_for_one_factor_or_eight(
    login, monitor, qindu, recent, django_assert_max_num_queries
):
    codes = ("a34004", "a34002", "a05024", "a21004", "a21026", "a21005", "a01001", "a01002")
    one, _, one_series = data.station_logger(qindu, code="ONE", factors=codes[:1])
    many, _, many_series = data.station_logger(qindu, code="MANY", factors=codes)
    for s in one_series + many_series:
        data.hourly(s, 3, end=recent)
        data.store(s, Resolution.REALTIME, recent, ["1"], step=timedelta(seconds=30))
    client = login(monitor)
    client.get(one.get_absolute_url())
    with django_assert_max_num_queries(50) as single:
        client.get(one.get_absolute_url())
    with django_assert_max_num_queries(len(single.captured_queries)):
        page = body(client.get(many.get_absolute_url()))
    assert all(code in page for code in codes)


def test_tab_empty_state(login, monitor, qindu):
    station = factories.station(qindu, code="EMPTY")
    page = body(login(monitor).get(station.get_absolute_url()))
    assert 'id="tab-data"' in page
    assert "暂无数据" in page


def test_tab_hidden_without_the_observation_grant(login, qindu):
    consumer = factories.user("citywide-consumer", "data_consumer", city_wide=True)
    station = factories.station(qindu, code="NOGRANT")
    response = login(consumer).get(station.get_absolute_url())  # a data consumer may view stations
    assert response.status_code == 200
    assert "tab-data" not in body(response)


def test_window_chart_and_table_in_china_time(login, monitor, qindu):
    station, _, (pm25, so2) = data.station_logger(qindu, code="WIN")
    start = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 00:00 China time
    data.store(pm25, Resolution.HOUR, start, ["10", "11.50", "", "13"], step=timedelta(hours=1), flag="N")
    data.store(so2, Resolution.HOUR, start, ["3"], step=timedelta(hours=1), flag="D")
    response = login(monitor).get(
        window_url(station, "station"),
        {"resolution": "hour", "range": "custom", "start": "2026-03-02", "end": "2026-03-02"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    chart = chart_of(response)
    by_name = {s["name"]: s for s in chart["series"]}
    pm = by_name["细颗粒物 PM2.5 a34004"]
    # China wall-clock milliseconds: 2026-03-02 00:00 reads as 00:00 with ECharts' useUTC.
    assert pm["data"][0][0] == int(datetime(2026, 3, 2, tzinfo=UTC).timestamp() * 1000)
    assert [point[1] for point in pm["data"]] == [10.0, 11.5, None, 13.0]  # an empty value is a gap
    assert pm["unit"] == "µg/m³"
    page = body(response)
    assert "2026-03-02 00:00 — 2026-03-03 00:00" in page
    assert ">11.50<" in page  # the table shows the value exactly as sent
    assert "2026-03-02 03:00" in page
    assert 'title="数据标记 D：仪器故障"' in page


def test_window_reads_only_the_chosen_factors(login, monitor, qindu):
    station, _, (pm25, so2) = data.station_logger(qindu, code="SEL")
    start = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    for s in (pm25, so2):
        data.store(s, Resolution.HOUR, start, ["1"], step=timedelta(hours=1))
    params = {"resolution": "hour", "range": "custom", "start": "2026-03-02", "end": "2026-03-02", "factor": "a21026"}
    chart = chart_of(login(monitor).get(window_url(station, "station"), params))
    assert [s["name"] for s in chart["series"]] == ["二氧化硫 a21026"]


def test_window_query_count_does_not_grow_with_factors(login, monitor, qindu, django_assert_max_num_queries):
    codes = ("a34004", "a34002", "a05024", "a21004", "a21026", "a21005", "a01001", "a01002")
    one, _, one_series = data.station_logger(qindu, code="W1", factors=codes[:1])
    many, _, many_series = data.station_logger(qindu, code="W8", factors=codes)
    start = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    for s in one_series + many_series:
        data.store(s, Resolution.HOUR, start, ["1"] * 24, step=timedelta(hours=1))
    params = {"resolution": "hour", "range": "custom", "start": "2026-03-02", "end": "2026-03-02"}
    client = login(monitor)
    with django_assert_max_num_queries(8) as single:
        client.get(window_url(one, "station"), params)
    with django_assert_max_num_queries(len(single.captured_queries)):
        chart = chart_of(client.get(window_url(many, "station"), params))
    assert len(chart["series"]) == 8 and all(len(s["data"]) == 24 for s in chart["series"])


def test_window_empty_state(login, monitor, qindu):
    station, _, _ = data.station_logger(qindu, code="NODATA")
    response = login(monitor).get(window_url(station, "station"), {"resolution": "day", "range": "30d"})
    assert response.status_code == 200
    assert "暂无数据" in body(response)
    assert "chart-data" not in body(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"resolution": "second"}, "未知的数据类型“second”"),
        ({"resolution": "realtime", "range": "7d"}, "实时数据每次最多查询 2 天"),
        ({"resolution": "minute", "range": "30d"}, "分钟数据每次最多查询 7 天"),
        ({"resolution": "hour", "range": "custom", "start": "2024-01-01", "end": "2025-12-31"}, "最多查询 366 天"),
        ({"resolution": "day", "range": "custom", "start": "2000-01-01", "end": "2026-01-01"}, "最多查询 10 年"),
        ({"resolution": "hour", "range": "custom", "start": "2026-13-01"}, "不是有效的日期或时间"),
        ({"resolution": "hour", "range": "custom", "start": "yesterday"}, "不是有效的日期或时间"),
        (
            {"resolution": "hour", "range": "custom", "start": "2026-03-05", "end": "2026-03-01"},
            "结束时间须晚于开始时间",
        ),
        ({"resolution": "hour", "range": "custom", "end": "9999-12-31"}, "不是有效的日期或时间"),
        ({"resolution": "hour", "range": "fortnight"}, "未知的时间范围"),
    ],
)
def test_window_bad_parameters_are_a_message_never_a_500(login, monitor, qindu, params, message):
    station, _, _ = data.station_logger(qindu, code="BAD")
    client = login(monitor)
    plain = client.get(window_url(station, "station"), params)
    assert plain.status_code == 400
    assert message in body(plain)
    swapped = client.get(window_url(station, "station"), params, headers={"HX-Request": "true"})
    assert swapped.status_code == 200  # htmx swaps only 2xx answers: the message lands in the tab
    assert message in body(swapped) and "alert-warning" in body(swapped)


def test_window_scope_per_persona(login, handler, enterprise_user, loggers):
    params = {"resolution": "hour", "range": "24h"}
    client = login(handler)  # 秦都区 only
    assert client.get(window_url(loggers["qindu_station"], "station"), params).status_code == 200
    assert client.get(window_url(loggers["qindu_outlet"], "outlet"), params).status_code == 200
    for obj, kind in (
        (loggers["binzhou_station"], "station"),
        (loggers["binzhou_outlet"], "outlet"),
        (loggers["binzhou_device"], "device"),
    ):
        response = client.get(window_url(obj, kind), params)
        assert response.status_code == 404, kind
        assert "不在您的权限范围内" in body(response)
    client = login(enterprise_user)  # their own enterprise's outlet only
    assert client.get(window_url(loggers["qindu_outlet"], "outlet"), params).status_code == 200
    assert client.get(window_url(loggers["qindu_device"], "device"), params).status_code == 200
    assert client.get(window_url(loggers["binzhou_outlet"], "outlet"), params).status_code == 404
    assert client.get(window_url(loggers["qindu_station"], "station"), params).status_code == 404
    assert client.get("/monitoring/data/enterprise/1/", params).status_code == 404


def test_window_export_csv_and_excel(login, monitor, enterprise_user, enterprise_in_qindu):
    outlet, device, (so2, _smoke) = data.outlet_logger(enterprise_in_qindu, code="DA002")
    start = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    data.store(so2, Resolution.HOUR, start, ["20.10", "-0.5"], step=timedelta(hours=1), qc=QCFlag.NEGATIVE)
    params = {"resolution": "hour", "range": "custom", "start": "2026-03-02", "end": "2026-03-02"}
    client = login(monitor)
    response = client.get(window_url(outlet, "outlet"), {**params, "export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["时间", "因子编码", "因子名称", "单位", "数采仪MN", "数值", "数据标记", "质控标记"]
    assert rows[1] == ["2026-03-02 00:00:00", "a21026", "二氧化硫", "mg/m³", device.mn, "20.10", "N", "负值"]
    assert rows[2][5] == "-0.5"  # a negative number is data, not a spreadsheet formula
    response = client.get(window_url(outlet, "outlet"), {**params, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][5] == pytest.approx(20.1) and values[2][5] == pytest.approx(-0.5)
    # An enterprise user may view their data but not export it.
    assert login(enterprise_user).get(window_url(outlet, "outlet"), {**params, "export": "csv"}).status_code == 403


# --- the overview (实时监测) ---------------------------------------------------------------------------------

OVERVIEW = "/monitoring/"


def overview_names(response) -> list[str]:
    return re.findall(r'<a href="/registry/(?:stations|outlets)/\d+/#tab-data">([^<]+)</a>', body(response))


def test_overview_air_stations_with_latest_hour_and_age(login, monitor, qindu, binzhou, recent):
    station, _, (pm25, so2, _o3) = data.station_logger(qindu, code="OV1", factors=("a34004", "a21026", "a05024"))
    data.hourly(pm25, 3, end=recent, value="35")
    data.hourly(so2, 3, end=recent - timedelta(hours=1), value="9", flag="D")
    quiet = factories.station(binzhou, code="OV2", name="无数据站")
    page = body(login(monitor).get(OVERVIEW))
    assert "空气质量站点" in page and "细颗粒物 PM2.5" in page and "臭氧" in page
    assert f'href="{station.get_absolute_url()}#tab-data"' in page
    assert ">35<" in page and ">9<" in page and 'title="数据标记 D：仪器故障"' in page
    newest = (recent - timedelta(hours=1)).astimezone(data.CHINA).strftime("%m-%d %H:00")
    assert newest in page and "前" in page  # data age counted from the end of the newest hour
    assert quiet.name in page and "暂无数据" in page


def test_overview_district_filter_search_and_kinds(login, monitor, qindu, binzhou):
    factories.station(qindu, code="QD1", name="秦都一站", kind="air_national")
    factories.station(binzhou, code="BZ1", name="彬州一站", kind="air_city")
    factories.station(qindu, code="WQ1", name="渭河断面", kind="water_auto")
    client = login(monitor)
    assert sorted(overview_names(client.get(OVERVIEW))) == ["彬州一站", "秦都一站"]
    assert overview_names(client.get(OVERVIEW, {"district": qindu.adcode})) == ["秦都一站"]
    assert overview_names(client.get(OVERVIEW, {"q": "彬州"})) == ["彬州一站"]
    assert overview_names(client.get(OVERVIEW, {"kind": "air_national"})) == ["秦都一站"]
    assert overview_names(client.get(OVERVIEW, {"category": "water"})) == ["渭河断面"]
    response = client.get(OVERVIEW, {"category": "nonsense", "kind": "bogus", "page": "x"})
    assert response.status_code == 200  # unknown values fall back, never a 500


def test_overview_outlets_per_persona(login, handler, enterprise_user, loggers, recent):
    so2 = loggers["qindu_device"].series.get(factor__code="a21026")
    data.hourly(so2, 2, end=recent, value="18.2")
    client = login(enterprise_user)
    response = client.get(OVERVIEW, {"category": "gas"})
    names = overview_names(response)
    assert len(names) == 1 and loggers["qindu_outlet"].code in names[0]
    assert ">18.2<" in body(response)
    assert overview_names(client.get(OVERVIEW)) == []  # stations are not an enterprise's
    names = overview_names(login(handler).get(OVERVIEW, {"category": "gas"}))  # 秦都区 only
    assert len(names) == 1 and loggers["qindu_outlet"].enterprise.name in names[0]


def test_overview_denied_without_the_observation_grant(login, consumer):
    assert login(consumer).get(OVERVIEW).status_code == 403


def test_overview_query_count_does_not_grow_with_stations(login, monitor, qindu, recent, django_assert_max_num_queries):
    client = login(monitor)
    codes = ("a34004", "a34002", "a05024", "a21004", "a21026", "a21005")

    def build(n, prefix):
        for i in range(n):
            _, _, series = data.station_logger(qindu, code=f"{prefix}{i:03d}", factors=codes)
            for s in series:
                data.hourly(s, 1, end=recent)

    build(2, "S")
    client.get(OVERVIEW)
    with django_assert_max_num_queries(10) as few:
        client.get(OVERVIEW)
    build(40, "M")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(OVERVIEW)
    assert len(overview_names(response)) == 42
    assert body(response).count(">12.5<") == 42 * 6


# --- in English: the HJ 212 names follow the reader's language ---------------------------------------------


@pytest.fixture
def english(login, monitor):
    """A monitoring staff client that reads English (the language cookie); the thread's language is reset after."""
    from django.conf import settings
    from django.utils import translation

    client = login(monitor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.deactivate()


def test_packet_list_and_export_in_english(english, frame_loggers):
    """CN 2061 (standards.md §1.6, HJ 212-2017 Table 9) is named in the reader's language, list and CSV alike."""
    data.archive(data.FRAME_2017_HOUR)
    page = body(english.get(PACKETS))
    assert "Pollutant hourly data" in page and "污染物小时数据" not in page
    exported = b"".join(english.get(PACKETS, {"export": "csv"})).decode("utf-8-sig")
    assert "Pollutant hourly data" in exported and "污染物小时数据" not in exported


def test_2017_frame_explained_in_english(english, frame_loggers):
    """§1.11 vector 10 in English: ST 31 (§1.5), CN 2061 (§1.6), Flag=5 (§1.4), DataTime role (§1.3), N (§1.9)."""
    page = detail(english, data.FRAME_2017_HOUR)
    for text in (
        "Air pollution source",
        "Pollutant hourly data",
        "Version bits V5–V0 = 000001: HJ 212-2017",
        "D = 0: not split",
        "A = 1: acknowledgement required",
        "Period start",
        "Instrument normal",
    ):
        assert text in page, text
    for chinese in ("大气环境污染源", "污染物小时数据", "版本位", "需要应答", "时段起始", "仪器正常"):
        assert chinese not in page, chinese
    assert "二氧化硫" in page  # registry data stays as entered


def test_2005_frame_explained_in_english(english, frame_loggers):
    """§1.11 vector 8 in English: no Flag field (§1.4), ST 32 (§1.5), CN 2011 (§1.6), the 2005 flag N (§1.9)."""
    page = detail(english, data.FRAME_2005_REALTIME)
    for text in (
        "No Flag field: treated as HJ/T 212-2005",
        "Surface water pollution source",
        "Pollutant real-time data",
    ):
        assert text in page, text
    assert "Sampling instant" in page and "采集时刻" not in page
    assert "地表水体环境污染源" not in page and "污染物实时数据" not in page


def test_device_and_station_tabs_in_english(english, qindu, frame_loggers, recent):
    data.archive(data.FRAME_2017_HOUR)
    page = body(english.get(frame_loggers["2017"].get_absolute_url()))
    assert "Pollutant hourly data" in page and "污染物小时数据" not in page
    station, _device, (_pm25, so2) = data.station_logger(qindu, code="TABEN")
    data.hourly(so2, 3, end=recent, value="7", flag="M")
    page = body(english.get(station.get_absolute_url()))
    assert "Data during maintenance" in page and "维护期间数据" not in page  # 2017 flag M (§1.9)


def test_packet_pages_stay_chinese_by_default(login, monitor, frame_loggers):
    data.archive(data.FRAME_2017_HOUR)
    page = body(login(monitor).get(PACKETS))
    assert "污染物小时数据" in page and "Pollutant hourly data" not in page
