"""The exact scalar AQI: IAQI and AQI with rational arithmetic, per HJ 633-2012 or HJ 633-2026 (no floats)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from itertools import pairwise
from types import MappingProxyType
from typing import Literal

from ecobrain.standards.aqi.model import PRIMARY_ORDER, Edition, Kind, Level, LevelText, level_for
from ecobrain.standards.aqi.selection import edition_for, get_edition

Number = int | float | str | Decimal | Fraction
TOP_IAQI = 500
# A 2012 special case asks for a value from another table; iaqi() returns this marker instead of a number.
USE_OTHER: Literal["use_other"] = "use_other"
# Keys accepted by compute_aqi beyond the AQI inputs: the SO2 24-h average the 2012 real-time report falls back to.
EXTRA_KEYS = ("so2_24h",)


def to_decimal(value: Number, name: str = "value") -> Decimal:
    """A concentration as an exact Decimal; a float is read by its shortest repr, so 2.2 means 2.2."""
    if isinstance(value, bool):
        raise ValueError(f"{name}: {value!r} is not a concentration")
    if isinstance(value, Fraction):
        number = Decimal(value.numerator) / Decimal(value.denominator)
        if Fraction(number) != value:
            raise ValueError(f"{name}: {value} has no exact decimal form")
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except (InvalidOperation, TypeError, ValueError):
            raise ValueError(f"{name}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{name}: {value!r} is not a finite number")
    if number < 0:
        raise ValueError(f"{name}: {value!r} is negative")
    return number


def pollutant_of(key: str) -> str:
    """The pollutant of an input key or table name: "pm2_5_24h" → "pm2_5", "o3_8h" → "o3"."""
    for suffix in ("_24h", "_8h", "_1h"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def round_concentration(value: Decimal, pollutant: str, edition: Edition) -> Decimal:
    """The concentration the IAQI is computed from: GB/T 8170 (half-even) in 2026 §4.2.2, unchanged in 2012."""
    if edition.concentration_decimals is None:
        return value
    decimals = edition.concentration_decimals[pollutant_of(pollutant)]
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def ceil_fraction(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def iaqi(table: str, concentration: Number, edition: Edition | str | int) -> int | Literal["use_other"]:
    """The IAQI of a concentration on one breakpoint table (2026 Table 3, 2012 Table 1), rounded up (§4.2.6/§6.2).

    The concentration is used as given (round it first with :func:`round_concentration` where the edition asks).
    Above the top of a table the IAQI is 500, except for the notes on SO2 1-h and O3 8-h: a number in 2026,
    :data:`USE_OTHER` in 2012 (the caller then takes the SO2 24-h or O3 1-h IAQI).
    """
    edition = get_edition(edition)
    points = edition.breakpoints[table]
    c = Fraction(to_decimal(concentration, table))
    top_bp = points[-1][1]
    if c > top_bp:
        if table == "so2_1h":
            return USE_OTHER if edition.so2_1h_above_top == "use_24h" else int(edition.so2_1h_above_top)
        if table == "o3_8h":
            return USE_OTHER if edition.o3_8h_above_top == "use_1h" else int(edition.o3_8h_above_top)
        # The standard gives no rule above the top; national practice publishes 500 (reference §2.2/§2.3 [I]).
        return TOP_IAQI
    for (i_lo, bp_lo), (i_hi, bp_hi) in pairwise(points):
        if c <= bp_hi:
            return ceil_fraction(Fraction(i_hi - i_lo, bp_hi - bp_lo) * (c - bp_lo) + i_lo)
    raise AssertionError("unreachable: c is within the table")


@dataclass(frozen=True)
class AqiResult:
    """One AQI with everything HJ 633 publishes beside it, and the edition that produced it."""

    edition: str
    kind: Kind
    aqi: int | None  # None = NA: a pollutant is missing and the others give ≤ 100 (2026 §5.3.1)
    iaqi: Mapping[str, int]  # the IAQIs that enter the AQI, by input key
    reported_iaqi: Mapping[str, int]  # published beside the AQI without entering it (2012 real-time)
    concentrations: Mapping[str, Decimal]  # the (rounded) concentrations the IAQIs were computed from
    primary_pollutants: tuple[str, ...]
    exceedance_pollutants: tuple[str, ...] | None  # None: the edition has no such concept (2026)
    missing: tuple[str, ...]
    level: Level | None
    level_text: LevelText | None
    notes: tuple[str, ...] = field(default=())

    @property
    def category(self) -> str | None:
        return self.level.category if self.level else None

    @property
    def colour(self) -> str | None:
        return self.level.colour_hex if self.level else None

    @property
    def health_effect(self) -> str | None:
        return self.level_text.health_effect if self.level_text else None

    @property
    def advice(self) -> str | None:
        return self.level_text.advice if self.level_text else None

    def as_dict(self) -> dict:
        """The CLI/API shape: aqi, level, category, primary pollutants, IAQIs and the edition."""
        return {
            "aqi": self.aqi,
            "level": self.level.number if self.level else None,
            "category": self.category,
            "primary_pollutants": list(self.primary_pollutants),
            "iaqi": dict(self.iaqi),
            "edition": self.edition,
        }


def resolve_edition(edition: Edition | str | int | None, at: date | datetime | None) -> Edition:
    if edition is not None:
        return get_edition(edition)
    if at is None:
        raise ValueError("name an edition or give the time of the data")
    return edition_for(at)


def compute_aqi(
    values: Mapping[str, Number | None],
    *,
    kind: Kind = "hourly",
    edition: Edition | str | int | None = None,
    at: date | datetime | None = None,
    exempt: Iterable[str] = (),
) -> AqiResult:
    """The real-time (hourly) or daily AQI of one station-period, exactly.

    ``values`` maps input keys to concentrations (µg/m³, CO mg/m³); None or an absent key is a missing value.
    Hourly keys: so2, no2, co, o3, pm10, pm2_5 (1-h means); in 2012 also o3_8h, pm10_24h, pm2_5_24h (published
    beside the AQI) and so2_24h (used when SO2 1-h > 800). Daily keys: so2, no2, co, pm10, pm2_5 (daily means),
    o3_8h (daily max 8-h mean) and, in 2012, o3 (daily max 1-h). Keys the edition does not use are ignored.
    ``exempt`` lists pollutants whose absence does not block publication (2026 §5.3.2).
    """
    ed = resolve_edition(edition, at)
    inputs = ed.inputs(kind)
    reported = ed.reported(kind)
    known = set(inputs) | set(reported) | set(EXTRA_KEYS) | {"so2", "no2", "co", "o3", "o3_8h", "pm10", "pm2_5"}
    known |= {"pm10_24h", "pm2_5_24h"}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown input(s): {', '.join(sorted(unknown))}")
    exempt = set(exempt)

    concentrations: dict[str, Decimal] = {}

    def prepared(key: str) -> Decimal | None:
        raw = values.get(key)
        if raw is None:
            return None
        number = round_concentration(to_decimal(raw, key), key, ed)
        concentrations[key] = number
        return number

    notes: list[str] = []
    result_iaqi: dict[str, int] = {}
    missing: list[str] = []
    for key, table in inputs.items():
        c = prepared(key)
        if c is None:
            if key not in exempt:
                missing.append(key)
            continue
        value = iaqi(table, c, ed)
        if value == USE_OTHER and table == "so2_1h":
            c24 = prepared("so2_24h")
            if c24 is None:
                notes.append("SO2 1-h above 800: the SO2 24-h average is needed and missing")
                if key not in exempt:
                    missing.append(key)
                continue
            notes.append("SO2 1-h above 800: SO2 reported with the IAQI of its 24-h average")
            value = iaqi("so2_24h", c24, ed)
        elif value == USE_OTHER:
            # O3 8-h above 800 (2012): O3 is represented by its 1-h IAQI, which this daily report already holds.
            notes.append("O3 8-h above 800: O3 reported with its 1-h IAQI")
            continue
        result_iaqi[key] = int(value)

    reported_iaqi: dict[str, int] = {}
    for key, table in reported.items():
        c = prepared(key)
        if c is None:
            continue
        value = iaqi(table, c, ed)
        if value != USE_OTHER:
            reported_iaqi[key] = int(value)

    aqi: int | None = max(result_iaqi.values()) if result_iaqi else None
    if aqi is not None and missing and aqi <= 100:
        # 2026 §5.3.1 (and 2012 national practice [I]): with a pollutant missing, publish only an AQI above 100.
        notes.append(f"missing {', '.join(missing)}: AQI ≤ 100 from the others, so AQI is NA")
        aqi = None
    if aqi is not None:
        aqi = max(aqi, ed.aqi_min)

    primary: tuple[str, ...] = ()
    if aqi is not None and aqi > 50:
        primary = tuple(k for k in PRIMARY_ORDER if result_iaqi.get(k) == aqi)
    exceedance = tuple(k for k in PRIMARY_ORDER if result_iaqi.get(k, 0) > 100) if ed.has_exceedance else None
    level = level_for(aqi) if aqi is not None else None
    return AqiResult(
        edition=ed.name,
        kind=kind,
        aqi=aqi,
        iaqi=MappingProxyType(result_iaqi),
        reported_iaqi=MappingProxyType(reported_iaqi),
        concentrations=MappingProxyType(concentrations),
        primary_pollutants=primary,
        exceedance_pollutants=exceedance,
        missing=tuple(missing),
        level=level,
        level_text=ed.level_texts[level.number - 1] if level else None,
        notes=tuple(notes),
    )
