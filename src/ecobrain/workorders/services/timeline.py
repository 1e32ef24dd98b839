"""The typed timeline of a work order and the people each step tells."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q

from ecobrain.accounts.choices import Role
from ecobrain.alarms.choices import Severity
from ecobrain.notifications.services import notify
from ecobrain.workorders.models import WorkOrder, WorkOrderEvent


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
    """Append one timeline row (every service step writes exactly one)."""
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


def org_members(organisation_id: int | None) -> list[int]:
    """Ids of the active users of an organisation."""
    if not organisation_id:
        return []
    return list(
        get_user_model().objects.filter(organisation_id=organisation_id, is_active=True).values_list("pk", flat=True)
    )


def handlers_of(workorder: WorkOrder) -> list[int]:
    """Who handles the order at the branch: its assignee, or every member of the assignee organisation."""
    if workorder.assignee_id:
        return [workorder.assignee_id]
    return org_members(workorder.assignee_org_id)


def dispatchers_of(workorder: WorkOrder) -> list[int]:
    """Who checks the order: its creator and the members of the dispatching organisation."""
    people = set(org_members(workorder.dispatcher_org_id))
    if workorder.created_by_id:
        people.add(workorder.created_by_id)
    return sorted(people)


def leaders_over(workorder: WorkOrder) -> list[int]:
    """Bureau leaders whose scope covers the order's district (city-wide, or that district)."""
    return list(
        get_user_model()
        .objects.filter(role=Role.BUREAU_LEADER, is_active=True)
        .filter(Q(city_wide=True) | Q(districts=workorder.district_id))
        .values_list("pk", flat=True)
        .distinct()
    )


def notify_about(
    workorder: WorkOrder,
    event: WorkOrderEvent,
    recipients: Iterable[int],
    *,
    actor,
    kind: str,
    title: str,
    body: str = "",
    severity: int = Severity.WARNING,
    now: datetime,
    event_key: str = "",
) -> None:
    """Tell ``recipients`` (user ids) about one timeline row, never the actor; inside the step's transaction."""
    actor_id = getattr(actor, "pk", None)
    people = [pk for pk in dict.fromkeys(recipients) if pk != actor_id]
    if not people:
        return
    notify(
        event_key=event_key or f"workorder:{workorder.pk}:event:{event.pk}",
        recipients=people,
        kind=kind,
        title=title,
        body=body,
        link=workorder.get_absolute_url(),
        severity=severity,
        now=now,
    )
