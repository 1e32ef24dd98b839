"""The people's side of an alarm: acknowledge, comment, dispatch to a work order, resolve, close, mark false.

Every step is one transaction that locks the alarm row, checks the gate (``change`` on the alarm) and the state,
changes the alarm and appends exactly one timeline row. A step that the current state does not allow raises a
ValidationError that says which state the alarm is in and what can be done instead.

States (``AlarmStatus``)::

    open ──acknowledge──► acknowledged ──dispatch──► dispatched ──(work order closed)──► closed
      │                       │                          └──(work order cancelled)──► acknowledged
      └──dispatch─────────────┼──────────────────────────►
      open / acknowledged ──resolve──► resolved ──close──► closed
      open / acknowledged / resolved ──close──► closed;  ──mark false──► false_alarm

A dispatched alarm belongs to its work order: it is closed when the order is closed (the closed hook below, run by
the work-order service inside its transaction) and goes back to acknowledged when the order is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ecobrain.alarms.choices import AlarmEventKind, AlarmStatus, Severity
from ecobrain.alarms.models import Alarm, AlarmEvent
from ecobrain.alarms.services.timeline import record_alarm_event
from ecobrain.core.gate import ensure_allowed
from ecobrain.workorders.choices import Priority, WorkOrderSource, WorkOrderStatus

COMMENT_MAX = 2000
BULK_MAX = 500  # alarms per bulk acknowledgement (one page of the alarm centre is at most 200)

ACKNOWLEDGEABLE = (AlarmStatus.OPEN,)
DISPATCHABLE = (AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED)
RESOLVABLE = (AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED)
CLOSABLE = (AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED, AlarmStatus.RESOLVED)
FALSIFIABLE = (AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED, AlarmStatus.RESOLVED)
FINAL = (AlarmStatus.CLOSED, AlarmStatus.FALSE_ALARM)

# The work order's urgency follows the alarm's severity unless the dispatcher chooses another.
PRIORITY_FOR_SEVERITY = {
    Severity.INFO: Priority.LOW,
    Severity.WARNING: Priority.NORMAL,
    Severity.SEVERE: Priority.HIGH,
    Severity.CRITICAL: Priority.URGENT,
}


def allowed_steps(alarm: Alarm) -> set[str]:
    """The steps the alarm's state allows (the pages show only these forms); permission is checked separately."""
    status = alarm.status
    steps = {"comment"}
    if status in ACKNOWLEDGEABLE:
        steps.add("acknowledge")
    if status in DISPATCHABLE:
        steps.add("dispatch")
    if status in RESOLVABLE:
        steps.add("resolve")
    if status in CLOSABLE:
        steps.add("close")
    if status in FALSIFIABLE:
        steps.add("mark_false")
    return steps


def _status_label(status: str) -> str:
    return str(AlarmStatus(status).label)


def _refuse(alarm: Alarm, step: str, hint: str = "") -> ValidationError:
    message = _("报警当前状态为“%(status)s”，不能%(step)s。") % {"status": _status_label(alarm.status), "step": step}
    return ValidationError(message + hint if hint else message)


def _dispatched_hint(alarm: Alarm) -> str:
    return _("已派单的报警在任务单%(number)s办结后自动关闭；如派单有误，请撤销该任务单。") % {
        "number": alarm.workorder.number if alarm.workorder_id else ""
    }


def _lock(alarm: Alarm | int) -> Alarm:
    """The alarm's row, locked for this transaction (PostgreSQL; SQLite serialises writers anyway)."""
    pk = getattr(alarm, "pk", alarm)
    # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to the work order.
    return Alarm.objects.select_for_update(of=("self",)).select_related("workorder").get(pk=pk)


def _sync(target: Alarm, source: Alarm) -> None:
    """Copy the saved state back onto the caller's instance, so it sees what the step did."""
    if target is not source:
        for f in Alarm._meta.concrete_fields:
            setattr(target, f.attname, getattr(source, f.attname))


