"""Demo positions: random points inside an intended county, checked with the lookup the models use."""

from __future__ import annotations

import random

from shapely.geometry import shape

from ecobrain.core import geo
from ecobrain.core.models import Region
from ecobrain.registry.demo.plans import DemoDataError

NEAR_TRIES = 200  # then fall back to anywhere in the county
ANYWHERE_TRIES = 5000


class PointSampler:
    """Draws (lon, lat) pairs, rounded to 6 decimals, that ``geo.locate_district_id`` puts in the county."""

    def __init__(self, rng: random.Random, counties: dict[str, Region]):
        self._rng = rng
        self._ids = {adcode: region.id for adcode, region in counties.items()}
        self._adcodes = {region.id: adcode for adcode, region in counties.items()}
        self._bounds = {adcode: shape(region.boundary).bounds for adcode, region in counties.items()}

    def adcode_at(self, lon: float, lat: float) -> str:
        adcode = self._adcodes.get(geo.locate_district_id(lon, lat))
        if adcode is None:
            raise DemoDataError(f"({lon}, {lat}) is not inside any county of the city")
        return adcode

    def is_inside(self, adcode: str, lon: float, lat: float) -> bool:
        return geo.locate_district_id(lon, lat) == self._ids[adcode]

    def place(self, adcode: str, anchor: tuple[float, float] | None = None, spread: float | None = None):
        """A point near ``anchor`` (normal, ``spread`` degrees), or uniform over the county without one."""
        if anchor is not None and spread:
            for _ in range(NEAR_TRIES):
                lon = round(anchor[0] + self._rng.gauss(0, spread), 6)
                lat = round(anchor[1] + self._rng.gauss(0, spread), 6)
                if self.is_inside(adcode, lon, lat):
                    return lon, lat
        min_lon, min_lat, max_lon, max_lat = self._bounds[adcode]
        for _ in range(ANYWHERE_TRIES):
            lon = round(self._rng.uniform(min_lon, max_lon), 6)
            lat = round(self._rng.uniform(min_lat, max_lat), 6)
            if self.is_inside(adcode, lon, lat):
                return lon, lat
        raise DemoDataError(f"no point found inside county {adcode} after {ANYWHERE_TRIES} tries")

    def beside(self, adcode: str, lon: float, lat: float, spread: float = 0.001) -> tuple[float, float]:
        """A point a few hundred metres from (lon, lat) in the same county, else (lon, lat) itself."""
        for _ in range(20):
            near = round(lon + self._rng.gauss(0, spread), 6), round(lat + self._rng.gauss(0, spread), 6)
            if self.is_inside(adcode, *near):
                return near
        return lon, lat
