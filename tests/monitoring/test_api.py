"""The monitoring API: /api/v1/series/, /api/v1/observations/ (streamed windows), /api/v1/packets/.

Personas: monitoring staff city-wide, a district handler (秦都区), an enterprise user (their own outlet), a data
consumer (no monitoring grant). Out-of-scope rows answer 404, as the registry endpoints do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from ecobrain.accounts.models import APIToken
from ecobrain.monitoring.choices import PacketOutcome, QCFlag, Resolution
from ecobrain.monitoring.models import ArchivedPacket
from ecobrain.monitoring.services import ObservationRow, store_observations
from tests import factories
from tests.monitoring import pages_data as data

API = "/api/v1"
T0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 00:00 China time


def client_for(user) -> APIClient:
    """An API client authenticated the way other systems are: with an API token."""
    _token, secret = APIToken.issue(user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def streamed(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


@pytest.fixture
def world(enterprise_in_qindu, enterprise_in_binzhou, qindu, binzhou):
    """Qindu: an outlet (the enterprise user's) and a station; Binzhou: the same. Hourly data on each series."""
    objects = {}
    for key, enterprise, district in (
        ("qindu", enterprise_in_qindu, qindu),
        ("binzhou", enterprise_in_binzhou, binzhou),
    ):
        outlet, outlet_device, outlet_series = data.outlet_logger(enterprise, mn=f"MNOUT{key.upper()}")
        station, _station_device, station_series = data.station_logger(
            district, code=f"ST-{key}", mn=f"MNST{key.upper()}"
        )
        for s in outlet_series + station_series:
            data.store(s, Resolution.HOUR, T0, ["1.5", "2.50", "-0.1"], step=timedelta(hours=1))
        objects[key] = {
            "outlet": outlet,
            "outlet_device": outlet_device,
            "outlet_series": outlet_series,
            "station": station,
            "station_series": station_series,
        }
    return objects


def window(client, series_ids, **params):
    return client.get(f"{API}/observations/", {"series": series_ids, **params})


# --- series -------------------------------------------------------------------------------------------------


def test_series_list_and_filters(monitor, world):
    client = client_for(monitor)
    response = client.get(f"{API}/series/")
    assert response.status_code == 200
    assert response.json()["count"] == 8
    so2 = world["qindu"]["outlet_series"][0]
    row = client.get(f"{API}/series/{so2.pk}/").json()
    assert row == {
        "id": so2.pk,
        "device": world["qindu"]["outlet_device"].pk,
        "device_mn": "MNOUTQINDU",
        "station": None,
        "outlet": world["qindu"]["outlet"].pk,
        "factor": "a21026",
        "factor_name": "二氧化硫",
        "unit": "mg/m³",
        "created": row["created"],
    }
    station = world["binzhou"]["station"]
    found = client.get(f"{API}/series/", {"station": station.pk, "factor": "a34004"}).json()["results"]
    assert [r["id"] for r in found] == [world["binzhou"]["station_series"][0].pk]
    assert found[0]["unit"] == "µg/m³"  # a station reads in the ambient unit
    assert client.get(f"{API}/series/", {"outlet": world["qindu"]["outlet"].pk}).json()["count"] == 2
    assert client.get(f"{API}/series/", {"device": world["qindu"]["outlet_device"].pk}).json()["count"] == 2
    assert client.get(f"{API}/series/", {"device": "-1e173"}).status_code == 400


def test_series_scope_per_persona(handler, enterprise_user, consumer, world):
    qindu_ids = {s.pk for s in world["qindu"]["outlet_series"] + world["qindu"]["station_series"]}
    response = client_for(handler).get(f"{API}/series/")
    assert {r["id"] for r in response.json()["results"]} == qindu_ids
    outside = world["binzhou"]["station_series"][0]
    assert client_for(handler).get(f"{API}/series/{outside.pk}/").status_code == 404
    own = {s.pk for s in world["qindu"]["outlet_series"]}
    response = client_for(enterprise_user).get(f"{API}/series/")
    assert {r["id"] for r in response.json()["results"]} == own
    station_series = world["qindu"]["station_series"][0]
    assert client_for(enterprise_user).get(f"{API}/series/{station_series.pk}/").status_code == 404
    assert client_for(consumer).get(f"{API}/series/").status_code == 403
    assert APIClient().get(f"{API}/series/").status_code == 401


# --- observation windows ------------------------------------------------------------------------------------


def test_observations_stream_exact_values_in_china_time(monitor, world):
    so2, smoke = world["qindu"]["outlet_series"]
    document = streamed(
        window(client_for(monitor), [so2.pk, smoke.pk], resolution="hour", start="2026-03-02", end="2026-03-02")
    )
    assert document["resolution"] == "hour"
    assert document["start"] == "2026-03-02T00:00:00+08:00" and document["end"] == "2026-03-03T00:00:00+08:00"
    assert document["series"] == [so2.pk, smoke.pk]
    rows = document["results"]
    assert len(rows) == 6
    assert rows[0] == {
        "series": so2.pk,
        "period_start": "2026-03-02T00:00:00+08:00",
        "value": "1.5",
        "flag": "N",
        "qc_flags": 0,
        "stats": {},
    }
    assert [r["value"] for r in rows if r["series"] == so2.pk] == ["1.5", "2.50", "-0.1"]  # text as sent


def test_observations_window_edges_are_half_open(monitor, world):
    so2 = world["qindu"]["outlet_series"][0]
    client = client_for(monitor)
    rows = streamed(window(client, so2.pk, start="2026-03-02T01:00:00+08:00", end="2026-03-02T02:00:00+08:00"))
    assert [r["period_start"] for r in rows["results"]] == ["2026-03-02T01:00:00+08:00"]
    rows = streamed(window(client, so2.pk, start="2026-03-01T17:00:00Z", end="2026-03-01T19:00:00Z"))  # UTC given
    assert [r["value"] for r in rows["results"]] == ["2.50", "-0.1"]


def test_observations_comma_separated_series_stats_and_qc_flags(monitor, world):
    so2, smoke = world["qindu"]["outlet_series"]
    store_observations(
        [ObservationRow(smoke.pk, T0, "9.1", {"ZsAvg": "9.8"}, "M", int(QCFlag.MAINTENANCE))],
        resolution=Resolution.HOUR,
    )
    rows = streamed(window(client_for(monitor), f"{so2.pk},{smoke.pk}", start="2026-03-02", end="2026-03-02"))
    first_smoke = next(r for r in rows["results"] if r["series"] == smoke.pk)
    assert first_smoke["value"] == "9.1" and first_smoke["stats"] == {"ZsAvg": "9.8"}
    assert first_smoke["flag"] == "M" and first_smoke["qc_flags"] == 32


def test_observations_empty_window(monitor, world):
    so2 = world["qindu"]["outlet_series"][0]
    document = streamed(window(client_for(monitor), so2.pk, resolution="day", start="2026-01-01", end="2026-01-31"))
    assert document["results"] == []
    document = streamed(
        window(client_for(monitor), so2.pk, resolution="realtime", start="2026-03-02", end="2026-03-02")
    )
    assert document["results"] == []  # realtime: nothing stored


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"resolution": "weekly"}, "resolution", "未知的数据类型"),
        ({"start": "2026-02-30"}, "start", "不是有效的日期或时间"),
        ({"start": "2026-03-02", "end": "soon"}, "end", "不是有效的日期或时间"),
        ({"start": "2026-03-05", "end": "2026-03-01"}, "end", "结束时间须晚于开始时间"),
        ({"resolution": "realtime", "start": "2026-03-01", "end": "2026-03-05"}, "end", "最多查询 2 天"),
        ({"resolution": "minute", "start": "2026-03-01", "end": "2026-03-09"}, "end", "最多查询 7 天"),
        ({"resolution": "hour", "start": "2025-01-01", "end": "2026-03-01"}, "end", "最多查询 366 天"),
        ({"resolution": "day", "start": "2000-01-01", "end": "2026-03-01"}, "end", "最多查询 10 年"),
    ],
)
def test_observations_bad_parameters_are_400_with_a_message(monitor, world, params, field, message):
    so2 = world["qindu"]["outlet_series"][0]
    response = window(client_for(monitor), so2.pk, **params)
    assert response.status_code == 400
    assert message in response.json()[field][0]


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ("", "请至少给出一个序列"),
        ("abc", "不是有效的序列 ID"),
        ("-1", "不是有效的序列 ID"),
        ("9" * 30, "不是有效的序列 ID"),
    ],
)
def test_observations_bad_series_are_400(monitor, world, series, message):
    response = client_for(monitor).get(f"{API}/observations/", {"series": series})
    assert response.status_code == 400
    assert message in response.json()["series"][0]


