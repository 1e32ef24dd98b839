"""Device sessions: connected / online / last seen / counts kept by the gateway, the offline job, the status
page, the device tab and the API.

Personas: a flue-gas data logger in 秦都区 that connects, reports and hangs up; one that sends a wrong password
and a broken frame; monitoring staff watching the city's devices; a 秦都区 handler who must not see 彬州's
devices; an enterprise user who sees only their own.
"""

from __future__ import annotations

import csv
import io
import socket
from datetime import UTC, datetime, timedelta

import pytest

from ecobrain.core import jobs
from ecobrain.ingest import sessions
from ecobrain.ingest.choices import IntervalSource
from ecobrain.ingest.models import DeviceSession, DeviceStatusChange
from ecobrain.ingest.services import ingest_packets
from tests import factories
from tests.ingest.gateway_helpers import FrameReader, connect, in_writer, packet, running_gateway, until

MN = "MN610402000000000501"
PW = "s3cret"
NOW = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


def session_of(device) -> DeviceSession:
    return DeviceSession.objects.get(device=device)


@pytest.fixture
def logger_device(transactional_db, enterprise_in_qindu):
    return factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))


# --- over real sockets --------------------------------------------------------------------------------------


def test_a_connected_device_has_a_live_session_until_it_hangs_up(logger_device):
    with running_gateway() as gw:
        sock = connect(gw)
        sock.sendall(packet(MN, PW))
        assert FrameReader(sock).read(1)[0].cn == "9014"
        until(gw, lambda: DeviceSession.objects.filter(device=logger_device, connected=True).exists())
        session = in_writer(gw, lambda: session_of(logger_device))
        assert (session.online, session.packets, session.data_packets, session.errors) == (True, 1, 1, 0)
        assert session.peer == f"127.0.0.1:{sock.getsockname()[1]}"
        assert session.gateway == gw.instance_id and ":" in gw.instance_id
        assert (session.st, session.edition) == ("31", "2017")
        assert session.last_seen_at == session.last_data_at == session.connected_at
        assert session.offline_after == session.last_seen_at + timedelta(seconds=3 * 3600)  # default interval × 3
        sock.close()
        until(gw, lambda: not session_of(logger_device).connected)
    session = session_of(logger_device)
    assert session.online, "hanging up is not being offline: that is the job's call, after N intervals"
    assert session.disconnected_at is not None and session.disconnected_at >= session.connected_at


def test_a_wrong_password_and_a_broken_frame_count_as_errors_but_not_as_contact(logger_device):
    with running_gateway() as gw:
        sock = connect(gw)
        reader = FrameReader(sock)
        sock.sendall(packet(MN, "guess", qn="1"))
        until(gw, lambda: DeviceSession.objects.filter(device=logger_device).exists())
        session = in_writer(gw, lambda: session_of(logger_device))
        assert (session.packets, session.errors, session.auth_failures) == (1, 1, 1)
        assert not session.online and not session.connected and session.last_seen_at is None
        sock.sendall(packet(MN, PW, qn="2"))  # authenticates the connection as this device
        assert reader.read(1)[0].qn == "2"
        broken = packet(MN, PW, qn="3")
        broken = broken[:-3] + (b"0" if broken[-3:-2] != b"0" else b"1") + broken[-2:]  # wrong CRC
        sock.sendall(broken)
        until(gw, lambda: session_of(logger_device).errors == 2)
        session = in_writer(gw, lambda: session_of(logger_device))
        assert (session.packets, session.data_packets, session.auth_failures) == (3, 1, 1)
        assert session.online and session.connected
        sock.close()


def test_a_gateway_start_clears_connections_a_dead_gateway_on_this_host_left(logger_device, enterprise_in_qindu):
    other = factories.device(mn="MN610402000000000502", outlet=factories.outlet(enterprise_in_qindu, code="DA002"))
    host = socket.gethostname()
    DeviceSession.objects.create(device=logger_device, connected=True, gateway=f"{host}:99999999")  # no such pid
    DeviceSession.objects.create(device=other, connected=True, gateway="another-host:1")
    with running_gateway() as gw:
        until(gw, lambda: not session_of(logger_device).connected)
    assert session_of(other).connected, "another host's gateway may still hold that connection"


# --- bookkeeping cost and interval learning (the writer's path without the sockets) --------------------------


def hourly(mn: str, hour: int, *, pw: str = PW) -> bytes:
    data_time = f"202603{1 + hour // 24:02d}{hour % 24:02d}0000"
    return packet(mn, pw, qn=f"2026030110{hour:02d}00000", cp={"DataTime": data_time, "a21026-Avg": "1"})


