"""Taking one step on a work order, shared by every step (``handling``, ``checking``, ``notes``).

Each step runs in one transaction: it re-reads and locks the order, checks that the actor is on the side that
takes the step (``access``) and that the order's state allows it, writes the change and exactly one timeline row
(from/to status), and tells the right people (``notify`` in the same transaction; the outbox sends after commit).
A step not allowed in the order's state raises ValidationError with a Chinese message; a step the actor may not
take raises PermissionDenied. Files that come with a step are checked before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecobrain.core import gate
from ecobrain.workorders.attachments import check_uploads
from ecobrain.workorders.choices import ExtensionStatus
from ecobrain.workorders.models import ExtensionRequest, WorkOrder, WorkOrderAttachment, WorkOrderEvent
from ecobrain.workorders.services.access import STEP_STATES, ensure_step_allowed
from ecobrain.workorders.services.timeline import record_event

STEP_NAMES = {
    "accept": gettext_lazy("签收任务"),
    "assign": gettext_lazy("指派承办人"),
    "start": gettext_lazy("开始办理"),
    "submit": gettext_lazy("提交办理结果"),
    "request_extension": gettext_lazy("申请延期"),
    "return": gettext_lazy("退回重办"),
    "close": gettext_lazy("审核办结"),
    "cancel": gettext_lazy("撤销任务"),
    "transfer": gettext_lazy("转办任务"),
    "decide_extension": gettext_lazy("审批延期申请"),
    "comment": gettext_lazy("添加备注"),
    "attach": gettext_lazy("上传附件"),
}


def begin_step(workorder: WorkOrder, actor, step: str) -> WorkOrder:
    """Inside the step's transaction: the order re-read and locked, the actor's side and the state checked."""
    locked = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("assignee_org", "dispatcher_org", "district")
        .defer("district__boundary")
    )
    locked = locked.get(pk=workorder.pk)
    ensure_step_allowed(actor, locked, step, str(STEP_NAMES[step]))
    if locked.status not in STEP_STATES[step]:
        raise ValidationError(
            _("任务 %(number)s 当前状态为“%(status)s”，不能%(step)s。")
            % {"number": locked.number, "status": locked.get_status_display(), "step": STEP_NAMES[step]}
        )
    return locked


def precheck_step(workorder: WorkOrder, actor, step: str, attachments: Iterable = ()):
    """Before the transaction: who may take the step, then the files (so a refused user learns nothing from them)."""
    ensure_step_allowed(actor, workorder, step, str(STEP_NAMES[step]))
    checked = check_uploads(attachments)
    if checked:
        gate.ensure_allowed(actor, "add", WorkOrderAttachment)
    return checked


def required_text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def save_step(
    workorder: WorkOrder,
    kind: str,
    *,
    actor,
    now: datetime,
    to_status: str | None = None,
    fields: Iterable[str] = (),
    message: str = "",
    **data,
) -> WorkOrderEvent:
    """Save the changed fields (and the new status) and append the step's timeline row."""
    previous = workorder.status
    if to_status is not None:
        workorder.status = to_status
    workorder.save(update_fields=["status", "updated", *fields])
    return record_event(
        workorder, kind, actor=actor, at=now, from_status=previous, to_status=workorder.status, message=message, **data
    )


def order_label(workorder: WorkOrder) -> str:
    return f"{workorder.number} {workorder.title}"


def expire_pending_extensions(workorder: WorkOrder, *, actor, now: datetime, note: str) -> None:
    ExtensionRequest.objects.filter(workorder=workorder, status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.REJECTED,
        decided_by=actor if getattr(actor, "pk", None) else None,
        decided_at=now,
        decision_note=note,
    )


def person_name(user) -> str:
    return user.get_full_name() or user.username
