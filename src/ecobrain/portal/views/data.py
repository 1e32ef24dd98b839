"""Open data (数据开放): CSV downloads of the published quality data, streamed, UTF-8 with a BOM for Excel.

- ``air-hourly.csv?scope=city|district|station&start=YYYY-MM-DD[&end=YYYY-MM-DD]``: hourly AQI, at most 31 days;
- ``air-daily.csv?scope=…&month=YYYY-MM``: daily AQI of one month;
- ``water.csv?year=YYYY``: the water sections' monthly class of one year.

Headers are Chinese with the column's code in brackets (``AQI(aqi)``). A missing or bad parameter is a 400 whose
plain-text body names the parameter and what is expected. Each download is a fixed number of queries, read in
chunks; per client address they are rate-limited (``DOWNLOADS_PER_MINUTE``).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from ecobrain.accounts.services import client_ip
from ecobrain.assessment import queries as air_queries
from ecobrain.assessment.choices import Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityHour, WaterQualityMonth
from ecobrain.assessment.periods import PeriodError, month_end, parse_month
from ecobrain.assessment.water_sections import class_label, factor_name
from ecobrain.core.exports import csv_response
from ecobrain.core.ratelimit import Limit, hit, retry_after
from ecobrain.portal.caching import cached_public_page
from ecobrain.portal.queries import OLDEST_YEAR, PUBLIC_READER, data_years
from ecobrain.registry.choices import AIR_STATION_KINDS
from ecobrain.standards.aqi import BEIJING
from ecobrain.standards.water.classify import STATUS

MAX_HOURLY_DAYS = 31
DOWNLOADS_PER_MINUTE = 30
DOWNLOAD_LIMIT = Limit("portal-open-data", DOWNLOADS_PER_MINUTE, 60)
CSV_MAX_AGE = 300
SCOPES = {Scope.CITY: Scope.CITY, Scope.DISTRICT: Scope.DISTRICT, Scope.STATION: Scope.STATION}


class ParameterError(ValueError):
    """A bad download parameter; the message names it and says what is expected."""


def bad_request(message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")


def header(label: str, code: str) -> str:
    return f"{label}({code})"


def _scope(request) -> str:
    value = request.GET.get("scope", Scope.CITY)
    if value not in SCOPES:
        raise ParameterError(
            _("参数 scope“%(value)s”无效：应为 city（全市）、district（区县）或 station（站点）。")
            % {"value": value[:20]}
        )
    return value


def _day(request, name: str, *, required: bool) -> date | None:
    text = request.GET.get(name, "").strip()
    if not text:
        if required:
            raise ParameterError(_("缺少参数 %(name)s：应为日期，例如 2026-11-30。") % {"name": name})
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ParameterError(
            _("参数 %(name)s“%(value)s”无效：应为日期，例如 2026-11-30。") % {"name": name, "value": text[:20]}
        ) from None


def _limited(request) -> HttpResponse | None:
    if hit(DOWNLOAD_LIMIT, client_ip(request)):
        return None
    response = HttpResponse(
        _("下载过于频繁，请稍后再试。") + "\n", status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(retry_after(DOWNLOAD_LIMIT))
    return response


def _download(response) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={CSV_MAX_AGE}"
    return response


AIR_VALUE_COLUMNS = ("pm2_5", "pm10", "o3", "o3_8h", "no2", "so2", "co")


def _air_headers(time_label: str, time_code: str) -> list[str]:
    names = [
        header(time_label, time_code),
        header(_("评价对象"), "scope"),
        header(_("编码"), "code"),
        header(_("名称"), "name"),
        header(_("所属区县"), "district"),
        header("AQI", "aqi"),
        header(_("级别"), "level"),
        header(_("类别"), "category"),
        header(_("首要污染物"), "primary_pollutants"),
    ]
    names += [header(f"{air_queries.POLLUTANT_LABELS[key]} {air_queries.unit(key)}", key) for key in AIR_VALUE_COLUMNS]
    return [*names, header(_("评价标准"), "edition")]


def _air_rows(queryset, time_field: str, scope: str, show_time):
    """The rows of one scope, ordered by time then object, as CSV cells (one query, read in chunks)."""
    if scope == Scope.STATION:
        queryset = queryset.filter(scope=Scope.STATION, station__kind__in=list(AIR_STATION_KINDS))
        ordering = [time_field, "station__code"]
    else:
        queryset = queryset.filter(scope=scope)
        ordering = [time_field, "region__adcode"]
    fields = [
        time_field,
        "station__code",
        "station__name",
        "station__district__name",
        "region__adcode",
        "region__name",
        "aqi",
        "level",
        "primary_pollutants",
        *AIR_VALUE_COLUMNS,
        "edition",
    ]
    scope_label = str(Scope(scope).label)
    categories = {}
    for values in queryset.order_by(*ordering).values_list(*fields).iterator(chunk_size=2000):
        moment, s_code, s_name, s_district, r_code, r_name, aqi, level, primary = values[:9]
        concentrations, edition = values[9:-1], values[-1]
        if level not in categories:
            shown = air_queries.level_display(level, edition)
            categories[level] = shown.category if shown else ""
        yield [
            show_time(moment),
            scope_label,
            s_code or r_code,
            s_name or r_name,
            s_district if s_code else "",
            aqi if aqi is not None else "NA",
            level or "",
            categories[level],
            air_queries.pollutant_names(primary),
            *concentrations,
            edition,
        ]


@require_safe
def air_hourly_csv(request):
    """Hourly AQI of the city, its districts or its stations for ``start`` … ``end`` (China days, ≤ 31 days)."""
    try:
        scope = _scope(request)
        first = _day(request, "start", required=True)
        last = _day(request, "end", required=False) or first
        if last < first:
            raise ParameterError(_("参数 end 早于 start：结束日期不能早于开始日期。"))
        if (last - first).days + 1 > MAX_HOURLY_DAYS:
            raise ParameterError(
                _("小时数据每次最多下载 %(days)s 天（start 至 end），请缩短日期范围。") % {"days": MAX_HOURLY_DAYS}
            )
    except ParameterError as exc:
        return bad_request(str(exc))
    limited = _limited(request)
    if limited:
        return limited
    start = air_queries.china_day_start(first)
    end = air_queries.china_day_start(last + timedelta(days=1))
    rows = AirQualityHour.objects.restrict(PUBLIC_READER, "view").between(start, end)
    stem = f"air-hourly-{scope}-{first:%Y%m%d}-{last:%Y%m%d}"

    def show(moment):
        return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:00")

    headers = _air_headers(_("时段起始（北京时间）"), "period_start")
    return _download(csv_response(stem, headers, _air_rows(rows, "period_start", scope, show)))


def _month(request) -> date:
    text = request.GET.get("month", "").strip()
    if not text:
        raise ParameterError(_("缺少参数 month：应为月份，例如 2026-11。"))
    try:
        month = parse_month(text[:20], what="month")
    except PeriodError as exc:
        raise ParameterError(str(exc)) from None
    if month.year < OLDEST_YEAR:
        raise ParameterError(_("参数 month 早于 %(year)s 年。") % {"year": OLDEST_YEAR})
    return month


@require_safe
def air_daily_csv(request):
    """Daily AQI of the city, its districts or its stations for one month."""
    try:
        scope = _scope(request)
        month = _month(request)
    except ParameterError as exc:
        return bad_request(str(exc))
    limited = _limited(request)
    if limited:
        return limited
    rows = AirQualityDay.objects.restrict(PUBLIC_READER, "view").between(month, month_end(month))
    stem = f"air-daily-{scope}-{month:%Y%m}"
    return _download(
        csv_response(stem, _air_headers(_("日期"), "day"), _air_rows(rows, "day", scope, lambda day: day.isoformat()))
    )


def _year(request) -> int:
    text = request.GET.get("year", "").strip()
    if not text:
        raise ParameterError(_("缺少参数 year：应为年份，例如 2026。"))
    this_year = timezone.now().astimezone(BEIJING).year
    if not (text.isdigit() and len(text) == 4 and OLDEST_YEAR <= int(text) <= this_year):
        raise ParameterError(
            _("参数 year“%(value)s”无效：应为 %(oldest)s 至 %(this)s 之间的年份。")
            % {"value": text[:20], "oldest": OLDEST_YEAR, "this": this_year}
        )
    return int(text)


WATER_HEADERS = (
    (gettext_lazy("月份"), "month"),
    (gettext_lazy("断面编码"), "station_code"),
    (gettext_lazy("断面名称"), "station_name"),
    (gettext_lazy("所属区县"), "district"),
    (gettext_lazy("水质类别"), "water_class"),
    (gettext_lazy("水质状况"), "status"),
    (gettext_lazy("水质目标"), "target_class"),
    (gettext_lazy("是否达标"), "attained"),
    (gettext_lazy("定类因子"), "worst_factors"),
    (gettext_lazy("样本数"), "samples"),
    (gettext_lazy("评价标准"), "edition"),
)


def _water_rows(year: int):
    rows = (
        WaterQualityMonth.objects.restrict(PUBLIC_READER, "view")
        .between(date(year, 1, 1), date(year, 12, 1))
        .order_by("month", "station__code")
        .values_list(
            "month",
            "station__code",
            "station__name",
            "station__district__name",
            "water_class",
            "target_class",
            "attained",
            "worst_factors",
            "samples",
            "edition",
        )
    )
    for month, code, name, district, water_class, target, attained, worst, samples, edition in rows.iterator(
        chunk_size=2000
    ):
        yield [
            f"{month:%Y-%m}",
            code,
            name,
            district or "",
            class_label(water_class),
            STATUS.get(water_class, ""),
            class_label(target),
            "" if attained is None else attained,
            "、".join(factor_name(key) for key in worst or []),
            samples,
            edition,
        ]


@require_safe
def water_csv(request):
    """The water sections' monthly class (GB 3838-2002) of one year."""
    try:
        year = _year(request)
    except ParameterError as exc:
        return bad_request(str(exc))
    limited = _limited(request)
    if limited:
        return limited
    headers = [header(str(label), code) for label, code in WATER_HEADERS]
    return _download(csv_response(f"water-sections-{year}", headers, _water_rows(year)))


@require_safe
@cached_public_page
def open_data(request):
    """The downloads, each with a small form for its parameters."""
    today = timezone.now().astimezone(BEIJING).date()
    yesterday = today - timedelta(days=1)
    context = {
        "scopes": [(Scope.CITY, _("全市")), (Scope.DISTRICT, _("区县")), (Scope.STATION, _("站点"))],
        "yesterday": yesterday,
        "this_month": today.replace(day=1),
        "years": data_years(today),
        "max_hourly_days": MAX_HOURLY_DAYS,
        "downloads_per_minute": DOWNLOADS_PER_MINUTE,
        "air_headers": _air_headers(_("时段起始（北京时间）"), "period_start"),
        "water_headers": [header(str(label), code) for label, code in WATER_HEADERS],
    }
    return render(request, "portal/open_data.html", context)
