"""Air quality for the phone: the latest published hour (city, districts, stations) and the stations nearest a point.

Hourly AQI rows are published information, read through the gate as the portal's public reader
(``portal.queries.PUBLIC_READER``: published assessment tables only), like the portal's own pages. One hour's rows
are loaded in three bounded queries (the newest hour, the city and district rows, the station rows of that hour)
and kept in the cache for ``PORTAL_CACHE_SECONDS``; a nearby request then costs no query: the distances to the
hour's stations (a few hundred in a city) are computed in memory, and the district comes from the point-in-polygon
index (``core.geo``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from ecobrain.assessment.choices import Scope
from ecobrain.assessment.models import AirQualityHour
from ecobrain.assessment.queries import latest_hour, level_display, pollutant_names
from ecobrain.core.geo import locate_district_id
from ecobrain.core.models import Region
from ecobrain.portal.queries import PUBLIC_READER
from ecobrain.registry.choices import AIR_STATION_KINDS
from ecobrain.standards.aqi import BEIJING

CACHE_KEY = "portal:mobile:air-hour:v1"
NEAREST = 5
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


@dataclass(frozen=True)
class AirRow:
    """One published row of the hour: a station (with its place) or an area (district or city)."""

    name: str
    aqi: int | None
    level: int | None
    primary: str  # comma-separated pollutant keys, as stored
    edition: str
    code: str = ""  # station code or region adcode
    region_id: int | None = None  # an area's region; a station's district
    district_name: str = ""
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class AirHour:
    """The rows of the newest published hour."""

    hour: datetime | None
    city: AirRow | None = None
    districts: tuple[AirRow, ...] = ()
    stations: tuple[AirRow, ...] = field(default=())  # with coordinates and an AQI, ordered by code

    def district(self, region_id: int | None) -> AirRow | None:
        return next((row for row in self.districts if row.region_id == region_id), None)


def _load_hour() -> AirHour:
    hour = latest_hour()
    if hour is None:
        return AirHour(hour=None)
    rows = AirQualityHour.objects.restrict(PUBLIC_READER, "view").filter(period_start=hour)
    areas = rows.filter(scope__in=[Scope.CITY, Scope.DISTRICT]).values_list(
        "scope", "region_id", "region__name", "region__adcode", "aqi", "level", "primary_pollutants", "edition"
    )
    city, districts = None, []
    for scope, region_id, name, adcode, aqi, level, primary, edition in areas.order_by("region__adcode"):
        row = AirRow(
            name=name, aqi=aqi, level=level, primary=primary, edition=edition, code=adcode, region_id=region_id
        )
        if scope == Scope.CITY:
            city = row
        else:
            districts.append(row)
    located = (
        rows.filter(scope=Scope.STATION, station__kind__in=list(AIR_STATION_KINDS), aqi__isnull=False)
        .exclude(station__longitude=None)
        .exclude(station__latitude=None)
        .order_by("station__code")
        .values_list(
            "station__code",
            "station__name",
            "station__district_id",
            "station__district__name",
            "station__longitude",
            "station__latitude",
            "aqi",
            "level",
            "primary_pollutants",
            "edition",
        )
    )
    stations = tuple(
        AirRow(
            name=name,
            aqi=aqi,
            level=level,
            primary=primary,
            edition=edition,
            code=code,
            region_id=district_id,
            district_name=district_name or "",
            lon=lon,
            lat=lat,
        )
        for code, name, district_id, district_name, lon, lat, aqi, level, primary, edition in located
    )
    return AirHour(hour=hour, city=city, districts=tuple(districts), stations=stations)


def published_hour() -> AirHour:
    """The newest hour's rows, from the cache when fresh (``PORTAL_CACHE_SECONDS``; 0 turns the cache off)."""
    found = cache.get(CACHE_KEY)
    if isinstance(found, AirHour):
        return found
    loaded = _load_hour()
    if settings.PORTAL_CACHE_SECONDS:
        cache.set(CACHE_KEY, loaded, settings.PORTAL_CACHE_SECONDS)
    return loaded


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine) between two WGS84 points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest_stations(air: AirHour, lon: float, lat: float, limit: int = NEAREST) -> list[tuple[AirRow, float]]:
    """The ``limit`` stations of the hour nearest (lon, lat), with their distance in km (nearest first)."""
    measured = [(row, distance_km(lon, lat, row.lon, row.lat)) for row in air.stations]
    measured.sort(key=lambda pair: (pair[1], pair[0].code))
    return measured[:limit]


# --- what the page and the JSON show ------------------------------------------------------------------------


def level_fields(row: AirRow | None) -> dict:
    """AQI, level, category, colours and primary pollutant of a row, with the HJ 633 texts of its edition."""
    if row is None:
        return {}
    shown = level_display(row.level, row.edition)
    return {
        "name": row.name,
        "aqi": row.aqi,
        "level": row.level,
        "category": shown.category if shown else _("无数据"),
        "colour": shown.colour if shown else "#adb5bd",
        "text_colour": shown.text_colour if shown else "#212529",
        "primary": pollutant_names(row.primary) if row.aqi is not None and row.aqi > 50 else "",
        "health_effect": shown.health_effect if shown else "",
        "advice": shown.advice if shown else "",
        "edition": row.edition,
    }


def hour_text(hour: datetime | None) -> str:
    if hour is None:
        return ""
    return hour.astimezone(BEIJING).strftime("%Y-%m-%d %H:00")


def district_name(district_id: int | None, row: AirRow | None) -> str:
    if row is not None:
        return row.name
    if district_id is None:
        return ""
    return Region.objects.filter(pk=district_id).values_list("name", flat=True).first() or ""


def nearby(lon: float, lat: float) -> dict:
    """The nearby-air answer for a point: the nearest stations, the point's district and the city, with advice."""
    air = published_hour()
    district_id = locate_district_id(lon, lat)
    district_row = air.district(district_id) if district_id else None
    stations = [
        {
            **level_fields(row),
            "code": row.code,
            "district": row.district_name,
            "distance_km": round(km, 1),
            "lon": row.lon,
            "lat": row.lat,
        }
        for row, km in nearest_stations(air, lon, lat)
    ]
    for item in stations:  # a station card carries no advice text: the advice is the area's (below)
        item.pop("health_effect")
        item.pop("advice")
    # The advice follows the air where the person is: their district's level, else the nearest station's, else
    # the city's.
    basis = district_row or (next(iter(nearest_stations(air, lon, lat, 1)), (None, 0))[0]) or air.city
    advice = level_fields(basis) if basis is not None and basis.level else None
    return {
        "hour": air.hour.astimezone(BEIJING).isoformat() if air.hour else None,
        "hour_text": hour_text(air.hour),
        "in_city": district_id is not None,
        "district_name": district_name(district_id, district_row),
        "district": level_fields(district_row) or None,
        "city": level_fields(air.city) or None,
        "stations": stations,
        "advice": (
            {key: advice[key] for key in ("name", "level", "category", "colour", "health_effect", "advice")}
            if advice
            else None
        ),
        "empty": not air.stations and air.city is None,
    }
