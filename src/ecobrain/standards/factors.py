"""The HJ 212 monitoring-factor code table (HJ 212-2017 Appendix B, with the HJ/T 212-2005 old codes) as data."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "hj212_factors.csv"


@dataclass(frozen=True)
class Factor:
    code: str
    name: str
    name_en: str
    old_code: str
    unit: str
    ambient_unit: str
    emission_unit: str
    medium: str
    data_type: str
    source: str


@cache
def factor_table() -> dict[str, Factor]:
    """2017 code → Factor, in the order of the table."""
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: Factor(**row) for row in csv.DictReader(handle)}


@cache
def old_code_map() -> dict[tuple[str, str], str]:
    """(medium, 2005 old code) → 2017 code. Old codes repeat across media (water 001 vs gas 01), hence the key."""
    return {(f.medium, f.old_code): f.code for f in factor_table().values() if f.old_code}


def new_code_for(old_code: str, medium: str | None = None) -> str | None:
    """The 2017 code for a 2005 code; without ``medium``, only when the old code is unambiguous."""
    mapping = old_code_map()
    if medium is not None:
        return mapping.get((medium, old_code))
    matches = {code for (m, old), code in mapping.items() if old == old_code}
    return matches.pop() if len(matches) == 1 else None