def acknowledge_alarm(alarm: Alarm, *, actor, note: str = "", now: datetime | None = None) -> Alarm:
    """Someone has seen the alarm and takes it on: open → acknowledged."""
    now = now or timezone.now()
    note = _clean_text(note, required=False, field="note")
    with transaction.atomic():
        locked = _lock(alarm)
        ensure_allowed(actor, "change", locked)
        if locked.status not in ACKNOWLEDGEABLE:
            raise _refuse(locked, pgettext("alarm step", "确认"))
        _set_acknowledged(locked, actor, now)
        locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated"])
        record_alarm_event(locked, AlarmEventKind.ACKNOWLEDGED, actor=actor, at=now, message=note)
    _sync(alarm, locked)
    return alarm


def _set_acknowledged(alarm: Alarm, actor, now: datetime) -> None:
    alarm.status = AlarmStatus.ACKNOWLEDGED
    alarm.acknowledged_at = now
    alarm.acknowledged_by = actor


@dataclass
class BulkResult:
    """What a bulk step did: the ids done, and for each id skipped the reason."""

    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)

    @property
    def done_count(self) -> int:
        return len(self.done)

    @property
    def skipped_count(self) -> int:
        return len(self.skipped)

    def reasons(self) -> dict[str, int]:
        """Each distinct reason with how many alarms it applied to."""
        counts: dict[str, int] = {}
        for reason in self.skipped.values():
            counts[reason] = counts.get(reason, 0) + 1
        return counts


def acknowledge_alarms(ids: Iterable, *, actor, note: str = "", now: datetime | None = None) -> BulkResult:
    """Acknowledge many alarms at once (the alarm centre's checkboxes): one transaction, one timeline row each.

    Alarms the user may not change (outside the scope, or no such id) and alarms no longer open are skipped with
    the reason; the others are acknowledged together.
    """
    now = now or timezone.now()
    note = _clean_text(note, required=False, field="note")
    wanted: list[int] = []
    result = BulkResult()
    for raw in ids:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({"ids": _("报警编号须为整数，收到 %(value)r。") % {"value": raw}}) from None
        if pk not in wanted:
            wanted.append(pk)
    if not wanted:
        raise ValidationError({"ids": _("请至少选择一条报警。")})
    if len(wanted) > BULK_MAX:
        raise ValidationError(
            {
                "ids": _("一次最多确认 %(max)s 条报警，本次选择了 %(count)s 条。")
                % {"max": BULK_MAX, "count": len(wanted)}
            }
        )
    with transaction.atomic():
        rows = {
            a.pk: a
            for a in Alarm.objects.restrict(actor, "change").select_for_update().filter(pk__in=wanted).order_by("pk")
        }
        to_update = []
        for pk in wanted:
            alarm = rows.get(pk)
            if alarm is None:
                result.skipped[pk] = _("不存在或不在您的权限范围内")
            elif alarm.status not in ACKNOWLEDGEABLE:
                result.skipped[pk] = _("状态为“%(status)s”，无需确认") % {"status": _status_label(alarm.status)}
            else:
                _set_acknowledged(alarm, actor, now)
                alarm.updated = now
                to_update.append(alarm)
                result.done.append(pk)
        if to_update:
            Alarm.objects.bulk_update(to_update, ["status", "acknowledged_at", "acknowledged_by", "updated"])
            AlarmEvent.objects.bulk_create(
                [
                    AlarmEvent(
                        alarm=alarm,
                        kind=AlarmEventKind.ACKNOWLEDGED,
                        at=now,
                        actor=actor,
                        message=note,
                        data={"bulk": True},
                    )
                    for alarm in to_update
                ]
            )
    return result


def comment_alarm(alarm: Alarm, *, actor, text: str, now: datetime | None = None) -> AlarmEvent:
    """A note on the alarm's timeline, in any state (also after it is closed)."""
    now = now or timezone.now()
    text = _clean_text(text, required=True, field="text")
    with transaction.atomic():
        locked = _lock(alarm)
        ensure_allowed(actor, "change", locked)
        event = record_alarm_event(locked, AlarmEventKind.COMMENTED, actor=actor, at=now, message=text)
    return event


