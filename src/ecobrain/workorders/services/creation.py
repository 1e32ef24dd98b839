"""Creating a work order: its number, its deadline (per source policy, calendar or working days), its dispatch."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.core import gate
from ecobrain.core.geo import validate_coordinates
from ecobrain.core.models import Organisation, OrganisationKind, Region
from ecobrain.notifications.choices import NotificationKind
from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.attachments import check_uploads, removed_on_error, store_attachments
from ecobrain.workorders.choices import DayKind, Priority, WorkOrderEventKind, WorkOrderSource, WorkOrderStatus
from ecobrain.workorders.deadlines import add_days, format_deadline
from ecobrain.workorders.models import DeadlinePolicy, WorkOrder, WorkOrderAttachment
from ecobrain.workorders.services.timeline import notify_about, org_members, record_event

NUMBER_PREFIX = "RW"

# The deadline clock per source when no DeadlinePolicy row says otherwise (and what ensure_deadline_policies seeds):
# (days, calendar or working days, hours before the deadline to remind). Alarms are urgent (3 working days);
# complaints get 15 working days, the usual time limit for environmental complaints (举报件) in practice;
# inspections' findings 10; a leader's instruction and a manual order 5.
DEFAULT_POLICIES: dict[str, tuple[int, str, int]] = {
    WorkOrderSource.ALARM: (3, DayKind.WORKING, 24),
    WorkOrderSource.COMPLAINT: (15, DayKind.WORKING, 48),
    WorkOrderSource.INSPECTION: (10, DayKind.WORKING, 48),
    WorkOrderSource.INSTRUCTION: (5, DayKind.WORKING, 24),
    WorkOrderSource.MANUAL: (5, DayKind.WORKING, 24),
}
DEFAULT_REMIND_HOURS = 24


def ensure_deadline_policies(model=DeadlinePolicy) -> int:
    """Create the default policy of every source that has none (idempotent); returns how many were created.

    ``model`` lets the data migration pass its historical model.
    """
    existing = set(model.objects.values_list("source", flat=True))
    missing = [
        model(source=source, days=days, day_kind=day_kind, remind_before_hours=hours)
        for source, (days, day_kind, hours) in DEFAULT_POLICIES.items()
        if source not in existing
    ]
    model.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def policy_for(source: str) -> tuple[int, str, int]:
    """(days, day kind, remind-before hours) of a source: its DeadlinePolicy row, else the built-in default."""
    policy = DeadlinePolicy.objects.filter(source=source).first()
    if policy is not None:
        return policy.days, policy.day_kind, policy.remind_before_hours
    return DEFAULT_POLICIES.get(source, (5, DayKind.WORKING, DEFAULT_REMIND_HOURS))


def branch_of(district: Region) -> Organisation | None:
    """The district's branch (区县分局), the default assignee of an order in that district."""
    return Organisation.objects.filter(kind=OrganisationKind.BRANCH, district=district).order_by("code").first()


def default_deadline(source: str, start: datetime) -> tuple[datetime, str]:
    days, day_kind, _hours = policy_for(source)
    return add_days(start, days, day_kind), day_kind


def _next_number(now: datetime) -> str:
    day = now.astimezone(CHINA_TZ).strftime("%Y%m%d")
    prefix = f"{NUMBER_PREFIX}{day}"
    last = (
        WorkOrder.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _check_objects(district: Region, enterprise, station, outlet) -> None:
    """The order's objects lie in its district (an order in one county about another county's plant is a mistake)."""
    errors = {}
    if outlet is not None and enterprise is not None and outlet.enterprise_id != enterprise.pk:
        errors["outlet"] = _("排放口“%(outlet)s”不属于企业“%(enterprise)s”。") % {
            "outlet": outlet,
            "enterprise": enterprise,
        }
    for field, obj in (("enterprise", enterprise), ("station", station)):
        if obj is not None and obj.district_id and obj.district_id != district.pk:
            errors[field] = _("%(object)s位于%(where)s，不在所选区县%(district)s。") % {
                "object": obj,
                "where": obj.district,
                "district": district,
            }
    if errors:
        raise ValidationError(errors)


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
    attachments: Iterable = (),
    now: datetime | None = None,
    check_permission: bool = True,
) -> WorkOrder:
    """Create a work order and dispatch it to the district's branch (or ``assignee_org``); tell the branch.

    ``actor`` None is the system (an alarm rule dispatching by itself). The deadline comes from the source's
    :class:`DeadlinePolicy` unless given. ``attachments`` are uploaded files (photos, documents) kept with the
    order. Raises ValidationError for an order that cannot be dispatched, PermissionDenied for a district or
    object outside the actor's scope.
    """
    now = now or timezone.now()
    if source not in WorkOrderSource.values:
        raise ValidationError({"source": _("未知的任务来源“%(source)s”。") % {"source": source}})
    if priority not in Priority.values:
        raise ValidationError({"priority": _("未知的紧急程度“%(priority)s”。") % {"priority": priority}})
    if actor is not None and check_permission:
        gate.ensure_allowed(actor, "add", WorkOrder)
        for obj in (enterprise, station, outlet):
            if obj is not None and not gate.is_allowed(actor, "view", obj):
                raise PermissionDenied(_("%(object)s不在您的管辖范围内。") % {"object": obj})
    assignee_org = assignee_org or branch_of(district)
    if assignee_org is None:
        raise ValidationError(
            {"assignee_org": _("%(district)s没有区县分局，请指定承办单位。") % {"district": district.name}}
        )
    _check_objects(district, enterprise, station, outlet)
    validate_coordinates(longitude, latitude)
    day_kind = DayKind.CALENDAR
    if deadline is None:
        deadline, day_kind = default_deadline(source, now)
    elif deadline <= now:
        raise ValidationError({"deadline": _("办理期限须晚于当前时间。")})
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
        raise ValidationError({"title": _("请填写任务标题。")})
    if actor is not None and check_permission and not gate.object_in_scope(actor, WorkOrder(**fields)):
        raise PermissionDenied(_("%(district)s不在您的管辖范围内，不能向其派发任务。") % {"district": district})
    checked = check_uploads(attachments)
    if checked and actor is not None and check_permission:
        gate.ensure_allowed(actor, "add", WorkOrderAttachment)
    with removed_on_error() as written, transaction.atomic():
        for _attempt in range(5):  # two creators may take the same number: the unique index decides, retry
            try:
                with transaction.atomic():
                    workorder = WorkOrder.objects.create(number=_next_number(now), **fields)
                break
            except IntegrityError:
                continue
        else:
            raise IntegrityError("no free work-order number after 5 attempts")
        event = record_event(
            workorder,
            WorkOrderEventKind.CREATED,
            actor=actor,
            at=now,
            to_status=WorkOrderStatus.DISPATCHED,
            message=_("派发至%(org)s") % {"org": assignee_org.name},
            source=source,
            source_ref=source_ref,
            deadline=deadline.isoformat(),
        )
        store_attachments(workorder, checked, event=event, actor=actor, now=now, written=written)
        notify_about(
            workorder,
            event,
            org_members(assignee_org.pk),
            actor=actor,
            kind=NotificationKind.WORKORDER,
            title=_("新任务：%(title)s") % {"title": workorder.title},
            body=_("%(number)s，办理期限 %(deadline)s")
            % {"number": workorder.number, "deadline": format_deadline(deadline)},
            now=now,
            event_key=f"workorder:{workorder.pk}:dispatched",
        )
    return workorder
