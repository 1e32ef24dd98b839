"""QC rule parameters per monitoring factor, as data (docs/monitoring.md "QC rules").

A rule is looked up by factor code and the series' *context*: ``ambient`` for a device at a monitoring
station, ``emission`` for a device at an outlet. The same code means different things in the two places:
SO2 (a21026) at an air station is in µg/m³ and rarely above a few hundred; in a stack it is in mg/m³ and
can be in the thousands (standards.md §1.10: ambient units in practice are µg/m³, CO mg/m³; the factor
table's units apply to emissions).

The numbers are platform defaults. None of them is a limit from an emission or quality standard; the
comment next to each says where it comes from. Numbers marked UNVERIFIED are from memory or practice and
a deployment can change any of them without a code change: ``ECOBRAIN_QC_RULES_FILE`` names a JSON file
``{"a21026": {"maximum": "1800"}, "a21026@emission": {"stuck_hours": 8}}`` whose fields replace the
defaults (``code`` applies to both contexts, ``code@context`` to one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

AMBIENT = "ambient"  # a device at a monitoring station
EMISSION = "emission"  # a device at an enterprise's outlet
CONTEXTS = (AMBIENT, EMISSION)


@dataclass(frozen=True)
class FactorRule:
    """QC parameters of one factor in one context; ``None`` switches a check off.

    Point checks (each stored row): ``non_negative`` (a negative value is NEGATIVE), ``minimum`` /
    ``maximum`` (outside is OUT_OF_RANGE; ``minimum`` matters only where negatives are possible).
    Window checks (the periodic job; counts are in hourly values and scale with a series' interval):
    STUCK when one value repeats in more than ``stuck_hours`` consecutive values; FLAT_LINE when
    ``flat_hours`` consecutive values vary by no more than ``flat_tolerance``; SPIKE when a value is
    above (or below) both neighbours by more than ``max(spike_delta, spike_ratio × mean |neighbours|)``.
    """

    non_negative: bool = True
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    stuck_hours: int | None = None
    flat_hours: int | None = None
    flat_tolerance: Decimal = Decimal(0)
    spike_delta: Decimal | None = None
    spike_ratio: Decimal = Decimal(0)

    @property
    def has_window_checks(self) -> bool:
        return self.stuck_hours is not None or self.flat_hours is not None or self.spike_delta is not None


def _rule(
    maximum=None, *, minimum=None, non_negative=True, stuck=None, flat=None, tol=0, spike=None, ratio=0
) -> FactorRule:
    dec = lambda v: None if v is None else Decimal(str(v))  # noqa: E731
    return FactorRule(
        non_negative=non_negative,
        minimum=dec(minimum),
        maximum=dec(maximum),
        stuck_hours=stuck,
        flat_hours=flat,
        flat_tolerance=Decimal(str(tol)),
        spike_delta=dec(spike),
        spike_ratio=Decimal(str(ratio)),
    )


# Window defaults (platform practice, UNVERIFIED as a standard's rule): an exact repeat over 6 hourly values
# (stuck=5 allowed) is how a data logger that lost its analyser looks; 12 hours without variation beyond
# the instrument's last digit is a dead sensor. Water analysers (COD, NH3-N, TP, TN) measure once every 1–4 h
# and repeat their last result in between, so they get 12 allowed repeats and 24 flat hours.
AIR_WINDOW = {"stuck": 5, "flat": 12}
SLOW_WINDOW = {"stuck": 11, "flat": 24}

# Ambient values (device at a station), µg/m³ except CO mg/m³. Gas maxima are about 2× the top of the gas
# analysers' usual 0–500 nmol/mol range (UNVERIFIED: HJ 654 from memory), which is also above the top IAQI
# breakpoint of the 1-h tables (standards.md §2.1: SO2 800, NO2 3840 is the breakpoint table's end, not a
# measured value). Spike thresholds: an hourly jump that even heavy-pollution episodes rarely show
# (UNVERIFIED practice).
_AMBIENT: dict[str, FactorRule] = {
    "a21026": _rule(2000, **AIR_WINDOW, tol=1, spike=100, ratio=1),  # SO2
    "a21004": _rule(2000, **AIR_WINDOW, tol=1, spike=100, ratio=1),  # NO2
    "a21003": _rule(2000, **AIR_WINDOW, tol=1, spike=200, ratio=1),  # NO
    "a21002": _rule(4000, **AIR_WINDOW, tol=1, spike=300, ratio=1),  # NOx as NO2
    "a05024": _rule(1500, **AIR_WINDOW, tol=1, spike=150, ratio=1),  # O3: 1.25× the top 1-h IAQI breakpoint 1200
    "a21005": _rule(150, **AIR_WINDOW, tol="0.05", spike=3, ratio=1),  # CO mg/m³: the top 1-h IAQI breakpoint
    # PM: 6× the top IAQI breakpoint (PM2.5 500, PM10 600). Dust storms in northern China have driven hourly
    # PM10 to several thousand µg/m³ (press reports, UNVERIFIED figure), hence 10,000 for PM10 and TSP.
    "a34004": _rule(3000, **AIR_WINDOW, tol=1, spike=150, ratio=1),  # PM2.5
    "a34002": _rule(10000, **AIR_WINDOW, tol=1, spike=300, ratio=1),  # PM10
    "a34001": _rule(20000, **AIR_WINDOW, tol=1, spike=600, ratio=1),  # TSP
    "a34005": _rule(3000, **AIR_WINDOW, tol=1, spike=150, ratio=1),  # PM1.0
    "a99054": _rule(**AIR_WINDOW, tol=1),  # TVOC: unit varies by instrument, so no maximum
    "a24088": _rule(**AIR_WINDOW, tol="0.01"),  # NMHC: unit varies, no maximum
    "a25002": _rule(**AIR_WINDOW, tol="0.01"),  # benzene
}

# Meteorology and sound, the same at stations and outlets. Physical bounds with margin.
_EVERYWHERE: dict[str, FactorRule] = {
    # Air temperature: China's records are about −53 °C (Mohe) and 50 °C (Turpan); −60…60 covers both.
    "a01001": _rule(60, minimum=-60, non_negative=False, stuck=5, flat=12, tol="0.05", spike=10),
    "a01002": _rule(100, stuck=11, flat=24, tol="0.05"),  # relative humidity %, by definition; fog holds 100 for hours
    # Station pressure: Tibetan stations sit near 55 kPa, the sea-level record is about 108.4 kPa.
    "a01006": _rule(110, minimum=50, stuck=11, flat=24, tol="0.005", spike=2),
    "a01007": _rule(80, stuck=11),  # wind speed m/s: above the strongest typhoon gusts measured (≈ 70 m/s)
    "a01008": _rule(360, stuck=11),  # wind direction, degrees
    # Sound levels in dB: environmental sound level meters end near 130–140 dB; 0 dB is the hearing threshold.
    **{code: _rule(140, stuck=5) for code in ("LA", "L5", "L10", "L50", "L90", "L95", "Leq", "Ldn", "Ld", "Ln")},
    "LMx": _rule(140),
    "LMn": _rule(140),
}

# Emissions (device at an outlet), mg/m³ for flue gas, mg/L for water. The maxima sit above the full scale of
# the analysers found on outlets (UNVERIFIED practice): a reading above them is a transmission or unit error.
_EMISSION: dict[str, FactorRule] = {
    # Flue gas. Uncontrolled flue gas of high-sulphur coal holds ~10,000 mg/m³ SO2 (≈ 3.5 % S coal).
    "a21026": _rule(20000, **AIR_WINDOW, tol="0.5", spike=100, ratio=1),
    "a21002": _rule(10000, **AIR_WINDOW, tol="0.5", spike=100, ratio=1),  # NOx: raw combustion gas < ~2,000
    "a21003": _rule(10000, **AIR_WINDOW, tol="0.5", spike=100, ratio=1),  # NO
    "a21004": _rule(5000, **AIR_WINDOW, tol="0.5", spike=100, ratio=1),  # NO2
    "a34013": _rule(10000, **AIR_WINDOW, tol="0.1", spike=30, ratio=1),  # particulates: outlet monitors 0–1,000
    "a21005": _rule(**AIR_WINDOW, tol="0.5", spike=200, ratio=1),  # CO: no maximum known to us
    "a21024": _rule(**AIR_WINDOW, tol="0.1"),  # HCl
    "a21028": _rule(**AIR_WINDOW, tol="0.1"),  # H2S
    "a21001": _rule(**AIR_WINDOW, tol="0.01"),  # NH3 slip: Appendix B's unit (ng/m³) is doubtful, no maximum
    "a24088": _rule(**AIR_WINDOW, tol="0.1"),  # NMHC
    "a25002": _rule(**AIR_WINDOW, tol="0.01"),  # benzene
    "a19001": _rule(25, **SLOW_WINDOW, tol="0.05", spike=5, ratio="0.5"),  # O2 %: air is 20.95 %
    "a01010": _rule(5, stuck=None),  # Ringelmann blackness: the scale has grades 0–5
    "a01011": _rule(60, **SLOW_WINDOW, tol="0.05", spike=10, ratio="0.5"),  # flue velocity m/s: stacks run 5–25
    # Flue temperature °C: 40–200 after treatment, up to ~1,000 before heat recovery; cold stacks go below 0.
    "a01012": _rule(1000, minimum=-40, non_negative=False, **SLOW_WINDOW, tol="0.1", spike=50, ratio="0.5"),
    # Flue static pressure is a gauge pressure, a few kPa either side of ambient; negative in induced-draft stacks.
    "a01013": _rule(20, minimum=-20, non_negative=False, **SLOW_WINDOW, tol="0.001"),
    "a01014": _rule(100, **SLOW_WINDOW, tol="0.05"),  # flue humidity %
    "a01015": _rule(40, minimum=-20, non_negative=False),  # sample-cooler temperature, held near 4 °C: no window
    "a01016": _rule(200),  # duct area m² (a 10 m flue is 79 m²); a constant by design: no window checks
    "a01017": _rule(10, **SLOW_WINDOW, tol="0.001"),  # dynamic pressure kPa: ½ρv² at 60 m/s is about 2 kPa
    # Flow has no maximum: Appendix B says m³/s (gas) and L/s (water), loggers often send m³/h. Zero flow for
    # hours is normal (no discharge at night), so no window checks either.
    "a00000": _rule(),
    "w00000": _rule(),
    # Wastewater. Industrial wastewater reaches ~10,000 mg/L COD and landfill leachate ~3,000 mg/L NH3-N.
    "w01018": _rule(20000, **SLOW_WINDOW, tol="0.5", spike=100, ratio=1),  # COD
    "w21003": _rule(5000, **SLOW_WINDOW, tol="0.01", spike=10, ratio=1),  # NH3-N
    "w21011": _rule(1000, **SLOW_WINDOW, tol="0.005", spike=2, ratio=1),  # TP
    "w21001": _rule(5000, **SLOW_WINDOW, tol="0.05", spike=20, ratio=1),  # TN
    "w01010": _rule(100, minimum=-2, non_negative=False, **SLOW_WINDOW, tol="0.05", spike=5),  # water °C
}

# Surface water (device at a station). GB 3838-2002 class V limits are the scale (COD 40, NH3-N 2.0, TP 0.4,
# TN 2.0 mg/L); the maxima are 10–50× those, well above any river.
_WATER_STATION: dict[str, FactorRule] = {
    "w01018": _rule(500, **SLOW_WINDOW, tol="0.5", spike=20, ratio=1),  # COD
    "w01019": _rule(200, **SLOW_WINDOW, tol="0.1", spike=5, ratio=1),  # CODMn
    "w21003": _rule(100, **SLOW_WINDOW, tol="0.01", spike=2, ratio=1),  # NH3-N
    "w21011": _rule(20, **SLOW_WINDOW, tol="0.005", spike="0.5", ratio=1),  # TP
    "w21001": _rule(100, **SLOW_WINDOW, tol="0.05", spike=5, ratio=1),  # TN
    "w01010": _rule(50, minimum=-2, non_negative=False, **SLOW_WINDOW, tol="0.05", spike=5),  # water °C
    "w00000": _rule(),
}

_WATER_NO_MAXIMUM = (
    "w01012", "w01017", "w01019", "w01020", "w02003", "w20111", "w20115", "w20116", "w20117", "w20119",
    "w20120", "w20122", "w20123", "w20128", "w21016", "w21017", "w21019", "w22001", "w23002", "w19002",
)  # fmt: skip

# Water quantities common to both contexts.
_WATER: dict[str, FactorRule] = {
    "w01001": _rule(14, **SLOW_WINDOW, tol="0.01", spike=2),  # pH: the aqueous pH scale is 0–14
    # Dissolved oxygen: saturation is 14.6 mg/L at 0 °C; algal blooms supersaturate to about 20.
    "w01009": _rule(25, **SLOW_WINDOW, tol="0.02", spike=5, ratio="0.5"),
    "w01014": _rule(200000, **SLOW_WINDOW, tol=1, spike=1000, ratio=1),  # conductivity µS/cm: seawater ≈ 50,000
    "w01003": _rule(4000, **SLOW_WINDOW, tol="0.1", spike=200, ratio=1),  # turbidity NTU: common full scale 4,000
    "w01016": _rule(**SLOW_WINDOW),  # chlorophyll: unit varies
    # Non-negative quantities without a known plausible maximum (units differ between instruments).
    **{code: _rule(**SLOW_WINDOW) for code in _WATER_NO_MAXIMUM},
}

# Each context layers the tables, later ones winning: a flue-gas parameter (O2, velocity …) still has a rule
# if such a device sits at a station, and an ambient factor (PM2.5, O3) if it is measured at an outlet.
_BY_CONTEXT: dict[str, dict[str, FactorRule]] = {
    AMBIENT: {**_EMISSION, **_EVERYWHERE, **_WATER, **_AMBIENT, **_WATER_STATION},
    EMISSION: {**_WATER_STATION, **_AMBIENT, **_EVERYWHERE, **_WATER, **_EMISSION},
}
DEFAULT_RULES: dict[tuple[str, str], FactorRule] = {
    (code, context): rule for context, table in _BY_CONTEXT.items() for code, rule in table.items()
}


class RuleFileError(ValueError):
    """The QC rules file is unreadable or names an unknown field; the message says which and where."""


_FIELD_TYPES = {f.name: f.type for f in fields(FactorRule)}


def load_overrides(path: str | Path) -> dict[tuple[str, str], FactorRule]:
    """The default table with the JSON file's fields applied (see the module docstring)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleFileError(f"QC rules file {path}: {exc}") from None
    if not isinstance(document, dict):
        raise RuleFileError(f"QC rules file {path}: the top level must be an object of factor codes")
    table = dict(DEFAULT_RULES)
    for key, changes in document.items():
        code, _, context = key.partition("@")
        if context and context not in CONTEXTS:
            raise RuleFileError(f"QC rules file {path}, {key!r}: context must be one of {', '.join(CONTEXTS)}")
        if not isinstance(changes, dict):
            raise RuleFileError(f"QC rules file {path}, {key!r}: expected an object of fields")
        values = {name: _field_value(path, key, name, value) for name, value in changes.items()}
        for ctx in (context,) if context else CONTEXTS:
            table[(code, ctx)] = replace(table.get((code, ctx), FactorRule()), **values)
    return table


def _field_value(path, key: str, name: str, value):
    kind = _FIELD_TYPES.get(name)
    where = f"QC rules file {path}, {key!r}.{name}"
    if kind is None:
        raise RuleFileError(f"{where}: unknown field; known: {', '.join(_FIELD_TYPES)}")
    if value is None:
        if kind.endswith("| None"):
            return None
        raise RuleFileError(f"{where}: may not be null")
    if kind == "bool":
        if not isinstance(value, bool):
            raise RuleFileError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind.startswith("int"):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise RuleFileError(f"{where}: expected a whole number of hours ≥ 1, got {value!r}")
        return value
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RuleFileError(f"{where}: expected a number, got {value!r}") from None
    if not number.is_finite():
        raise RuleFileError(f"{where}: expected a finite number, got {value!r}")
    return number


@cache
def rule_table() -> dict[tuple[str, str], FactorRule]:
    """The rules in force: the defaults, changed by ``settings.QC_RULES_FILE`` when it is set."""
    from django.conf import settings

    path = getattr(settings, "QC_RULES_FILE", "")
    return load_overrides(path) if path else DEFAULT_RULES


def rule_for(code: str, context: str) -> FactorRule | None:
    """The rule of a factor in a context; None for a factor the table does not know (no checks at all)."""
    return rule_table().get((code, context))
