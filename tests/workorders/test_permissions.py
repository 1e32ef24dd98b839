"""Who sees and who acts: another district's branch neither sees nor acts (404), the wrong side is refused (403),
roles without the grant are refused, in the pages and the API alike."""

from __future__ import annotations

import pytest

from ecobrain.workorders.choices import WorkOrderStatus
from ecobrain.workorders.models import WorkOrderAttachment
from ecobrain.workorders.services import (
    accept_workorder,
    available_steps,
    create_workorder,
    start_workorder,
    submit_workorder,
)
from tests.workorders.conftest import client_for, photo

STEPS = ["accept", "assign", "start", "submit", "request_extension", "return", "close", "cancel", "transfer", "comment"]


@pytest.fixture
def submitted(order, qindu_handler):
    accept_workorder(order, actor=qindu_handler)
    start_workorder(order, actor=qindu_handler)
    submit_workorder(order, actor=qindu_handler, result="已整改", attachments=[photo()])
    order.refresh_from_db()
    return order


def test_another_district_neither_sees_nor_acts(submitted, binzhou_handler):
    client = client_for(binzhou_handler)
    assert client.get(submitted.get_absolute_url()).status_code == 404
    for step in STEPS:
        assert client.post(f"/workorders/{submitted.pk}/{step}/", {}).status_code == 404, step
    attachment = WorkOrderAttachment.objects.get(workorder=submitted)
    assert client.get(f"/workorders/attachments/{attachment.pk}/").status_code == 404
    for url in ("/workorders/", "/workorders/all/", "/workorders/overdue/?kind=supervised", "/api/v1/workorders/"):
        assert submitted.number not in client.get(url).content.decode(), url
    assert client.get(f"/api/v1/workorders/{submitted.pk}/").status_code == 404
    assert client.post(f"/api/v1/workorders/{submitted.pk}/close/", {}).status_code == 404
    assert client.get(f"/api/v1/workorders/{submitted.pk}/attachments/{attachment.pk}/").status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == WorkOrderStatus.SUBMITTED


def test_each_side_takes_only_its_own_steps(order, city_staff, qindu_handler, bureau_leader, city_colleague):
    assert available_steps(qindu_handler, order) == {"accept", "request_extension", "comment", "attach"}
    assert available_steps(city_staff, order) == {"cancel", "transfer", "comment", "attach"}
    # Another member of the dispatching organisation, and a leader (city-wide, may change) check too.
    assert available_steps(city_colleague, order) == available_steps(city_staff, order)
    assert {"cancel", "transfer"} <= available_steps(bureau_leader, order)
    # The city cannot sign for the branch.
    assert client_for(city_staff).post(f"/workorders/{order.pk}/accept/", {}).status_code == 403
    response = client_for(city_staff).post(
        f"/api/v1/workorders/{order.pk}/accept/", {}, content_type="application/json"
    )
    assert response.status_code == 403 and "承办单位" in response.json()["detail"]


def test_a_district_handler_without_an_organisation_only_reads(order, handler):
    """The shared persona ``handler`` covers 秦都区 but belongs to no branch: it sees the order, takes no step."""
    client = client_for(handler)
    assert client.get(order.get_absolute_url()).status_code == 200
    assert available_steps(handler, order) == {"comment"}
    assert client.post(f"/workorders/{order.pk}/accept/", {}).status_code == 403


def test_roles_without_the_grant(order, enterprise_user, consumer, qindu_handler):
    for user in (enterprise_user, consumer):
        client = client_for(user)
        assert client.get("/workorders/").status_code == 403
        assert client.get(order.get_absolute_url()).status_code in (403, 404)
        assert client.get("/api/v1/workorders/").status_code == 403
    # A branch handler does not dispatch orders.
    client = client_for(qindu_handler)
    assert client.get("/workorders/new/").status_code == 403
    assert client.post("/api/v1/workorders/", {"title": "x", "district": order.district_id}).status_code == 403


def test_dispatching_outside_the_scope_is_refused(qindu_handler, binzhou, base_data):
    from django.core.exceptions import PermissionDenied

    from tests.workorders.conftest import member

    qindu_monitor = member("qm", "monitoring_staff", "610400-monitoring", districts=[qindu_handler.districts.get()])
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        create_workorder(actor=qindu_monitor, title="越权派单", district=binzhou)
    client = client_for(qindu_monitor)
    response = client.post(
        "/workorders/new/", {"title": "越权派单", "source": "manual", "priority": "2", "district": binzhou.pk}
    )
    assert response.status_code == 400  # 彬州 is not among the districts the form offers
    assert "district" in response.context["form"].errors


def test_anonymous_is_sent_to_login(order, client):
    for url in ("/workorders/", order.get_absolute_url(), "/workorders/overdue/", "/workorders/statistics/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_the_wrong_side_is_refused_before_its_input_is_read(order, qindu_handler):
    # An empty reason would be a form error; the branch may not return an order at all, so it is a 403.
    response = client_for(qindu_handler).post(f"/workorders/{order.pk}/return/", {"return-reason": ""})
    assert response.status_code == 403
    assert "派发单位" in response.content.decode()
