"""Which HJ 633 edition applies: named explicitly, or the one in force on the Beijing date of a time."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from ecobrain.standards.aqi.editions import hj633_2012, hj633_2026
from ecobrain.standards.aqi.model import Edition

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
EDITIONS: tuple[Edition, ...] = tuple(sorted((hj633_2012.EDITION, hj633_2026.EDITION), key=lambda e: e.effective_from))


def get_edition(edition: Edition | str | int) -> Edition:
    """An edition by object, by name ("HJ 633-2026") or by year ("2026" or 2026)."""
    if isinstance(edition, Edition):
        return edition
    key = str(edition).strip()
    for candidate in EDITIONS:
        if key in {candidate.name, str(candidate.year), candidate.name.replace(" ", "")}:
            return candidate
    raise ValueError(f"unknown AQI edition {edition!r}; expected one of {', '.join(e.name for e in EDITIONS)}")


def beijing_date(when: date | datetime) -> date:
    """The Beijing calendar date of a time; a naive datetime is taken as Beijing local time already."""
    if isinstance(when, datetime):
        if when.tzinfo is not None and when.utcoffset() is not None:
            when = when.astimezone(BEIJING)
        return when.date()
    return when


def edition_for(when: date | datetime) -> Edition:
    """The edition in force on the Beijing date of ``when`` (HJ 633-2026 from 2026-03-01)."""
    day = beijing_date(when)
    in_force = [e for e in EDITIONS if e.effective_from <= day]
    if not in_force:
        raise ValueError(f"no HJ 633 edition was in force on {day.isoformat()}")
    return in_force[-1]
