"""Deadline clocks per source, in calendar or working days.

Working days follow the national calendar: Monday to Friday, minus the public holidays, plus the weekend days
declared working days (调休上班) in the State Council General Office's yearly notice on holiday arrangements
(国务院办公厅关于部分节假日安排的通知), entered as Holiday rows. A deadline of N days ends at 24:00 China time of
the Nth (working) day after the day of dispatch (docs/workorders.md, "Deadlines").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.choices import DayKind, HolidayKind, WorkOrderSource
from ecobrain.workorders.deadlines import add_days, format_deadline
from ecobrain.workorders.models import DeadlinePolicy, Holiday
from ecobrain.workorders.services import create_workorder, ensure_deadline_policies


def china(y, m, d, h=10, minute=0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=CHINA_TZ)


def end_of(y, m, d) -> datetime:
    """24:00 China time of that day (= the next day's 00:00)."""
    return datetime(y, m, d, tzinfo=CHINA_TZ) + timedelta(days=1)


def test_default_policies_are_seeded(db):
    policies = {p.source: (p.days, p.day_kind) for p in DeadlinePolicy.objects.all()}
    assert policies == {
        "alarm": (3, "working"),
        "complaint": (15, "working"),
        "inspection": (10, "working"),
        "instruction": (5, "working"),
        "manual": (5, "working"),
    }
    assert ensure_deadline_policies() == 0  # idempotent


def test_working_days_skip_the_weekend(db):
    # Friday 2026-03-13 10:00 + 5 working days: Mon 16 … Fri 20 → 24:00 on Friday 20.
    assert add_days(china(2026, 3, 13), 5, DayKind.WORKING, {}) == end_of(2026, 3, 20)
    # Saturday dispatch: the clock starts on Monday.
    assert add_days(china(2026, 3, 14), 1, DayKind.WORKING, {}) == end_of(2026, 3, 16)
    # Calendar days count the weekend.
    assert add_days(china(2026, 3, 13), 5, DayKind.CALENDAR) == end_of(2026, 3, 18)


def test_working_days_skip_a_holiday(db):
    # 清明节 2026: Saturday 4 April to Monday 6 April off; Monday 6 is the weekday holiday.
    Holiday.objects.create(date=date(2026, 4, 6), kind=HolidayKind.HOLIDAY, name="清明节")
    # An alarm (3 working days) on Thursday 2 April: Fri 3, Tue 7, Wed 8.
    order_time = china(2026, 4, 2, 15, 30)
    assert add_days(order_time, 3, DayKind.WORKING) == end_of(2026, 4, 8)
    assert add_days(order_time, 3, DayKind.WORKING, {}) == end_of(2026, 4, 7)  # without the holiday row


def test_a_weekend_workday_counts(db):
    # 国庆节 2026: 1–7 October off (the weekdays among them are holiday rows), Saturday 10 October worked (调休).
    for day in (1, 2, 5, 6, 7):
        Holiday.objects.create(date=date(2026, 10, day), kind=HolidayKind.HOLIDAY, name="国庆节")
    Holiday.objects.create(date=date(2026, 10, 10), kind=HolidayKind.WORKDAY, name="国庆节调休上班")
    # Dispatched Wednesday 30 September, 3 working days: Thu 8, Fri 9, Sat 10 (调休).
    assert add_days(china(2026, 9, 30), 3, DayKind.WORKING) == end_of(2026, 10, 10)
    Holiday.objects.filter(kind=HolidayKind.WORKDAY).delete()
    assert add_days(china(2026, 9, 30), 3, DayKind.WORKING) == end_of(2026, 10, 12)


def test_orders_take_their_sources_clock(city_staff, qindu):
    Holiday.objects.create(date=date(2026, 4, 6), kind=HolidayKind.HOLIDAY, name="清明节")
    now = china(2026, 4, 2, 15, 30).astimezone(UTC)
    alarm = create_workorder(actor=None, title="报警派单", source=WorkOrderSource.ALARM, district=qindu, now=now)
    assert (alarm.deadline, alarm.day_kind) == (end_of(2026, 4, 8), DayKind.WORKING)
    complaint = create_workorder(
        actor=city_staff, title="投诉", source=WorkOrderSource.COMPLAINT, district=qindu, now=now
    )
    # 15 working days from Thursday 2 April, 6 April off: 3, 7–10, 13–17, 20–24 → 24:00 on Friday 24 April.
    assert complaint.deadline == end_of(2026, 4, 24)
    # An administrator switches manual orders to 10 calendar days.
    DeadlinePolicy.objects.filter(source="manual").update(days=10, day_kind=DayKind.CALENDAR)
    manual = create_workorder(actor=city_staff, title="手工", district=qindu, now=now)
    assert (manual.deadline, manual.day_kind) == (end_of(2026, 4, 12), DayKind.CALENDAR)
    # Without any policy row the built-in default applies.
    DeadlinePolicy.objects.all().delete()
    assert create_workorder(actor=None, title="x", source="alarm", district=qindu, now=now).deadline == end_of(
        2026, 4, 8
    )


def test_deadlines_read_as_the_end_of_the_day():
    assert format_deadline(end_of(2026, 4, 8)) == "2026-04-08 24:00"
    assert format_deadline(china(2026, 4, 8, 17, 30)) == "2026-04-08 17:30"


def test_an_explicit_deadline_must_lie_ahead(city_staff, qindu):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="办理期限须晚于当前时间"):
        create_workorder(actor=city_staff, title="x", district=qindu, deadline=china(2020, 1, 1))
