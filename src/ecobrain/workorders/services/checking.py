"""The dispatching side's steps: close or return a submitted order, cancel, transfer, decide extension requests."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.core import gate
from ecobrain.core.models import Organisation
from ecobrain.notifications.choices import NotificationKind
from ecobrain.workorders.choices import ExtensionStatus, WorkOrderEventKind, WorkOrderStatus
from ecobrain.workorders.deadlines import format_deadline
from ecobrain.workorders.hooks import run_closed_hooks
from ecobrain.workorders.models import ExtensionRequest, WorkOrder
from ecobrain.workorders.services.timeline import handlers_of, notify_about, org_members
from ecobrain.workorders.services.transition import (
    begin_step,
    expire_pending_extensions,
    order_label,
    precheck_step,
    required_text,
    save_step,
)


def verify_and_close_workorder(
    workorder: WorkOrder, *, actor, note: str = "", now: datetime | None = None
) -> WorkOrder:
    """审核办结: the result is accepted; on time when it was submitted by the deadline. Runs the source's hooks."""
    now = now or timezone.now()
    precheck_step(workorder, actor, "close")
    with transaction.atomic():
        wo = begin_step(workorder, actor, "close")
        wo.closed_at = now
        wo.closed_on_time = (wo.submitted_at or now) <= wo.deadline
        expire_pending_extensions(wo, actor=actor, now=now, note=_("任务已办结，申请自动失效。"))
        event = save_step(
            wo,
            WorkOrderEventKind.VERIFIED,
            actor=actor,
            now=now,
            to_status=WorkOrderStatus.CLOSED,
            fields=["closed_at", "closed_on_time"],
            message=note.strip(),
            on_time=wo.closed_on_time,
        )
        run_closed_hooks(wo, actor=actor, now=now)
        notify_about(
            wo,
            event,
            handlers_of(wo),
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            title=_("任务已办结：%(order)s") % {"order": order_label(wo)},
            body=note.strip() or _("办理结果已审核通过。"),
        )
    return wo


def return_workorder(workorder: WorkOrder, *, actor, reason: str, now: datetime | None = None) -> WorkOrder:
    """退回重办: the result is not accepted; the branch works on under the same deadline."""
    now = now or timezone.now()
    precheck_step(workorder, actor, "return")
    reason = required_text(reason, "reason", _("请填写退回理由。"))
    with transaction.atomic():
        wo = begin_step(workorder, actor, "return")
        wo.rework_count += 1
        event = save_step(
            wo,
            WorkOrderEventKind.RETURNED,
            actor=actor,
            now=now,
            to_status=WorkOrderStatus.RETURNED,
            fields=["rework_count"],
            message=reason,
            rework_count=wo.rework_count,
        )
        notify_about(
            wo,
            event,
            handlers_of(wo),
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            title=_("任务被退回重办：%(order)s") % {"order": order_label(wo)},
            body=_("退回理由：%(reason)s；办理期限 %(deadline)s")
            % {"reason": reason, "deadline": format_deadline(wo.deadline)},
        )
    return wo


def cancel_workorder(workorder: WorkOrder, *, actor, reason: str, now: datetime | None = None) -> WorkOrder:
    """撤销: the order is withdrawn (a wrong dispatch, a duplicate). Runs the source's hooks."""
    now = now or timezone.now()
    precheck_step(workorder, actor, "cancel")
    reason = required_text(reason, "reason", _("请填写撤销理由。"))
    with transaction.atomic():
        wo = begin_step(workorder, actor, "cancel")
        expire_pending_extensions(wo, actor=actor, now=now, note=_("任务已撤销，申请自动失效。"))
        event = save_step(
            wo, WorkOrderEventKind.CANCELLED, actor=actor, now=now, to_status=WorkOrderStatus.CANCELLED, message=reason
        )
        run_closed_hooks(wo, actor=actor, now=now)
        notify_about(
            wo,
            event,
            [*handlers_of(wo), *org_members(wo.assignee_org_id)],
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            title=_("任务已撤销：%(order)s") % {"order": order_label(wo)},
            body=reason,
        )
    return wo


