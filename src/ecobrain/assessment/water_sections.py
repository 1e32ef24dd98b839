"""The read side of the water sections: a month's table and summary, and a section's class history.

Rows come from ``WaterQualityMonth`` (written by ``assessment.water``); every read passes the gate and is bounded
by month. Colours follow the quality status of a class (环办〔2011〕22号, standards.md §5.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from ecobrain.assessment.models import WaterQualityMonth
from ecobrain.assessment.periods import months_between, previous_month
from ecobrain.assessment.water import water_stations
from ecobrain.registry.choices import Waterbody, WaterClass
from ecobrain.registry.models import Station
from ecobrain.standards.water import STATUS, class_rank, get_standard

# standards.md §5.2: I–II blue, III green, IV yellow, V orange, 劣V red (the colour names of the method; the shades
# are the palette Chinese water bulletins commonly print them in).
CLASS_COLOURS = {
    "I": "#0070C0",
    "II": "#0070C0",
    "III": "#00B050",
    "IV": "#FFFF00",
    "V": "#FFC000",
    "劣V": "#FF0000",
}
DARK_TEXT = {"IV", "V"}  # black text on the light backgrounds
GOOD_CLASSES = {"I", "II", "III"}
KEY_FACTORS = ("do", "codmn", "nh3n", "tp")  # the history chart's factors: the usual limiting items of rivers
HISTORY_MONTHS = 12


def class_label(water_class: str) -> str:
    return str(WaterClass(water_class).label) if water_class in WaterClass.values else ""


def factor_name(key: str) -> str:
    return get_standard().factor(key).name


@dataclass
class SectionMonth:
    """One section in the month's table: the station and its row (None when the month has no valid data)."""

    station: Station
    row: WaterQualityMonth | None

    @property
    def water_class(self) -> str:
        return self.row.water_class if self.row else ""

    @property
    def class_label(self) -> str:
        return class_label(self.water_class)

    @property
    def colour(self) -> str:
        return CLASS_COLOURS.get(self.water_class, "")

    @property
    def text_colour(self) -> str:
        return "#000" if self.water_class in DARK_TEXT else "#fff"

    @property
    def status(self) -> str:
        return STATUS.get(self.water_class, "")

    @property
    def target(self) -> str:
        target = self.row.target_class if self.row else self.station.water_target_class
        return class_label(target)

    @property
    def attained(self) -> bool | None:
        return self.row.attained if self.row else None

    @property
    def waterbody(self) -> str:
        return str(Waterbody(self.station.waterbody or Waterbody.RIVER).label)

    @property
    def worst(self) -> list[tuple[str, float | None]]:
        """(factor name, exceedance multiple over the target or None) of the class-deciding factors."""
        if not self.row:
            return []
        return [(factor_name(key), self.row.exceedances.get(key)) for key in self.row.worst_factors]

    @property
    def exceeding(self) -> list[tuple[str, float | None]]:
        """(factor name, multiple) of every factor worse than the target."""
        if not self.row:
            return []
        return [(factor_name(key), multiple) for key, multiple in self.row.exceedances.items()]

    def worst_text(self) -> str:
        parts = []
        for name, multiple in self.worst:
            parts.append(
                name if multiple is None else _("%(name)s（超标%(multiple)s倍）") % {"name": name, "multiple": multiple}
            )
        return "、".join(parts)


@dataclass
class WaterSummary:
    sections: int = 0
    with_data: int = 0
    good: int = 0  # I–III
    worse_than_v: int = 0
    targeted: int = 0
    attained: int = 0
    per_class: dict[str, int] = field(default_factory=dict)

    @property
    def good_share(self) -> float | None:
        return self.good / self.with_data if self.with_data else None

    @property
    def worse_than_v_share(self) -> float | None:
        return self.worse_than_v / self.with_data if self.with_data else None

    @property
    def attainment_rate(self) -> float | None:
        return self.attained / self.targeted if self.targeted else None

    def text(self) -> dict[str, str]:
        """The three shares as percentages with one decimal, "—" when there is nothing to divide by."""
        return {
            "good": percent(self.good_share),
            "worse_than_v": percent(self.worse_than_v_share),
            "attainment": percent(self.attainment_rate),
        }


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def month_sections(user, month: date, *, stations=None) -> list[SectionMonth]:
    """Every water station the user may view (or ``stations``) with its row of ``month``, by class then code."""
    queryset = stations if stations is not None else water_stations()
    station_list = list(
        Station.objects.restrict(user, "view").filter(pk__in=queryset.values("pk")).select_related("district")
    )
    rows = {
        row.station_id: row
        for row in WaterQualityMonth.objects.restrict(user, "view").filter(
            month=month, station__in=[s.pk for s in station_list]
        )
    }
    sections = [SectionMonth(station, rows.get(station.pk)) for station in station_list]
    sections.sort(key=lambda s: (s.row is None, class_rank(s.water_class) if s.row else 0, s.station.code))
    return sections


def summarise(sections: list[SectionMonth]) -> WaterSummary:
    summary = WaterSummary(sections=len(sections), per_class=dict.fromkeys(CLASS_COLOURS, 0))
    for section in sections:
        if not section.water_class:
            continue
        summary.with_data += 1
        summary.per_class[section.water_class] += 1
        summary.good += section.water_class in GOOD_CLASSES
        summary.worse_than_v += section.water_class == "劣V"
        if section.attained is not None:
            summary.targeted += 1
            summary.attained += section.attained
    return summary


def latest_month_with_data(user) -> date | None:
    row = WaterQualityMonth.objects.restrict(user, "view").order_by("-month").values_list("month", flat=True).first()
    return row


def history(user, station: Station, last_month: date, months: int = HISTORY_MONTHS) -> dict:
    """A section's classes and key-factor means over ``months`` months ending with ``last_month`` (chart data)."""
    first = last_month
    for _i in range(months - 1):
        first = previous_month(first)
    rows = {
        row.month: row
        for row in WaterQualityMonth.objects.restrict(user, "view").for_station(station).between(first, last_month)
    }
    labels = [f"{m:%Y-%m}" for m in months_between(first, last_month)]
    classes, table = [], []
    factors = {key: [] for key in KEY_FACTORS}
    for month in months_between(first, last_month):
        row = rows.get(month)
        water_class = row.water_class if row else ""
        classes.append(
            {"value": class_rank(water_class) + 1 if water_class else None, "colour": CLASS_COLOURS.get(water_class)}
        )
        for key in KEY_FACTORS:
            value = row.means.get(key) if row else None
            factors[key].append(float(value) if value is not None else None)
        if row:
            table.append(SectionMonth(station, row))
    return {
        "labels": labels,
        "classes": classes,
        "class_names": [class_label(c) for c in CLASS_COLOURS],
        "factors": [
            {"key": key, "name": factor_name(key), "unit": get_standard().factor(key).unit, "data": factors[key]}
            for key in KEY_FACTORS
        ],
        "rows": list(reversed(table)),
        "first": first,
        "last": last_month,
    }
