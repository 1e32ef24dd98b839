"""The public portal's reads: published air and water quality and published notices, for anonymous visitors.

Assessment results are published information (``assessment.models.PUBLISHED``): the portal reads them through the
same query functions as the staff pages (``assessment.queries``, ``assessment.water_sections``), as
:data:`PUBLIC_READER`, a principal that may view the published tables and the station list and nothing else.
Every read is bounded by object and time: one hour's snapshot, one station's or the city's last 24 hours and
30 days, one month's sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q

from ecobrain.assessment import queries
from ecobrain.assessment.choices import Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityHour
from ecobrain.core.gate import model_label
from ecobrain.core.models import Region, RegionLevel
from ecobrain.portal.models import Notice
from ecobrain.registry.choices import AIR_STATION_KINDS
from ecobrain.registry.models import Station
from ecobrain.standards.aqi import BEIJING

TREND_HOURS = 24
TREND_DAYS = 30
LATEST_NOTICES = 6


class PublicReader:
    """The anonymous public as a reader of the gate: it may *view* the published assessment tables and the station
    list (names, codes, places), city-wide; it may do nothing else and is no user (no pk, no session)."""

    pk = None
    is_authenticated = True  # to the gate: a known principal with grants, not "nobody"
    is_active = True
    is_superuser = False
    is_enterprise_user = False
    is_city_wide = True
    enterprise_id = None
    VIEWABLE = frozenset(
        {
            "assessment.airqualityhour",
            "assessment.airqualityday",
            "assessment.airqualityperiod",
            "assessment.waterqualitymonth",
            "registry.station",
        }
    )

    def has_grant(self, model, action: str) -> bool:
        return action == "view" and model_label(model) in self.VIEWABLE

    def scope_district_ids(self) -> list[int]:
        return []

    def __str__(self) -> str:
        return "public"


PUBLIC_READER = PublicReader()


def city_region() -> Region | None:
    return Region.objects.filter(level=RegionLevel.CITY).defer("boundary").order_by("adcode").first()


def districts() -> list[Region]:
    return list(Region.objects.filter(level=RegionLevel.COUNTY).defer("boundary").order_by("adcode"))


def card(row) -> dict | None:
    """What a page shows of one AQI row: the row, its level texts (the row's edition), primary pollutants, values."""
    if row is None:
        return None
    columns = queries.HOUR_COLUMNS if isinstance(row, AirQualityHour) else queries.DAY_COLUMNS
    return {
        "row": row,
        "level": queries.level_display(row.level, row.edition),
        "primary": queries.pollutant_names(row.primary_pollutants),
        "values": [(queries.POLLUTANT_LABELS[key], getattr(row, key), queries.unit(key)) for key in columns],
    }


def hour_label(moment: datetime) -> str:
    local = moment.astimezone(BEIJING)
    return f"{local:%Y-%m-%d %H}:00–{local:%H}:59"


def air_station_rows(hour: datetime):
    """The air stations' rows of one hour, with station and district (no boundaries), by district then code."""
    return (
        AirQualityHour.objects.restrict(PUBLIC_READER, "view")
        .filter(period_start=hour, scope=Scope.STATION, station__kind__in=list(AIR_STATION_KINDS))
        .select_related("station", "station__district")
        .defer(*queries.NO_BOUNDARY)
        .order_by("station__district__adcode", "station__code")
    )


@dataclass
class AirNow:
    """The home page's air quality: the newest hour, the city and district cards, the map and the trends."""

    hour: datetime | None
    city: dict | None = None
    districts: list | None = None
    points: list | None = None
    stations: list | None = None
    hourly: dict | None = None
    daily: dict | None = None

    @property
    def empty(self) -> bool:
        return self.hour is None


def air_now() -> AirNow:
    """The newest hour's snapshot (city, districts, stations), the city's last 24 hours and last 30 days: 8 queries."""
    hour = queries.latest_hour()
    if hour is None:
        return AirNow(hour=None)
    shot = queries.snapshot(PUBLIC_READER, hour=hour)
    station_rows = air_station_rows(hour)
    stations = [card(row) for row in station_rows]
    points = queries.map_points(station_rows)
    region = shot.city.region if shot.city else city_region()
    hourly = daily = None
    if region is not None:
        hourly = queries.hourly_chart(
            PUBLIC_READER,
            start=hour - timedelta(hours=TREND_HOURS - 1),
            end=hour + timedelta(hours=1),
            pollutant="aqi",
            region=region,
        )
        last_day = queries.latest_day() or hour.astimezone(BEIJING).date()
        daily = queries.daily_chart(
            PUBLIC_READER,
            first=last_day - timedelta(days=TREND_DAYS - 1),
            last=last_day,
            pollutant="aqi",
            region=region,
        )
    return AirNow(
        hour=hour,
        city=card(shot.city),
        districts=[card(row) for row in shot.districts],
        points=points,
        stations=stations,
        hourly=hourly,
        daily=daily,
    )


def station_trends(station: Station) -> dict:
    """One station's newest row, its last 24 hourly AQI values and its last 30 daily AQI values: 4 queries."""
    latest = queries.latest_moment_of(PUBLIC_READER, station=station)
    if latest is None:
        return {"latest": None, "hourly": None, "daily": None}
    row = (
        AirQualityHour.objects.restrict(PUBLIC_READER, "view")
        .for_station(station)
        .filter(period_start=latest)
        .defer(*queries.NO_BOUNDARY)
        .first()
    )
    hourly = queries.hourly_chart(
        PUBLIC_READER,
        start=latest - timedelta(hours=TREND_HOURS - 1),
        end=latest + timedelta(hours=1),
        pollutant="aqi",
        station=station,
    )
    last_day = (
        AirQualityDay.objects.restrict(PUBLIC_READER, "view")
        .for_station(station)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    ) or latest.astimezone(BEIJING).date()
    daily = queries.daily_chart(
        PUBLIC_READER,
        first=last_day - timedelta(days=TREND_DAYS - 1),
        last=last_day,
        pollutant="aqi",
        station=station,
    )
    return {"latest": card(row), "hourly": hourly, "daily": daily}


def air_stations() -> Q:
    return Q(kind__in=list(AIR_STATION_KINDS))


def public_station(code: str) -> Station | None:
    return (
        Station.objects.restrict(PUBLIC_READER, "view")
        .filter(air_stations(), code=code)
        .select_related("district")
        .defer("district__boundary")
        .first()
    )


def station_list(*, district: str = "", search: str = ""):
    """The air stations (optionally of one district, or matching a name or code) with their district."""
    stations = (
        Station.objects.restrict(PUBLIC_READER, "view")
        .filter(air_stations())
        .select_related("district")
        .defer("district__boundary")
        .order_by("district__adcode", "code")
    )
    if district:
        stations = stations.filter(district__adcode=district)
    if search:
        stations = stations.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return stations


def latest_rows_of(stations: list[Station]) -> dict[int, AirQualityHour]:
    """station id → its row of the newest hour (one query; stations without a row that hour are left out)."""
    hour = queries.latest_hour()
    if hour is None or not stations:
        return {}
    rows = (
        AirQualityHour.objects.restrict(PUBLIC_READER, "view")
        .filter(period_start=hour, scope=Scope.STATION, station__in=[s.pk for s in stations])
        .defer(*queries.NO_BOUNDARY)
    )
    return {row.station_id: row for row in rows}


def latest_notices(limit: int = LATEST_NOTICES) -> list[Notice]:
    return list(Notice.objects.published().defer("body").order_by("-published_at", "-id")[:limit])


# Where the open data ends: the oldest year offered (a guard against absurd parameters, not a data limit).
OLDEST_YEAR = 2000


def data_years(today: date) -> list[int]:
    return list(range(today.year, max(OLDEST_YEAR, today.year - 5) - 1, -1))


def hourly_table(chart: dict | None) -> list[tuple[str, int | None, object]]:
    """The rows of an hourly chart as (Beijing hour, value, level display), newest first: the chart's text version."""
    if not chart:
        return []
    rows = []
    for ms, value, level in chart["data"]:
        moment = datetime(1970, 1, 1) + timedelta(milliseconds=ms)  # wall-clock Beijing time (see _wallclock_ms)
        rows.append((f"{moment:%m-%d %H}:00", value, queries.level_display(level)))
    return list(reversed(rows))


def daily_table(chart: dict | None) -> list[tuple[str, int | None, str]]:
    """The rows of a daily chart as (day, value, primary pollutants), newest first."""
    if not chart:
        return []
    return [(row["day"], row["value"], row["primary"]) for row in reversed(chart["data"])]
