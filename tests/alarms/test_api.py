"""/api/v1/alarms/ and /api/v1/alarm-rules/: the same filters and scope as the pages, the actions through the
lifecycle services (refusals are 400 with the reason), bulk acknowledgement, rule CRUD with typed parameters."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from ecobrain.alarms.choices import AlarmEventKind, AlarmStatus, RuleKind, Severity
from ecobrain.alarms.models import Alarm, AlarmRule
from ecobrain.workorders.models import WorkOrder
from tests.alarms import ui_data

API = "/api/v1/alarms/"
RULES = "/api/v1/alarm-rules/"


@pytest.fixture
def as_user():
    def _as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as


@pytest.fixture
def world(base_data, enterprise_in_qindu, enterprise_in_binzhou):
    rule = ui_data.rule(RuleKind.EMISSION_EXCEEDANCE, name="排放超标", severity=Severity.SEVERE)
    return {
        "rule": rule,
        "qindu": ui_data.alarm(rule, enterprise=enterprise_in_qindu, title="热电超标"),
        "qindu_closed": ui_data.alarm(rule, enterprise=enterprise_in_qindu, status=AlarmStatus.CLOSED),
        "binzhou": ui_data.alarm(rule, enterprise=enterprise_in_binzhou, title="水泥超标"),
    }


def result_ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def test_list_defaults_to_open_alarms_and_filters_like_the_page(as_user, monitor, world, qindu):
    client = as_user(monitor)
    assert result_ids(client.get(API)) == {world["qindu"].pk, world["binzhou"].pk}
    assert result_ids(client.get(API, {"status": "all"})) == {a.pk for k, a in world.items() if k != "rule"}
    assert result_ids(client.get(API, {"status": ["closed", "open"]})) == {
        a.pk for k, a in world.items() if k != "rule"
    }
    assert result_ids(client.get(API, {"district": qindu.pk})) == {world["qindu"].pk}
    assert result_ids(client.get(API, {"q": "彬州示范水泥"})) == {world["binzhou"].pk}
    row = client.get(API, {"enterprise": world["qindu"].enterprise_id}).json()["results"][0]
    assert row["status_display"] == "待处理" and row["enterprise_name"] == "咸阳示范热电有限公司"
    assert row["district_name"] == "秦都区" and row["rule_name"] == "排放超标" and "events" not in row
    assert client.get(API, {"status": "bogus"}).status_code == 400
    assert client.get(API, {"triggered_from": "yesterday"}).status_code == 400


def test_scope_per_persona(as_user, handler, enterprise_user, consumer, world):
    assert result_ids(as_user(handler).get(API)) == {world["qindu"].pk}
    assert result_ids(as_user(enterprise_user).get(API, {"status": "all"})) == {
        world["qindu"].pk,
        world["qindu_closed"].pk,
    }
    assert as_user(handler).get(f"{API}{world['binzhou'].pk}/").status_code == 404
    assert as_user(consumer).get(API).status_code == 403
    assert APIClient().get(API).status_code in (401, 403)


def test_detail_has_the_timeline(as_user, monitor, world):
    body = as_user(monitor).get(f"{API}{world['qindu'].pk}/").json()
    assert body["title"] == "热电超标"
    assert [e["kind"] for e in body["events"]] == [AlarmEventKind.TRIGGERED]
    assert body["events"][0]["actor_name"] == "系统"


def test_actions(as_user, monitor, world):
    client = as_user(monitor)
    url = f"{API}{world['qindu'].pk}/"
    body = client.post(f"{url}acknowledge/", {"note": "收到"}, format="json").json()
    assert body["status"] == AlarmStatus.ACKNOWLEDGED and body["events"][-1]["message"] == "收到"
    body = client.post(f"{url}comment/", {"text": "已联系"}, format="json").json()
    assert body["events"][-1]["kind"] == AlarmEventKind.COMMENTED
    body = client.post(f"{url}dispatch/", {"priority": 4}, format="json").json()
    workorder = WorkOrder.objects.get()
    assert body["status"] == AlarmStatus.DISPATCHED and body["workorder_number"] == workorder.number
    assert workorder.priority == 4
    response = client.post(f"{url}close/", {}, format="json")
    assert response.status_code == 400
    assert "已派单的报警在任务单" in response.json()["non_field_errors"][0]
    other = f"{API}{world['binzhou'].pk}/"
    response = client.post(f"{other}mark-false/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    body = client.post(f"{other}mark-false/", {"reason": "校准"}, format="json").json()
    assert body["status"] == AlarmStatus.FALSE_ALARM and body["false_reason"] == "校准"
    response = client.post(f"{other}resolve/", {}, format="json")
    assert response.json() == {"non_field_errors": ["报警当前状态为“误报”，不能标记为已恢复。"]}


def test_actions_need_the_change_grant_and_the_scope(as_user, handler, enterprise_user, leader, world):
    url = f"{API}{world['qindu'].pk}/acknowledge/"
    assert as_user(enterprise_user).post(url, {}, format="json").status_code == 403
    assert as_user(leader).post(url, {}, format="json").status_code == 403
    assert as_user(handler).post(f"{API}{world['binzhou'].pk}/acknowledge/", {}, format="json").status_code == 404
    response = as_user(handler).post(f"{API}{world['qindu'].pk}/dispatch/", {}, format="json")
    assert response.status_code == 403  # handlers do not start work orders
    assert Alarm.objects.get(pk=world["qindu"].pk).status == AlarmStatus.OPEN


def test_bulk_acknowledge(as_user, handler, world):
    response = as_user(handler).post(
        f"{API}acknowledge/", {"ids": [world["qindu"].pk, world["binzhou"].pk, world["qindu_closed"].pk]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["done"] == [world["qindu"].pk] and body["done_count"] == 1 and body["skipped_count"] == 2
    reasons = {row["id"]: row["reason"] for row in body["skipped"]}
    assert reasons == {
        world["binzhou"].pk: "不存在或不在您的权限范围内",
        world["qindu_closed"].pk: "状态为“已关闭”，无需确认",
    }
    assert as_user(handler).post(f"{API}acknowledge/", {"ids": []}, format="json").status_code == 400


def test_list_query_count(as_user, monitor, world, enterprise_in_qindu, qindu, django_assert_max_num_queries):
    from ecobrain.registry.models import MonitoringFactor
    from ecobrain.workorders.services import create_workorder

    factors = list(MonitoringFactor.objects.filter(code__in=["a21026", "a21002"]))
    order = create_workorder(actor=monitor, title="核查", district=qindu)
    for n in range(30):
        ui_data.alarm(world["rule"], enterprise=enterprise_in_qindu, factor=factors[n % 2], workorder=order)
    client = as_user(monitor)
    client.get(API)
    with django_assert_max_num_queries(6):  # count, the page's ids, its rows (four joins), rules, factors, orders
        response = client.get(API)
    assert response.json()["count"] == 32
    assert {row["workorder_number"] for row in response.json()["results"]} == {order.number, None}


# --- rules ---------------------------------------------------------------------------------------------------


def test_rule_crud_with_typed_parameters(as_user, monitor, handler, qindu):
    client = as_user(monitor)
    response = client.post(
        RULES,
        {
            "name": "秦都 AQI",
            "kind": RuleKind.AMBIENT_THRESHOLD,
            "district": qindu.pk,
            "params": {"target": "district", "threshold": 150},
            "recipients": [handler.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["params"] == {"target": "district", "metric": "aqi", "threshold": 150.0, "hysteresis": 0.1}
    assert body["recipients"] == [handler.pk]
    rule = AlarmRule.objects.get()
    assert rule.created_by == monitor
    response = client.patch(f"{RULES}{rule.pk}/", {"params": {"threshold": -1}}, format="json")
    assert response.status_code == 400
    assert response.json() == {"params": ["阈值（threshold）须在 0.001–100000 之间，收到 -1。"]}
    response = client.patch(f"{RULES}{rule.pk}/", {"kind": RuleKind.DEVICE_OFFLINE}, format="json")
    assert response.status_code == 200 and response.json()["params"] == {"missed_intervals": 3}
    response = client.patch(f"{RULES}{rule.pk}/", {"params": {"window_hours": 3}}, format="json")
    assert response.status_code == 400 and "不支持参数 window_hours" in response.json()["params"][0]
    response = client.patch(f"{RULES}{rule.pk}/", {"enabled": False}, format="json")
    assert response.json()["enabled"] is False
    assert client.delete(f"{RULES}{rule.pk}/").status_code == 204


def test_rule_scope_errors_and_delete_conflict(as_user, monitor, world, qindu, enterprise_in_binzhou):
    client = as_user(monitor)
    response = client.post(
        RULES,
        {"name": "离线", "kind": RuleKind.DEVICE_OFFLINE, "district": qindu.pk, "enterprise": enterprise_in_binzhou.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"enterprise": ["彬州示范水泥有限公司 不在所选区县秦都区。"]}
    response = client.post(RULES, {"name": "x", "kind": RuleKind.WATER_CLASS, "factor": 1}, format="json")
    assert response.json() == {"factor": ["水质未达目标规则不按此项限定，请留空。"]}
    response = client.delete(f"{RULES}{world['rule'].pk}/")
    assert response.status_code == 409
    assert "已产生 3 条报警，不能删除" in response.json()["detail"]


def test_rule_permissions(as_user, handler, enterprise_user, qindu):
    assert (
        as_user(handler).post(RULES, {"name": "x", "kind": RuleKind.DEVICE_OFFLINE}, format="json").status_code == 403
    )
    ui_data.rule(RuleKind.DEVICE_OFFLINE, name="全市")
    ui_data.rule(RuleKind.DEVICE_OFFLINE, name="秦都", district=qindu)
    names = [row["name"] for row in as_user(handler).get(RULES).json()["results"]]
    assert names == ["秦都"]
    assert as_user(enterprise_user).get(RULES).status_code == 403


def test_schema_builds_without_warnings(base_data):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    schema = out.getvalue()
    for path in (
        "/api/v1/alarms/",
        "/api/v1/alarms/{id}/",
        "/api/v1/alarms/{id}/acknowledge/",
        "/api/v1/alarms/{id}/dispatch/",
        "/api/v1/alarms/{id}/mark-false/",
        "/api/v1/alarms/acknowledge/",
        "/api/v1/alarm-rules/{id}/",
    ):
        assert f'"{path}"' in schema
