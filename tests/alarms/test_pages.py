"""The alarm centre and the alarm page over HTTP, per persona: scope, filters, counts per state, sort, pages,
bulk acknowledgement, exports, the actions (and the refused ones), the chart's data, the navbar badge and the
报警 tab of registry objects."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ecobrain.alarms.choices import AlarmEventKind, AlarmStatus, RuleKind, Severity
from ecobrain.alarms.models import Alarm, AlarmEvent
from ecobrain.assessment.choices import Scope
from ecobrain.assessment.models import AirQualityHour
from ecobrain.ingest.models import DeviceStatusChange
from ecobrain.monitoring.models import HourObservation, Series
from ecobrain.registry.models import MonitoringFactor
from ecobrain.workorders.models import WorkOrder
from tests import factories
from tests.alarms import ui_data

LIST = "/alarms/"


@pytest.fixture
def emission_rule(base_data):
    return ui_data.rule(RuleKind.EMISSION_EXCEEDANCE, name="排放超标（小时）", severity=Severity.SEVERE)


@pytest.fixture
def offline_rule(base_data):
    return ui_data.rule(RuleKind.DEVICE_OFFLINE, name="设备离线", severity=Severity.WARNING)


@pytest.fixture
def world(emission_rule, offline_rule, enterprise_in_qindu, enterprise_in_binzhou, qindu, binzhou):
    """Alarms in 秦都区 and 彬州市, in several states and kinds, a day apart."""
    t = ui_data.T0
    station = factories.station(binzhou, name="彬州监测站")
    return {
        "qindu_open": ui_data.alarm(
            emission_rule, enterprise=enterprise_in_qindu, triggered_at=t, title="热电二氧化硫超标"
        ),
        "qindu_ack": ui_data.alarm(
            emission_rule,
            enterprise=enterprise_in_qindu,
            status=AlarmStatus.ACKNOWLEDGED,
            triggered_at=t - timedelta(days=1),
            title="热电氮氧化物超标",
        ),
        "qindu_closed": ui_data.alarm(
            emission_rule,
            enterprise=enterprise_in_qindu,
            status=AlarmStatus.CLOSED,
            triggered_at=t - timedelta(days=30),
            title="热电烟尘超标",
        ),
        "binzhou_open": ui_data.alarm(
            emission_rule, enterprise=enterprise_in_binzhou, triggered_at=t - timedelta(days=2), title="水泥颗粒物超标"
        ),
        "binzhou_offline": ui_data.alarm(
            offline_rule,
            station=station,
            severity=Severity.WARNING,
            triggered_at=t - timedelta(days=3),
            title="彬州监测站数采仪离线",
        ),
    }


def ids(response) -> list[int]:
    return [row["alarm"].pk for row in response.context["rows"]]


def tab(response, value) -> int:
    return next(t["count"] for t in response.context["tabs"] if t["value"] == value)


# --- who sees what -----------------------------------------------------------------------------------------


def test_monitoring_staff_see_every_open_alarm_newest_first(login, monitor, world):
    response = login(monitor).get(LIST)
    assert response.status_code == 200
    w = world
    assert ids(response) == [w["qindu_open"].pk, w["qindu_ack"].pk, w["binzhou_open"].pk, w["binzhou_offline"].pk]
    assert tab(response, "active") == 4 and tab(response, "closed") == 1 and tab(response, "all") == 5
    assert response.context["page"].paginator.count == 4
    html = response.content.decode()
    assert "热电二氧化硫超标" in html and "热电烟尘超标" not in html
    assert 'name="ids"' in html  # bulk acknowledge for those who may change alarms


def test_district_handler_sees_only_their_district(login, handler, world):
    response = login(handler).get(LIST, {"status": "all"})
    assert set(ids(response)) == {world["qindu_open"].pk, world["qindu_ack"].pk, world["qindu_closed"].pk}
    assert tab(response, "all") == 3
    client = login(handler)
    assert client.get(world["binzhou_open"].get_absolute_url()).status_code == 404
    assert client.get(world["qindu_open"].get_absolute_url()).status_code == 200


def test_enterprise_user_sees_only_their_enterprise_and_cannot_act(login, enterprise_user, world):
    client = login(enterprise_user)
    response = client.get(LIST, {"status": "all"})
    assert set(ids(response)) == {world["qindu_open"].pk, world["qindu_ack"].pk, world["qindu_closed"].pk}
    assert 'name="ids"' not in response.content.decode()
    assert response.context["can_export"] is False
    assert client.get(LIST, {"export": "csv"}).status_code == 403
    detail = client.get(world["qindu_open"].get_absolute_url())
    assert detail.status_code == 200 and detail.context["forms"] == {}
    response = client.post(f"/alarms/{world['qindu_open'].pk}/acknowledge/")
    assert response.status_code == 403
    assert client.get(world["binzhou_open"].get_absolute_url()).status_code == 404


def test_anonymous_and_roles_without_alarms(client, consumer, world):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(world["qindu_open"].get_absolute_url()).status_code == 302
    client.force_login(consumer)
    assert client.get(LIST).status_code == 403
    assert client.get("/alarms/badge/").content == b""  # every page asks for the badge: empty, never a 403


# --- filters, tabs, sort, pages ------------------------------------------------------------------------------


def test_filters(login, monitor, world, qindu, offline_rule):
    client = login(monitor)
    w = world
    assert ids(client.get(LIST, {"kind": RuleKind.DEVICE_OFFLINE})) == [w["binzhou_offline"].pk]
    assert ids(client.get(LIST, {"district": qindu.pk})) == [w["qindu_open"].pk, w["qindu_ack"].pk]
    assert ids(client.get(LIST, {"severity": Severity.WARNING})) == [w["binzhou_offline"].pk]
    assert ids(client.get(LIST, {"rule": offline_rule.pk})) == [w["binzhou_offline"].pk]
    assert ids(client.get(LIST, {"status": "acknowledged"})) == [w["qindu_ack"].pk]
    closed = client.get(LIST, {"status": "closed"})
    assert ids(closed) == [w["qindu_closed"].pk]
    assert '<input type="hidden" name="status" value="closed">' in closed.content.decode()  # filtering keeps the tab
    # time range in China days: T0 is 2026-11-20 16:00 Beijing time
    assert ids(client.get(LIST, {"triggered_from": "2026-11-19", "triggered_to": "2026-11-19"})) == [w["qindu_ack"].pk]
    assert ids(client.get(LIST, {"triggered_from": "2026-11-20"})) == [w["qindu_open"].pk]


def test_search_by_title_enterprise_and_station(login, monitor, world):
    client = login(monitor)
    w = world
    assert ids(client.get(LIST, {"q": "彬州示范水泥"})) == [w["binzhou_open"].pk]  # the enterprise's name
    assert ids(client.get(LIST, {"q": "彬州监测站"})) == [w["binzhou_offline"].pk]  # the station's name
    assert ids(client.get(LIST, {"q": "氮氧化物"})) == [w["qindu_ack"].pk]  # the title
    response = client.get(LIST, {"q": "没有这个"})
    assert ids(response) == [] and "没有符合条件的报警" in response.content.decode()


def test_tabs_count_with_the_other_filters(login, monitor, world, qindu):
    response = login(monitor).get(LIST, {"district": qindu.pk})
    assert tab(response, "active") == 2 and tab(response, "open") == 1 and tab(response, "closed") == 1


def test_bad_filters_say_so_and_fall_back_to_open_alarms(login, monitor, world):
    response = login(monitor).get(LIST, {"triggered_from": "2026-13-45", "status": "bogus"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "筛选条件有误" in html
    assert len(ids(response)) == 4


def test_sort_and_pages(login, monitor, world, emission_rule, enterprise_in_qindu):
    client = login(monitor)
    by_severity = ids(client.get(LIST, {"sort": "severity"}))
    assert by_severity[0] == world["binzhou_offline"].pk  # 一般 before 严重
    for n in range(30):
        ui_data.alarm(emission_rule, enterprise=enterprise_in_qindu, triggered_at=ui_data.T0 - timedelta(hours=n + 1))
    first = client.get(LIST, {"per_page": 25})
    second = client.get(LIST, {"per_page": 25, "page": 2})
    assert first.context["page"].paginator.count == 34
    assert len(ids(first)) == 25 and len(ids(second)) == 9
    assert not set(ids(first)) & set(ids(second))
    assert "page=2" in first.content.decode()


def test_empty_centre_says_so(login, monitor, base_data):
    response = login(monitor).get(LIST)
    assert "当前没有未关闭的报警" in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(
    login, monitor, world, emission_rule, enterprise_in_qindu, qindu, django_assert_max_num_queries
):
    from ecobrain.workorders.services import create_workorder

    client = login(monitor)
    client.get(LIST)
    factors = list(MonitoringFactor.objects.filter(code__in=["a21026", "a21002", "a34013"]))
    orders = [create_workorder(actor=monitor, title=f"核查{n}", district=qindu) for n in range(3)]
    for n in range(40):
        ui_data.alarm(
            emission_rule,
            enterprise=enterprise_in_qindu,
            factor=factors[n % 3],
            status=AlarmStatus.DISPATCHED if n % 4 == 0 else AlarmStatus.OPEN,
            workorder=orders[n % 3] if n % 4 == 0 else None,
        )
    # session, user, 3 name look-ups of the search (enterprises, stations, outlets), counts per state, the page's
    # ids, its rows (four joins), their rules, factors and work orders, the filter form's districts and rules, and
    # the navigation bar's unread-notification badge (docs/notifications.md)
    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"q": "热电"})
    assert response.status_code == 200 and len(ids(response)) == 42  # the enterprise's name matches 热电
    assert orders[0].number in response.content.decode()


def test_htmx_request_gets_the_results_only(login, monitor, world):
    response = login(monitor).get(LIST, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'data-status-count="active"' in html


# --- bulk acknowledgement and exports ----------------------------------------------------------------------


def test_bulk_acknowledge_over_http(login, handler, world):
    client = login(handler)
    w = world
    response = client.post(
        "/alarms/acknowledge/",
        {
            "ids": [w["qindu_open"].pk, w["qindu_ack"].pk, w["binzhou_open"].pk],
            "note": "值班确认",
            "next": "/alarms/?status=all",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/alarms/?status=all"
    text = response.content.decode()
    assert "已确认 1 条报警" in text
    assert "跳过 2 条" in text and "无需确认（1 条）" in text and "不在您的权限范围内（1 条）" in text
    assert Alarm.objects.get(pk=w["qindu_open"].pk).status == AlarmStatus.ACKNOWLEDGED
    assert Alarm.objects.get(pk=w["binzhou_open"].pk).status == AlarmStatus.OPEN
    response = client.post("/alarms/acknowledge/", {"next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/alarms/"  # no open redirect
    assert "请至少选择一条报警" in response.content.decode()


def test_exports_follow_the_filters(login, monitor, world, qindu):
    client = login(monitor)
    response = client.get(LIST, {"district": qindu.pk, "status": "all", "export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "标题", "状态"] and "规则" in rows[0] and "误报原因" in rows[0]
    assert sorted(r[1] for r in rows[1:]) == sorted(["热电二氧化硫超标", "热电氮氧化物超标", "热电烟尘超标"])
    assert {r[2] for r in rows[1:]} == {"待处理", "已确认", "已关闭"}
    response = client.get(LIST, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][1] == "标题" and len(values) == 5  # header + 4 open alarms


# --- the alarm page and its actions -------------------------------------------------------------------------


def test_detail_shows_facts_timeline_and_the_allowed_actions(login, monitor, world):
    alarm = world["qindu_open"]
    response = login(monitor).get(alarm.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "热电二氧化硫超标" in html and "咸阳示范热电有限公司" in html and "排放超标（小时）" in html
    assert list(response.context["forms"]) == ["acknowledge", "dispatch", "resolve", "close", "mark_false", "comment"]
    assert [e.kind for e in response.context["events"]] == [AlarmEventKind.TRIGGERED]
    assert alarm.enterprise.get_absolute_url() in html  # the object is a link


def test_handler_gets_no_dispatch_form(login, handler, world):
    response = login(handler).get(world["qindu_ack"].get_absolute_url())
    assert list(response.context["forms"]) == ["resolve", "close", "mark_false", "comment"]


def test_each_action_over_http(login, monitor, world):
    client = login(monitor)
    alarm = world["qindu_open"]
    url = alarm.get_absolute_url()
    response = client.post(f"{url}acknowledge/", {"acknowledge-note": "收到"}, follow=True)
    assert "已确认该报警" in response.content.decode()
    response = client.post(f"{url}comment/", {"comment-text": "已通知企业环保负责人"}, follow=True)
    assert "已添加备注" in response.content.decode()
    response = client.post(f"{url}dispatch/", {"dispatch-priority": "3"}, follow=True)
    workorder = WorkOrder.objects.get()
    assert f"已派发任务单 {workorder.number}" in response.content.decode()
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.DISPATCHED and alarm.workorder == workorder
    assert workorder.number in response.content.decode()  # the linked order on the page
    assert [e.kind for e in response.context["events"]] == [
        AlarmEventKind.TRIGGERED,
        AlarmEventKind.ACKNOWLEDGED,
        AlarmEventKind.COMMENTED,
        AlarmEventKind.DISPATCHED,
    ]
    other = world["qindu_ack"]
    client.post(f"{other.get_absolute_url()}resolve/", {"resolve-note": ""})
    client.post(f"{other.get_absolute_url()}close/", {"close-note": "已整改"})
    other.refresh_from_db()
    assert other.status == AlarmStatus.CLOSED


def test_refused_and_invalid_actions_show_the_message(login, monitor, world):
    client = login(monitor)
    alarm = world["qindu_ack"]
    url = alarm.get_absolute_url()
    response = client.post(f"{url}mark_false/", {"mark_false-reason": ""})
    assert response.status_code == 400
    assert response.context["forms"]["mark_false"].errors == {"reason": ["请填写误报原因。"]}
    assert 'data-error-for="reason"' in response.content.decode()
    response = client.post(f"{url}acknowledge/", {})
    assert response.status_code == 400  # acknowledged already: no such form now, the service refuses
    assert "报警当前状态为“已确认”，不能确认。" in response.content.decode()
    response = client.post(f"{url}dispatch/", {"dispatch-priority": "2", "dispatch-deadline": "2020-01-01T08:00"})
    assert response.status_code == 400
    assert "办理期限须晚于当前时间" in response.content.decode()
    assert client.post(f"{url}explode/", {}).status_code == 404
    assert AlarmEvent.objects.filter(alarm=alarm).count() == 1
    assert WorkOrder.objects.count() == 0


def test_actions_out_of_scope_are_404(login, handler, world):
    client = login(handler)
    response = client.post(f"/alarms/{world['binzhou_open'].pk}/acknowledge/", {"acknowledge-note": ""})
    assert response.status_code == 404
    assert Alarm.objects.get(pk=world["binzhou_open"].pk).status == AlarmStatus.OPEN


# --- the chart ------------------------------------------------------------------------------------------------


def test_chart_of_an_observation_alarm_is_bounded_around_it(login, monitor, emission_rule, enterprise_in_qindu):
    outlet = factories.outlet(enterprise_in_qindu)
    device = factories.device(outlet=outlet)
    factor = MonitoringFactor.objects.get(code="a21026")
    series = Series.objects.create(device=device, factor=factor)
    first = ui_data.T0
    rows = [
        HourObservation(
            series=series,
            period_start=first + timedelta(hours=h),
            value=Decimal(str(30 + h)),
            value_text=str(30 + h),
            stats={"ZsAvg": str(40 + h)},
            received_at=first + timedelta(hours=h, minutes=5),
        )
        for h in range(-48, 48)
    ]
    HourObservation.objects.bulk_create(rows)
    alarm = ui_data.alarm(
        emission_rule,
        outlet=outlet,
        series=series,
        factor=factor,
        resolution="hour",
        threshold=35.0,
        first_period=first,
        last_period=first + timedelta(hours=3),
        last_value=33.0,
        unit="mg/m³",
    )
    chart = login(monitor).get(alarm.get_absolute_url()).context["chart"]
    measured, converted = chart["series"]
    assert chart["kind"] == "series" and chart["threshold"] == 35.0
    assert len(measured["data"]) == 12 + 4 + 12  # 12 hours either side of the alarm's four hours, both ends
    assert measured["data"][0][1] == 18.0 and converted["data"][0][1] == 28.0
    assert chart["end"] - chart["start"] == (3 + 24) * 3600 * 1000


def test_chart_of_an_ambient_alarm_reads_the_stations_aqi(login, monitor, qindu):
    station = factories.station(qindu, name="秦都空气站")
    rule = ui_data.rule(RuleKind.AMBIENT_THRESHOLD, params={"target": "station", "metric": "pm2_5", "threshold": 150})
    for h in range(-20, 20):
        AirQualityHour.objects.create(
            scope=Scope.STATION,
            station=station,
            period_start=ui_data.T0 + timedelta(hours=h),
            pm2_5=100 + h,
            aqi=120 + h,
            edition="HJ 633-2026",
            computed_at=ui_data.T0,
        )
    alarm = ui_data.alarm(rule, station=station, threshold=150.0, first_period=ui_data.T0, last_period=ui_data.T0)
    chart = login(monitor).get(alarm.get_absolute_url()).context["chart"]
    assert chart["series"][0]["data"][0][1] == 88.0  # PM2.5 at T0 − 12 h
    assert len(chart["series"][0]["data"]) == 25 and chart["threshold"] == 150.0  # T0 ± 12 h, both ends


def test_chart_of_an_offline_alarm_is_the_status_history(login, monitor, offline_rule, binzhou):
    station = factories.station(binzhou)
    device = factories.device(station=station)
    t = ui_data.T0
    DeviceStatusChange.objects.create(device=device, online=True, at=t - timedelta(days=2))
    DeviceStatusChange.objects.create(device=device, online=False, at=t)
    DeviceStatusChange.objects.create(device=device, online=True, at=t + timedelta(hours=5))
    alarm = ui_data.alarm(offline_rule, station=station, device=device, cleared_at=t + timedelta(hours=5))
    chart = login(monitor).get(alarm.get_absolute_url()).context["chart"]
    assert chart["kind"] == "status"
    assert [point[1] for point in chart["series"][0]["data"]] == [1, 0, 1, 1]


def test_an_alarm_without_data_says_so(login, monitor, world):
    response = login(monitor).get(world["qindu_open"].get_absolute_url())
    assert response.context["chart"] is None
    assert "该报警没有关联的数据序列" in response.content.decode()


# --- navbar badge and the object tab ------------------------------------------------------------------------


def test_badge_counts_open_alarms_in_scope(login, handler, monitor, world):
    assert login(handler).get("/alarms/badge/").content == b"2"
    assert login(monitor).get("/alarms/badge/").content == b"4"
    home = login(monitor).get("/")
    assert 'hx-get="/alarms/badge/"' in home.content.decode()


def test_enterprise_page_has_an_alarm_tab(login, handler, world, enterprise_in_qindu):
    response = login(handler).get(enterprise_in_qindu.get_absolute_url())
    html = response.content.decode()
    assert "tab-alarms" in html and "热电二氧化硫超标" in html
    assert f"/alarms/?enterprise={enterprise_in_qindu.pk}" in html
    assert "未关闭报警 2 条" in html


def test_alarm_pages_in_english(login, monitor, world, emission_rule):
    """The alarm centre, an alarm page and the rule pages follow the language (Accept-Language: en); data such as
    titles and names stay as entered."""
    client = login(monitor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = client.get(LIST).content.decode()
    for text in ("Alarm centre", "Acknowledge selected alarms", "Not closed", "False alarm", "Severity", "Severe"):
        assert text in body, text
    for chinese in ("报警中心", "确认所选报警", "未关闭", "误报", "报警级别", "严重"):
        assert chinese not in body, chinese
    assert "热电二氧化硫超标" in body  # an alarm's title is data
    alarm = world["qindu_open"]
    body = client.get(alarm.get_absolute_url()).content.decode()
    for text in (f"Alarm {alarm.pk}", "Handling history", "Triggered", "Acknowledge alarm", "Dispatch work order"):
        assert text in body, text
    for chinese in ("处置记录", "确认报警", "派发任务单", "标记误报", "触发"):
        assert chinese not in body, chinese
    refused = client.post(f"{LIST}{world['qindu_closed'].pk}/close/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Cannot close: the alarm is “Closed”." in refused.content.decode()
    body = client.get(emission_rule.get_absolute_url()).content.decode()
    for text in ("Rule kind", "Emission exceedance", "Disable", "Clearing hysteresis (ratio)", "0.1 (10%)"):
        assert text in body, text
    body = client.get("/alarms/rules/add/?kind=ambient_threshold").content.decode()
    for text in ("New alarm rule", "Air quality above threshold", "Threshold", "O₃ (8-hour moving)"):
        assert text in body, text
    assert "阈值" not in body and "新增报警规则" not in body
