"""Point → district lookup on the city's boundaries (shapely), used wherever a location is saved.

Coordinates are WGS84 longitude/latitude. The boundaries come from the Region table (loaded from the
city's base-data GeoJSON), are prepared once per process and reloaded when a region changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.prepared import prep

# A point on a shared border or in a sliver between simplified county polygons still belongs to the
# nearest county if it lies within this distance (degrees, ~500 m) and inside the city.
NEAREST_TOLERANCE_DEG = 0.005


@dataclass
class _Index:
    city_id: int | None
    city_name: str
    city: object | None
    counties: list
    ids: list[int]
    tree: STRtree | None


_lock = threading.Lock()
_index: _Index | None = None


def invalidate() -> None:
    global _index
    with _lock:
        _index = None


def _load() -> _Index:
    from ecobrain.core.models import Region, RegionLevel

    city_id, city_name, city_geom = None, "", None
    geoms, ids = [], []
    for region in Region.objects.exclude(boundary=None).only("id", "name", "level", "boundary"):
        geometry = shape(region.boundary)
        if region.level == RegionLevel.CITY:
            city_id, city_name, city_geom = region.id, region.name, prep(geometry)
        elif region.level == RegionLevel.COUNTY:
            geoms.append(geometry)
            ids.append(region.id)
    return _Index(city_id, city_name, city_geom, geoms, ids, STRtree(geoms) if geoms else None)


def _get_index() -> _Index:
    global _index
    with _lock:
        if _index is None:
            _index = _load()
        return _index


def locate_district_id(lon: float, lat: float) -> int | None:
    """The id of the county-level Region containing (lon, lat), or None outside every county."""
    index = _get_index()
    if index.tree is None:
        return None
    point = Point(lon, lat)
    for position in index.tree.query(point, predicate="intersects"):
        return index.ids[int(position)]
    if index.city is not None and index.city.intersects(point):
        position = index.tree.nearest(point)
        if position is not None and index.counties[int(position)].distance(point) <= NEAREST_TOLERANCE_DEG:
            return index.ids[int(position)]
    return None


def validate_coordinates(lon: float | None, lat: float | None, *, field_prefix: str = "") -> None:
    """Reject a half-given pair, impossible values, and points outside the configured city."""
    lon_field, lat_field = f"{field_prefix}longitude", f"{field_prefix}latitude"
    if lon is None and lat is None:
        return
    if lon is None or lat is None:
        missing = lon_field if lon is None else lat_field
        raise ValidationError({missing: "经纬度须同时填写 (longitude and latitude go together)."})
    errors = {}
    if not -180 <= lon <= 180:
        errors[lon_field] = f"经度 {lon} 超出范围 [-180, 180]。"
    if not -90 <= lat <= 90:
        errors[lat_field] = f"纬度 {lat} 超出范围 [-90, 90]。"
    if errors:
        raise ValidationError(errors)
    if locate_district_id(lon, lat) is None:
        city = _get_index().city_name or "本市"
        raise ValidationError({lon_field: f"坐标 ({lon}, {lat}) 不在{city}辖区内：请检查经纬度（WGS84，经度在前）。"})


def representative_point(region) -> tuple[float, float]:
    """A (lon, lat) guaranteed inside the region's boundary (shapely's representative point)."""
    point = shape(region.boundary).representative_point()
    return round(point.x, 6), round(point.y, 6)
