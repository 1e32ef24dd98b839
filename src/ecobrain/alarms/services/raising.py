"""The system's side of an alarm: open it, count its repeats, escalate it, clear it (called by the rule engine).

At most one alarm per (rule, object) is open (OPEN, ACKNOWLEDGED or DISPATCHED): the partial unique index
``alarm_one_open_per_rule_object`` decides between concurrent evaluators. :func:`raise_alarm` creates the row in a
savepoint and, when the index refuses it, locks the row another evaluator committed and updates that one.

Triggers are idempotent per period: a trigger for a period not after the open alarm's ``last_period`` changes
nothing, and one not after the last period of the (rule, object)'s latest closed alarm opens nothing, so evaluating
the same data twice (the live path and the sweep, two processes) never counts twice nor re-opens what was closed.
A repeat updates the row (last value, peak, count); the timeline gets a REPEATED entry at most every
:data:`REPEAT_EVENT_INTERVAL`, not one per observation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from ecobrain.accounts.choices import Role
from ecobrain.alarms.choices import OPEN_ALARM_STATES, AlarmEventKind, AlarmStatus, Severity
from ecobrain.alarms.models import Alarm, AlarmEvent, AlarmRule
from ecobrain.alarms.services.timeline import record_alarm_event
from ecobrain.core.models import OrganisationKind, Region
from ecobrain.notifications.choices import NotificationKind
from ecobrain.notifications.services import notify

logger = logging.getLogger(__name__)

# A REPEATED timeline entry is written when the last TRIGGERED/REPEATED/ESCALATED entry is at least this old.
REPEAT_EVENT_INTERVAL = timedelta(hours=1)
TITLE_MAX = 200


@dataclass(frozen=True)
class AlarmTarget:
    """What an alarm is about: its key within the rule, the text people read, and the objects it links to."""

    key: str
    title: str
    message: str = ""
    district_id: int | None = None
    enterprise_id: int | None = None
    outlet_id: int | None = None
    station_id: int | None = None
    device_id: int | None = None
    factor_id: int | None = None
    series_id: int | None = None
    unit: str = ""
    resolution: str = ""


@dataclass(frozen=True)
class RaiseResult:
    alarm: Alarm
    created: bool = False
    updated: bool = False
    escalated: bool = False


def _farther(value: float | None, peak: float | None, threshold: float | None) -> bool:
    """Whether ``value`` is a worse peak than ``peak``: farther from the threshold (either side), or higher."""
    if value is None:
        return False
    if peak is None:
        return True
    if threshold is None:
        return value > peak
    return abs(value - threshold) > abs(peak - threshold)


def alarm_link(alarm: Alarm) -> str:
    try:
        return reverse("alarms:alarm_detail", args=[alarm.pk])
    except NoReverseMatch:  # the alarm pages are not installed yet
        return f"/alarms/{alarm.pk}/"


def district_handlers(district_id: int | None) -> list[int]:
    """Active district handlers covering ``district_id``: it (or its parent) among their districts, or their
    organisation is the district's branch."""
    if district_id is None:
        return []
    parent_id = Region.objects.filter(pk=district_id).values_list("parent_id", flat=True).first()
    covered = [district_id] if parent_id is None else [district_id, parent_id]
    return list(
        get_user_model()
        .objects.filter(is_active=True, role=Role.DISTRICT_HANDLER)
        .filter(
            Q(districts__in=covered) | Q(organisation__kind=OrganisationKind.BRANCH, organisation__district=district_id)
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def alarm_recipients(rule: AlarmRule, alarm: Alarm) -> set[int]:
    ids = set(rule.recipients.values_list("pk", flat=True))
    if rule.notify_district:
        ids.update(district_handlers(alarm.district_id))
    return ids


def raise_alarm(
    rule: AlarmRule,
    target: AlarmTarget,
    *,
    value: float | None,
    threshold: float | None,
    period: datetime,
    now: datetime,
    count: int = 1,
    first_value: float | None = None,
    first_period: datetime | None = None,
    peak: float | None = None,
    severity: int | None = None,
) -> RaiseResult:
    """Open the alarm of (rule, target.key), or update the open one with a new triggering period.

    ``value`` and ``period`` are the latest triggering observation; when the engine coalesced several periods into
    one call, ``count`` says how many, ``first_value``/``first_period`` the earliest and ``peak`` the worst.
    A higher ``severity`` (default: the rule's) than the open alarm's escalates it (ESCALATED entry, notified).
    Opening notifies the rule's recipients and, with ``notify_district``, the district's handlers.
    """
    severity = int(severity or rule.severity)
    peak = value if peak is None or _farther(value, peak, threshold) else peak
    with transaction.atomic():
        alarm = _open_alarm(rule, target.key)
        if alarm is None:
            closed = _latest_closed(rule, target.key)
            if closed is not None and closed.last_period is not None and period <= closed.last_period:
                return RaiseResult(closed)  # that period was already part of an alarm people have closed
            alarm = Alarm(
                rule=rule,
                kind=rule.kind,
                severity=severity,
                status=AlarmStatus.OPEN,
                object_key=target.key,
                title=target.title[:TITLE_MAX],
                message=target.message,
                district_id=target.district_id,
                enterprise_id=target.enterprise_id,
                outlet_id=target.outlet_id,
                station_id=target.station_id,
                device_id=target.device_id,
                factor_id=target.factor_id,
                series_id=target.series_id,
                resolution=target.resolution,
                threshold=threshold,
                first_value=value if first_value is None else first_value,
                last_value=value,
                peak_value=peak,
                unit=target.unit,
                first_period=first_period or period,
                last_period=period,
                triggered_at=now,
                last_triggered_at=now,
                trigger_count=max(1, count),
            )
            try:
                with transaction.atomic():  # a savepoint: the unique index may refuse the row
                    alarm.save(force_insert=True)
            except IntegrityError:
                alarm = _open_alarm(rule, target.key)
                if alarm is None:  # refused for another reason
                    raise
            else:
                _opened(rule, alarm, now)
                return RaiseResult(alarm, created=True)
        return _repeat(
            rule,
            alarm,
            target,
            value=value,
            threshold=threshold,
            period=period,
            now=now,
            count=count,
            peak=peak,
            severity=severity,
        )


def _open_alarm(rule: AlarmRule, key: str) -> Alarm | None:
    return (
        Alarm.objects.select_for_update()
        .filter(rule=rule, object_key=key, status__in=OPEN_ALARM_STATES)
        .order_by("pk")
        .first()
    )


def _latest_closed(rule: AlarmRule, key: str) -> Alarm | None:
    return (
        Alarm.objects.filter(rule=rule, object_key=key)
        .exclude(status__in=OPEN_ALARM_STATES)
        .order_by("-last_period", "-pk")
        .first()
    )


def _opened(rule: AlarmRule, alarm: Alarm, now: datetime) -> None:
    record_alarm_event(
        alarm,
        AlarmEventKind.TRIGGERED,
        actor=None,
        at=now,
        message=alarm.message,
        value=alarm.last_value,
        threshold=alarm.threshold,
        period=alarm.last_period.isoformat() if alarm.last_period else None,
        count=alarm.trigger_count,
    )
    notify(
        event_key=f"alarm:{alarm.pk}:opened",
        recipients=alarm_recipients(rule, alarm),
        kind=NotificationKind.ALARM,
        title=alarm.title,
        body=alarm.message,
        link=alarm_link(alarm),
        severity=alarm.severity,
        now=now,
    )


def _repeat(
    rule: AlarmRule,
    alarm: Alarm,
    target: AlarmTarget,
    *,
    value,
    threshold,
    period: datetime,
    now: datetime,
    count: int,
    peak,
    severity: int,
) -> RaiseResult:
    changed: list[str] = []
    new_period = alarm.last_period is None or period > alarm.last_period
    if new_period:
        alarm.trigger_count += max(1, count)
        alarm.last_value = value
        alarm.last_period = period
        alarm.last_triggered_at = now
        alarm.threshold = threshold
        if target.message:
            alarm.message = target.message
        changed += ["trigger_count", "last_value", "last_period", "last_triggered_at", "threshold", "message"]
        if alarm.cleared_at is not None:  # a dispatched alarm whose condition had cleared is back
            alarm.cleared_at = None
            changed.append("cleared_at")
    if new_period and _farther(peak, alarm.peak_value, alarm.threshold):
        alarm.peak_value = peak
        changed.append("peak_value")
    escalated = severity > alarm.severity
    if escalated:
        previous = alarm.severity
        alarm.severity = severity
        changed.append("severity")
    if not changed:
        return RaiseResult(alarm)
    alarm.save(update_fields=[*changed, "updated"])
    if escalated:
        record_alarm_event(
            alarm,
            AlarmEventKind.ESCALATED,
            actor=None,
            at=now,
            message=gettext("报警级别由%(old)s升为%(new)s")
            % {"old": Severity(previous).label, "new": Severity(severity).label},
            old=previous,
            new=severity,
            value=value,
        )
        notify(
            event_key=f"alarm:{alarm.pk}:severity:{severity}",
            recipients=alarm_recipients(rule, alarm),
            kind=NotificationKind.ALARM,
            title=alarm.title,
            body=alarm.message,
            link=alarm_link(alarm),
            severity=severity,
            now=now,
        )
    elif new_period and _repeat_event_due(alarm, now):
        record_alarm_event(
            alarm,
            AlarmEventKind.REPEATED,
            actor=None,
            at=now,
            message=alarm.message,
            value=value,
            peak=alarm.peak_value,
            period=period.isoformat(),
            trigger_count=alarm.trigger_count,
        )
    return RaiseResult(alarm, updated=True, escalated=escalated)


def _repeat_event_due(alarm: Alarm, now: datetime) -> bool:
    last = (
        AlarmEvent.objects.filter(
            alarm=alarm, kind__in=[AlarmEventKind.TRIGGERED, AlarmEventKind.REPEATED, AlarmEventKind.ESCALATED]
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return last is None or now - last >= REPEAT_EVENT_INTERVAL


def clear_alarm(rule: AlarmRule, key: str, *, now: datetime, value: float | None = None) -> Alarm | None:
    """The condition of (rule, key) cleared: an OPEN or ACKNOWLEDGED alarm is RESOLVED; a DISPATCHED one stays
    with its work order (which closes it) and only records the time (``cleared_at``) and a CLEARED entry.

    Returns the alarm changed, or None when none was open or a dispatched one had already been cleared.
    """
    with transaction.atomic():
        alarm = _open_alarm(rule, key)
        if alarm is None or (alarm.status == AlarmStatus.DISPATCHED and alarm.cleared_at is not None):
            return None
        alarm.cleared_at = now
        fields = ["cleared_at", "updated"]
        if alarm.status != AlarmStatus.DISPATCHED:
            alarm.status = AlarmStatus.RESOLVED
            fields.append("status")
        alarm.save(update_fields=fields)
        record_alarm_event(
            alarm,
            AlarmEventKind.CLEARED,
            actor=None,
            at=now,
            message=gettext("报警条件已解除，数据恢复正常"),
            value=value,
            status=alarm.status,
        )
    return alarm
