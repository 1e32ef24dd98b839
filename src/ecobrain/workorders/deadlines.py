"""Deadline clocks: so many calendar or working days from the moment of dispatch (China time).

Working days are Monday to Friday, minus the holidays in :class:`~ecobrain.workorders.models.Holiday`, plus the
weekend days declared as working days (调休). A deadline of N days ends at 24:00 China time of the Nth day after
the day of dispatch.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.choices import DayKind, HolidayKind


def calendar_exceptions(start: date, end: date) -> dict[date, str]:
    """The Holiday rows between two dates (inclusive): date → kind."""
    from ecobrain.workorders.models import Holiday

    return dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind"))


def is_working_day(day: date, exceptions: dict[date, str]) -> bool:
    kind = exceptions.get(day)
    if kind == HolidayKind.HOLIDAY:
        return False
    if kind == HolidayKind.WORKDAY:
        return True
    return day.weekday() < 5


def add_days(start: datetime, days: int, day_kind: str, exceptions: dict[date, str] | None = None) -> datetime:
    """The deadline ``days`` calendar or working days after ``start`` (aware): 24:00 China time of the last day."""
    if start.tzinfo is None:
        raise ValueError("add_days needs an aware datetime")
    if days < 1:
        raise ValueError("a deadline is at least one day")
    first = start.astimezone(CHINA_TZ).date()
    if day_kind == DayKind.CALENDAR:
        last = first + timedelta(days=days)
    else:
        if exceptions is None:
            exceptions = calendar_exceptions(first, first + timedelta(days=days * 3 + 30))
        last, counted = first, 0
        while counted < days:
            last += timedelta(days=1)
            counted += is_working_day(last, exceptions)
    return datetime.combine(last + timedelta(days=1), time(), tzinfo=CHINA_TZ)


def format_deadline(moment: datetime) -> str:
    """A deadline as people read it, in China time: the 24:00 that ends a day reads as that day's 24:00."""
    local = moment.astimezone(CHINA_TZ)
    if local.time() == time():
        return f"{local.date() - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"
