"""The shapes of the AQI data: an edition of HJ 633, its level texts, and the AQI levels (no Django)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Kind = Literal["hourly", "daily"]
# Pollutant keys of the inputs. The AQI-entering keys are named after the pollutant (the averaging period follows
# from the kind of report); the 2012 real-time moving means published beside the AQI carry their period.
POLLUTANTS = ("so2", "no2", "co", "o3", "o3_8h", "pm10", "pm2_5")
# Ties are listed in this order: national practice lists PM10, PM2.5, O3 [I]; the rest follow the table order.
PRIMARY_ORDER = ("pm10", "pm2_5", "o3", "o3_8h", "so2", "no2", "co")


def _(text: str) -> str:
    """A marker for ``makemessages`` (like Django's ``gettext_noop``): the standard's text, untranslated here; the
    Django layer (assessment.queries.level_display) shows it in the reader's language."""
    return text


@dataclass(frozen=True)
class LevelText:
    """The health effect and the advice of one AQI level, in the words of one edition."""

    health_effect: str
    advice: str


@dataclass(frozen=True)
class Level:
    """One AQI level (空气质量指数级别) with its category and colour; the colours are the same in 2012 and 2026."""

    number: int
    roman: str
    upper: int  # the highest AQI of the level (the last level has none: 500 is the top of the scale)
    category: str
    category_en: str
    colour_name: str
    colour_hex: str
    rgb: tuple[int, int, int]
    cmyk: tuple[int, int, int, int]


LEVELS = (
    Level(1, _("一级"), 50, _("优"), "excellent", _("绿色"), "#00E400", (0, 228, 0), (40, 0, 100, 0)),
    Level(2, _("二级"), 100, _("良"), "good", _("黄色"), "#FFFF00", (255, 255, 0), (0, 0, 100, 0)),
    Level(3, _("三级"), 150, _("轻度污染"), "light pollution", _("橙色"), "#FF7E00", (255, 126, 0), (0, 52, 100, 0)),
    Level(4, _("四级"), 200, _("中度污染"), "moderate pollution", _("红色"), "#FF0000", (255, 0, 0), (0, 100, 100, 0)),
    Level(5, _("五级"), 300, _("重度污染"), "heavy pollution", _("紫色"), "#99004C", (153, 0, 76), (10, 100, 40, 30)),
    Level(
        6, _("六级"), 500, _("严重污染"), "severe pollution", _("褐红色"), "#7E0023", (126, 0, 35), (30, 100, 100, 30)
    ),
)


def level_for(aqi: int) -> Level:
    """The level of an AQI (0–50 → 1, 51–100 → 2, …, > 300 → 6)."""
    if aqi < 0:
        raise ValueError(f"AQI must not be negative, got {aqi}")
    for level in LEVELS:
        if aqi <= level.upper:
            return level
    return LEVELS[-1]


@dataclass(frozen=True)
class Edition:
    """One edition of HJ 633 as data: breakpoint tables, special cases, inputs per report kind, level texts."""

    name: str
    year: int
    effective_from: date
    breakpoints: dict[str, tuple[tuple[int, int], ...]]
    so2_1h_above_top: Literal["use_24h"] | int
    o3_8h_above_top: Literal["use_1h"] | int
    concentration_decimals: dict[str, int] | None
    hourly_inputs: dict[str, str]
    hourly_reported: dict[str, str]
    daily_inputs: dict[str, str]
    has_exceedance: bool
    aqi_min: int
    level_texts: tuple[LevelText, ...]
    sensitive_groups: dict[str, str] = field(default_factory=dict)

    def inputs(self, kind: Kind) -> dict[str, str]:
        """Input key → breakpoint table, for the indicators that enter the AQI of this kind of report."""
        if kind == "hourly":
            return self.hourly_inputs
        if kind == "daily":
            return self.daily_inputs
        raise ValueError(f"kind must be 'hourly' or 'daily', got {kind!r}")

    def reported(self, kind: Kind) -> dict[str, str]:
        """Indicators published beside the AQI without entering it (2012 real-time moving means)."""
        return self.hourly_reported if kind == "hourly" else {}

    def __str__(self) -> str:
        return self.name