def dispatch_alarm(
    alarm: Alarm,
    *,
    actor,
    title: str = "",
    description: str = "",
    deadline: datetime | None = None,
    priority: int | None = None,
    assignee_org=None,
    now: datetime | None = None,
):
    """Start a work order for the alarm (to its district's branch, or ``assignee_org``): → dispatched.

    The order's object (enterprise, station, outlet), district and source reference (``alarm:<id>``) come from
    the alarm; its urgency from the alarm's severity unless ``priority`` is given; its deadline from the alarm
    source's deadline policy unless ``deadline`` is given. An open alarm dispatched directly counts as
    acknowledged by the dispatcher. Returns the work order.
    """
    from ecobrain.workorders.services import create_workorder

    now = now or timezone.now()
    description = (description or "").strip()
    with transaction.atomic():
        locked = _lock(alarm)
        ensure_allowed(actor, "change", locked)
        if locked.status == AlarmStatus.DISPATCHED:
            raise _refuse(
                locked,
                pgettext("alarm step", "再次派单"),
                _("它已派发任务单%(number)s。") % {"number": locked.workorder.number},
            )
        if locked.status not in DISPATCHABLE:
            raise _refuse(locked, pgettext("alarm step", "派单"))
        district = locked.district or getattr(assignee_org, "district", None)
        if district is None:
            raise ValidationError({"assignee_org": _("该报警没有所属区县（全市报警）：请选择承办单位（区县分局）。")})
        if priority is None:
            priority = PRIORITY_FOR_SEVERITY.get(locked.severity, Priority.NORMAL)
        workorder = create_workorder(
            actor=actor,
            title=(title or "").strip() or _("报警处置：%(title)s") % {"title": locked.title},
            source=WorkOrderSource.ALARM,
            source_ref=f"alarm:{locked.pk}",
            district=district,
            assignee_org=assignee_org,
            description=description or _workorder_description(locked),
            priority=priority,
            enterprise=locked.enterprise,
            station=locked.station,
            outlet=locked.outlet,
            deadline=deadline,
            now=now,
        )
        if locked.acknowledged_at is None:
            locked.acknowledged_at = now
            locked.acknowledged_by = actor
        locked.status = AlarmStatus.DISPATCHED
        locked.workorder = workorder
        locked.save(update_fields=["status", "workorder", "acknowledged_at", "acknowledged_by", "updated"])
        record_alarm_event(
            locked,
            AlarmEventKind.DISPATCHED,
            actor=actor,
            at=now,
            message=_("派发任务单 %(number)s 至%(org)s") % {"number": workorder.number, "org": workorder.assignee_org},
            workorder=workorder.pk,
            number=workorder.number,
            assignee_org=workorder.assignee_org.name,
            deadline=workorder.deadline.isoformat(),
        )
    _sync(alarm, locked)
    return workorder


def _workorder_description(alarm: Alarm) -> str:
    lines = [alarm.title]
    if alarm.message:
        lines.append(alarm.message)
    lines.append(
        _("报警时间：%(at)s；报警级别：%(severity)s。")
        % {
            "at": timezone.localtime(alarm.triggered_at).strftime("%Y-%m-%d %H:%M"),
            "severity": alarm.get_severity_display(),
        }
    )
    return "\n".join(lines)


def _final_step(alarm: Alarm, *, actor, step: str, allowed, status: str, event: str, message: str, now, **fields):
    """The shared shape of resolve, close and mark false: lock, gate, state check (a dispatched alarm belongs to its
    work order), the new state and fields, one timeline row."""
    with transaction.atomic():
        locked = _lock(alarm)
        ensure_allowed(actor, "change", locked)
        if locked.status == AlarmStatus.DISPATCHED:
            raise _refuse(locked, step, _dispatched_hint(locked))
        if locked.status not in allowed:
            raise _refuse(locked, step)
        locked.status = status
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", *fields, "updated"])
        record_alarm_event(locked, event, actor=actor, at=now, message=message)
    _sync(alarm, locked)
    return alarm


