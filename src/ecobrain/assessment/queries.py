"""Read side of the air assessment tables: the level texts of a row, the latest hour, snapshots and chart data.

Pages and the API read through these functions; each is a fixed, small number of queries bounded by object and
time. The level texts (category, colour, health effect, advice) come from the edition that produced the row
(`standards.aqi`), never from a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from ecobrain.assessment.choices import Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityHour
from ecobrain.standards.aqi import BEIJING, LEVELS, get_edition

# The names under which the national centre publishes primary pollutants (standards.md §2.3 [I]).
POLLUTANT_NAMES = {
    "so2": _("二氧化硫"),
    "no2": _("二氧化氮"),
    "co": _("一氧化碳"),
    "o3": _("臭氧1小时"),
    "o3_8h": _("臭氧8小时"),
    "pm10": _("颗粒物(PM10)"),
    "pm2_5": _("细颗粒物(PM2.5)"),
}
# Short labels of the concentration columns and chart switches, with their units.
POLLUTANT_LABELS = {
    "so2": "SO₂",
    "no2": "NO₂",
    "co": "CO",
    "o3": "O₃",
    "o3_8h": "O₃-8h",
    "pm10": "PM₁₀",
    "pm2_5": "PM₂.₅",
}
UNITS = {"co": "mg/m³"}  # the others are µg/m³
HOUR_COLUMNS = ("pm2_5", "pm10", "o3", "no2", "so2", "co")
DAY_COLUMNS = ("pm2_5", "pm10", "o3_8h", "no2", "so2", "co")


def unit(key: str) -> str:
    return UNITS.get(key, "µg/m³")


def pollutant_names(keys: str | list[str]) -> str:
    """Comma-separated keys (as stored) → their published names, joined with 、 (", " in English)."""
    if isinstance(keys, str):
        keys = [k for k in keys.split(",") if k]
    return pgettext("list separator", "、").join(str(POLLUTANT_NAMES.get(k, k)) for k in keys)


@dataclass(frozen=True)
class LevelDisplay:
    """What a page shows for an AQI level, in the words of the edition that produced the row."""

    number: int
    roman: str
    category: str
    colour: str  # hex, e.g. #00E400
    colour_name: str
    text_colour: str  # readable text on the level colour
    health_effect: str
    advice: str


_DARK_TEXT_LEVELS = {1, 2, 3}  # green, yellow, orange carry dark text; red, purple, maroon white


def level_display(level: int | None, edition: str = "") -> LevelDisplay | None:
    """The level of a row (1–6) with its texts; the texts of the row's edition, or of the newest one if unknown.

    In the reader's language: the standard's Chinese is the source text, English comes from the catalogue."""
    return _level_display(level, edition, get_language() or "")


@lru_cache(maxsize=64)
def _level_display(level: int | None, edition: str, language: str) -> LevelDisplay | None:
    if not level or not 1 <= level <= len(LEVELS):
        return None
    found = LEVELS[level - 1]
    try:
        texts = get_edition(edition).level_texts
    except ValueError:
        from ecobrain.standards.aqi import EDITIONS

        texts = EDITIONS[-1].level_texts
    text = texts[level - 1]
    return LevelDisplay(
        number=found.number,
        roman=gettext(found.roman),
        category=gettext(found.category),
        colour=found.colour_hex,
        colour_name=gettext(found.colour_name),
        text_colour="#212529" if found.number in _DARK_TEXT_LEVELS else "#ffffff",
        health_effect=gettext(text.health_effect),
        advice=gettext(text.advice),
    )


def level_legend() -> list[dict]:
    """The six levels for a legend or a chart's visual map: AQI range, category, colour."""
    legend, low = [], 0
    for level in LEVELS:
        legend.append(
            {
                "level": level.number,
                "min": low,
                "max": level.upper,
                "category": gettext(level.category),
                "colour": level.colour_hex,
            }
        )
        low = level.upper + 1
    return legend


# --- time ---------------------------------------------------------------------------------------------------


def china_day_start(day: date) -> datetime:
    """The aware UTC start of a China (Beijing) calendar day."""
    return datetime.combine(day, time(0), tzinfo=BEIJING)


def china_now() -> datetime:
    return timezone.now().astimezone(BEIJING)


class QueryError(ValueError):
    """A bad time or period parameter; the message says what was wrong, in Chinese; ``field`` names the parameter."""

    def __init__(self, message, field: str = "non_field_errors"):
        super().__init__(str(message))
        self.field = field


