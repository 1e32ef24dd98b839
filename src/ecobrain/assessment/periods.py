"""China calendar months and days of the assessment: bounds in UTC, neighbours, and parsing what a user typed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from ecobrain.standards.hj212 import CHINA_TZ


class PeriodError(ValueError):
    """A month or day a user typed that cannot be read; the message (Chinese) says what is expected."""


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def same_month_last_year(month: date) -> date:
    return date(month.year - 1, month.month, 1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months, month, end = [], month_start(first), month_start(last)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a China calendar month."""
    start = datetime.combine(month, time(0), tzinfo=CHINA_TZ).astimezone(UTC)
    return start, datetime.combine(next_month(month), time(0), tzinfo=CHINA_TZ).astimezone(UTC)


def china_month(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date().replace(day=1)


def china_today(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def parse_month(text: str, *, what: str = "月份") -> date:
    """``YYYY-MM`` → the month's first day."""
    try:
        year, month = (text or "").strip().split("-")
        if len(year) != 4:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise PeriodError(f"{what}“{text}”无效：应为 YYYY-MM，例如 2026-11。") from None


def parse_day(text: str, *, what: str = "日期") -> date:
    """``YYYY-MM-DD`` → the date."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise PeriodError(f"{what}“{text}”无效：应为 YYYY-MM-DD，例如 2026-11-30。") from None