def test_observations_at_most_100_series(monitor, world):
    response = client_for(monitor).get(f"{API}/observations/", {"series": ",".join(str(i) for i in range(1, 102))})
    assert response.status_code == 400
    assert "最多查询 100 个序列" in response.json()["series"][0]


def test_observations_out_of_scope_series_are_404(handler, enterprise_user, consumer, world):
    inside = world["qindu"]["station_series"][0].pk
    outside = world["binzhou"]["station_series"][0].pk
    params = {"start": "2026-03-02", "end": "2026-03-02"}
    client = client_for(handler)  # 秦都区 only
    assert len(streamed(window(client, inside, **params))["results"]) == 3
    response = window(client, [inside, outside], **params)
    assert response.status_code == 404
    assert f"监测序列 {outside} 不存在或不在您的权限范围内" in response.json()["detail"]
    client = client_for(enterprise_user)  # own outlet only: not even a station in their district
    own = world["qindu"]["outlet_series"][0].pk
    assert len(streamed(window(client, own, **params))["results"]) == 3
    assert window(client, inside, **params).status_code == 404
    assert window(client, world["binzhou"]["outlet_series"][0].pk, **params).status_code == 404
    assert window(client_for(consumer), inside, **params).status_code == 403
    assert window(APIClient(), inside, **params).status_code == 401


