"""The alarm lifecycle services: each step from the states that allow it, one timeline row each, the gate, the
refused steps with their messages, bulk acknowledgement, dispatch to a work order and the work-order hook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ecobrain.alarms.choices import AlarmEventKind, AlarmStatus, RuleKind, Severity
from ecobrain.alarms.models import Alarm, AlarmEvent
from ecobrain.alarms.services import lifecycle
from ecobrain.core.models import Organisation, OrganisationKind
from ecobrain.workorders.choices import Priority, WorkOrderSource, WorkOrderStatus
from ecobrain.workorders.hooks import run_closed_hooks
from ecobrain.workorders.models import WorkOrder
from tests.alarms import ui_data


@pytest.fixture
def emission_rule(base_data):
    return ui_data.rule(RuleKind.EMISSION_EXCEEDANCE, severity=Severity.SEVERE)


@pytest.fixture
def qindu_alarm(emission_rule, enterprise_in_qindu):
    return ui_data.alarm(emission_rule, enterprise=enterprise_in_qindu)


@pytest.fixture
def binzhou_alarm(emission_rule, enterprise_in_binzhou):
    return ui_data.alarm(emission_rule, enterprise=enterprise_in_binzhou)


def kinds(alarm) -> list[str]:
    return list(AlarmEvent.objects.filter(alarm=alarm).order_by("at", "pk").values_list("kind", flat=True))


def test_acknowledge_records_who_and_when(qindu_alarm, handler):
    now = timezone.now()
    lifecycle.acknowledge_alarm(qindu_alarm, actor=handler, note="已电话联系企业", now=now)
    qindu_alarm.refresh_from_db()
    assert qindu_alarm.status == AlarmStatus.ACKNOWLEDGED
    assert qindu_alarm.acknowledged_by == handler
    assert qindu_alarm.acknowledged_at == now
    assert kinds(qindu_alarm) == [AlarmEventKind.TRIGGERED, AlarmEventKind.ACKNOWLEDGED]
    event = AlarmEvent.objects.get(alarm=qindu_alarm, kind=AlarmEventKind.ACKNOWLEDGED)
    assert (event.actor, event.message) == (handler, "已电话联系企业")


def test_acknowledge_twice_is_refused_with_the_state(qindu_alarm, handler):
    lifecycle.acknowledge_alarm(qindu_alarm, actor=handler)
    with pytest.raises(ValidationError) as caught:
        lifecycle.acknowledge_alarm(qindu_alarm, actor=handler)
    assert "报警当前状态为“已确认”，不能确认。" in caught.value.messages[0]
    assert kinds(qindu_alarm).count(AlarmEventKind.ACKNOWLEDGED) == 1


def test_out_of_scope_handler_cannot_touch_another_districts_alarm(binzhou_alarm, handler):
    for step in (
        lambda: lifecycle.acknowledge_alarm(binzhou_alarm, actor=handler),
        lambda: lifecycle.comment_alarm(binzhou_alarm, actor=handler, text="看看"),
        lambda: lifecycle.close_alarm(binzhou_alarm, actor=handler),
        lambda: lifecycle.mark_false_alarm(binzhou_alarm, actor=handler, reason="误报"),
    ):
        with pytest.raises(PermissionDenied):
            step()
    binzhou_alarm.refresh_from_db()
    assert binzhou_alarm.status == AlarmStatus.OPEN
    assert kinds(binzhou_alarm) == [AlarmEventKind.TRIGGERED]


def test_view_only_roles_cannot_act(qindu_alarm, enterprise_user, leader):
    for user in (enterprise_user, leader):
        with pytest.raises(PermissionDenied):
            lifecycle.acknowledge_alarm(qindu_alarm, actor=user)


def test_comment_in_any_state_and_required_text(qindu_alarm, monitor):
    lifecycle.close_alarm(qindu_alarm, actor=monitor)
    event = lifecycle.comment_alarm(qindu_alarm, actor=monitor, text="  复核：企业已整改  ")
    assert event.kind == AlarmEventKind.COMMENTED
    assert event.message == "复核：企业已整改"
    with pytest.raises(ValidationError) as caught:
        lifecycle.comment_alarm(qindu_alarm, actor=monitor, text="   ")
    assert caught.value.message_dict == {"text": ["请填写内容。"]}
    with pytest.raises(ValidationError) as caught:
        lifecycle.comment_alarm(qindu_alarm, actor=monitor, text="长" * 2001)
    assert "最多 2000 字" in caught.value.message_dict["text"][0]


def test_resolve_then_close(qindu_alarm, monitor):
    lifecycle.resolve_alarm(qindu_alarm, actor=monitor, note="企业已停炉检修")
    assert qindu_alarm.status == AlarmStatus.RESOLVED  # the caller's instance follows
    lifecycle.close_alarm(qindu_alarm, actor=monitor)
    qindu_alarm.refresh_from_db()
    assert qindu_alarm.status == AlarmStatus.CLOSED
    assert qindu_alarm.closed_at is not None
    assert kinds(qindu_alarm)[1:] == [AlarmEventKind.RESOLVED, AlarmEventKind.CLOSED]


def test_closed_and_false_alarms_are_final(qindu_alarm, emission_rule, enterprise_in_qindu, monitor):
    lifecycle.close_alarm(qindu_alarm, actor=monitor)
    for step, label in (
        (lifecycle.acknowledge_alarm, "确认"),
        (lifecycle.resolve_alarm, "标记为已恢复"),
        (lifecycle.close_alarm, "关闭"),
    ):
        with pytest.raises(ValidationError) as caught:
            step(qindu_alarm, actor=monitor)
        assert caught.value.messages == [f"报警当前状态为“已关闭”，不能{label}。"]
    with pytest.raises(ValidationError):
        lifecycle.mark_false_alarm(qindu_alarm, actor=monitor, reason="校准")
    other = ui_data.alarm(emission_rule, enterprise=enterprise_in_qindu)
    lifecycle.mark_false_alarm(other, actor=monitor, reason="设备校准期间数据")
    with pytest.raises(ValidationError) as caught:
        lifecycle.dispatch_alarm(other, actor=monitor)
    assert caught.value.messages == ["报警当前状态为“误报”，不能派单。"]


def test_mark_false_needs_a_reason(qindu_alarm, monitor):
    with pytest.raises(ValidationError) as caught:
        lifecycle.mark_false_alarm(qindu_alarm, actor=monitor, reason=" ")
    assert caught.value.message_dict == {"reason": ["请填写误报原因。"]}
    qindu_alarm.refresh_from_db()
    assert qindu_alarm.status == AlarmStatus.OPEN
    lifecycle.mark_false_alarm(qindu_alarm, actor=monitor, reason="标气校准")
    qindu_alarm.refresh_from_db()
    assert (qindu_alarm.status, qindu_alarm.false_reason) == (AlarmStatus.FALSE_ALARM, "标气校准")
    assert qindu_alarm.closed_at is not None
    assert AlarmEvent.objects.get(alarm=qindu_alarm, kind=AlarmEventKind.MARKED_FALSE).message == "标气校准"


def test_dispatch_creates_the_work_order_for_the_districts_branch(qindu_alarm, monitor, qindu):
    workorder = lifecycle.dispatch_alarm(qindu_alarm, actor=monitor)
    qindu_alarm.refresh_from_db()
    assert qindu_alarm.status == AlarmStatus.DISPATCHED
    assert qindu_alarm.workorder == workorder
    assert qindu_alarm.acknowledged_by == monitor  # dispatching an open alarm takes it on
    assert workorder.source == WorkOrderSource.ALARM
    assert workorder.source_ref == f"alarm:{qindu_alarm.pk}"
    assert workorder.district == qindu
    assert workorder.enterprise == qindu_alarm.enterprise
    assert workorder.assignee_org == Organisation.objects.get(kind=OrganisationKind.BRANCH, district=qindu)
    assert workorder.priority == Priority.HIGH  # a severe alarm
    assert workorder.title == f"报警处置：{qindu_alarm.title}"
    event = AlarmEvent.objects.get(alarm=qindu_alarm, kind=AlarmEventKind.DISPATCHED)
    assert workorder.number in event.message
    assert event.data["number"] == workorder.number
    with pytest.raises(ValidationError) as caught:
        lifecycle.dispatch_alarm(qindu_alarm, actor=monitor)
    assert caught.value.messages == [f"报警当前状态为“已派单”，不能再次派单。它已派发任务单{workorder.number}。"]
    assert WorkOrder.objects.count() == 1


def test_dispatch_with_the_forms_choices(qindu_alarm, monitor, binzhou):
    deadline = timezone.now() + timedelta(days=2)
    other_branch = Organisation.objects.get(kind=OrganisationKind.BRANCH, district=binzhou)
    workorder = lifecycle.dispatch_alarm(
        qindu_alarm,
        actor=monitor,
        title="核查热电厂二氧化硫超标",
        description="请于两日内现场核查",
        deadline=deadline,
        priority=Priority.URGENT,
        assignee_org=other_branch,
    )
    assert (workorder.title, workorder.description) == ("核查热电厂二氧化硫超标", "请于两日内现场核查")
    assert (workorder.deadline, workorder.priority, workorder.assignee_org) == (deadline, Priority.URGENT, other_branch)


def test_dispatch_refusals_leave_nothing_behind(qindu_alarm, monitor, handler, base_data):
    with pytest.raises(ValidationError) as caught:
        lifecycle.dispatch_alarm(qindu_alarm, actor=monitor, deadline=timezone.now() - timedelta(hours=1))
    assert caught.value.message_dict == {"deadline": ["办理期限须晚于当前时间。"]}
    with pytest.raises(PermissionDenied):  # a district handler handles orders but does not start them
        lifecycle.dispatch_alarm(qindu_alarm, actor=handler)
    city_rule = ui_data.rule(RuleKind.AMBIENT_THRESHOLD, params={"target": "city", "metric": "aqi", "threshold": 200})
    city_alarm = ui_data.alarm(city_rule, district=None)
    with pytest.raises(ValidationError) as caught:
        lifecycle.dispatch_alarm(city_alarm, actor=monitor)
    assert "全市报警" in caught.value.message_dict["assignee_org"][0]
    qindu_alarm.refresh_from_db()
    assert qindu_alarm.status == AlarmStatus.OPEN
    assert WorkOrder.objects.count() == 0
    assert AlarmEvent.objects.filter(kind=AlarmEventKind.DISPATCHED).count() == 0


def test_a_dispatched_alarm_waits_for_its_work_order(qindu_alarm, monitor):
    workorder = lifecycle.dispatch_alarm(qindu_alarm, actor=monitor)
    for step, label in ((lifecycle.close_alarm, "关闭"), (lifecycle.resolve_alarm, "标记为已恢复")):
        with pytest.raises(ValidationError) as caught:
            step(qindu_alarm, actor=monitor)
        assert caught.value.messages == [
            f"报警当前状态为“已派单”，不能{label}。已派单的报警在任务单{workorder.number}办结后自动关闭；"
            "如派单有误，请撤销该任务单。"
        ]


def finish(workorder: WorkOrder, status: str, actor) -> None:
    """What the work-order service does when it closes or cancels an order: state, then the hooks, one commit."""
    with transaction.atomic():
        workorder.status = status
        workorder.closed_at = timezone.now()
        workorder.save()
        run_closed_hooks(workorder, actor=actor, now=workorder.closed_at)


def test_closing_the_work_order_closes_its_alarms(qindu_alarm, monitor, officer):
    workorder = lifecycle.dispatch_alarm(qindu_alarm, actor=monitor)
    finish(workorder, WorkOrderStatus.CLOSED, officer)
    qindu_alarm.refresh_from_db()
    assert qindu_alarm.status == AlarmStatus.CLOSED
    assert qindu_alarm.closed_at == workorder.closed_at
    assert qindu_alarm.workorder == workorder
    event = AlarmEvent.objects.filter(alarm=qindu_alarm).order_by("-at", "-pk").first()
    assert (event.kind, event.actor) == (AlarmEventKind.CLOSED, officer)
    assert event.message == f"任务单 {workorder.number} 已办结"


def test_cancelling_the_work_order_hands_the_alarm_back(qindu_alarm, monitor):
    workorder = lifecycle.dispatch_alarm(qindu_alarm, actor=monitor)
    finish(workorder, WorkOrderStatus.CANCELLED, monitor)
    qindu_alarm.refresh_from_db()
    assert qindu_alarm.status == AlarmStatus.ACKNOWLEDGED
    assert qindu_alarm.workorder is None
    event = AlarmEvent.objects.filter(alarm=qindu_alarm).order_by("-at", "-pk").first()
    assert event.kind == AlarmEventKind.ACKNOWLEDGED
    assert workorder.number in event.message and event.data["cancelled"] is True
    again = lifecycle.dispatch_alarm(qindu_alarm, actor=monitor)  # it can be dispatched anew
    assert again.pk != workorder.pk


def test_hook_ignores_orders_of_other_sources(qindu_alarm, monitor, qindu):
    from ecobrain.workorders.services import create_workorder

    manual = create_workorder(actor=monitor, title="巡查", district=qindu)
    finish(manual, WorkOrderStatus.CLOSED, monitor)
    qindu_alarm.refresh_from_db()
    assert qindu_alarm.status == AlarmStatus.OPEN


def test_bulk_acknowledge_counts_done_and_skipped_with_reasons(
    emission_rule, enterprise_in_qindu, binzhou_alarm, handler
):
    open_ones = [ui_data.alarm(emission_rule, enterprise=enterprise_in_qindu) for _ in range(3)]
    done_already = ui_data.alarm(emission_rule, enterprise=enterprise_in_qindu, status=AlarmStatus.ACKNOWLEDGED)
    ids = [a.pk for a in open_ones] + [done_already.pk, binzhou_alarm.pk, 999999, open_ones[0].pk]
    result = lifecycle.acknowledge_alarms(ids, actor=handler, note="批量确认")
    assert result.done == [a.pk for a in open_ones]
    assert result.skipped == {
        done_already.pk: "状态为“已确认”，无需确认",
        binzhou_alarm.pk: "不存在或不在您的权限范围内",
        999999: "不存在或不在您的权限范围内",
    }
    assert result.reasons() == {"状态为“已确认”，无需确认": 1, "不存在或不在您的权限范围内": 2}
    assert set(Alarm.objects.filter(pk__in=result.done).values_list("status", flat=True)) == {AlarmStatus.ACKNOWLEDGED}
    events = AlarmEvent.objects.filter(kind=AlarmEventKind.ACKNOWLEDGED)
    assert sorted(events.values_list("alarm_id", flat=True)) == sorted(result.done)
    assert set(events.values_list("message", flat=True)) == {"批量确认"}
    binzhou_alarm.refresh_from_db()
    assert binzhou_alarm.status == AlarmStatus.OPEN


def test_bulk_acknowledge_input_errors(handler, base_data):
    with pytest.raises(ValidationError) as caught:
        lifecycle.acknowledge_alarms([], actor=handler)
    assert caught.value.message_dict == {"ids": ["请至少选择一条报警。"]}
    with pytest.raises(ValidationError) as caught:
        lifecycle.acknowledge_alarms(["12", "x"], actor=handler)
    assert caught.value.message_dict == {"ids": ["报警编号须为整数，收到 'x'。"]}
    with pytest.raises(ValidationError) as caught:
        lifecycle.acknowledge_alarms(range(1, 502), actor=handler)
    assert "一次最多确认 500 条" in caught.value.message_dict["ids"][0]


def test_allowed_steps_follow_the_state(qindu_alarm):
    assert lifecycle.allowed_steps(qindu_alarm) == {
        "comment",
        "acknowledge",
        "dispatch",
        "resolve",
        "close",
        "mark_false",
    }
    qindu_alarm.status = AlarmStatus.ACKNOWLEDGED
    assert lifecycle.allowed_steps(qindu_alarm) == {"comment", "dispatch", "resolve", "close", "mark_false"}
    qindu_alarm.status = AlarmStatus.DISPATCHED
    assert lifecycle.allowed_steps(qindu_alarm) == {"comment"}
    qindu_alarm.status = AlarmStatus.RESOLVED
    assert lifecycle.allowed_steps(qindu_alarm) == {"comment", "close", "mark_false"}
    qindu_alarm.status = AlarmStatus.CLOSED
    assert lifecycle.allowed_steps(qindu_alarm) == {"comment"}


def test_the_hook_is_registered_by_the_app():
    from ecobrain.workorders.hooks import _CLOSED_HOOKS

    assert lifecycle.close_alarms_of_workorder in _CLOSED_HOOKS[WorkOrderSource.ALARM]
