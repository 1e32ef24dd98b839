"""Which HJ 663 edition applies: named explicitly, or the one in force on the Beijing date of a time."""

from __future__ import annotations

from datetime import date, datetime

from ecobrain.standards.aqi.selection import beijing_date
from ecobrain.standards.hj663.editions import hj663_2013, hj663_2026
from ecobrain.standards.hj663.model import AssessmentEdition

EDITIONS: tuple[AssessmentEdition, ...] = tuple(
    sorted((hj663_2013.EDITION, hj663_2026.EDITION), key=lambda e: e.effective_from)
)


def get_edition(edition: AssessmentEdition | str | int) -> AssessmentEdition:
    """An edition by object, by name ("HJ 663-2026", "HJ663-2026") or by year ("2013" or 2013)."""
    if isinstance(edition, AssessmentEdition):
        return edition
    key = str(edition).strip()
    for candidate in EDITIONS:
        if key in {candidate.name, str(candidate.year), candidate.name.replace(" ", "")}:
            return candidate
    raise ValueError(f"unknown HJ 663 edition {edition!r}; expected one of {', '.join(e.name for e in EDITIONS)}")


def edition_for(when: date | datetime) -> AssessmentEdition:
    """The edition in force on the Beijing date of ``when`` (HJ 663-2026 from 2026-03-01).

    Dates before the first edition's ``effective_from`` get the first edition: HJ 663 had no predecessor, and the
    platform assesses older data (e.g. the 2013 Beijing PRSA history) by HJ 663-2013.
    """
    day = beijing_date(when)
    in_force = [e for e in EDITIONS if e.effective_from <= day]
    return in_force[-1] if in_force else EDITIONS[0]


def resolve_edition(edition: AssessmentEdition | str | int | None) -> AssessmentEdition:
    """``get_edition``, with None meaning the newest edition (for rules that are the same in every edition)."""
    return EDITIONS[-1] if edition is None else get_edition(edition)
