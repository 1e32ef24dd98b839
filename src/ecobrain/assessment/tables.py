"""Columns of the air assessment tables and their CSV/Excel exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecobrain.assessment.queries import (
    DAY_COLUMNS,
    HOUR_COLUMNS,
    POLLUTANT_LABELS,
    level_display,
    pollutant_names,
    unit,
)
from ecobrain.core.tables import Column, Table


def _category(row) -> str:
    shown = level_display(row.level, row.edition)
    return shown.category if shown else ""


def _concentration_columns(keys) -> list[Column]:
    return [Column(key, f"{POLLUTANT_LABELS[key]} ({unit(key)})", sort=key) for key in keys]


def station_row_table(mode: str) -> Table:
    """The stations of one hour (``mode="hour"``) or one day (``"day"``): link, AQI, level, primary, concentrations."""
    keys = HOUR_COLUMNS if mode == "hour" else DAY_COLUMNS
    return Table(
        [
            Column("station_name", _("站点"), accessor="station.name", sort="station__name"),
            Column("station_code", _("站点编码"), accessor="station.code", sort="station__code"),
            Column("district", _("区县"), accessor="station.district.name", sort="station__district__adcode"),
            Column("kind", _("站点类型"), accessor="station.kind"),
            Column("aqi", _("AQI"), sort="aqi"),
            Column("level", _("级别"), accessor="level"),
            Column("category", _("类别"), accessor=_category),
            Column("primary", _("首要污染物"), accessor=lambda r: pollutant_names(r.primary_pollutants)),
            *_concentration_columns(keys),
            Column("edition", _("评价标准"), html=False),
        ],
        default_sort="station__code",
    )
