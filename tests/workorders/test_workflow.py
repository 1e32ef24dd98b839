"""The city ⇄ district flow over HTTP, persona by persona: dispatch, sign, assign, handle, submit with a photo,
check and close; return for rework; transfer; extension requested and decided; cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecobrain.notifications.models import Notification
from ecobrain.workorders.choices import ExtensionStatus, WorkOrderEventKind, WorkOrderStatus
from ecobrain.workorders.hooks import _CLOSED_HOOKS, register_closed_hook
from ecobrain.workorders.models import ExtensionRequest, WorkOrder, WorkOrderAttachment
from tests.workorders.conftest import client_for, photo


def post_step(client, workorder, step, data=None, **extra):
    prefixed = {f"{step}-{key}": value for key, value in (data or {}).items()}
    return client.post(f"/workorders/{workorder.pk}/{step}/", {**prefixed, **extra})


def timeline(workorder) -> list[tuple[str, str, str]]:
    return list(workorder.events.order_by("at", "pk").values_list("kind", "from_status", "to_status"))


@pytest.fixture
def hook_calls():
    """Record the closed hooks the services run (the alarms app registers the real one for its source)."""
    calls = []

    def record(workorder, *, actor, now):
        calls.append((workorder.pk, workorder.status, actor.pk if actor else None))

    register_closed_hook("manual", record)
    yield calls
    _CLOSED_HOOKS["manual"] = [h for h in _CLOSED_HOOKS["manual"] if h is not record]


def test_city_dispatches_branch_handles_city_closes(
    city_staff, qindu_handler, qindu_colleague, qindu, enterprise_in_qindu, hook_calls
):
    city = client_for(city_staff)
    response = city.post(
        "/workorders/new/",
        {
            "title": "夜间偷排核查",
            "source": "manual",
            "priority": "3",
            "description": "群众反映夜间有异味，请现场核查。",
            "district": qindu.pk,
            "enterprise": enterprise_in_qindu.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    workorder = WorkOrder.objects.get(title="夜间偷排核查")
    assert response["Location"] == workorder.get_absolute_url()
    assert workorder.status == WorkOrderStatus.DISPATCHED
    assert workorder.assignee_org.code == "610402-branch"  # the district's branch by default
    assert workorder.dispatcher_org.code == "610400-enforcement"
    # The branch is told.
    assert Notification.objects.filter(recipient=qindu_handler, event_key=f"workorder:{workorder.pk}:dispatched")

    branch = client_for(qindu_handler)
    mine = branch.get("/workorders/").content.decode()
    assert workorder.number in mine  # "本单位承办" is the branch's default tab
    page = branch.get(workorder.get_absolute_url()).content.decode()
    assert 'data-step="accept"' in page and 'data-step="close"' not in page

    assert post_step(branch, workorder, "accept", {"message": "已收到"}).status_code == 302
    assert post_step(branch, workorder, "assign", {"assignee": qindu_colleague.pk}).status_code == 302
    handler = client_for(qindu_colleague)
    assert qindu_colleague.pk in set(
        Notification.objects.filter(title__startswith="指派给您的任务").values_list("recipient", flat=True)
    )
    assert post_step(handler, workorder, "start").status_code == 302
    response = handler.post(
        f"/workorders/{workorder.pk}/submit/",
        {"submit-result": "已现场核查，企业已整改。", "submit-attachments": [photo()]},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    workorder.refresh_from_db()
    assert workorder.status == WorkOrderStatus.SUBMITTED
    assert workorder.assignee == qindu_colleague
    evidence = WorkOrderAttachment.objects.get(workorder=workorder)
    assert evidence.content_type == "image/jpeg" and evidence.event.kind == WorkOrderEventKind.SUBMITTED
    # The dispatching side is told a result waits for them.
    assert Notification.objects.filter(recipient=city_staff, title__startswith="任务待审核")

    # The branch cannot check its own work.
    assert post_step(handler, workorder, "close").status_code == 403
    assert post_step(city, workorder, "close", {"note": "核查属实，同意办结"}).status_code == 302
    workorder.refresh_from_db()
    assert workorder.status == WorkOrderStatus.CLOSED
    assert workorder.closed_on_time is True
    assert hook_calls == [(workorder.pk, WorkOrderStatus.CLOSED, city_staff.pk)]
    assert timeline(workorder) == [
        ("created", "", "dispatched"),
        ("accepted", "dispatched", "accepted"),
        ("assigned", "accepted", "accepted"),
        ("started", "accepted", "in_progress"),
        ("submitted", "in_progress", "submitted"),
        ("verified", "submitted", "closed"),
    ]
    assert Notification.objects.filter(recipient=qindu_colleague, title__startswith="任务已办结")
    body = city.get(workorder.get_absolute_url()).content.decode()
    assert "已现场核查，企业已整改。" in body and "现场照片.jpg" in body


def test_a_step_not_allowed_in_the_state_is_refused_in_chinese(order, qindu_handler, city_staff):
    branch = client_for(qindu_handler)
    response = post_step(branch, order, "submit", {"result": "提前提交"})
    assert response.status_code == 400
    assert "当前状态为“已派发”，不能提交办理结果" in response.content.decode()
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.DISPATCHED and order.events.count() == 1
    # Closing an order that nobody submitted: the dispatching side is told why not.
    response = post_step(client_for(city_staff), order, "close")
    assert response.status_code == 400 and "不能审核办结" in response.content.decode()


def test_return_for_rework_then_late_submission_closes_late(order, qindu_handler, city_staff, hook_calls):
    branch, city = client_for(qindu_handler), client_for(city_staff)
    post_step(branch, order, "accept")
    post_step(branch, order, "start")
    post_step(branch, order, "submit", {"result": "已整改"})
    assert post_step(city, order, "return", {"reason": ""}).status_code == 400  # a reason is required
    assert post_step(city, order, "return", {"reason": "缺少整改前后照片"}).status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.RETURNED and order.rework_count == 1
    assert Notification.objects.filter(recipient=qindu_handler, title__startswith="任务被退回重办")
    # Resubmitted after the deadline: the order closes, but not on time.
    WorkOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert (
        post_step(branch, order, "submit", {"result": "补充照片"}, **{"submit-attachments": [photo()]}).status_code
        == 302
    )
    assert post_step(city, order, "close").status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.CLOSED and order.closed_on_time is False
    kinds = [kind for kind, _f, _t in timeline(order)]
    assert kinds == ["created", "accepted", "started", "submitted", "returned", "submitted", "verified"]


def test_transfer_to_another_branch_keeps_the_deadline(order, city_staff, qindu_handler, binzhou_handler, binzhou):
    branch = client_for(qindu_handler)
    post_step(branch, order, "accept")
    deadline = order.deadline
    from ecobrain.core.models import Organisation

    binzhou_branch = Organisation.objects.get(code="610482-branch")
    # A branch cannot hand its order to another one itself.
    assert (
        post_step(branch, order, "transfer", {"assignee_org": binzhou_branch.pk, "reason": "不属本辖区"}).status_code
        == 403
    )
    city = client_for(city_staff)
    response = post_step(city, order, "transfer", {"assignee_org": binzhou_branch.pk, "reason": "企业实际位于彬州"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.assignee_org, order.district, order.status) == (binzhou_branch, binzhou, WorkOrderStatus.DISPATCHED)
    assert order.deadline == deadline and order.assignee is None and order.accepted_at is None
    assert Notification.objects.filter(recipient=binzhou_handler, title__startswith="转办给您单位的任务")
    assert Notification.objects.filter(recipient=qindu_handler, title__startswith="任务已转办")
    # Now it is Binzhou's: Qindu no longer sees it; Binzhou signs for it.
    assert branch.get(order.get_absolute_url()).status_code == 404
    assert post_step(client_for(binzhou_handler), order, "accept").status_code == 302
    event = order.events.get(kind=WorkOrderEventKind.TRANSFERRED)
    assert (event.from_status, event.to_status) == ("accepted", "dispatched")
    assert event.data["from_org_name"] == "咸阳市生态环境局秦都区分局"


def test_extension_requested_approved_and_rejected(order, city_staff, qindu_handler):
    branch, city = client_for(qindu_handler), client_for(city_staff)
    post_step(branch, order, "accept")
    old = order.deadline
    # Asking for a date before the current deadline is refused.
    early = (old - timedelta(days=2)).astimezone().date().isoformat()
    response = post_step(branch, order, "request_extension", {"requested_date": early, "reason": "等待检测报告"})
    assert response.status_code == 400 and "须晚于当前期限" in response.content.decode()
    later = (old + timedelta(days=7)).date().isoformat()
    assert (
        post_step(branch, order, "request_extension", {"requested_date": later, "reason": "等待检测报告"}).status_code
        == 302
    )
    # One pending request at a time.
    response = post_step(branch, order, "request_extension", {"requested_date": later, "reason": "再申请"})
    assert response.status_code == 400 and "已有待审批的延期申请" in response.content.decode()
    extension = ExtensionRequest.objects.get(workorder=order)
    assert Notification.objects.filter(recipient=city_staff, title__startswith="延期申请待审批")
    # The branch cannot approve its own request.
    assert (
        post_step(branch, order, "decide_extension", {"decision": "approve"}, extension=extension.pk).status_code == 403
    )
    assert (
        post_step(
            city, order, "decide_extension", {"decision": "approve", "note": "同意"}, extension=extension.pk
        ).status_code
        == 302
    )
    order.refresh_from_db()
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.APPROVED and order.deadline == extension.requested_deadline > old
    assert Notification.objects.filter(recipient=qindu_handler, title__startswith="延期申请已同意")
    # A second request is rejected with a reason; the deadline stays.
    much_later = (order.deadline + timedelta(days=30)).date().isoformat()
    post_step(branch, order, "request_extension", {"requested_date": much_later, "reason": "人手不足"})
    second = ExtensionRequest.objects.get(workorder=order, status=ExtensionStatus.PENDING)
    response = post_step(city, order, "decide_extension", {"decision": "reject", "note": ""}, extension=second.pk)
    assert response.status_code == 400 and "驳回延期申请须说明理由" in response.content.decode()
    post_step(city, order, "decide_extension", {"decision": "reject", "note": "请按期办结"}, extension=second.pk)
    second.refresh_from_db()
    deadline = order.deadline
    order.refresh_from_db()
    assert second.status == ExtensionStatus.REJECTED and order.deadline == deadline
    kinds = [kind for kind, _f, _t in timeline(order)]
    assert kinds.count("extension_requested") == 2 and "extension_approved" in kinds and "extension_rejected" in kinds


def test_cancel_runs_the_hooks_and_expires_a_pending_extension(order, city_staff, qindu_handler, hook_calls):
    branch = client_for(qindu_handler)
    post_step(branch, order, "accept")
    later = (order.deadline + timedelta(days=3)).date().isoformat()
    post_step(branch, order, "request_extension", {"requested_date": later, "reason": "等待"})
    city = client_for(city_staff)
    assert post_step(city, order, "cancel", {"reason": ""}).status_code == 400
    assert post_step(city, order, "cancel", {"reason": "重复派单"}).status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.CANCELLED
    assert hook_calls == [(order.pk, WorkOrderStatus.CANCELLED, city_staff.pk)]
    assert ExtensionRequest.objects.get(workorder=order).status == ExtensionStatus.REJECTED
    # Nothing more happens to a cancelled order.
    assert post_step(branch, order, "start").status_code == 400


def test_comment_by_either_side_tells_the_other(order, city_staff, qindu_handler):
    branch = client_for(qindu_handler)
    assert post_step(branch, order, "comment", {"message": ""}).status_code == 400
    assert post_step(branch, order, "comment", {"message": "明天到现场"}).status_code == 302
    assert Notification.objects.filter(recipient=city_staff, title__startswith="任务有新备注")
    assert post_step(client_for(city_staff), order, "comment", {"message": "注意取样"}).status_code == 302
    assert Notification.objects.filter(recipient=qindu_handler, title__startswith="任务有新备注").count() == 1


def test_assign_only_to_a_member_of_the_branch_who_can_handle_it(order, qindu_handler, binzhou_handler, city_staff):
    branch = client_for(qindu_handler)
    post_step(branch, order, "accept")
    page = branch.get(order.get_absolute_url()).content.decode()
    assert "秦都分局张三" in page and "彬州分局王五" not in page  # the picker offers the branch's own staff
    response = post_step(branch, order, "assign", {"assignee": binzhou_handler.pk})
    assert response.status_code == 400
    from ecobrain.workorders.services import assign_workorder

    with pytest.raises(Exception, match="不是承办单位"):
        assign_workorder(order, actor=qindu_handler, assignee=binzhou_handler)


def test_a_failing_step_writes_nothing_and_tells_nobody(order, city_staff, qindu_handler):
    """One transaction per step: when the source's closed hook fails, the close, its timeline row and its
    notifications roll back together."""
    from ecobrain.workorders.services import (
        accept_workorder,
        start_workorder,
        submit_workorder,
        verify_and_close_workorder,
    )

    accept_workorder(order, actor=qindu_handler)
    start_workorder(order, actor=qindu_handler)
    submit_workorder(order, actor=qindu_handler, result="已整改")

    def broken(workorder, *, actor, now):
        raise RuntimeError("the source app could not close its records")

    register_closed_hook("manual", broken)
    try:
        with pytest.raises(RuntimeError):
            verify_and_close_workorder(order, actor=city_staff)
    finally:
        _CLOSED_HOOKS["manual"] = [h for h in _CLOSED_HOOKS["manual"] if h is not broken]
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.SUBMITTED and order.closed_at is None
    assert not order.events.filter(kind=WorkOrderEventKind.VERIFIED).exists()
    assert not Notification.objects.filter(title__startswith="任务已办结").exists()
