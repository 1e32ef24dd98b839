"""Host → device commands over real sockets: the fake data logger receives the request frame, checks it, answers
9011 (standards.md §1.7 Table 7, QnRtn) and 9012 (Table 6, ExeRtn) and data replies, and the command row reaches
the right state; re-sends and timeouts (HJ 212-2017 Table 1); 1013 answered with 1012; queueing rules, the API
and the device page.

Personas: monitoring staff who set a flue-gas logger's clock and ask it to re-send a day of hourly data; a logger
that answers, one that refuses, one that stays silent, one that asks for the time; a 秦都 handler and an
enterprise user who may look but not command; monitoring staff scoped to 秦都 facing a 彬州 device.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ecobrain.ingest.choices import CommandState, IntervalSource
from ecobrain.ingest.models import DeviceCommand, DeviceSession
from ecobrain.ingest.services import cancel_device_command, expire_device_commands, queue_device_command
from ecobrain.monitoring.models import HourObservation
from ecobrain.standards.hj212 import CHINA_TZ
from tests import factories
from tests.ingest.gateway_helpers import FrameReader, connect, in_writer, packet, running_gateway, until

MN = "MN610402000000000801"
PW = "s3cret"
NOW = timezone.now()


@pytest.fixture
def device(transactional_db, enterprise_in_qindu):
    return factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))


@pytest.fixture
def gateway(device, settings):
    settings.HJ212_COMMAND_TIMEOUT = 0.4
    settings.HJ212_COMMAND_RETRIES = 2
    settings.HJ212_COMMAND_EXEC_TIMEOUT = 1.0
    with running_gateway(command_poll=0.05) as gw:
        yield gw


@pytest.fixture
def logger_socket(gateway):
    """A data logger that has connected and sent one hourly packet (so the gateway knows its connection)."""
    sock = connect(gateway)
    reader = FrameReader(sock)
    sock.sendall(packet(MN, PW, qn="20260301100000000"))
    assert reader.read(1)[0].cn == "9014"
    until(gateway, lambda: DeviceSession.objects.filter(device__mn=MN, connected=True).exists())
    yield sock, reader
    sock.close()


def queue(gw, device, kind, params=None, actor=None) -> DeviceCommand:
    return in_writer(gw, lambda: queue_device_command(device, kind, params=params or {}, actor=actor))


def state_of(command) -> str:
    return DeviceCommand.objects.values_list("state", flat=True).get(pk=command.pk)


def reply(qn: str, cn: str, cp: dict, *, flag: int = 4) -> bytes:
    return packet(MN, PW, cn, qn=qn, cp=cp, flag=flag)


# --- the exchange over sockets ---------------------------------------------------------------------------------


def test_get_time_request_answer_data_reply_and_execution_result(gateway, device, logger_socket, monitor):
    sock, reader = logger_socket
    command = queue(gateway, device, "1011", actor=monitor)
    (request,) = reader.read(1)
    # The request as standards.md §1.3/§1.4 describe it: fresh 17-digit QN, the device's ST, PW and MN, Flag
    # 2017 with A=1 (a reply is wanted), empty CP.
    assert (request.cn, request.mn, request.pw, request.st, request.flag) == ("1011", MN, PW, "31", 5)
    assert len(request.qn) == 17 and request.qn.isdigit() and request.cp == {}
    until(gateway, lambda: state_of(command) == CommandState.SENT)
    in_writer(gateway, command.refresh_from_db)
    assert (command.qn, command.attempts, command.gateway) == (request.qn, 1, gateway.instance_id)

    sock.sendall(reply(request.qn, "9011", {"QnRtn": "1"}))
    until(gateway, lambda: state_of(command) == CommandState.ACKNOWLEDGED)
    sock.sendall(reply(request.qn, "1011", {"SystemTime": "20260301100203"}))
    sock.sendall(reply(request.qn, "9012", {"ExeRtn": "1"}))
    until(gateway, lambda: state_of(command) == CommandState.SUCCEEDED)
    in_writer(gateway, command.refresh_from_db)
    assert command.result == {"SystemTime": "20260301100203"}
    assert (command.qn_rtn, command.exe_rtn) == (1, 1)
    assert command.sent_at <= command.acknowledged_at <= command.finished_at
    assert "执行成功" in command.detail
    reader.nothing(wait=0.2)  # replies with Flag=4 ask for no ack


def test_set_realtime_interval_succeeds_and_the_session_expects_it(gateway, device, logger_socket, monitor):
    sock, reader = logger_socket
    command = queue(gateway, device, "1062", {"RtdInterval": 60}, actor=monitor)
    (request,) = reader.read(1)
    assert (request.cn, request.cp) == ("1062", {"RtdInterval": "60"})
    sock.sendall(reply(request.qn, "9011", {"QnRtn": "1"}) + reply(request.qn, "9012", {"ExeRtn": "1"}))
    until(gateway, lambda: state_of(command) == CommandState.SUCCEEDED)
    session = in_writer(gateway, lambda: DeviceSession.objects.get(device=device))
    assert (session.expected_interval, session.interval_source) == (60, IntervalSource.COMMAND)


def test_hour_history_reupload_is_stored_by_the_normal_path_and_counted(gateway, device, logger_socket, monitor):
    sock, reader = logger_socket
    begin = datetime(2026, 2, 28, 0, 0, tzinfo=CHINA_TZ)
    end = begin.isoformat()[:10] + "T02:00"  # ISO 8601 without a zone: China time
    command = queue(gateway, device, "2061", {"BeginTime": "20260228000000", "EndTime": end}, actor=monitor)
    assert command.params == {"BeginTime": "20260228000000", "EndTime": "20260228020000"}
    (request,) = reader.read(1)
    assert (request.cn, request.cp) == ("2061", {"BeginTime": "20260228000000", "EndTime": "20260228020000"})
    sock.sendall(reply(request.qn, "9011", {"QnRtn": "1"}))
    for hour in ("00", "01"):
        cp = {"DataTime": f"20260228{hour}0000", "a21026-Avg": "9.5", "a21026-Flag": "N"}
        sock.sendall(reply(request.qn, "2061", cp, flag=5))
    assert [a.cn for a in reader.read(2)] == ["9014", "9014"]
    sock.sendall(reply(request.qn, "9012", {"ExeRtn": "1"}))
    until(gateway, lambda: state_of(command) == CommandState.SUCCEEDED)
    in_writer(gateway, command.refresh_from_db)
    assert command.result == {"packets": 2, "values": 2}
    assert in_writer(gateway, HourObservation.objects.filter(value_text="9.5").count) == 2


def test_a_rejected_request_records_the_reason(gateway, device, logger_socket, monitor):
    sock, reader = logger_socket
    command = queue(gateway, device, "3011", {"PolId": "a21026"}, actor=monitor)
    (request,) = reader.read(1)
    assert request.cp == {"PolId": "a21026"}
    sock.sendall(reply(request.qn, "9011", {"QnRtn": "3"}))
    until(gateway, lambda: state_of(command) == CommandState.REJECTED)
    in_writer(gateway, command.refresh_from_db)
    assert command.qn_rtn == 3 and "QnRtn=3" in command.detail and "PW 错误" in command.detail
    assert command.finished_at is not None


def test_a_failed_execution_records_the_reason(gateway, device, logger_socket, monitor):
    sock, reader = logger_socket
    command = queue(gateway, device, "3012", {"PolId": "a21026"}, actor=monitor)
    (request,) = reader.read(1)
    sock.sendall(reply(request.qn, "9011", {"QnRtn": "1"}) + reply(request.qn, "9012", {"ExeRtn": "5"}))
    until(gateway, lambda: state_of(command) == CommandState.FAILED)
    in_writer(gateway, command.refresh_from_db)
    assert command.exe_rtn == 5 and "系统繁忙" in command.detail


def test_an_unanswered_request_is_resent_with_its_qn_then_times_out(gateway, device, logger_socket, monitor):
    _sock, reader = logger_socket
    command = queue(gateway, device, "1061", actor=monitor)
    requests = reader.read(3, wait=3.0)  # the first send and 2 re-sends (ECOBRAIN_HJ212_COMMAND_RETRIES=2)
    assert len({r.qn for r in requests}) == 1 and {r.cn for r in requests} == {"1061"}
    until(gateway, lambda: state_of(command) == CommandState.TIMED_OUT)
    in_writer(gateway, command.refresh_from_db)
    assert command.attempts == 3 and "9011" in command.detail
    reader.nothing(wait=0.5)


def test_a_request_answered_after_a_resend_succeeds(gateway, device, logger_socket, monitor):
    sock, reader = logger_socket
    command = queue(gateway, device, "1063", actor=monitor)
    first, second = reader.read(2, wait=2.0)
    assert first.qn == second.qn
    sock.sendall(reply(second.qn, "9011", {"QnRtn": "1"}) + reply(second.qn, "1063", {"MinInterval": "10"}))
    sock.sendall(reply(second.qn, "9012", {"ExeRtn": "1"}))
    until(gateway, lambda: state_of(command) == CommandState.SUCCEEDED)
    in_writer(gateway, command.refresh_from_db)
    assert command.attempts == 2 and command.result == {"MinInterval": "10"}
    intervals = in_writer(gateway, lambda: DeviceSession.objects.get(device=device).intervals)
    assert intervals["2051"]["interval"] == 600


def test_acknowledged_but_no_result_times_out(gateway, device, logger_socket, monitor):
    sock, reader = logger_socket
    command = queue(gateway, device, "3011", {"PolId": "a21026"}, actor=monitor)
    (request,) = reader.read(1)
    sock.sendall(reply(request.qn, "9011", {"QnRtn": "1"}))
    until(gateway, lambda: state_of(command) == CommandState.TIMED_OUT, wait=4.0)
    in_writer(gateway, command.refresh_from_db)
    assert command.attempts == 1 and "9012" in command.detail
    reader.nothing(wait=0.2)  # an acknowledged request is never re-sent


def test_a_command_for_a_disconnected_device_waits_for_it(device, gateway, monitor):
    command = queue(gateway, device, "1011", actor=monitor)
    sock = connect(gateway)
    reader = FrameReader(sock)
    assert in_writer(gateway, lambda: state_of(command)) == CommandState.QUEUED
    sock.sendall(packet(MN, PW, "9015", cp={}, flag=8))  # a 2025 heartbeat is enough to be known here
    (request,) = reader.read(1)
    assert request.cn == "1011" and request.flag == 9, "the request follows the edition the logger speaks"
    sock.close()


def test_a_time_calibration_request_is_acked_and_answered_with_set_time(gateway, device, logger_socket):
    sock, reader = logger_socket
    sock.sendall(packet(MN, PW, "1013", qn="20260301100500123", cp={}, flag=5))
    notify_ack, set_time = reader.read(2)
    assert (notify_ack.cn, notify_ack.qn, notify_ack.flag) == ("9013", "20260301100500123", 4)
    assert set_time.cn == "1012"
    sent_clock = datetime.strptime(set_time.cp["SystemTime"], "%Y%m%d%H%M%S").replace(tzinfo=CHINA_TZ)
    assert abs(sent_clock - timezone.now()) < timedelta(seconds=5)
    command = in_writer(gateway, lambda: DeviceCommand.objects.select_related("created_by").get(cn="1012"))
    assert command.created_by is None and "1013" in command.note
    assert command.sent_cp == {"SystemTime": set_time.cp["SystemTime"]}
    sock.sendall(reply(set_time.qn, "9011", {"QnRtn": "1"}) + reply(set_time.qn, "9012", {"ExeRtn": "1"}))
    until(gateway, lambda: state_of(command) == CommandState.SUCCEEDED)


# --- queueing rules (no sockets) -------------------------------------------------------------------------------


@pytest.fixture
def outlet_device(db, enterprise_in_qindu):
    return factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("1062", {"RtdInterval": "10"}, "RtdInterval 须为 30–3600"),
        ("1064", {"MinInterval": "7"}, "MinInterval 须为"),
        ("1062", {}, "缺少参数 RtdInterval"),
        ("2061", {"BeginTime": "20260228020000", "EndTime": "20260228000000"}, "须晚于开始时间"),
        ("2051", {"BeginTime": "20260101000000", "EndTime": "20260201000000"}, "最多 7 天"),
        ("2061", {"BeginTime": "2026-02-30", "EndTime": "20260301000000"}, "BeginTime='2026-02-30' 不是时间"),
        ("3011", {}, "缺少参数 PolId"),
        ("3012", {"PolId": "zz999"}, "PolId='zz999' 不是已登记的监测因子编码"),
        ("1011", {"Bogus": "1"}, "不接受参数 Bogus"),
    ],
)
def test_parameters_are_checked_per_kind(outlet_device, monitor, kind, params, message):
    with pytest.raises(ValidationError) as caught:
        queue_device_command(outlet_device, kind, params=params, actor=monitor, now=NOW)
    assert any(message in text for text in caught.value.message_dict["params"]), caught.value.message_dict
    assert not DeviceCommand.objects.exists()


def test_an_unknown_kind_and_a_future_history_are_refused(outlet_device, monitor):
    with pytest.raises(ValidationError) as caught:
        queue_device_command(outlet_device, "2041", params={}, actor=monitor)
    assert "不支持的命令编码" in caught.value.message_dict["cn"][0]
    begin, end = (timezone.now() + timedelta(days=1, hours=h) for h in (0, 1))
    with pytest.raises(ValidationError, match="不能晚于当前时间"):
        params = {"BeginTime": begin.isoformat(), "EndTime": end.isoformat()}
        queue_device_command(outlet_device, "2061", params=params, actor=monitor)


def test_only_monitoring_staff_in_scope_may_queue(outlet_device, monitor, handler, enterprise_user, binzhou):
    for actor in (handler, enterprise_user):
        with pytest.raises(PermissionDenied):
            queue_device_command(outlet_device, "1011", actor=actor)
    scoped = factories.user("scoped-monitor", "monitoring_staff", districts=[binzhou])
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        queue_device_command(outlet_device, "1011", actor=scoped)
    command = queue_device_command(outlet_device, "1011", actor=monitor)
    assert command.created_by == monitor and command.state == CommandState.QUEUED


def test_cancel_a_queued_command_but_not_a_sent_one(outlet_device, monitor, handler):
    command = queue_device_command(outlet_device, "1011", actor=monitor)
    with pytest.raises(PermissionDenied):
        cancel_device_command(command, actor=handler)
    assert cancel_device_command(command, actor=monitor).state == CommandState.CANCELLED
    sent = queue_device_command(outlet_device, "1061", actor=monitor)
    DeviceCommand.objects.filter(pk=sent.pk).update(state=CommandState.SENT, qn="20260301100000001", sent_at=NOW)
    with pytest.raises(ValidationError, match="只有排队中的命令可以取消"):
        cancel_device_command(sent, actor=monitor)


def test_the_expiry_job_expires_queued_and_times_out_abandoned_commands(outlet_device, monitor, settings):
    queued = queue_device_command(outlet_device, "1011", actor=monitor, now=NOW - timedelta(days=2))
    fresh = queue_device_command(outlet_device, "1061", actor=monitor, now=NOW)
    abandoned = queue_device_command(outlet_device, "1063", actor=monitor, now=NOW)
    DeviceCommand.objects.filter(pk=abandoned.pk).update(
        state=CommandState.SENT, qn="20260301100000002", sent_at=NOW - timedelta(hours=1)
    )
    assert expire_device_commands(NOW) == (1, 1)
    assert [state_of(c) for c in (queued, fresh, abandoned)] == [
        CommandState.EXPIRED,
        CommandState.QUEUED,
        CommandState.TIMED_OUT,
    ]


# --- API --------------------------------------------------------------------------------------------------------


def test_the_api_queues_lists_and_cancels_through_the_gate(login, monitor, handler, binzhou, outlet_device):
    client = login(monitor)
    response = client.post(
        "/api/v1/device-commands/",
        {"device": outlet_device.pk, "cn": "1062", "params": {"RtdInterval": 120}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["state"], data["params"], data["mn"]) == ("queued", {"RtdInterval": "120"}, MN)
    bad = client.post(
        "/api/v1/device-commands/",
        {"device": outlet_device.pk, "cn": "1062", "params": {"RtdInterval": 5}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "RtdInterval" in str(bad.json()["params"])
    listed = client.get(f"/api/v1/device-commands/?device={outlet_device.pk}&state=queued").json()
    assert [row["id"] for row in listed["results"]] == [data["id"]]
    assert client.post(f"/api/v1/device-commands/{data['id']}/cancel/").json()["state"] == "cancelled"

    viewer = login(handler)
    assert viewer.get(f"/api/v1/device-commands/{data['id']}/").status_code == 200
    denied = viewer.post(
        "/api/v1/device-commands/", {"device": outlet_device.pk, "cn": "1011"}, content_type="application/json"
    )
    assert denied.status_code == 403

    scoped = login(factories.user("scoped-monitor", "monitoring_staff", districts=[binzhou]))
    assert scoped.get(f"/api/v1/device-commands/{data['id']}/").status_code == 404
    assert scoped.get("/api/v1/device-commands/").json()["count"] == 0
    outside = scoped.post(
        "/api/v1/device-commands/", {"device": outlet_device.pk, "cn": "1011"}, content_type="application/json"
    )
    assert outside.status_code == 404


# --- the device page ---------------------------------------------------------------------------------------------


def test_the_device_tab_queues_a_command_and_shows_the_history(login, monitor, leader, outlet_device):
    client = login(monitor)
    body = client.get(outlet_device.get_absolute_url()).content.decode()
    assert 'id="command-form"' in body and "设置实时数据间隔（1062）" in body
    url = f"/ingest/devices/{outlet_device.pk}/commands/"
    response = client.post(url, {"cn": "1062", "RtdInterval": "300"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    command = DeviceCommand.objects.get()
    assert (command.cn, command.params, command.created_by) == ("1062", {"RtdInterval": "300"}, monitor)
    assert "排队中" in response.content.decode()
    refused = client.post(url, {"cn": "1062", "RtdInterval": "3"}, HTTP_HX_REQUEST="true").content.decode()
    assert "RtdInterval 须为 30–3600" in refused and DeviceCommand.objects.count() == 1
    history = client.get(url).content.decode()
    assert "1062" in history and 'hx-trigger="every' in history
    cancel = client.post(f"/ingest/commands/{command.pk}/cancel/", HTTP_HX_REQUEST="true")
    assert cancel.status_code == 200 and "已取消" in cancel.content.decode()

    viewer = login(leader)
    body = viewer.get(outlet_device.get_absolute_url()).content.decode()
    assert 'id="command-form"' not in body and "已取消" in body, "a leader sees the history, not the form"
    assert viewer.post(url, {"cn": "1011"}).status_code == 403
