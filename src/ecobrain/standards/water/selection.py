"""Which GB 3838 edition applies: named explicitly, or the one in force on the Beijing date of a time."""

from __future__ import annotations

from datetime import date, datetime

from ecobrain.standards.aqi.selection import beijing_date
from ecobrain.standards.water.editions import gb3838_2002
from ecobrain.standards.water.model import WaterStandard

STANDARDS: tuple[WaterStandard, ...] = (gb3838_2002.STANDARD,)


def get_standard(standard: WaterStandard | str | None = None) -> WaterStandard:
    """An edition by object or by name ("GB 3838-2002"); None gives the newest."""
    if standard is None:
        return STANDARDS[-1]
    if isinstance(standard, WaterStandard):
        return standard
    key = str(standard).replace(" ", "").upper()
    for candidate in STANDARDS:
        if key in {candidate.name.replace(" ", "").upper(), candidate.name[-4:]}:
            return candidate
    raise ValueError(f"unknown surface-water standard {standard!r}; expected {', '.join(s.name for s in STANDARDS)}")


def standard_for(when: date | datetime) -> WaterStandard:
    """The edition in force on the Beijing date of ``when``."""
    day = beijing_date(when)
    in_force = [s for s in STANDARDS if s.effective_from <= day]
    if not in_force:
        raise ValueError(f"no GB 3838 edition was in force on {day.isoformat()}")
    return in_force[-1]
