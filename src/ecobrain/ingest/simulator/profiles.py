"""What a simulated data logger is: identity, kind, factors and limits, plus the source tables it draws on.

Plain Python (no Django), so the benchmark can build devices without a database. The tables are data: a
reference O2 per emission standard (the 折算 basis, standards.md §1.9 Appendix D), plant sizes, flue
temperatures and the typical level of a factor that has no registered limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class DeviceKind(StrEnum):
    AIR = "air"  # ambient air quality station (ST 22)
    VOCS = "vocs"  # VOCs station (ST 27)
    SURFACE_WATER = "surface_water"  # surface-water automatic station (ST 21)
    FLUE_GAS = "flue_gas"  # flue-gas CEMS at a gas outlet (ST 31)
    WASTEWATER = "wastewater"  # wastewater outlet (ST 32)


# System codes (HJ 212-2017 Table 5, standards.md §1.5): 21 = surface water, 22 = air quality.
ST_BY_KIND: dict[DeviceKind, str] = {
    DeviceKind.AIR: "22",
    DeviceKind.VOCS: "27",
    DeviceKind.SURFACE_WATER: "21",
    DeviceKind.FLUE_GAS: "31",
    DeviceKind.WASTEWATER: "32",
}

AIR_POLLUTANTS = ("a21026", "a21004", "a21005", "a05024", "a34002", "a34004")
MET_FACTORS = ("a01001", "a01002", "a01006", "a01007", "a01008")

# The factors each kind can send, in packet order. A device sends those of its registered factors found here
# (all of them when none is registered).
FACTORS_BY_KIND: dict[DeviceKind, tuple[str, ...]] = {
    DeviceKind.AIR: AIR_POLLUTANTS + MET_FACTORS,
    DeviceKind.VOCS: ("a24088", "a25002", "a99054"),
    DeviceKind.SURFACE_WATER: (
        "w01001",
        "w01009",
        "w01019",
        "w21003",
        "w21011",
        "w21001",
        "w01010",
        "w01014",
        "w01003",
    ),
    DeviceKind.FLUE_GAS: ("a34013", "a21026", "a21002", "a21024", "a21005", "a19001", "a00000", "a01012"),
    DeviceKind.WASTEWATER: ("w01018", "w21003", "w21011", "w21001", "w01001", "w00000"),
}
DEFAULT_FACTORS: dict[DeviceKind, tuple[str, ...]] = {
    **FACTORS_BY_KIND,
    DeviceKind.AIR: AIR_POLLUTANTS,
    DeviceKind.FLUE_GAS: ("a34013", "a21026", "a21002", "a19001", "a00000", "a01012"),
}

# Factors whose emission amount (Cou) is reported: the pollutants of a source and its flow (as volume).
GAS_POLLUTANTS = frozenset({"a34013", "a21026", "a21002", "a21024", "a21005"})
WATER_POLLUTANTS = frozenset({"w01018", "w21003", "w21011", "w21001"})
FLOWS = frozenset({"a00000", "w00000"})
# Factors an analyser measures: flagged C during zero/span checks and M during maintenance (§1.9). Flow,
# flue temperature and meteorology come from other sensors and stay N.
NOT_ANALYSED = frozenset({"a00000", "a01012", "w00000", *MET_FACTORS})

# Decimal places sent per factor (the N… types of HJ 212-2017 Appendix B where they fit ambient ranges).
DECIMALS: dict[str, int] = {
    "a21026": 0,
    "a21004": 0,
    "a21005": 3,
    "a05024": 0,
    "a34002": 0,
    "a34004": 0,
    "a01001": 1,
    "a01002": 1,
    "a01006": 2,
    "a01007": 1,
    "a01008": 0,
    "a24088": 3,
    "a25002": 4,
    "a99054": 1,
    "a34013": 2,
    "a21002": 2,
    "a21024": 2,
    "a19001": 2,
    "a00000": 2,
    "a01012": 1,
    "w01018": 1,
    "w21003": 3,
    "w21011": 3,
    "w21001": 2,
    "w01001": 2,
    "w00000": 2,
    "w01009": 2,
    "w01019": 2,
    "w01010": 1,
    "w01014": 0,
    "w01003": 1,
}


@dataclass(frozen=True)
class Limit:
    """A registered limit of one factor at an outlet: upper (and lower, for pH) bound, converted basis."""

    upper: float | None = None
    lower: float | None = None
    converted: bool = False  # the limit applies to the O2-converted (折算) concentration
    standard: str = ""


@dataclass(frozen=True)
class DeviceSpec:
    """One data logger to simulate: MN and access password, protocol edition, kind, factors and limits."""

    mn: str
    password: str
    version: str  # "2005", "2017" or "2025"
    kind: DeviceKind
    factors: tuple[str, ...]
    limits: Mapping[str, Limit] = field(default_factory=dict)
    name: str = ""

    @property
    def st(self) -> str:
        return ST_BY_KIND[self.kind]

    @property
    def standard(self) -> str:
        """The emission standard of the outlet (of its first limit that names one)."""
        return next((limit.standard for limit in self.limits.values() if limit.standard), "")


@dataclass(frozen=True)
class SourceProfile:
    """A kind of emission source, recognised by words in the standard of its limits."""

    key: str
    match: tuple[str, ...]  # every word must occur in the standard's name
    reference_o2: float  # % O2 of the 折算 basis (gas) — 0 for water
    flow: tuple[float, float]  # design flow, m³/h (gas) or m³/d (water)
    temperature: tuple[float, float] = (0.0, 0.0)  # °C at the stack
    o2: tuple[float, float] = (0.0, 0.0)  # measured dry O2, %
    off_season_load: float = 1.0  # load outside the heating season (boilers burn less in summer)


# Reference O2 by standard: GB 13223-2011 (coal-fired units) 6 %; GB 13271-2014 coal 9 %, gas 3.5 %;
# GB 4915-2013 kiln 10 %; GB 16171-2012 coke oven stack 8 %; GB 18485-2014 11 %. First match wins.
GAS_SOURCES: tuple[SourceProfile, ...] = (
    SourceProfile("power", ("GB 13223",), 6.0, (8e5, 2e6), (45, 55), (5.0, 7.5)),
    SourceProfile("gas_boiler", ("GB 13271", "燃气"), 3.5, (5e4, 3e5), (90, 130), (3.0, 6.5), 0.6),
    SourceProfile("coal_boiler", ("GB 13271",), 9.0, (5e4, 3e5), (110, 150), (7.0, 10.5), 0.6),
    SourceProfile("cement", ("GB 4915",), 10.0, (3e5, 6e5), (90, 140), (8.5, 12.0)),
    SourceProfile("coking", ("GB 16171",), 8.0, (1.5e5, 3e5), (150, 200), (7.0, 11.0)),
    SourceProfile("incinerator", ("GB 18485",), 11.0, (6e4, 1.2e5), (135, 160), (8.0, 11.0)),
)
OTHER_GAS_SOURCE = SourceProfile("other_gas", (), 9.0, (3e4, 2e5), (60, 140), (8.0, 13.0))
WATER_SOURCES: tuple[SourceProfile, ...] = (
    SourceProfile("wwtp", ("GB 18918",), 0.0, (1e4, 8e4)),
    SourceProfile("coal_mine", ("GB 20426",), 0.0, (2000, 12000)),
    SourceProfile("leachate", ("GB 16889",), 0.0, (100, 500)),
)
OTHER_WATER_SOURCE = SourceProfile("other_water", (), 0.0, (200, 5000))

# Typical concentration of a source factor without a registered limit (mg/m³ converted, or mg/L).
TYPICAL_LEVEL: dict[str, float] = {
    "a34013": 8.0,
    "a21026": 25.0,
    "a21002": 60.0,
    "a21024": 5.0,
    "a21005": 20.0,
    "w01018": 40.0,
    "w21003": 3.0,
    "w21011": 0.4,
    "w21001": 12.0,
}


def source_profile(spec: DeviceSpec) -> SourceProfile:
    """The source profile of a flue-gas or wastewater device, from the standard named by its limits."""
    if spec.kind == DeviceKind.FLUE_GAS:
        table, other = GAS_SOURCES, OTHER_GAS_SOURCE
    elif spec.kind == DeviceKind.WASTEWATER:
        table, other = WATER_SOURCES, OTHER_WATER_SOURCE
    else:
        raise ValueError(f"{spec.mn}: a {spec.kind} device has no emission source profile")
    standard = spec.standard
    return next((p for p in table if all(word in standard for word in p.match)), other)


def usable_factors(kind: DeviceKind, registered: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The registered factors this kind can simulate, in packet order; the kind's defaults when none is registered."""
    if not registered:
        return DEFAULT_FACTORS[kind]
    wanted = set(registered)
    return tuple(code for code in FACTORS_BY_KIND[kind] if code in wanted)
