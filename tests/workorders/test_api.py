"""/api/v1/workorders/: the same flow, filters and rules as the pages, with API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from ecobrain.accounts.models import APIToken
from ecobrain.workorders.choices import WorkOrderStatus
from ecobrain.workorders.models import WorkOrder
from tests.workorders.conftest import photo


def api(user) -> Client:
    _token, key = APIToken.issue(user)
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_the_flow_over_the_api(city_staff, qindu_handler, qindu_colleague, qindu, enterprise_in_qindu):
    city, branch = api(city_staff), api(qindu_handler)
    response = post(
        city,
        "/api/v1/workorders/",
        {"title": "API 派单", "district": qindu.pk, "enterprise": enterprise_in_qindu.pk, "priority": 3},
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "dispatched" and created["assignee_org_name"] == "咸阳市生态环境局秦都区分局"
    assert created["events"][0]["kind"] == "created" and created["allowed_steps"] == [
        "attach",
        "cancel",
        "comment",
        "transfer",
    ]
    url = f"/api/v1/workorders/{created['id']}/"
    assert branch.get(url).json()["allowed_steps"] == ["accept", "attach", "comment", "request_extension"]

    assert post(branch, url + "accept/", {"message": "收到"}).json()["status"] == "accepted"
    assert post(branch, url + "assign/", {"assignee": qindu_colleague.pk}).json()["assignee_name"] == "秦都分局李四"
    colleague = api(qindu_colleague)
    assert post(colleague, url + "start/").json()["status"] == "in_progress"
    # Submitting needs a result or evidence; evidence goes up as multipart.
    response = post(colleague, url + "submit/", {"result": ""})
    assert response.status_code == 400 and "至少一项" in response.json()["result"][0]
    response = colleague.post(url + "submit/", {"result": "已整改", "attachments": [photo()]})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "submitted" and body["attachments"][0]["name"] == "现场照片.jpg"
    assert colleague.get(body["attachments"][0]["url"]).status_code == 200

    response = post(city, url + "return/", {"reason": "照片不清晰"})
    assert response.json()["status"] == "returned" and response.json()["rework_count"] == 1
    post(colleague, url + "submit/", {"result": "已补充清晰照片"})
    response = post(city, url + "close/", {"note": "同意"})
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert response.json()["closed_on_time"] is True
    # Closed: nothing more to do but comment.
    response = post(branch, url + "start/")
    assert response.status_code == 400 and "当前状态为“已办结”" in response.json()["non_field_errors"][0]


def test_extension_and_transfer_over_the_api(order, city_staff, qindu_handler, binzhou_handler):
    from ecobrain.core.models import Organisation

    city, branch = api(city_staff), api(qindu_handler)
    url = f"/api/v1/workorders/{order.pk}/"
    post(branch, url + "accept/")
    wanted = (order.deadline + timedelta(days=5)).isoformat()
    response = post(branch, url + "request-extension/", {"requested_deadline": wanted, "reason": "等待监测报告"})
    assert response.status_code == 200
    extension = response.json()["extension_requests"][0]
    assert extension["status"] == "pending"
    assert "decide_extension" in city.get(url).json()["allowed_steps"]
    response = post(city, url + "decide-extension/", {"extension": extension["id"], "approve": True})
    assert response.status_code == 200 and response.json()["deadline"].startswith(wanted[:10])
    assert post(city, url + "decide-extension/", {"extension": extension["id"], "approve": True}).status_code == 404
    target = Organisation.objects.get(code="610482-branch")
    response = post(city, url + "transfer/", {"assignee_org": target.pk, "reason": "属彬州辖区"})
    assert response.status_code == 200 and response.json()["district_name"] == "彬州市"
    assert branch.get(url).status_code == 404
    assert api(binzhou_handler).get(url).json()["allowed_steps"][0] == "accept"


def test_list_filters_and_scope(city_staff, qindu, binzhou, binzhou_handler):
    from ecobrain.workorders.services import create_workorder

    mine = create_workorder(actor=city_staff, title="彬州的任务", district=binzhou)
    other = create_workorder(actor=city_staff, title="秦都的任务", district=qindu, source="complaint")
    WorkOrder.objects.filter(pk=other.pk).update(status=WorkOrderStatus.CLOSED)
    city = api(city_staff)
    assert {r["number"] for r in city.get("/api/v1/workorders/").json()["results"]} == {mine.number, other.number}
    assert [r["number"] for r in city.get("/api/v1/workorders/?status=open").json()["results"]] == [mine.number]
    assert [r["number"] for r in city.get("/api/v1/workorders/?source=complaint").json()["results"]] == [other.number]
    assert [r["number"] for r in city.get(f"/api/v1/workorders/?district={binzhou.pk}").json()["results"]] == [
        mine.number
    ]
    assert city.get("/api/v1/workorders/?ordering=deadline").status_code == 200
    # A district branch sees its own district's orders only.
    assert [r["number"] for r in api(binzhou_handler).get("/api/v1/workorders/").json()["results"]] == [mine.number]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"title": "", "district": None}, "title"),
        ({"title": "x"}, "district"),
        ({"title": "x", "district": "qindu", "deadline": "2020-01-01T00:00:00+08:00"}, "deadline"),
        ({"title": "x", "district": "qindu", "longitude": 116.4, "latitude": 39.9}, "longitude"),
        ({"title": "x", "district": "qindu", "source": "rumour"}, "source"),
    ],
)
def test_bad_input_is_a_clear_400(city_staff, qindu, payload, field):
    if payload.get("district") == "qindu":
        payload = {**payload, "district": qindu.pk}
    response = post(api(city_staff), "/api/v1/workorders/", payload)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not WorkOrder.objects.exists()


def test_the_schema_stays_clean(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())