def transfer_workorder(
    workorder: WorkOrder, *, actor, assignee_org: Organisation, reason: str, now: datetime | None = None
) -> WorkOrder:
    """转办: another organisation (another district's branch) takes the order over; the deadline is kept.

    The order moves to the new organisation's district (when it has one) and waits for it to sign for it.
    """
    now = now or timezone.now()
    precheck_step(workorder, actor, "transfer")
    reason = required_text(reason, "reason", _("请填写转办理由。"))
    with transaction.atomic():
        wo = begin_step(workorder, actor, "transfer")
        if assignee_org is None or assignee_org.pk == wo.assignee_org_id:
            raise ValidationError(
                {"assignee_org": _("请选择另一个承办单位（该任务已由%(org)s承办）。") % {"org": wo.assignee_org}}
            )
        old_org, old_district, old_handlers = wo.assignee_org, wo.district, handlers_of(wo)
        wo.assignee_org = assignee_org
        if assignee_org.district_id:
            wo.district = assignee_org.district
        wo.assignee = None
        wo.accepted_at = None
        if not gate.object_in_scope(actor, wo):
            raise PermissionDenied(_("%(district)s不在您的管辖范围内，不能转办到该区县。") % {"district": wo.district})
        event = save_step(
            wo,
            WorkOrderEventKind.TRANSFERRED,
            actor=actor,
            now=now,
            to_status=WorkOrderStatus.DISPATCHED,
            fields=["assignee_org", "district", "assignee", "accepted_at"],
            message=reason,
            from_org=old_org.pk,
            from_org_name=old_org.name,
            to_org=assignee_org.pk,
            to_org_name=assignee_org.name,
            from_district=old_district.pk,
            to_district=wo.district_id,
        )
        notify_about(
            wo,
            event,
            org_members(assignee_org.pk),
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            title=_("转办给您单位的任务：%(order)s") % {"order": order_label(wo)},
            body=_("由%(old)s转来；办理期限 %(deadline)s；理由：%(reason)s")
            % {"old": old_org, "deadline": format_deadline(wo.deadline), "reason": reason},
        )
        notify_about(
            wo,
            event,
            old_handlers,
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            event_key=f"workorder:{wo.pk}:event:{event.pk}:from",
            title=_("任务已转办：%(order)s") % {"order": order_label(wo)},
            body=_("已转至%(org)s：%(reason)s") % {"org": assignee_org, "reason": reason},
        )
    return wo


def decide_extension(
    extension: ExtensionRequest, *, actor, approve: bool, note: str = "", now: datetime | None = None
) -> ExtensionRequest:
    """同意 / 驳回延期: approving moves the order's deadline (and re-arms its reminder); a rejection says why."""
    now = now or timezone.now()
    precheck_step(extension.workorder, actor, "decide_extension")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("驳回延期申请须说明理由。")})
    with transaction.atomic():
        wo = begin_step(extension.workorder, actor, "decide_extension")
        extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        if extension.status != ExtensionStatus.PENDING:
            raise ValidationError(
                _("该延期申请已审批（%(status)s），不能再次审批。") % {"status": extension.get_status_display()}
            )
        extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        extension.decided_by = actor
        extension.decided_at = now
        extension.decision_note = note
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        old_deadline = wo.deadline
        if approve:
            wo.deadline = extension.requested_deadline
            wo.reminded_at = None  # a reminder before the new deadline, too
        event = save_step(
            wo,
            WorkOrderEventKind.EXTENSION_APPROVED if approve else WorkOrderEventKind.EXTENSION_REJECTED,
            actor=actor,
            now=now,
            fields=["deadline", "reminded_at"] if approve else [],
            message=note,
            extension=extension.pk,
            old_deadline=old_deadline.isoformat(),
            new_deadline=wo.deadline.isoformat(),
        )
        recipients = [extension.requested_by_id, *handlers_of(wo)] if extension.requested_by_id else handlers_of(wo)
        notify_about(
            wo,
            event,
            recipients,
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            title=(_("延期申请已同意：%(order)s") if approve else _("延期申请被驳回：%(order)s"))
            % {"order": order_label(wo)},
            body=(
                _("新的办理期限 %(deadline)s。") % {"deadline": format_deadline(wo.deadline)}
                if approve
                else _("理由：%(note)s；办理期限仍为 %(deadline)s。")
                % {"note": note, "deadline": format_deadline(wo.deadline)}
            ),
        )
    return extension


def approve_extension(extension: ExtensionRequest, *, actor, note: str = "", now: datetime | None = None):
    return decide_extension(extension, actor=actor, approve=True, note=note, now=now)


def reject_extension(extension: ExtensionRequest, *, actor, note: str, now: datetime | None = None):
    return decide_extension(extension, actor=actor, approve=False, note=note, now=now)
