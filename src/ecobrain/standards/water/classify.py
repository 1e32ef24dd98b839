"""Single-factor evaluation (单因子评价) of surface water per GB 3838-2002 and 环办〔2011〕22号, exact (no floats).

A value equal to a class limit belongs to that class (GB 3838-2002 Table 1: "≤" limits, and "≥" for DO); pH is a
range; worse than Class V is 劣V. The class of a sample or a period is the worst class of the items that count for
it (环办〔2011〕22号: Table 1 minus water temperature, TN and fecal coliform).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from types import MappingProxyType

from ecobrain.standards.aqi.exact import Number, to_decimal
from ecobrain.standards.water.model import (
    CLASSES,
    WATERBODIES,
    WORSE_THAN_V,
    Waterbody,
    WaterFactor,
    WaterStandard,
    class_rank,
)
from ecobrain.standards.water.selection import get_standard

PH_SCALE = (Fraction(0), Fraction(14))
# 环办〔2011〕22号 断面水质定性评价 (reference §5.2, [I]: S14).
STATUS = {"I": "优", "II": "优", "III": "良好", "IV": "轻度污染", "V": "中度污染", WORSE_THAN_V: "重度污染"}


def check_waterbody(waterbody: str) -> Waterbody:
    if waterbody not in WATERBODIES:
        raise ValueError(f"waterbody must be one of {', '.join(WATERBODIES)}, got {waterbody!r}")
    return waterbody  # type: ignore[return-value]


def check_class(water_class: str) -> str:
    """A target class I–V (a target of 劣V means nothing: every value meets it)."""
    if water_class not in CLASSES:
        raise ValueError(f"target class must be one of {', '.join(CLASSES)}, got {water_class!r}")
    return water_class


def exact_value(factor: WaterFactor, value: Number) -> Fraction:
    """A measured value as an exact Fraction; negative values, and pH off the 0–14 scale, are errors."""
    number = value if isinstance(value, Fraction) else Fraction(to_decimal(value, factor.key))
    if number < 0:
        raise ValueError(f"{factor.key}: {value!r} is negative")
    if factor.direction == "range" and not PH_SCALE[0] <= number <= PH_SCALE[1]:
        raise ValueError(f"{factor.key}: {value!r} is off the pH scale 0–14")
    return number


def factor_class(
    key: str, value: Number, *, waterbody: Waterbody, standard: WaterStandard | str | None = None
) -> str | None:
    """The class (I…V or 劣V) of one item's value, or None when Table 1 sets no limit for it on this waterbody.

    GB 3838-2002 Table 1: the best class whose limit the value meets — ≤ the limit, ≥ for DO, within 6–9 for pH
    (so an in-range pH is Class I, and pH off 6–9 is 劣V [I: S14]). Water temperature, and TN in a river, get None.
    """
    standard = get_standard(standard)
    factor = standard.factor(key)
    number = exact_value(factor, value)
    limits = factor.limits_for(check_waterbody(waterbody))
    if not limits:
        return None
    for water_class, limit in zip(CLASSES, limits, strict=True):
        if factor.direction == "range":
            low, high = limit
            meets = low <= number <= high
        elif factor.direction == "min":
            meets = number >= limit
        else:
            meets = number <= limit
        if meets:
            return water_class
    return WORSE_THAN_V


def exceedance_multiple(
    key: str, value: Number, target: str, *, waterbody: Waterbody, standard: WaterStandard | str | None = None
) -> Fraction | None:
    """超标倍数 against a class: (value − limit) / limit, exact; 0 or less when the value meets the class limit.

    环办〔2011〕22号 gives the multiple for items with an upper limit; water temperature, pH and DO have none
    (None is returned for them, and for items without a limit on this waterbody).
    """
    standard = get_standard(standard)
    factor = standard.factor(key)
    number = exact_value(factor, value)
    limits = factor.limits_for(check_waterbody(waterbody))
    if not limits or key in standard.no_exceedance_multiple or factor.direction != "max":
        return None
    limit = Fraction(limits[CLASSES.index(check_class(target))])
    return (number - limit) / limit


def round_multiple(multiple: Fraction, places: int = 2) -> Decimal:
    """A multiple for reports: half-even (GB/T 8170) to ``places`` decimals [UNVERIFIED: the method's precision]."""
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(multiple.numerator) / Decimal(multiple.denominator)).quantize(quantum, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Exceedance:
    """One counted item worse than the target class: its value, the target's limit and the exceedance multiple."""

    factor: str
    value: Fraction
    water_class: str
    target: str
    limit: Decimal | None  # the target class limit (None for pH, whose "limit" is a range)
    multiple: Fraction | None  # None where the method computes none (pH, DO)

    def rounded_multiple(self, places: int = 2) -> Decimal | None:
        return None if self.multiple is None else round_multiple(self.multiple, places)


@dataclass(frozen=True)
class WaterResult:
    """The single-factor evaluation of a sample or of a period's means against GB 3838 (and a target class)."""

    standard: str
    waterbody: Waterbody
    water_class: str | None  # None when no counted item was given
    worst_factors: tuple[str, ...]
    factor_classes: Mapping[str, str] = field(default_factory=dict)  # every item with a class, counted or not
    excluded_factors: tuple[str, ...] = ()  # items given that do not count for the class
    values: Mapping[str, Fraction] = field(default_factory=dict)
    target: str | None = None
    exceedances: Mapping[str, Exceedance] = field(default_factory=dict)

    @property
    def status(self) -> str | None:
        """The section's quality status (水质状况): 优, 良好, 轻度污染, 中度污染 or 重度污染."""
        return None if self.water_class is None else STATUS[self.water_class]

    def meets_target(self) -> bool | None:
        """Whether the class is the target class or better (None without a target or a class)."""
        if self.target is None or self.water_class is None:
            return None
        return class_rank(self.water_class) <= class_rank(self.target)

    def as_dict(self, places: int = 2) -> dict:
        """The `ecobrain water-class` output object; multiples are rounded to ``places`` decimals as JSON numbers."""
        out: dict = {
            "class": self.water_class,
            "worst_factors": list(self.worst_factors),
            "factor_classes": dict(self.factor_classes),
        }
        if self.target is not None:
            out["exceedances"] = {
                key: None if item.multiple is None else float(item.rounded_multiple(places))
                for key, item in self.exceedances.items()
            }
        out["excluded_factors"] = list(self.excluded_factors)
        out["standard"] = self.standard
        return out


def evaluate(
    values: Mapping[str, Number | None],
    *,
    waterbody: Waterbody,
    target: str | None = None,
    standard: WaterStandard | str | None = None,
) -> WaterResult:
    """The class of one set of values (a sample, or a period's means): GB 3838-2002 §5.1 single-factor evaluation.

    Missing (None) values are skipped; keys that are not Table 1 items are an error. The class is the worst class of
    the counted items (环办〔2011〕22号), the worst factors are the counted items in that class (Table 1 order), and
    with a target the exceedances are the counted items worse than the target class.
    """
    standard = get_standard(standard)
    check_waterbody(waterbody)
    if target is not None:
        check_class(target)
    unknown = sorted(set(values) - set(standard.keys))
    if unknown:
        raise ValueError(f"not GB 3838 Table 1 items: {', '.join(unknown)}")
    exact: dict[str, Fraction] = {}
    classes: dict[str, str] = {}
    excluded: list[str] = []
    for factor in standard.factors:
        raw = values.get(factor.key)
        if raw is None:
            continue
        exact[factor.key] = exact_value(factor, raw)
        found = factor_class(factor.key, exact[factor.key], waterbody=waterbody, standard=standard)
        if found is not None:
            classes[factor.key] = found
        if found is None or factor.key in standard.excluded_from_class:
            excluded.append(factor.key)
    counted = {key: value for key, value in classes.items() if key not in standard.excluded_from_class}
    worst = max(counted.values(), key=class_rank) if counted else None
    exceedances: dict[str, Exceedance] = {}
    if target is not None:
        for key, found in counted.items():
            if class_rank(found) > class_rank(target):
                factor = standard.factor(key)
                limit = factor.limits_for(waterbody)[CLASSES.index(target)]
                exceedances[key] = Exceedance(
                    factor=key,
                    value=exact[key],
                    water_class=found,
                    target=target,
                    limit=None if factor.direction == "range" else limit,
                    multiple=exceedance_multiple(key, exact[key], target, waterbody=waterbody, standard=standard),
                )
    return WaterResult(
        standard=standard.name,
        waterbody=waterbody,
        water_class=worst,
        worst_factors=tuple(key for key, found in counted.items() if found == worst),
        factor_classes=MappingProxyType(classes),
        excluded_factors=tuple(excluded),
        values=MappingProxyType(exact),
        target=target,
        exceedances=MappingProxyType(exceedances),
    )


def period_means(samples: Iterable[Mapping[str, Number | None]]) -> dict[str, Fraction]:
    """The arithmetic mean of each item over the samples that have it (missing values skipped), exact."""
    sums: dict[str, Fraction] = {}
    counts: dict[str, int] = {}
    for sample in samples:
        for key, raw in sample.items():
            if raw is None:
                continue
            value = raw if isinstance(raw, Fraction) else Fraction(to_decimal(raw, key))
            sums[key] = sums.get(key, Fraction(0)) + value
            counts[key] = counts.get(key, 0) + 1
    return {key: sums[key] / counts[key] for key in sums}


def evaluate_period(
    samples: Iterable[Mapping[str, Number | None]],
    *,
    waterbody: Waterbody,
    target: str | None = None,
    standard: WaterStandard | str | None = None,
) -> WaterResult:
    """The class of a period (month, quarter, year): each item's arithmetic mean over the period, then :func:`evaluate`.

    环办〔2011〕22号 evaluates a period by the mean concentration of each item over it [UNVERIFIED: the reference does
    not state it]; the mean is exact, so a mean equal to a limit stays in that class.
    """
    return evaluate(period_means(samples), waterbody=waterbody, target=target, standard=standard)