def record(frames: list[bytes], *, received_at: datetime = NOW) -> dict:
    """What the writer does after a group commit, up to the session write: the batch's traffic per device."""
    results = ingest_packets([(raw, "10.0.0.9:4001", received_at) for raw in frames])
    return sessions.collect_traffic((r, "10.0.0.9:4001", received_at, None) for r in results)


def test_a_batch_of_500_packets_costs_the_sessions_a_fixed_few_statements(
    db, enterprise_in_qindu, django_assert_max_num_queries
):
    outlet = factories.outlet(enterprise_in_qindu)
    devices = [factories.device(mn=f"MNBATCH{i:04d}", password=PW, outlet=outlet) for i in range(10)]
    frames = [hourly(d.mn, hour) for hour in range(50) for d in devices]
    traffic = record(frames)
    assert len(traffic) == 10 and all(t.packets == 50 for t in traffic.values())
    # First sight of ten devices: select, bulk insert, select again, one bulk update, one bulk insert of their
    # ten "online" status changes (and the savepoint pair).
    with django_assert_max_num_queries(7):
        sessions.record_traffic(traffic, gateway="test-host:1", now=NOW)
    traffic = record([hourly(d.mn, hour) for hour in range(50, 100) for d in devices])
    # Steady state: one select and one bulk update for 500 packets of 10 devices.
    with django_assert_max_num_queries(4):
        sessions.record_traffic(traffic, gateway="test-host:1", now=NOW)
    counts = set(DeviceSession.objects.values_list("packets", "data_packets", "errors"))
    assert counts == {(100, 100, 0)}
    # Hourly DataTimes, 3600 s apart again and again: the expected interval is learned.
    assert set(DeviceSession.objects.values_list("expected_interval", "interval_source")) == {
        (3600, IntervalSource.LEARNED)
    }


def minute(mn: str, at: str, cn: str = "2051") -> bytes:
    suffix = "Rtd" if cn == "2011" else "Avg"
    return packet(mn, PW, cn, qn=at + "000", cp={"DataTime": at, f"a21026-{suffix}": "1"})


def test_the_expected_interval_is_the_smallest_regular_spacing_of_the_data_still_coming(db, enterprise_in_qindu):
    device = factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))

    def feed(*frames):
        sessions.record_traffic(record(list(frames)), gateway="test-host:1", now=NOW)
        return session_of(device)

    session = feed(minute(MN, "20260301100000"), minute(MN, "20260301101000"))
    assert (session.expected_interval, session.interval_source) == (3600, IntervalSource.DEFAULT)  # seen once
    session = feed(minute(MN, "20260301102000"))
    assert (session.expected_interval, session.interval_source) == (600, IntervalSource.LEARNED)  # twice: regular
    session = feed(*(minute(MN, f"202603011020{s:02d}", "2011") for s in (0, 30)))
    session = feed(minute(MN, "20260301102100", "2011"))
    assert session.expected_interval == 30
    assert session.offline_after == session.last_seen_at + timedelta(seconds=90)
    session = feed(minute(MN, "20260301080000"))  # a history re-upload: older DataTime, teaches nothing
    assert session.intervals["2051"]["last"].startswith("2026-03-01T10:20")
    assert session.expected_interval == 30
    # Real-time uploads stop (no 2011 for far more than 3 × 30 s of DataTime) while minute data goes on.
    session = feed(minute(MN, "20260301103000"), minute(MN, "20260301104000"))
    assert (session.expected_interval, session.interval_source) == (600, IntervalSource.LEARNED)
    assert session.data_packets == 9


def test_the_offline_job_marks_devices_silent_for_n_intervals(db, enterprise_in_qindu):
    outlet = factories.outlet(enterprise_in_qindu)
    silent, talking = (factories.device(outlet=outlet) for _ in range(2))
    for device, seen in ((silent, NOW - timedelta(seconds=91)), (talking, NOW - timedelta(seconds=89))):
        DeviceSession.objects.create(
            device=device,
            online=True,
            last_seen_at=seen,
            expected_interval=30,
            offline_after=seen + timedelta(seconds=90),
        )
    assert jobs.run_job("ingest.mark_offline", NOW) == "1 devices went offline"
    assert not session_of(silent).online and session_of(talking).online
    assert jobs.JOBS["ingest.mark_offline"].every == 60


