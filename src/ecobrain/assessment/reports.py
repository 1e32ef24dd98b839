"""The data of the bureau's reports: 空气质量日报 (daily) and 环境质量月报 (monthly), as plain data.

The HTML pages (``report_views``) and the Excel workbooks (``report_excel``) both render what these functions
return; nothing here formats for one of them. Rows are read from the assessment tables through the gate, bounded by
the report's day or month (and the same month a year earlier / the month before, for the changes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from ecobrain.assessment.choices import PeriodKind, Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityPeriod, WaterQualityMonth
from ecobrain.assessment.periods import month_end, months_between, previous_month, same_month_last_year
from ecobrain.assessment.water_sections import SectionMonth, WaterSummary, month_sections, summarise
from ecobrain.core.models import Region, RegionLevel
from ecobrain.registry.choices import AIR_STATION_KINDS
from ecobrain.standards.aqi import get_edition, level_for
from ecobrain.standards.hj663 import change_rate
from ecobrain.standards.hj663 import get_edition as get_assessment_edition

# The six pollutants of the daily report, in the order bulletins print them, with their units.
DAILY_POLLUTANTS = ("so2", "no2", "co", "o3_8h", "pm10", "pm2_5")
# HJ 663 assessment concentrations of a month (standards.md §3.2–§3.3): the same six keys.
PERIOD_POLLUTANTS = DAILY_POLLUTANTS
POLLUTANT_NAMES = {
    "so2": "二氧化硫",
    "no2": "二氧化氮",
    "co": "一氧化碳",
    "o3": "臭氧1小时",
    "o3_8h": "臭氧8小时",
    "pm10": "颗粒物(PM10)",
    "pm2_5": "细颗粒物(PM2.5)",
}
POLLUTANT_LABELS = {
    "so2": "SO₂",
    "no2": "NO₂",
    "co": "CO",
    "o3": "O₃-1h",
    "o3_8h": "O₃-8h",
    "pm10": "PM₁₀",
    "pm2_5": "PM₂.₅",
}
UNITS = {key: "µg/m³" for key in POLLUTANT_NAMES} | {"co": "mg/m³"}
STATISTIC_NAMES = {  # what the month's assessment concentration of each pollutant is (HJ 663)
    "so2": "月均值",
    "no2": "月均值",
    "pm10": "月均值",
    "pm2_5": "月均值",
    "co": "日均值第95百分位数",
    "o3_8h": "日最大8小时平均第90百分位数",
}
# GB 3095 Table 4 (standards.md §3.1): a daily mean needs ≥ 20 hourly values, the same in both HJ 663 editions.
MIN_DAILY_HOURS = get_assessment_edition(2026).daily_min_hours
INDEX_MONTHS = 24  # the reports index lists this many months back
INDEX_DAYS = 62  # … and this many days


def primary_names(keys: list[str]) -> str:
    return "、".join(POLLUTANT_NAMES.get(key, key) for key in keys)


def the_city() -> Region | None:
    """The configured city (the one region of level city in the base data)."""
    return Region.objects.filter(level=RegionLevel.CITY).order_by("adcode").first()


@dataclass
class AqiLine:
    """One object's daily AQI for a report line: name, AQI, level, category, colour, primary, concentrations."""

    name: str
    code: str
    aqi: int | None
    level: int | None
    level_roman: str
    category: str
    colour: str
    primary: str
    concentrations: dict[str, float | None]
    incomplete: list[str] = field(default_factory=list)  # pollutants with fewer than 20 valid hours

    @classmethod
    def from_row(cls, row: AirQualityDay, name: str, code: str = "") -> AqiLine:
        level = level_for(row.aqi) if row.aqi is not None else None
        hours = row.hours or {}
        incomplete = [
            key for key in ("so2", "no2", "co", "pm10", "pm2_5") if key in hours and hours[key] < MIN_DAILY_HOURS
        ]
        return cls(
            name=name,
            code=code,
            aqi=row.aqi,
            level=level.number if level else None,
            level_roman=level.roman if level else "",
            category=level.category if level else "",
            colour=level.colour_hex if level else "",
            primary=primary_names(row.primary_pollutant_keys()) if row.aqi is not None and row.aqi > 50 else "",
            concentrations={key: getattr(row, key) for key in DAILY_POLLUTANTS},
            incomplete=incomplete,
        )


@dataclass
class DailyReport:
    day: date
    city_name: str
    generated_at: datetime
    city: AqiLine | None = None
    edition: str = ""
    health_effect: str = ""
    advice: str = ""
    station_count: int = 0
    districts: list[AqiLine] = field(default_factory=list)
    stations: list[AqiLine] = field(default_factory=list)
    month_good_days: int = 0
    month_valid_days: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.city is not None

    @property
    def month_good_ratio(self) -> float | None:
        return self.month_good_days / self.month_valid_days if self.month_valid_days else None


def _aqi_order(line: AqiLine) -> tuple:
    return (line.aqi is None, line.aqi or 0, line.name)