def parse_hour(text: str) -> datetime:
    """``2026-11-30T08:00`` / ``2026-11-30 08`` (Beijing time) → the aware start of that hour."""
    raw = (text or "").strip().replace(" ", "T")
    if len(raw) == 13:  # 2026-11-30T08
        raw += ":00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise QueryError(
            _("时间“%(value)s”格式不正确，应为 2026-11-30T08:00（北京时间）。") % {"value": text[:40]}, "hour"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return moment.replace(minute=0, second=0, microsecond=0)


def parse_day(text: str, field: str = "day", label: str | None = None) -> date:
    """A date parameter; ``field`` is the parameter's name, ``label`` how the page calls it (default the name)."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise QueryError(
            _("%(field)s“%(value)s”格式不正确，应为 2026-11-30。")
            % {"field": label or field, "value": (text or "")[:40]},
            field,
        ) from None


# A region's boundary is a large GeoJSON document: decoding it for every joined row costs milliseconds per row.
NO_BOUNDARY = ("region__boundary", "station__district__boundary")


# --- the latest hour and snapshots --------------------------------------------------------------------------


def latest_hour() -> datetime | None:
    """The newest hour that has a city row; without any city row, the newest hour of any row (or None)."""
    newest = AirQualityHour.objects.city().order_by("-period_start").values_list("period_start", flat=True).first()
    if newest is None:
        newest = AirQualityHour.objects.order_by("-period_start").values_list("period_start", flat=True).first()
    return newest


def latest_day() -> date | None:
    newest = AirQualityDay.objects.city().order_by("-day").values_list("day", flat=True).first()
    if newest is None:
        newest = AirQualityDay.objects.order_by("-day").values_list("day", flat=True).first()
    return newest


@dataclass
class Snapshot:
    """One hour's (or one day's) rows: the city, its districts and the stations' rows (a queryset, to filter)."""

    mode: str  # "hour" or "day"
    moment: datetime | date
    city: AirQualityHour | AirQualityDay | None
    districts: list
    stations: object  # QuerySet of station rows with station and its district

    @property
    def columns(self) -> tuple[str, ...]:
        return HOUR_COLUMNS if self.mode == "hour" else DAY_COLUMNS


def snapshot(user, *, hour: datetime | None = None, day: date | None = None) -> Snapshot:
    """The rows of one hour (``hour``) or one day (``day``) visible to ``user``: two queries (city + districts),
    the stations' queryset is left to the caller to filter and page."""
    if day is not None:
        rows = AirQualityDay.objects.restrict(user, "view").filter(day=day)
        mode, moment = "day", day
    else:
        rows = AirQualityHour.objects.restrict(user, "view").filter(period_start=hour)
        mode, moment = "hour", hour
    areas = list(rows.filter(scope__in=[Scope.CITY, Scope.DISTRICT]).select_related("region").defer(*NO_BOUNDARY))
    city = next((r for r in areas if r.scope == Scope.CITY), None)
    districts = sorted((r for r in areas if r.scope == Scope.DISTRICT), key=lambda r: r.region.adcode)
    stations = rows.filter(scope=Scope.STATION).select_related("station", "station__district").defer(*NO_BOUNDARY)
    return Snapshot(mode, moment, city, districts, stations)


def map_points(stations_queryset) -> list[dict]:
    """The stations of a snapshot as map points (stations without coordinates are left out): one query."""
    points = []
    values = stations_queryset.values_list(
        "station__code",
        "station__name",
        "station__longitude",
        "station__latitude",
        "aqi",
        "level",
        "primary_pollutants",
    )
    for code, name, lon, lat, aqi, level, primary in values:
        if lon is None or lat is None:
            continue
        points.append(
            {
                "code": code,
                "name": name,
                "lon": lon,
                "lat": lat,
                "aqi": aqi,
                "level": level,
                "primary": pollutant_names(primary),
            }
        )
    return points


# --- charts -------------------------------------------------------------------------------------------------

CHART_POLLUTANTS = ("aqi", "pm2_5", "pm10", "o3", "o3_8h", "no2", "so2", "co")
HOUR_RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "31d": timedelta(days=31)}
MAX_HOUR_SPAN = timedelta(days=31)
MAX_DAY_SPAN = 366
DAILY_CHART_DAYS = 90


def _wallclock_ms(moment: datetime) -> int:
    """China wall-clock milliseconds (the charts run with useUTC, so they read Beijing time everywhere)."""
    local = moment.astimezone(BEIJING).replace(tzinfo=None)
    return int((local - datetime(1970, 1, 1)).total_seconds() * 1000)


def rows_of(model, user, *, station=None, region=None):
    queryset = model.objects.restrict(user, "view")
    return queryset.for_station(station) if station is not None else queryset.for_region(region)