def test_observations_query_count_does_not_grow_with_series(monitor, world, django_assert_max_num_queries):
    client = APIClient()
    client.force_authenticate(monitor)
    every = [s.pk for side in world.values() for s in side["outlet_series"] + side["station_series"]]
    with django_assert_max_num_queries(3) as one:
        streamed(window(client, every[0], start="2026-03-02", end="2026-03-02"))
    with django_assert_max_num_queries(len(one.captured_queries)):
        document = streamed(window(client, every, start="2026-03-02", end="2026-03-02"))
    assert len(document["results"]) == 3 * len(every)


# --- packets ------------------------------------------------------------------------------------------------


def test_packets_list_by_cursor_newest_first(monitor, world):
    device = world["qindu"]["outlet_device"]
    for hour in range(3):
        data.archive(
            data.frame(device.mn, data_time=T0 + timedelta(hours=10 + hour), factors={"a21026": {"Avg": "1"}}),
            received_at=T0 + timedelta(hours=hour, minutes=1),
        )
    client = client_for(monitor)
    page = client.get(f"{API}/packets/", {"page_size": 2}).json()
    assert "count" not in page  # no COUNT(*) over the archive
    first = page["results"]
    assert [p["received_at"] for p in first] == ["2026-03-02T02:01:00+08:00", "2026-03-02T01:01:00+08:00"]
    assert first[0]["outcome"] == "stored" and first[0]["cn_name"] == "污染物小时数据"
    assert first[0]["device"] == device.pk
    assert "PW=******;" in first[0]["raw"] and "123456" not in first[0]["raw"]
    decoded = first[0]["decoded"]
    assert decoded["ok"] is True and decoded["pw"] == "******" and decoded["version"] == "2017"
    assert decoded["factors"] == {"a21026": {"Avg": "1"}}
    rest = client.get(page["next"]).json()
    assert [p["received_at"] for p in rest["results"]] == ["2026-03-02T00:01:00+08:00"]
    assert rest["next"] is None


