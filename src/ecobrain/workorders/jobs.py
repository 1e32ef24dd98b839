"""Periodic work-order jobs: a reminder before the deadline, and supervision (督办) once an order is overdue.

Both run every few minutes in the scheduler (``ecobrain worker`` / ``ecobrain serve``) and act once per order: a
conditional UPDATE on ``reminded_at`` / ``escalated_at`` decides, so two workers never remind or escalate the same
order twice. Each order is handled in its own transaction with its timeline row and its notifications.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from ecobrain.alarms.choices import Severity
from ecobrain.core.jobs import periodic
from ecobrain.notifications.choices import NotificationKind
from ecobrain.workorders.choices import ACTIVE_STATES, WorkOrderEventKind
from ecobrain.workorders.deadlines import format_deadline
from ecobrain.workorders.models import DeadlinePolicy, WorkOrder
from ecobrain.workorders.services.creation import DEFAULT_POLICIES
from ecobrain.workorders.services.timeline import dispatchers_of, handlers_of, leaders_over, notify_about, record_event

BATCH = 500  # orders per run and job; the next run takes the rest


def remind_hours_by_source() -> dict[str, int]:
    hours = {source: policy[2] for source, policy in DEFAULT_POLICIES.items()}
    hours.update(DeadlinePolicy.objects.values_list("source", "remind_before_hours"))
    return hours


def _claim(pk: int, field: str, now: datetime) -> WorkOrder | None:
    """Set ``field`` to ``now`` if it is still empty and the order still active; the order, or None if lost."""
    won = WorkOrder.objects.filter(pk=pk, status__in=ACTIVE_STATES, **{f"{field}__isnull": True}).update(**{field: now})
    if not won:
        return None
    return WorkOrder.objects.select_related("assignee_org", "dispatcher_org").get(pk=pk)


def remind_due_workorders(now: datetime) -> int:
    """到期提醒: tell the handlers of every active order whose deadline is within its source's reminder window."""
    reminded = 0
    for source, hours in remind_hours_by_source().items():
        if hours <= 0:
            continue
        due = (
            WorkOrder.objects.filter(
                source=source,
                status__in=ACTIVE_STATES,
                reminded_at__isnull=True,
                deadline__gt=now,
                deadline__lte=now + timedelta(hours=hours),
            )
            .order_by("deadline")
            .values_list("pk", flat=True)[:BATCH]
        )
        for pk in list(due):
            with transaction.atomic():
                workorder = _claim(pk, "reminded_at", now)
                if workorder is None:
                    continue
                left = workorder.deadline - now
                event = record_event(
                    workorder,
                    WorkOrderEventKind.REMINDED,
                    actor=None,
                    at=now,
                    from_status=workorder.status,
                    to_status=workorder.status,
                    message=_("距办理期限还有 %(hours)d 小时。") % {"hours": left.total_seconds() // 3600},
                    deadline=workorder.deadline.isoformat(),
                )
                notify_about(
                    workorder,
                    event,
                    handlers_of(workorder),
                    actor=None,
                    kind=NotificationKind.REMINDER,
                    now=now,
                    title=_("任务即将到期：%(number)s %(title)s")
                    % {"number": workorder.number, "title": workorder.title},
                    body=_("办理期限 %(deadline)s，请按时办结或申请延期。")
                    % {"deadline": format_deadline(workorder.deadline)},
                )
            reminded += 1
    return reminded


def escalate_overdue_workorders(now: datetime) -> int:
    """超期督办: an active order past its deadline is flagged for supervision once; the dispatching organisation,
    the bureau leaders over its district and its handlers are told."""
    overdue = (
        WorkOrder.objects.filter(status__in=ACTIVE_STATES, escalated_at__isnull=True, deadline__lt=now)
        .order_by("deadline")
        .values_list("pk", flat=True)[:BATCH]
    )
    escalated = 0
    for pk in list(overdue):
        with transaction.atomic():
            workorder = _claim(pk, "escalated_at", now)
            if workorder is None:
                continue
            late = now - workorder.deadline
            event = record_event(
                workorder,
                WorkOrderEventKind.ESCALATED,
                actor=None,
                at=now,
                from_status=workorder.status,
                to_status=workorder.status,
                message=_("已超过办理期限 %(hours)d 小时，列为督办。") % {"hours": late.total_seconds() // 3600},
                deadline=workorder.deadline.isoformat(),
            )
            title = _("超期督办：%(number)s %(title)s") % {"number": workorder.number, "title": workorder.title}
            body = _("%(org)s承办，办理期限 %(deadline)s，已超期。") % {
                "org": workorder.assignee_org,
                "deadline": format_deadline(workorder.deadline),
            }
            notify_about(
                workorder,
                event,
                [*dispatchers_of(workorder), *leaders_over(workorder), *handlers_of(workorder)],
                actor=None,
                kind=NotificationKind.ESCALATION,
                severity=Severity.SEVERE,
                now=now,
                title=title,
                body=body,
            )
        escalated += 1
    return escalated


@periodic("workorders.remind", every=300, description="任务到期提醒")
def remind_job(now: datetime) -> str:
    return f"{remind_due_workorders(now)} reminded"


@periodic("workorders.escalate", every=300, description="任务超期督办")
def escalate_job(now: datetime) -> str:
    return f"{escalate_overdue_workorders(now)} escalated"