def test_going_offline_and_back_online_is_recorded_once_each(db, enterprise_in_qindu):
    device = factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))
    sessions.record_traffic(record([hourly(MN, 0)], received_at=NOW), gateway="test-host:1", now=NOW)
    first = DeviceStatusChange.objects.get(device=device)
    assert (first.online, first.at, first.last_seen_at) == (True, NOW, None)  # first sight: online
    later = NOW + timedelta(hours=2)
    sessions.record_traffic(record([hourly(MN, 1)], received_at=later), gateway="test-host:1", now=later)
    assert DeviceStatusChange.objects.count() == 1  # still online: no new row
    due = session_of(device).offline_after
    silent_until = due + timedelta(hours=5)
    assert sessions.mark_offline(silent_until) == 1
    assert sessions.mark_offline(silent_until + timedelta(minutes=1)) == 0  # once
    offline = DeviceStatusChange.objects.filter(device=device, online=False).get()
    assert (offline.at, offline.last_seen_at, offline.recorded_at) == (due, later, silent_until)
    back = silent_until + timedelta(minutes=2)
    sessions.record_traffic(record([hourly(MN, 2)], received_at=back), gateway="test-host:1", now=back)
    online_again = DeviceStatusChange.objects.filter(device=device, online=True).order_by("at").last()
    assert (online_again.at, online_again.last_seen_at) == (back, later)
    assert online_again.offline_duration() == back - later
    assert list(DeviceStatusChange.objects.filter(device=device).values_list("online", flat=True)) == [
        True,
        False,
        True,
    ]  # newest first


def test_a_session_refreshed_during_the_sweep_stays_online_without_a_change(db, enterprise_in_qindu):
    device = factories.device(outlet=factories.outlet(enterprise_in_qindu))
    session = DeviceSession.objects.create(
        device=device, online=True, last_seen_at=NOW, expected_interval=30, offline_after=NOW
    )
    real_filter = DeviceSession.objects.filter

    def refreshed_in_between(*args, **kwargs):
        # The gateway writes new traffic after the sweep read the session: offline_after moved on.
        if "offline_after" in kwargs and "pk" in kwargs:
            DeviceSession.objects.filter(pk=session.pk).update(offline_after=NOW + timedelta(hours=1))
        return real_filter(*args, **kwargs)

    from unittest import mock

    with mock.patch.object(DeviceSession.objects, "filter", side_effect=refreshed_in_between):
        assert sessions.mark_offline(NOW + timedelta(seconds=1)) == 0
    assert session_of(device).online
    assert not DeviceStatusChange.objects.exists()


# --- the status page, the device tab, the API -----------------------------------------------------------------


@pytest.fixture
def fleet(db, qindu, binzhou, enterprise_in_qindu, enterprise_in_binzhou):
    """In 秦都: an online outlet logger, an offline station logger, one never seen; in 彬州: one online."""
    online = factories.device(mn="MNQD0001", outlet=factories.outlet(enterprise_in_qindu))
    offline = factories.device(mn="MNQD0002", station=factories.station(qindu, name="秦都测试站"))
    never = factories.device(mn="MNQD0003", outlet=factories.outlet(enterprise_in_qindu, code="DA002"))
    far = factories.device(mn="MNBZ0001", outlet=factories.outlet(enterprise_in_binzhou))
    seen = NOW - timedelta(minutes=5)
    DeviceSession.objects.create(device=online, online=True, connected=True, last_seen_at=seen, peer="10.1.1.1:5000")
    DeviceSession.objects.create(device=offline, online=False, last_seen_at=seen - timedelta(days=1))
    DeviceSession.objects.create(device=far, online=True, last_seen_at=seen)
    return {"online": online, "offline": offline, "never": never, "far": far}


def counts(body: str) -> dict:
    import re

    return {key: int(value) for key, value in re.findall(r'data-count="(\w+)">(\d+)<', body)}


def test_the_status_page_counts_and_filters_devices_in_the_users_scope(login, monitor, handler, fleet):
    client = login(monitor)
    body = client.get("/ingest/sessions/").content.decode()
    assert counts(body) == {"online": 2, "offline": 1, "never": 1, "total": 4}
    body = client.get("/ingest/sessions/?status=never").content.decode()
    assert "MNQD0003" in body and "MNQD0001" not in body and "从未上线" in body
    body = client.get("/ingest/sessions/?kind=station").content.decode()
    assert "MNQD0002" in body and "MNQD0001" not in body
    assert counts(body) == {"online": 0, "offline": 1, "never": 0, "total": 1}
    body = client.get(f"/ingest/sessions/?district={fleet['far'].outlet.enterprise.district_id}").content.decode()
    assert "MNBZ0001" in body and "MNQD0001" not in body
    body = client.get("/ingest/sessions/?q=秦都测试").content.decode()
    assert "MNQD0002" in body and "MNQD0003" not in body

    body = login(handler).get("/ingest/sessions/").content.decode()
    assert "MNBZ0001" not in body, "彬州's device is outside a 秦都 handler's scope"
    assert counts(body) == {"online": 1, "offline": 1, "never": 1, "total": 3}