def daily_report(user, day: date) -> DailyReport:
    """The daily report of ``day`` (a China date): the city, its districts and assessment stations, month to date."""
    city_region = the_city()
    report = DailyReport(day=day, city_name=city_region.name if city_region else "", generated_at=timezone.now())
    if city_region is None:
        return report
    days = AirQualityDay.objects.restrict(user, "view")
    city_row = days.for_region(city_region).filter(day=day).first()
    if city_row is not None:
        report.city = AqiLine.from_row(city_row, city_region.name, city_region.adcode)
        report.edition = city_row.edition
        report.station_count = city_row.station_count
        if city_row.aqi is not None:
            edition = get_edition(city_row.edition)
            text = edition.level_texts[level_for(city_row.aqi).number - 1]
            report.health_effect, report.advice = text.health_effect, text.advice
    district_rows = days.districts().filter(day=day).select_related("region")
    report.districts = sorted(
        (AqiLine.from_row(row, row.region.name, row.region.adcode) for row in district_rows), key=_aqi_order
    )
    station_rows = (
        days.stations()
        .filter(day=day, station__is_assessment=True, station__kind__in=AIR_STATION_KINDS)
        .select_related("station")
    )
    report.stations = sorted(
        (AqiLine.from_row(row, row.station.name, row.station.code) for row in station_rows), key=_aqi_order
    )
    month_aqi = list(days.for_region(city_region).between(day.replace(day=1), day).values_list("aqi", flat=True))
    report.month_valid_days = sum(1 for aqi in month_aqi if aqi is not None)
    report.month_good_days = sum(1 for aqi in month_aqi if aqi is not None and aqi <= 100)
    report.notes = _daily_notes(report, city_row)
    return report


def _daily_notes(report: DailyReport, city_row: AirQualityDay | None) -> list[str]:
    notes = []
    if city_row is None:
        notes.append(f"{report.day:%Y年%m月%d日}暂无城市日均评价结果。")
        return notes
    if city_row.aqi is None:
        notes.append("数据不完整：有污染物缺少有效日均值，且其余污染物的 AQI 不超过 100，按 HJ 633 不发布 AQI（NA）。")
    if report.city and report.city.incomplete:
        names = primary_names(report.city.incomplete)
        notes.append(f"数据不完整：{names}的有效小时数不足 {MIN_DAILY_HOURS} 个。")
    missing = [line.name for line in report.stations if line.aqi is None]
    if missing:
        notes.append(f"以下评价点位当日无有效 AQI：{'、'.join(missing)}。")
    return notes


# --- the monthly report --------------------------------------------------------------------------------------


def period_concentrations(period: AirQualityPeriod | None) -> dict[str, float | None]:
    """The six assessment concentrations of a statistics row (``stats`` from standards.hj663: per pollutant, the
    "concentration"; rows may nest them under "pollutants")."""
    if period is None:
        return dict.fromkeys(PERIOD_POLLUTANTS)
    per_pollutant = period.stats.get("pollutants", period.stats) if isinstance(period.stats, dict) else {}
    out = {}
    for key in PERIOD_POLLUTANTS:
        entry = per_pollutant.get(key)
        out[key] = entry.get("concentration") if isinstance(entry, dict) else None
    return out


def period_validity(period: AirQualityPeriod | None) -> dict[str, bool | None]:
    if period is None:
        return dict.fromkeys(PERIOD_POLLUTANTS)
    per_pollutant = period.stats.get("pollutants", period.stats) if isinstance(period.stats, dict) else {}
    return {
        key: per_pollutant[key].get("valid") if isinstance(per_pollutant.get(key), dict) else None
        for key in PERIOD_POLLUTANTS
    }


@dataclass
class PeriodLine:
    """One object's month: index, good days, concentrations, and changes against last year / last month."""

    name: str
    code: str
    comprehensive_index: float | None
    index_primary: str
    valid_days: int
    good_days: int
    good_ratio: float | None
    days_per_level: dict[str, int]
    concentrations: dict[str, float | None]
    validity: dict[str, bool | None]
    index_yoy: float | None = None
    index_mom: float | None = None
    pm2_5_yoy: float | None = None
    pm2_5_mom: float | None = None
    good_ratio_yoy: float | None = None  # percentage points
    good_ratio_mom: float | None = None
    rank: int | None = None

    @classmethod
    def build(cls, row: AirQualityPeriod, name: str, code: str, last_year=None, last_month=None) -> PeriodLine:
        concentrations = period_concentrations(row)
        line = cls(
            name=name,
            code=code,
            comprehensive_index=row.comprehensive_index,
            index_primary=POLLUTANT_NAMES.get(row.index_primary, row.index_primary),
            valid_days=row.valid_days,
            good_days=row.good_days,
            good_ratio=row.good_ratio,
            days_per_level={str(level): int((row.days_per_level or {}).get(str(level), 0)) for level in range(1, 7)},
            concentrations=concentrations,
            validity=period_validity(row),
        )
        for suffix, other in (("yoy", last_year), ("mom", last_month)):
            if other is None:
                continue
            setattr(line, f"index_{suffix}", change_rate(row.comprehensive_index, other.comprehensive_index))
            setattr(
                line, f"pm2_5_{suffix}", change_rate(concentrations["pm2_5"], period_concentrations(other)["pm2_5"])
            )
            if row.good_ratio is not None and other.good_ratio is not None:
                setattr(line, f"good_ratio_{suffix}", (row.good_ratio - other.good_ratio) * 100)
        return line

    @property
    def invalid_pollutants(self) -> list[str]:
        return [POLLUTANT_NAMES[key] for key, valid in self.validity.items() if valid is False]