def test_packets_filters_and_decode_errors(monitor, world):
    data.archive(data.FRAME_BAD_CRC, received_at=T0)
    client = client_for(monitor)
    rows = client.get(f"{API}/packets/", {"outcome": "decode_error"}).json()["results"]
    assert rows == []  # a filter that tests each frame reads the last 24 hours unless bounded
    rows = client.get(f"{API}/packets/", {"outcome": "decode_error", "received_after": "2026-03-01T00:00"}).json()
    rows = rows["results"]
    assert len(rows) == 1
    assert rows[0]["decoded"] == {
        "ok": False,
        "error": "crc",
        "detail": rows[0]["decoded"]["detail"],
        "offset": 145,
    }
    assert rows[0]["mn"] == "LD130133000015"
    assert client.get(f"{API}/packets/", {"mn": "LD130133000015"}).json()["results"][0]["id"] == rows[0]["id"]
    assert client.get(f"{API}/packets/", {"mn": "nobody"}).json()["results"] == []
    assert client.get(f"{API}/packets/", {"received_after": "not a time"}).status_code == 400
    assert client.get(f"{API}/packets/{rows[0]['id']}/").json()["outcome_display"] == "解析失败"


def test_packets_scope(qindu, enterprise_user, handler, world):
    scoped = factories.user("monitor_qindu", "monitoring_staff", districts=[qindu])
    inside = ArchivedPacket.objects.create(
        raw=b"x", received_at=T0, mn="MNOUTQINDU", device=world["qindu"]["outlet_device"], outcome=PacketOutcome.STORED
    )
    outside = ArchivedPacket.objects.create(
        raw=b"x", received_at=T0, mn="MNOUTBINZHOU", device=world["binzhou"]["outlet_device"], outcome="stored"
    )
    client = client_for(scoped)
    assert [p["id"] for p in client.get(f"{API}/packets/").json()["results"]] == [inside.pk]
    assert client.get(f"{API}/packets/{outside.pk}/").status_code == 404
    for user in (enterprise_user, handler):  # the raw archive is not theirs
        assert client_for(user).get(f"{API}/packets/").status_code == 403


# --- schema -------------------------------------------------------------------------------------------------


def test_schema_stays_valid_without_warnings(base_data):
    """drf-spectacular: the schema validates and every endpoint, parameter and field is typed (no warning)."""
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    schema = json.loads(out.getvalue())
    for path in ("/api/v1/series/", "/api/v1/series/{id}/", "/api/v1/observations/", "/api/v1/packets/"):
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/v1/observations/"]["get"]["parameters"]}
    assert {"series", "resolution", "start", "end"} <= parameters


def test_packet_cn_name_follows_the_request_language(monitor, world):
    """`cn` is the stable code; `cn_name`, like `outcome_display`, is a label in the request's language
    (CN 2061, standards.md §1.6, HJ 212-2017 Table 9)."""
    from django.utils import translation

    device = world["qindu"]["outlet_device"]
    moment = T0 + timedelta(days=30)  # a period no other test data uses: the frame is stored
    data.archive(data.frame(device.mn, data_time=moment, factors={"a21026": {"Avg": "1"}}), received_at=moment)
    client = client_for(monitor)
    try:
        (english,) = client.get(f"{API}/packets/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    finally:
        translation.deactivate()
    assert (english["cn"], english["cn_name"], english["outcome_display"]) == (
        "2061",
        "Pollutant hourly data",
        "Stored",
    )
    (chinese,) = client.get(f"{API}/packets/").json()["results"]
    assert (chinese["cn"], chinese["cn_name"], chinese["outcome_display"]) == ("2061", "污染物小时数据", "已入库")
