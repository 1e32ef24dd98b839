"""The reminder before the deadline and the escalation (督办) once overdue, with a fixed ``now``: each happens once
per order, writes its timeline row and tells the right people."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecobrain.core.jobs import run_job
from ecobrain.notifications.choices import NotificationKind
from ecobrain.notifications.models import Notification
from ecobrain.workorders.choices import WorkOrderEventKind
from ecobrain.workorders.jobs import escalate_overdue_workorders, remind_due_workorders
from ecobrain.workorders.services import (
    accept_workorder,
    approve_extension,
    assign_workorder,
    create_workorder,
    request_extension,
    start_workorder,
    submit_workorder,
)
from tests.workorders.conftest import NOW, client_for


@pytest.fixture
def dispatched(city_staff, qindu, qindu_handler, qindu_colleague):
    """Dispatched on Tuesday 2026-03-10 10:00 China time; 5 working days → 24:00 on Tuesday 17 March."""
    return create_workorder(actor=city_staff, title="限期整改", district=qindu, now=NOW)


def recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_the_deadline_of_the_fixture(dispatched):
    assert dispatched.deadline == NOW + timedelta(days=7, hours=14)  # 2026-03-17 16:00 UTC = 3-18 00:00 China


def test_reminder_comes_once_within_the_window(dispatched, qindu_handler, qindu_colleague):
    deadline = dispatched.deadline
    assert remind_due_workorders(deadline - timedelta(hours=25)) == 0  # manual orders: 24 h before
    assert remind_due_workorders(deadline - timedelta(hours=23)) == 1
    assert remind_due_workorders(deadline - timedelta(hours=22)) == 0  # once
    dispatched.refresh_from_db()
    assert dispatched.reminded_at == deadline - timedelta(hours=23)
    event = dispatched.events.get(kind=WorkOrderEventKind.REMINDED)
    assert event.actor is None and event.from_status == event.to_status == "dispatched"
    # Nobody is assigned yet: the whole branch is reminded.
    assert recipients(NotificationKind.REMINDER) == {"qd", "qd2"}


def test_reminder_goes_to_the_assignee_and_again_after_an_extension(
    dispatched, qindu_handler, qindu_colleague, city_staff
):
    accept_workorder(dispatched, actor=qindu_handler, now=NOW)
    assign_workorder(dispatched, actor=qindu_handler, assignee=qindu_colleague, now=NOW)
    first = dispatched.deadline - timedelta(hours=12)
    assert remind_due_workorders(first) == 1
    assert recipients(NotificationKind.REMINDER) == {"qd2"}
    extension = request_extension(
        dispatched,
        actor=qindu_handler,
        requested_deadline=dispatched.deadline + timedelta(days=3),
        reason="取样",
        now=first,
    )
    approve_extension(extension, actor=city_staff, now=first)
    dispatched.refresh_from_db()
    assert dispatched.reminded_at is None  # re-armed for the new deadline
    assert remind_due_workorders(first + timedelta(hours=1)) == 0
    assert remind_due_workorders(dispatched.deadline - timedelta(hours=2)) == 1
    assert dispatched.events.filter(kind=WorkOrderEventKind.REMINDED).count() == 2


def test_overdue_orders_are_escalated_once(
    dispatched, city_staff, city_colleague, bureau_leader, qindu_handler, qindu_colleague
):
    deadline = dispatched.deadline
    assert escalate_overdue_workorders(deadline - timedelta(minutes=1)) == 0
    later = deadline + timedelta(hours=2)
    assert escalate_overdue_workorders(later) == 1
    assert escalate_overdue_workorders(later + timedelta(hours=1)) == 0
    dispatched.refresh_from_db()
    assert dispatched.escalated_at == later
    event = dispatched.events.get(kind=WorkOrderEventKind.ESCALATED)
    assert "列为督办" in event.message
    # The dispatching organisation (both its members), the bureau leaders and the branch are told.
    assert recipients(NotificationKind.ESCALATION) == {"city", "city2", "boss", "qd", "qd2"}
    # The order shows as under supervision on its page and the board.
    client = client_for(city_staff)
    assert "督办" in client.get(dispatched.get_absolute_url()).content.decode()
    board = client.get("/workorders/overdue/?kind=supervised").content.decode()
    assert dispatched.number in board


def test_a_leader_of_another_district_is_not_told(dispatched, binzhou):
    from tests.workorders.conftest import member

    member("bzboss", "bureau_leader", "610400-bureau", districts=[binzhou])
    escalate_overdue_workorders(dispatched.deadline + timedelta(hours=1))
    # bzboss is a member of the bureau but the order was dispatched by 执法支队, and Binzhou is not its district.
    assert "bzboss" not in recipients(NotificationKind.ESCALATION)


def test_submitted_and_closed_orders_are_neither_reminded_nor_escalated(dispatched, qindu_handler):
    accept_workorder(dispatched, actor=qindu_handler, now=NOW)
    start_workorder(dispatched, actor=qindu_handler, now=NOW)
    submit_workorder(dispatched, actor=qindu_handler, result="已整改", now=NOW + timedelta(days=1))
    assert remind_due_workorders(dispatched.deadline - timedelta(hours=1)) == 0
    assert escalate_overdue_workorders(dispatched.deadline + timedelta(days=3)) == 0


def test_the_jobs_are_registered_with_the_scheduler(dispatched):
    assert run_job("workorders.remind", now=dispatched.deadline - timedelta(hours=1)) == "1 reminded"
    assert run_job("workorders.escalate", now=dispatched.deadline + timedelta(hours=1)) == "1 escalated"
