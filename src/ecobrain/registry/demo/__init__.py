"""The demo registry of Xianyang: monitoring networks and pollution sources, deterministic from a seed.

``load_demo_registry`` is idempotent: objects are keyed by station code, credit code, outlet code,
permit number and MN; a second call with the same seed creates nothing and changes nothing.
Every object is labelled ``is_demo`` (or belongs to a demo enterprise); positions other than the four
national control stations are demo positions (see ``notes``).
"""

from __future__ import annotations

import random

from django.db import transaction
from django.db.models import Count

from ecobrain.core.models import Region, RegionLevel
from ecobrain.registry.choices import StationKind
from ecobrain.registry.demo.enterprises import plan_enterprises
from ecobrain.registry.demo.industries import FACTOR_CODES
from ecobrain.registry.demo.places import PointSampler
from ecobrain.registry.demo.plans import DemoDataError
from ecobrain.registry.demo.stations import plan_stations
from ecobrain.registry.demo.tables import COUNTIES
from ecobrain.registry.demo.writer import write_enterprises, write_stations
from ecobrain.registry.models import Device, Enterprise, MonitoringFactor, Outlet, Permit, Station

__all__ = ["DemoDataError", "demo_counts", "load_demo_registry"]

STATION_GROUPS = {
    "air stations": (StationKind.AIR_NATIONAL, StationKind.AIR_PROVINCIAL, StationKind.AIR_CITY, StationKind.AIR_MICRO),
    "VOCs stations": (StationKind.VOCS,),
    "water stations": (StationKind.WATER_AUTO, StationKind.WATER_SECTION),
    "soil points": (StationKind.SOIL,),
    "radiation stations": (StationKind.RADIATION,),
    "thermal cameras": (StationKind.THERMAL_CAMERA,),
}


@transaction.atomic
def load_demo_registry(seed: int = 2026) -> dict[str, int]:
    """Create the demo registry (needs the base data: regions and factor table).

    Returns the number of demo objects of each kind now in the database, and under ``"created"`` how many
    rows (objects and station–factor links) this call inserted: 0 on a repeated call.
    """
    counties = _counties()
    factors = _factors()
    rng = random.Random(seed)
    sampler = PointSampler(rng, counties)
    stations = plan_stations(rng, sampler)
    enterprises = plan_enterprises(rng, sampler)
    created = write_stations(stations, factors) + write_enterprises(enterprises, factors)
    return {**demo_counts(), "created": created}


def demo_counts() -> dict[str, int]:
    by_kind = dict(Station.objects.filter(is_demo=True).values_list("kind").annotate(n=Count("id")))
    counts = {label: sum(by_kind.get(kind, 0) for kind in kinds) for label, kinds in STATION_GROUPS.items()}
    counts["enterprises"] = Enterprise.objects.filter(is_demo=True).count()
    counts["permits"] = Permit.objects.filter(enterprise__is_demo=True).count()
    counts["outlets"] = Outlet.objects.filter(is_demo=True).count()
    counts["devices"] = Device.objects.filter(is_demo=True).count()
    return counts


def _counties() -> dict[str, Region]:
    adcodes = [county.adcode for county in COUNTIES]
    counties = {r.adcode: r for r in Region.objects.filter(adcode__in=adcodes, level=RegionLevel.COUNTY)}
    missing = [adcode for adcode in adcodes if adcode not in counties or not counties[adcode].boundary]
    if missing:
        raise DemoDataError(f"counties without boundaries: {', '.join(missing)} — run `ecobrain loadbase` first")
    return counties


def _factors() -> dict[str, MonitoringFactor]:
    factors = {f.code: f for f in MonitoringFactor.objects.filter(code__in=FACTOR_CODES)}
    missing = sorted(FACTOR_CODES - set(factors))
    if missing:
        raise DemoDataError(f"factors missing: {', '.join(missing)} — run `ecobrain loadbase` first")
    return factors