def test_the_status_page_costs_a_fixed_number_of_queries(
    login, monitor, fleet, enterprise_in_qindu, django_assert_max_num_queries
):
    outlet = factories.outlet(enterprise_in_qindu, code="DA009")
    for i in range(40):
        device = factories.device(mn=f"MNMANY{i:04d}", outlet=outlet)
        DeviceSession.objects.create(device=device, online=bool(i % 2), last_seen_at=NOW)
    client = login(monitor)
    with django_assert_max_num_queries(8):
        response = client.get("/ingest/sessions/?per_page=50")
    assert response.status_code == 200 and response.content.decode().count("MNMANY") == 40


def test_the_status_page_exports_csv_and_refuses_roles_without_the_grant(
    login, monitor, consumer, enterprise_user, fleet
):
    response = login(monitor).get("/ingest/sessions/?export=csv&sort=mn")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["设备编号 MN", "关联对象", "区县", "在线状态"]
    assert [row[0] for row in rows[1:]] == ["MNBZ0001", "MNQD0001", "MNQD0002", "MNQD0003"]
    assert [row[3] for row in rows[1:]] == ["在线", "在线", "离线", "从未上线"]
    assert login(consumer).get("/ingest/sessions/").status_code == 403
    client = login(enterprise_user)
    body = client.get("/ingest/sessions/").content.decode()
    assert "MNQD0001" in body and "MNQD0002" not in body, "an enterprise user sees only their own outlets' devices"
    assert client.get("/ingest/sessions/?export=csv").status_code == 403


def test_the_device_page_has_a_status_tab(login, monitor, consumer, fleet):
    body = login(monitor).get(fleet["online"].get_absolute_url()).content.decode()
    assert 'data-bs-target="#tab-session"' in body
    assert 'data-status="online"' in body and "10.1.1.1:5000" in body
    body = login(monitor).get(fleet["never"].get_absolute_url()).content.decode()
    assert 'data-status="never"' in body


def test_the_sessions_api_is_read_only_and_scoped(login, monitor, handler, enterprise_user, fleet):
    data = login(monitor).get("/api/v1/device-sessions/?status=online").json()
    assert sorted(row["mn"] for row in data["results"]) == ["MNBZ0001", "MNQD0001"]
    assert all(row["status"] == "online" for row in data["results"])
    client = login(handler)
    assert sorted(row["mn"] for row in client.get("/api/v1/device-sessions/").json()["results"]) == [
        "MNQD0001",
        "MNQD0002",
    ]
    far = DeviceSession.objects.get(device=fleet["far"])
    assert client.get(f"/api/v1/device-sessions/{far.pk}/").status_code == 404
    assert client.post("/api/v1/device-sessions/", {}, content_type="application/json").status_code in (403, 405)
    mine = login(enterprise_user).get("/api/v1/device-sessions/").json()["results"]
    assert [row["mn"] for row in mine] == ["MNQD0001"]


def test_the_admin_shows_sessions_and_commands_read_only(client, fleet):
    from django.contrib.auth import get_user_model

    from ecobrain.ingest.services import queue_device_command

    root = get_user_model().objects.create_superuser("root", "root@example.org", "x-long-password-1")
    queue_device_command(fleet["online"], "1011", actor=root)
    client.force_login(root)
    for model in ("devicesession", "devicecommand"):
        listing = client.get(f"/admin/ingest/{model}/")
        assert listing.status_code == 200 and "MNQD0001" in listing.content.decode()
        assert client.get(f"/admin/ingest/{model}/add/").status_code == 403


def test_status_changes_show_on_the_device_tab_and_in_the_scoped_api(login, monitor, handler, fleet):
    online, far = fleet["online"], fleet["far"]
    DeviceStatusChange.objects.create(device=online, online=False, at=NOW, last_seen_at=NOW - timedelta(hours=3))
    DeviceStatusChange.objects.create(
        device=online,
        online=True,
        at=NOW + timedelta(hours=1),
        last_seen_at=NOW - timedelta(hours=3),
        peer="10.9.9.9:1",
    )
    DeviceStatusChange.objects.create(device=far, online=False, at=NOW)
    body = login(monitor).get(online.get_absolute_url()).content.decode()
    assert "上下线记录" in body and "10.9.9.9:1" in body and "中断" in body
    rows = login(monitor).get(f"/api/v1/device-status-changes/?device={online.pk}").json()["results"]
    assert [(r["mn"], r["online"]) for r in rows] == [("MNQD0001", True), ("MNQD0001", False)]  # newest first
    offline_only = login(monitor).get("/api/v1/device-status-changes/?online=false").json()["results"]
    assert sorted(r["mn"] for r in offline_only) == ["MNBZ0001", "MNQD0001"]
    mine = login(handler).get("/api/v1/device-status-changes/").json()["results"]
    assert {r["mn"] for r in mine} == {"MNQD0001"}, "a district handler sees only their district's loggers"