def latest_moment_of(user, *, station=None, region=None) -> datetime | None:
    """The newest hour with a row for the object (what the charts end at by default)."""
    return (
        rows_of(AirQualityHour, user, station=station, region=region)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )


def hourly_chart(user, *, start: datetime, end: datetime, pollutant: str, station=None, region=None) -> dict:
    """Hourly values of one pollutant (or the AQI) of a station or region in ``[start, end)``: one query."""
    field = pollutant if pollutant in CHART_POLLUTANTS else "aqi"
    rows = (
        rows_of(AirQualityHour, user, station=station, region=region)
        .between(start, end)
        .order_by("period_start")
        .values_list("period_start", field, "level")
    )
    data = [[_wallclock_ms(moment), value, level] for moment, value, level in rows]
    return {
        "pollutant": field,
        "label": "AQI" if field == "aqi" else POLLUTANT_LABELS.get(field, field),
        "unit": "" if field == "aqi" else unit(field),
        "start": _wallclock_ms(start),
        "end": _wallclock_ms(end),
        "data": data,
    }


def daily_chart(user, *, first: date, last: date, pollutant: str, station=None, region=None) -> dict:
    """Daily values (AQI with its level colour, or a concentration) of ``first`` … ``last``: one query."""
    field = pollutant if pollutant in CHART_POLLUTANTS else "aqi"
    rows = (
        rows_of(AirQualityDay, user, station=station, region=region)
        .between(first, last)
        .order_by("day")
        .values_list("day", field, "level", "primary_pollutants")
    )
    colours = {level.number: level.colour_hex for level in LEVELS}
    data = [
        {
            "day": day.isoformat(),
            "value": value,
            "colour": colours.get(level) if field == "aqi" else None,
            "primary": pollutant_names(primary),
        }
        for day, value, level, primary in rows
    ]
    return {
        "pollutant": field,
        "label": "AQI" if field == "aqi" else POLLUTANT_LABELS.get(field, field),
        "unit": "" if field == "aqi" else unit(field),
        "first": first.isoformat(),
        "last": last.isoformat(),
        "data": data,
    }


def calendar_chart(user, *, year: int, station=None, region=None) -> dict:
    """A year's daily AQI for a calendar heatmap, with the level colours as the visual map: one query."""
    rows = (
        rows_of(AirQualityDay, user, station=station, region=region)
        .between(date(year, 1, 1), date(year, 12, 31))
        .exclude(aqi=None)
        .order_by("day")
        .values_list("day", "aqi")
    )
    return {"year": year, "data": [[day.isoformat(), aqi] for day, aqi in rows], "levels": level_legend()}


# --- API time windows ---------------------------------------------------------------------------------------

DEFAULT_HOUR_SPAN = timedelta(hours=24)
DEFAULT_DAY_SPAN = 30


def _moment(text: str, field: str, *, end: bool) -> datetime:
    """A date (its day's start; for an end, the next day's start) or an ISO time (naive = Beijing time)."""
    raw = text.strip()
    if len(raw) == 10:
        day = parse_day(raw, field)
        return china_day_start(day + timedelta(days=1) if end else day)
    try:
        moment = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith("Z") else raw)
    except ValueError:
        raise QueryError(
            _("%(field)s“%(value)s”格式不正确，应为日期 2026-11-30 或时间 2026-11-30T08:00（北京时间）。")
            % {"field": field, "value": raw[:40]},
            field,
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def hour_window(start: str | None, end: str | None, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """``[start, end)`` of hourly rows: a date end includes that day; default the last 24 hours; at most 31 days."""
    if end:
        stop = _moment(end, "end", end=True)
    else:
        current = (now or timezone.now()).astimezone(BEIJING)
        stop = current.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    begin = _moment(start, "start", end=False) if start else stop - DEFAULT_HOUR_SPAN
    if stop <= begin:
        raise QueryError(_("结束时间须晚于开始时间。"), "end")
    if stop - begin > MAX_HOUR_SPAN:
        raise QueryError(_("小时数据每次最多查询 31 天，请缩短 start–end。"), "start")
    return begin, stop


def day_window(start: str | None, end: str | None, *, today: date | None = None) -> tuple[date, date]:
    """``first`` … ``last`` (both included) of daily rows: default the last 30 days; at most 366 days."""
    last = parse_day(end, "end") if end else (today or china_now().date())
    first = parse_day(start, "start") if start else last - timedelta(days=DEFAULT_DAY_SPAN - 1)
    if last < first:
        raise QueryError(_("结束日期早于开始日期。"), "end")
    if (last - first).days + 1 > MAX_DAY_SPAN:
        raise QueryError(_("日数据每次最多查询 366 天，请缩短 start–end。"), "start")
    return first, last