@dataclass
class MonthlyReport:
    month: date
    city_name: str
    generated_at: datetime
    edition: str = ""
    city: PeriodLine | None = None
    districts: list[PeriodLine] = field(default_factory=list)
    stations: list[PeriodLine] = field(default_factory=list)
    water: list[SectionMonth] = field(default_factory=list)
    water_summary: WaterSummary = field(default_factory=WaterSummary)
    notes: list[str] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.city is not None or bool(self.districts) or any(s.row for s in self.water)

    @property
    def last_day(self) -> date:
        return month_end(self.month)


def rank_by_index(lines: list[PeriodLine]) -> list[PeriodLine]:
    """Smaller comprehensive index ranks first; equal indices (to the published 2 decimals) share a rank."""
    ordered = sorted(
        lines, key=lambda line: (line.comprehensive_index is None, line.comprehensive_index or 0, line.code)
    )
    previous, rank = None, 0
    for position, line in enumerate(ordered, start=1):
        if line.comprehensive_index is None:
            line.rank = None
            continue
        published = round(line.comprehensive_index, 2)
        if published != previous:
            rank, previous = position, published
        line.rank = rank
    return ordered


def monthly_report(user, month: date) -> MonthlyReport:
    """The monthly report of ``month`` (its first day): city statistics with changes, district ranking, assessment
    stations, and the water sections' classes."""
    city_region = the_city()
    report = MonthlyReport(month=month, city_name=city_region.name if city_region else "", generated_at=timezone.now())
    compared = (month, same_month_last_year(month), previous_month(month))
    periods = (
        AirQualityPeriod.objects.restrict(user, "view")
        .filter(kind=PeriodKind.MONTH, period_start__in=compared)
        .filter(Q(scope__in=[Scope.CITY, Scope.DISTRICT]) | Q(scope=Scope.STATION, station__is_assessment=True))
        .select_related("region", "station")
    )
    by_object: dict[tuple, dict[date, AirQualityPeriod]] = {}
    for row in periods:
        key = (row.scope, row.station_id or row.region_id)
        by_object.setdefault(key, {})[row.period_start] = row
    for (scope, _pk), rows in by_object.items():
        row = rows.get(month)
        if row is None:
            continue
        target = row.station if scope == Scope.STATION else row.region
        line = PeriodLine.build(
            row,
            target.name,
            target.code if scope == Scope.STATION else target.adcode,
            last_year=rows.get(compared[1]),
            last_month=rows.get(compared[2]),
        )
        if scope == Scope.CITY:
            if city_region is None or row.region_id == city_region.pk:
                report.city, report.edition = line, row.edition
        elif scope == Scope.DISTRICT:
            report.districts.append(line)
        else:
            report.stations.append(line)
    report.districts = rank_by_index(report.districts)
    report.stations = rank_by_index(report.stations)
    report.water = month_sections(user, month)
    report.water_summary = summarise(report.water)
    if report.city is None:
        report.notes.append(f"{month:%Y年%m月}暂无城市空气质量月统计结果。")
    elif report.city.invalid_pollutants:
        names = "、".join(report.city.invalid_pollutants)
        report.notes.append(f"数据不完整：{names}的有效日数不足（每月至少 27 天，二月 25 天），统计结果仅供参考。")
    if not any(s.row for s in report.water):
        report.notes.append(f"{month:%Y年%m月}暂无断面水质评价结果。")
    return report


# --- the reports index ---------------------------------------------------------------------------------------


def report_days(user, *, today: date) -> list[tuple[date, int | None]]:
    """(day, city AQI) of the days with a city daily row in the last INDEX_DAYS days, newest first."""
    city_region = the_city()
    if city_region is None:
        return []
    rows = (
        AirQualityDay.objects.restrict(user, "view")
        .for_region(city_region)
        .between(today - timedelta(days=INDEX_DAYS), today)
        .order_by("-day")
        .values_list("day", "aqi")
    )
    return list(rows)


def report_months(user, *, today: date) -> list[date]:
    """Months with a city statistics row or a section class, in the last INDEX_MONTHS months, newest first."""
    first = months_between(date(today.year - 2, today.month, 1), today)[-INDEX_MONTHS]
    air = set(
        AirQualityPeriod.objects.restrict(user, "view")
        .filter(kind=PeriodKind.MONTH, scope=Scope.CITY, period_start__gte=first, period_start__lte=today)
        .values_list("period_start", flat=True)
    )
    water = set(
        WaterQualityMonth.objects.restrict(user, "view")
        .between(first, today)
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    )
    return sorted(air | water, reverse=True)