def resolve_alarm(alarm: Alarm, *, actor, note: str = "", now: datetime | None = None) -> Alarm:
    """A person confirms the cause is handled (the condition may still be on record): → resolved."""
    note = _clean_text(note, required=False, field="note")
    return _final_step(
        alarm,
        actor=actor,
        step=pgettext("alarm step", "标记为已恢复"),
        allowed=RESOLVABLE,
        status=AlarmStatus.RESOLVED,
        event=AlarmEventKind.RESOLVED,
        message=note,
        now=now or timezone.now(),
    )


def close_alarm(alarm: Alarm, *, actor, note: str = "", now: datetime | None = None) -> Alarm:
    """Done with the alarm: → closed (final)."""
    now = now or timezone.now()
    note = _clean_text(note, required=False, field="note")
    return _final_step(
        alarm,
        actor=actor,
        step=pgettext("alarm step", "关闭"),
        allowed=CLOSABLE,
        status=AlarmStatus.CLOSED,
        event=AlarmEventKind.CLOSED,
        message=note,
        now=now,
        closed_at=now,
    )


def mark_false_alarm(alarm: Alarm, *, actor, reason: str, now: datetime | None = None) -> Alarm:
    """The alarm was wrong (a calibration, a sensor fault, a wrong limit): → false alarm (final), with the reason."""
    now = now or timezone.now()
    reason = _clean_text(reason, required=True, field="reason", missing=_("请填写误报原因。"))
    return _final_step(
        alarm,
        actor=actor,
        step=pgettext("alarm step", "标记误报"),
        allowed=FALSIFIABLE,
        status=AlarmStatus.FALSE_ALARM,
        event=AlarmEventKind.MARKED_FALSE,
        message=reason,
        now=now,
        false_reason=reason,
        closed_at=now,
    )


def close_alarms_of_workorder(workorder, *, actor, now: datetime) -> None:
    """The work-order closed hook: a closed order closes its alarms; a cancelled one hands them back.

    Runs inside the work-order service's transaction (``workorders.hooks.run_closed_hooks``); the actor is the
    person who closed or cancelled the order, and needs no grant on alarms: the alarms follow their order.
    """
    alarms = list(
        Alarm.objects.select_for_update().filter(workorder=workorder, status=AlarmStatus.DISPATCHED).order_by("pk")
    )
    if workorder.status == WorkOrderStatus.CLOSED:
        for alarm in alarms:
            alarm.status = AlarmStatus.CLOSED
            alarm.closed_at = now
            alarm.save(update_fields=["status", "closed_at", "updated"])
            record_alarm_event(
                alarm,
                AlarmEventKind.CLOSED,
                actor=actor,
                at=now,
                message=_("任务单 %(number)s 已办结") % {"number": workorder.number},
                workorder=workorder.pk,
                number=workorder.number,
            )
    elif workorder.status == WorkOrderStatus.CANCELLED:
        for alarm in alarms:
            alarm.status = AlarmStatus.ACKNOWLEDGED
            alarm.workorder = None
            alarm.save(update_fields=["status", "workorder", "updated"])
            # No timeline kind says "handed back": the row is an acknowledgement (the new state) naming the order.
            record_alarm_event(
                alarm,
                AlarmEventKind.ACKNOWLEDGED,
                actor=actor,
                at=now,
                message=_("任务单 %(number)s 已撤销，报警退回“已确认”，可重新派单或关闭。")
                % {"number": workorder.number},
                workorder=workorder.pk,
                number=workorder.number,
                cancelled=True,
            )


def _clean_text(value, *, required: bool, field: str, missing: str | None = None) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise ValidationError({field: missing or _("请填写内容。")})
    if len(text) > COMMENT_MAX:
        raise ValidationError(
            {field: _("内容过长：最多 %(max)s 字，收到 %(count)s 字。") % {"max": COMMENT_MAX, "count": len(text)}}
        )
    return text
