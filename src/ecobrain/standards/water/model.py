"""The shapes of the surface-water data: classes, one Table 1 item, and an edition of GB 3838 (no Django)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

# GB 3838-2002 §3 (水域功能和标准分类): five classes, best first; worse than Class V is reported as 劣V.
CLASSES = ("I", "II", "III", "IV", "V")
WORSE_THAN_V = "劣V"
ALL_CLASSES = (*CLASSES, WORSE_THAN_V)
Waterbody = Literal["river", "lake"]
WATERBODIES: tuple[Waterbody, ...] = ("river", "lake")
# How a limit is read (GB 3838-2002 Table 1): "max" — the value must not exceed it (≤); "min" — DO, the value must
# reach it (≥); "range" — pH, the value must lie in it; "change" — water temperature, limited as a man-made change.
Direction = Literal["max", "min", "range", "change"]


def class_rank(water_class: str) -> int:
    """0 for Class I … 4 for Class V, 5 for 劣V: a larger rank is a worse class."""
    try:
        return ALL_CLASSES.index(water_class)
    except ValueError:
        raise ValueError(f"unknown water class {water_class!r}; expected one of {', '.join(ALL_CLASSES)}") from None


@dataclass(frozen=True)
class WaterFactor:
    """One GB 3838-2002 Table 1 basic item (基本项目) with its Class I–V limits per kind of waterbody.

    ``limits`` maps a waterbody to the five limits (Class I … V); a waterbody that is missing has no limit for the
    item (TN is a lakes-and-reservoirs item). For pH the limits are the (low, high) range, the same for I–V.
    """

    key: str
    number: int  # the item number in Table 1
    name: str
    name_en: str
    unit: str
    direction: Direction
    limits: dict[str, tuple[Decimal, ...] | tuple[tuple[Decimal, Decimal], ...]]

    def limits_for(self, waterbody: Waterbody) -> tuple | None:
        """The Class I–V limits for a kind of waterbody, or None when Table 1 sets none for it."""
        return self.limits.get(waterbody)


@dataclass(frozen=True)
class WaterStandard:
    """One edition of GB 3838 with the evaluation method applied to it, as data."""

    name: str
    effective_from: date
    factors: tuple[WaterFactor, ...]
    method: str
    # 环办〔2011〕22号: items of Table 1 that do not count for the class (reported separately).
    excluded_from_class: frozenset[str]
    # 环办〔2011〕22号: items for which no exceedance multiple is computed.
    no_exceedance_multiple: frozenset[str]

    def factor(self, key: str) -> WaterFactor:
        for factor in self.factors:
            if factor.key == key:
                return factor
        raise ValueError(f"unknown water quality factor {key!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(factor.key for factor in self.factors)

    def __str__(self) -> str:
        return self.name
