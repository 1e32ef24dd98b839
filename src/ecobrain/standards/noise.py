"""Environmental noise limits (环境噪声限值) of the acoustic functional zones per GB 3096-2008, exact (no Django).

GB 3096-2008 Table 1 gives the equivalent continuous A-weighted sound level (Leq, dB(A)) each zone may reach by day
and by night; day is 06:00–22:00 and night 22:00–06:00 local time (§3.4–3.5). The reference (standards.md) does not
carry GB 3096: the limits and times here are the well-known values of the standard [UNVERIFIED against its text].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal

from ecobrain.standards.aqi.exact import Number, to_decimal
from ecobrain.standards.aqi.selection import BEIJING

Period = Literal["day", "night"]
PERIODS: tuple[Period, ...] = ("day", "night")


@dataclass(frozen=True)
class NoiseStandard:
    """One edition of GB 3096 as data: the day/night Leq limit of each acoustic functional zone."""

    name: str
    effective_from: date
    limits: dict[str, tuple[int, int]]  # zone → (day, night) dB(A)
    zone_names: dict[str, str]
    day_starts: time
    night_starts: time
    # §5.4: at night a sudden noise's maximum level may exceed the limit by at most this many dB(A).
    night_sudden_max_allowance: int

    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(self.limits)

    def __str__(self) -> str:
        return self.name


GB_3096_2008 = NoiseStandard(
    name="GB 3096-2008",
    effective_from=date(2008, 10, 1),  # [UNVERIFIED]
    # GB 3096-2008 Table 1 环境噪声限值, dB(A) (day, night).
    limits={"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)},
    # GB 3096-2008 §4 声环境功能区分类.
    zone_names={
        "0": "康复疗养区等特别需要安静的区域",
        "1": "以居民住宅、医疗卫生、文化教育、科研设计、行政办公为主要功能的区域",
        "2": "以商业金融、集市贸易为主要功能，或者居住、商业、工业混杂的区域",
        "3": "以工业生产、仓储物流为主要功能的区域",
        "4a": (
            "高速公路、一级公路、二级公路、城市快速路、城市主干路、城市次干路、城市轨道交通（地面段）、内河航道两侧区域"
        ),
        "4b": "铁路干线两侧区域",
    },
    day_starts=time(6),
    night_starts=time(22),
    night_sudden_max_allowance=15,
)
STANDARDS = (GB_3096_2008,)


def check_zone(zone: str, standard: NoiseStandard = GB_3096_2008) -> str:
    key = str(zone).strip().lower()
    if key not in standard.limits:
        raise ValueError(f"acoustic functional zone must be one of {', '.join(standard.zones)}, got {zone!r}")
    return key


def period_of(when: datetime | time, standard: NoiseStandard = GB_3096_2008) -> Period:
    """Day (06:00 ≤ t < 22:00) or night (22:00 ≤ t < 06:00), GB 3096-2008 §3.4–3.5, in Beijing local time.

    An aware datetime is converted to Beijing time; a naive one, or a bare time, is taken as local already.
    """
    if isinstance(when, datetime):
        if when.tzinfo is not None and when.utcoffset() is not None:
            when = when.astimezone(BEIJING)
        when = when.time()
    return "day" if standard.day_starts <= when.replace(tzinfo=None) < standard.night_starts else "night"


def noise_limit(zone: str, period: Period, standard: NoiseStandard = GB_3096_2008) -> int:
    """The Leq limit in dB(A) of a zone by day or by night (GB 3096-2008 Table 1)."""
    if period not in PERIODS:
        raise ValueError(f"period must be 'day' or 'night', got {period!r}")
    day, night = standard.limits[check_zone(zone, standard)]
    return day if period == "day" else night


@dataclass(frozen=True)
class NoiseAssessment:
    """A measured level against its zone's limit: the exceedance in dB (0 when the level meets the limit)."""

    standard: str
    zone: str
    period: Period
    level: Decimal
    limit: int
    exceedance: Decimal  # level − limit when positive, else 0

    @property
    def exceeds(self) -> bool:
        return self.exceedance > 0

    def as_dict(self) -> dict:
        return {
            "zone": self.zone,
            "period": self.period,
            "level": str(self.level),
            "limit": self.limit,
            "exceedance": str(self.exceedance),
            "exceeds": self.exceeds,
            "standard": self.standard,
        }


def assess_noise(
    zone: str,
    level: Number,
    *,
    period: Period | None = None,
    when: datetime | time | None = None,
    standard: NoiseStandard = GB_3096_2008,
) -> NoiseAssessment:
    """A Leq in dB(A) against the zone's day or night limit (give ``period``, or ``when`` to derive it).

    A level equal to the limit meets it (Table 1 limits are maxima); the exceedance is level − limit, exact.
    """
    if (period is None) == (when is None):
        raise ValueError("give exactly one of period or when")
    chosen: Period = period if period is not None else period_of(when, standard)  # type: ignore[arg-type]
    limit = noise_limit(zone, chosen, standard)
    value = to_decimal(level, "level")
    over = value - limit
    return NoiseAssessment(
        standard=standard.name,
        zone=check_zone(zone, standard),
        period=chosen,
        level=value,
        limit=limit,
        exceedance=over if over > 0 else Decimal(0),
    )


def assess_night_sudden_max(zone: str, lmax: Number, standard: NoiseStandard = GB_3096_2008) -> NoiseAssessment:
    """A sudden noise's maximum level at night: it may exceed the night limit by at most 15 dB(A) (GB 3096-2008 §5.4).

    The returned ``limit`` is the night limit plus the allowance [UNVERIFIED against the text].
    """
    limit = noise_limit(zone, "night", standard) + standard.night_sudden_max_allowance
    value = to_decimal(lmax, "lmax")
    over = value - limit
    return NoiseAssessment(
        standard=standard.name,
        zone=check_zone(zone, standard),
        period="night",
        level=value,
        limit=limit,
        exceedance=over if over > 0 else Decimal(0),
    )
