"""The branch's steps: sign for an order, assign a handler, start, submit the result, ask for more time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.notifications.choices import NotificationKind
from ecobrain.workorders.attachments import removed_on_error, store_attachments
from ecobrain.workorders.choices import ExtensionStatus, WorkOrderEventKind, WorkOrderStatus
from ecobrain.workorders.deadlines import format_deadline
from ecobrain.workorders.models import ExtensionRequest, WorkOrder
from ecobrain.workorders.services.access import may_change
from ecobrain.workorders.services.timeline import dispatchers_of, notify_about
from ecobrain.workorders.services.transition import (
    begin_step,
    order_label,
    person_name,
    precheck_step,
    required_text,
    save_step,
)


def accept_workorder(workorder: WorkOrder, *, actor, message: str = "", now: datetime | None = None) -> WorkOrder:
    """签收: the assignee organisation signs for a dispatched order."""
    now = now or timezone.now()
    precheck_step(workorder, actor, "accept")
    with transaction.atomic():
        wo = begin_step(workorder, actor, "accept")
        wo.accepted_at = now
        event = save_step(
            wo,
            WorkOrderEventKind.ACCEPTED,
            actor=actor,
            now=now,
            to_status=WorkOrderStatus.ACCEPTED,
            fields=["accepted_at"],
            message=message.strip(),
        )
        notify_about(
            wo,
            event,
            dispatchers_of(wo),
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            title=_("任务已签收：%(order)s") % {"order": order_label(wo)},
            body=_("%(org)s已签收。") % {"org": wo.assignee_org},
        )
    return wo


def assign_workorder(
    workorder: WorkOrder, *, actor, assignee, message: str = "", now: datetime | None = None
) -> WorkOrder:
    """指派: the branch picks a handler among its own staff (who must be able to handle the order)."""
    now = now or timezone.now()
    precheck_step(workorder, actor, "assign")
    with transaction.atomic():
        wo = begin_step(workorder, actor, "assign")
        if assignee is None or assignee.organisation_id != wo.assignee_org_id:
            raise ValidationError(
                {
                    "assignee": _("%(user)s不是承办单位（%(org)s）的人员。")
                    % {"user": person_name(assignee) if assignee else "", "org": wo.assignee_org}
                }
            )
        if not assignee.is_active or not may_change(assignee, wo):
            raise ValidationError(
                {
                    "assignee": _("%(user)s无权办理该任务（账号已停用，或角色、管辖区县不符）。")
                    % {"user": person_name(assignee)}
                }
            )
        if assignee.pk == wo.assignee_id:
            raise ValidationError({"assignee": _("该任务已由%(user)s承办。") % {"user": person_name(assignee)}})
        previous = wo.assignee_id
        wo.assignee = assignee
        event = save_step(
            wo,
            WorkOrderEventKind.ASSIGNED,
            actor=actor,
            now=now,
            fields=["assignee"],
            message=message.strip(),
            assignee=assignee.pk,
            assignee_name=person_name(assignee),
            previous_assignee=previous,
        )
        notify_about(
            wo,
            event,
            [assignee.pk],
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            title=_("指派给您的任务：%(order)s") % {"order": order_label(wo)},
            body=_("办理期限 %(deadline)s") % {"deadline": format_deadline(wo.deadline)},
        )
    return wo


def start_workorder(workorder: WorkOrder, *, actor, message: str = "", now: datetime | None = None) -> WorkOrder:
    """开始办理 (also after a return for rework). Whoever starts an unassigned order becomes its handler."""
    now = now or timezone.now()
    precheck_step(workorder, actor, "start")
    with transaction.atomic():
        wo = begin_step(workorder, actor, "start")
        fields = []
        if wo.assignee_id is None:
            wo.assignee = actor
            fields.append("assignee")
        save_step(
            wo,
            WorkOrderEventKind.STARTED,
            actor=actor,
            now=now,
            to_status=WorkOrderStatus.IN_PROGRESS,
            fields=fields,
            message=message.strip(),
        )
    return wo


def submit_workorder(
    workorder: WorkOrder, *, actor, result: str = "", attachments: Iterable = (), now: datetime | None = None
) -> WorkOrder:
    """提交办理结果: the result text and evidence (at least one of them) go back to the dispatching side."""
    now = now or timezone.now()
    checked = precheck_step(workorder, actor, "submit", attachments)
    result = (result or "").strip()
    if not result and not checked:
        raise ValidationError({"result": _("请填写办理结果或上传佐证材料（至少一项）。")})
    with removed_on_error() as written, transaction.atomic():
        wo = begin_step(workorder, actor, "submit")
        wo.result = result
        wo.submitted_at = now
        fields = ["result", "submitted_at"]
        if wo.assignee_id is None:
            wo.assignee = actor
            fields.append("assignee")
        event = save_step(
            wo,
            WorkOrderEventKind.SUBMITTED,
            actor=actor,
            now=now,
            to_status=WorkOrderStatus.SUBMITTED,
            fields=fields,
            message=result,
            files=len(checked),
            on_time=now <= wo.deadline,
        )
        store_attachments(wo, checked, event=event, actor=actor, now=now, written=written)
        notify_about(
            wo,
            event,
            dispatchers_of(wo),
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            title=_("任务待审核：%(order)s") % {"order": order_label(wo)},
            body=_("%(org)s已提交办理结果，请审核。") % {"org": wo.assignee_org},
        )
    return wo


def request_extension(
    workorder: WorkOrder, *, actor, requested_deadline: datetime, reason: str, now: datetime | None = None
) -> ExtensionRequest:
    """申请延期: the branch asks the dispatching side to move the deadline (one pending request at a time)."""
    now = now or timezone.now()
    precheck_step(workorder, actor, "request_extension")
    reason = required_text(reason, "reason", _("请填写延期理由。"))
    with transaction.atomic():
        wo = begin_step(workorder, actor, "request_extension")
        if requested_deadline <= wo.deadline:
            raise ValidationError(
                {
                    "requested_deadline": _("申请的期限须晚于当前期限（%(deadline)s）。")
                    % {"deadline": format_deadline(wo.deadline)}
                }
            )
        if ExtensionRequest.objects.filter(workorder=wo, status=ExtensionStatus.PENDING).exists():
            raise ValidationError(_("该任务已有待审批的延期申请，请等待审批结果。"))
        try:
            with transaction.atomic():
                extension = ExtensionRequest.objects.create(
                    workorder=wo,
                    requested_by=actor,
                    requested_at=now,
                    current_deadline=wo.deadline,
                    requested_deadline=requested_deadline,
                    reason=reason,
                )
        except IntegrityError:  # a concurrent request won the one-pending index
            raise ValidationError(_("该任务已有待审批的延期申请，请等待审批结果。")) from None
        event = save_step(
            wo,
            WorkOrderEventKind.EXTENSION_REQUESTED,
            actor=actor,
            now=now,
            message=reason,
            extension=extension.pk,
            current_deadline=wo.deadline.isoformat(),
            requested_deadline=requested_deadline.isoformat(),
        )
        notify_about(
            wo,
            event,
            dispatchers_of(wo),
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            title=_("延期申请待审批：%(order)s") % {"order": order_label(wo)},
            body=_("申请将期限从 %(old)s 延至 %(new)s：%(reason)s")
            % {"old": format_deadline(wo.deadline), "new": format_deadline(requested_deadline), "reason": reason},
        )
    return extension
