"""Writes with rules on work orders: one verb per step, one transaction each, a timeline row per step."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecobrain.core.gate import ensure_allowed
from ecobrain.core.models import Organisation, OrganisationKind, Region
from ecobrain.notifications.choices import NotificationKind
from ecobrain.notifications.services import notify
from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.choices import DayKind, Priority, WorkOrderEventKind, WorkOrderSource, WorkOrderStatus
from ecobrain.workorders.deadlines import add_days
from ecobrain.workorders.models import DeadlinePolicy, WorkOrder, WorkOrderEvent

# Used when a source has no DeadlinePolicy row: 5 working days, reminded a day before.
DEFAULT_DAYS = 5
DEFAULT_DAY_KIND = DayKind.WORKING
NUMBER_PREFIX = "RW"


def branch_of(district: Region) -> Organisation | None:
    """The district's branch (区县分局), the default assignee of an order in that district."""
    return Organisation.objects.filter(kind=OrganisationKind.BRANCH, district=district).order_by("code").first()


def default_deadline(source: str, start: datetime) -> tuple[datetime, str]:
    policy = DeadlinePolicy.objects.filter(source=source).first()
    days, day_kind = (policy.days, policy.day_kind) if policy else (DEFAULT_DAYS, DEFAULT_DAY_KIND)
    return add_days(start, days, day_kind), day_kind


def _next_number(now: datetime) -> str:
    day = now.astimezone(CHINA_TZ).strftime("%Y%m%d")
    prefix = f"{NUMBER_PREFIX}{day}"
    last = (
        WorkOrder.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def record_event(
    workorder: WorkOrder,
    kind: str,
    *,
    actor,
    at: datetime,
    message: str = "",
    from_status: str = "",
    to_status: str = "",
    **data,
) -> WorkOrderEvent:
    """Append one timeline row (every service step writes exactly one, or more for compound steps)."""
    return WorkOrderEvent.objects.create(
        workorder=workorder,
        kind=kind,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_org=getattr(actor, "organisation", None),
        from_status=from_status,
        to_status=to_status,
        message=message,
        data=data,
    )


def create_workorder(
    *,
    actor,
    title: str,
    source: str = WorkOrderSource.MANUAL,
    district: Region,
    assignee_org: Organisation | None = None,
    description: str = "",
    source_ref: str = "",
    priority: int = Priority.NORMAL,
    enterprise=None,
    station=None,
    outlet=None,
    location: str = "",
    longitude: float | None = None,
    latitude: float | None = None,
    deadline: datetime | None = None,
    now: datetime | None = None,
    check_permission: bool = True,
) -> WorkOrder:
    """Create a work order and dispatch it to the district's branch (or ``assignee_org``); tell the branch.

    ``actor`` None is the system (an alarm rule dispatching by itself). The deadline comes from the source's
    :class:`DeadlinePolicy` unless given. Raises ValidationError for an order that cannot be dispatched.
    """
    now = now or timezone.now()
    if actor is not None and check_permission:
        ensure_allowed(actor, "add", WorkOrder)
    assignee_org = assignee_org or branch_of(district)
    if assignee_org is None:
        raise ValidationError({"assignee_org": f"{district.name}没有区县分局，请指定承办单位。"})
    day_kind = DayKind.CALENDAR
    if deadline is None:
        deadline, day_kind = default_deadline(source, now)
    elif deadline <= now:
        raise ValidationError({"deadline": "办理期限须晚于当前时间。"})
    dispatcher_org = (
        getattr(actor, "organisation", None)
        or Organisation.objects.filter(kind=OrganisationKind.BUREAU).order_by("code").first()
    )
    fields = dict(
        title=title.strip()[:200],
        description=description,
        source=source,
        source_ref=source_ref,
        priority=priority,
        status=WorkOrderStatus.DISPATCHED,
        district=district,
        enterprise=enterprise,
        station=station,
        outlet=outlet,
        location=location,
        longitude=longitude,
        latitude=latitude,
        dispatcher_org=dispatcher_org,
        assignee_org=assignee_org,
        created_by=actor,
        deadline=deadline,
        day_kind=day_kind,
        dispatched_at=now,
    )
    if not fields["title"]:
        raise ValidationError({"title": "请填写任务标题。"})
    with transaction.atomic():
        for _attempt in range(5):  # two creators may take the same number: the unique index decides, retry
            try:
                with transaction.atomic():
                    workorder = WorkOrder.objects.create(number=_next_number(now), **fields)
                break
            except IntegrityError:
                continue
        else:
            raise IntegrityError("no free work-order number after 5 attempts")
        record_event(
            workorder,
            WorkOrderEventKind.CREATED,
            actor=actor,
            at=now,
            to_status=WorkOrderStatus.DISPATCHED,
            message=f"派发至{assignee_org.name}",
            source=source,
            source_ref=source_ref,
            deadline=deadline.isoformat(),
        )
        notify(
            event_key=f"workorder:{workorder.pk}:dispatched",
            recipients=assignee_org.user_set.filter(is_active=True),
            kind=NotificationKind.WORKORDER,
            title=f"新任务：{workorder.title}",
            body=f"{workorder.number}，办理期限 {deadline.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}",
            link=workorder.get_absolute_url(),
            now=now,
        )
    return workorder
