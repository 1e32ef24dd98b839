"""Steps either side takes without changing the state: comments and attachments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import NotificationKind
from ecobrain.workorders.attachments import removed_on_error, store_attachments
from ecobrain.workorders.choices import WorkOrderEventKind
from ecobrain.workorders.models import WorkOrder, WorkOrderEvent
from ecobrain.workorders.services.access import on_assignee_side
from ecobrain.workorders.services.timeline import dispatchers_of, handlers_of, notify_about
from ecobrain.workorders.services.transition import begin_step, order_label, precheck_step, save_step


def comment_workorder(
    workorder: WorkOrder, *, actor, message: str = "", attachments: Iterable = (), now: datetime | None = None
) -> WorkOrderEvent:
    """备注 (with files, if any): anyone who may change the order; the other side is told."""
    now = now or timezone.now()
    checked = precheck_step(workorder, actor, "comment", attachments)
    message = (message or "").strip()
    if not message and not checked:
        raise ValidationError({"message": _("请填写备注内容。")})
    return _note(workorder, actor, "comment", WorkOrderEventKind.COMMENTED, message, checked, now)


def add_attachments(
    workorder: WorkOrder, *, actor, attachments: Iterable, message: str = "", now: datetime | None = None
) -> WorkOrderEvent:
    """上传附件: photos or documents added to an open order by either side."""
    now = now or timezone.now()
    checked = precheck_step(workorder, actor, "attach", attachments)
    if not checked:
        raise ValidationError({"attachments": _("请选择要上传的文件。")})
    return _note(workorder, actor, "attach", WorkOrderEventKind.ATTACHED, (message or "").strip(), checked, now)


def _note(workorder, actor, step, kind, message, checked, now) -> WorkOrderEvent:
    with removed_on_error() as written, transaction.atomic():
        wo = begin_step(workorder, actor, step)
        event = save_step(wo, kind, actor=actor, now=now, message=message, files=len(checked))
        store_attachments(wo, checked, event=event, actor=actor, now=now, written=written)
        other_side = dispatchers_of(wo) if on_assignee_side(actor, wo) else handlers_of(wo)
        title = _("任务有新备注：%(order)s") if kind == WorkOrderEventKind.COMMENTED else _("任务有新附件：%(order)s")
        notify_about(
            wo,
            event,
            other_side,
            actor=actor,
            kind=NotificationKind.WORKORDER,
            now=now,
            severity=Severity.INFO,
            title=title % {"order": order_label(wo)},
            body=message,
        )
    return event
