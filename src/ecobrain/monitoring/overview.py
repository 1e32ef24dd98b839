"""The 实时监测 overview: stations and outlets of one category with the latest hourly value of its key factors.

A page costs the same few queries however many stations or series it shows: the page of objects, the key
factors, the series of the page's objects with each one's newest hourly row id (one index probe per series,
see ``readings.latest_subquery``) and those rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.models import HourObservation, Series
from ecobrain.monitoring.readings import Reading, latest_subquery
from ecobrain.registry.choices import AIR_STATION_KINDS, OutletKind, StationKind
from ecobrain.registry.models import MonitoringFactor, Outlet, Station


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    model: type[Model]
    kinds: tuple[str, ...]
    factors: tuple[str, ...]  # key factors (HJ 212-2017 codes), the columns of the overview

    @property
    def is_station(self) -> bool:
        return self.model is Station

    @property
    def series_path(self) -> str:
        return "device__station_id" if self.is_station else "device__outlet_id"


CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in (
        Category(
            "air",
            _("空气质量站点"),
            Station,
            tuple(sorted(AIR_STATION_KINDS)),
            ("a34004", "a34002", "a05024", "a21004", "a21026", "a21005"),  # PM2.5 PM10 O3 NO2 SO2 CO
        ),
        Category(
            "water",
            _("地表水站点"),
            Station,
            (StationKind.WATER_AUTO, StationKind.WATER_SECTION),
            ("w01001", "w01009", "w01019", "w21003", "w21011", "w21001"),  # pH DO CODMn NH3-N TP TN
        ),
        Category("vocs", _("VOCs 站点"), Station, (StationKind.VOCS,), ("a24088", "a25002", "a99054")),
        Category(
            "gas",
            _("废气排放口"),
            Outlet,
            (OutletKind.GAS,),
            ("a34013", "a21026", "a21002", "a19001", "a00000"),  # smoke SO2 NOx O2 flow
        ),
        Category(
            "wastewater",
            _("废水排放口"),
            Outlet,
            (OutletKind.WATER,),
            ("w01018", "w21003", "w21011", "w21001", "w01001", "w00000"),  # COD NH3-N TP TN pH flow
        ),
    )
}


@dataclass
class OverviewRow:
    obj: Station | Outlet
    readings: list[Reading | None] = field(default_factory=list)
    latest: datetime | None = None  # start of the newest hour shown

    @property
    def data_end(self) -> datetime | None:
        """When the newest hour ended: what the data's age is counted from."""
        return self.latest + timedelta(hours=1) if self.latest else None


def key_factors(category: Category) -> list[MonitoringFactor]:
    """The category's key factors that the factor table knows, in the category's order (one query)."""
    found = {f.code: f for f in MonitoringFactor.objects.filter(code__in=category.factors)}
    return [found[code] for code in category.factors if code in found]


def factor_unit(category: Category, factor: MonitoringFactor) -> str:
    return (factor.ambient_unit or factor.unit) if category.is_station else factor.unit


def overview_rows(category: Category, objects: list, factors: list[MonitoringFactor], user, *, now=None):
    """One row per object with its newest hourly value per key factor: two queries for the whole page."""
    now = now or timezone.now()
    rows = [OverviewRow(obj, [None] * len(factors)) for obj in objects]
    if not objects or not factors or not user.has_grant(HourObservation, "view"):
        return rows
    column = {f.pk: i for i, f in enumerate(factors)}
    by_object = {row.obj.pk: row for row in rows}
    series = (
        Series.objects.restrict(user, "view")
        .filter(**{f"{category.series_path}__in": list(by_object)}, factor_id__in=list(column))
        .annotate(latest=latest_subquery(Resolution.HOUR, now))
        .values_list(category.series_path, "factor_id", "device__protocol_version", "latest")
    )
    wanted = {latest: (owner, f_id, edition) for owner, f_id, edition, latest in series if latest is not None}
    if not wanted:
        return rows
    values = HourObservation.objects.filter(pk__in=list(wanted)).values(
        "pk", "period_start", "value", "value_text", "device_flag", "qc_flags"
    )
    for value in values:
        owner, factor_id, edition = wanted[value["pk"]]
        row = by_object[owner]
        reading = Reading(
            value["period_start"],
            value["value_text"],
            value["value"],
            value["device_flag"],
            value["qc_flags"],
            edition,
        )
        slot = column[factor_id]
        current = row.readings[slot]
        if current is None or reading.period_start > current.period_start:  # several loggers: the newest
            row.readings[slot] = reading
        if row.latest is None or reading.period_start > row.latest:
            row.latest = reading.period_start
    return rows
