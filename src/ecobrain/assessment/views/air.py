"""Air quality pages: 空气质量实况 (an hour or a day: city, districts, map and stations), a station's or a
region's charts (hourly, daily, calendar), and the station page's 空气质量 tab."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.assessment import queries
from ecobrain.assessment.filtersets import AirStationRowFilterSet
from ecobrain.assessment.models import AirQualityDay, AirQualityHour
from ecobrain.assessment.queries import QueryError
from ecobrain.assessment.tables import station_row_table
from ecobrain.core.exports import EXPORT_LIMIT, csv_response, xlsx_response
from ecobrain.core.models import Region, RegionLevel
from ecobrain.core.object_views import PAGE_SIZES
from ecobrain.registry.choices import AIR_STATION_KINDS
from ecobrain.registry.models import Station
from ecobrain.standards.aqi import BEIJING


def ensure_can_view(user) -> None:
    if not user.has_grant(AirQualityHour, "view"):
        raise PermissionDenied(_("您的角色无权查看空气质量评价结果。"))


def per_page(request, default: int = 50) -> int:
    try:
        value = int(request.GET.get("per_page", default))
    except ValueError:
        return default
    return value if value in PAGE_SIZES else default


def querystring(request, *drop: str) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


class AirQualityNowView(LoginRequiredMixin, View):
    """空气质量实况: the newest hour with city data (or a chosen hour, or a day's daily AQI)."""

    def get(self, request):
        user = request.user
        ensure_can_view(user)
        mode, moment = self.moment(request)
        context = {"mode": mode, "moment": moment, "levels": queries.level_legend()}
        if moment is None:
            return render(request, "assessment/air_now.html", {**context, "empty": True})
        shot = queries.snapshot(user, hour=moment if mode == "hour" else None, day=moment if mode == "day" else None)
        model = AirQualityHour if mode == "hour" else AirQualityDay
        filterset = AirStationRowFilterSet(request.GET or None, queryset=shot.stations, request=request)
        valid = filterset.is_bound and filterset.is_valid()
        stations = filterset.qs if valid else shot.stations
        table = station_row_table(mode)
        sort, ordering = table.ordering_for(request.GET.get("sort"))
        # NA rows (no AQI, no value) go last both ways, on SQLite and PostgreSQL alike.
        key = F(ordering.lstrip("-"))
        key = key.desc(nulls_last=True) if ordering.startswith("-") else key.asc(nulls_last=True)
        stations = stations.order_by(key, "station__code")
        export = request.GET.get("export")
        if export in {"csv", "xlsx"}:
            return self.export(model, table, stations, export, mode, moment)
        page = Paginator(stations, per_page(request)).get_page(request.GET.get("page"))
        context.update(
            {
                "snapshot": shot,
                "city": self.card(shot.city),
                "districts": [self.card(row) for row in shot.districts],
                "columns": [(key, queries.POLLUTANT_LABELS[key], queries.unit(key)) for key in shot.columns],
                "filterset": filterset,
                "filter_errors": filterset.errors if filterset.is_bound and not valid else None,
                "page": page,
                "station_rows": [self.card(row) for row in page.object_list],
                "points": queries.map_points(stations),
                "sort": sort,
                "querystring": querystring(request, "page", "export"),
                "querystring_nosort": querystring(request, "page", "export", "sort"),
                "per_page": per_page(request),
                "page_sizes": PAGE_SIZES,
                "can_export": user.has_grant(model, "export"),
                "can_view_stations": user.has_grant(Station, "view"),
                "station_kinds": len(AIR_STATION_KINDS),
            }
        )
        template = "assessment/partials/air_stations.html" if request.headers.get("HX-Request") else None
        return render(request, template or "assessment/air_now.html", context)

    def moment(self, request) -> tuple[str, datetime | date | None]:
        """``("hour", start)`` or ``("day", day)`` from ``?hour=``, ``?day=`` or ``?mode=day``; newest by default."""
        params = request.GET
        mode = "day" if params.get("mode") == "day" or params.get("day") else "hour"
        try:
            if mode == "day":
                return mode, queries.parse_day(params["day"], "day", _("日期")) if params.get(
                    "day"
                ) else queries.latest_day()
            return mode, queries.parse_hour(params["hour"]) if params.get("hour") else queries.latest_hour()
        except QueryError as exc:
            messages.warning(request, _("%(error)s已显示最新数据。") % {"error": exc})
            return mode, queries.latest_day() if mode == "day" else queries.latest_hour()

    @staticmethod
    def card(row) -> dict | None:
        if row is None:
            return None
        return {
            "row": row,
            "level": queries.level_display(row.level, row.edition),
            "primary": queries.pollutant_names(row.primary_pollutants),
            "values": [
                getattr(row, key)
                for key in (queries.HOUR_COLUMNS if isinstance(row, AirQualityHour) else queries.DAY_COLUMNS)
            ],
        }

    def export(self, model, table, stations, fmt: str, mode: str, moment):
        if not self.request.user.has_grant(model, "export"):
            raise PermissionDenied(_("您的角色无权导出空气质量评价结果。"))
        columns = table.export_columns()
        headers = [str(c.header) for c in columns]
        time_header = _("时段起始") if mode == "hour" else _("日期")
        shown = moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:00") if mode == "hour" else moment.isoformat()
        rows = ([shown, *values] for values in table.rows(stations[:EXPORT_LIMIT].iterator(chunk_size=2000), columns))
        stem = f"air-quality-{mode}-{shown.replace(' ', 'T').replace(':', '')}"
        if fmt == "csv":
            return csv_response(stem, [time_header, *headers], rows)
        return xlsx_response(stem, str(model._meta.verbose_name), [time_header, *headers], rows)


# --- charts: a station's tab, a region's page ---------------------------------------------------------------


def chart_form_context(url: str, *, latest: datetime | None) -> dict:
    year = (latest.astimezone(BEIJING) if latest else queries.china_now()).year
    return {
        "charts_url": url,
        "pollutants": [("aqi", "AQI")] + [(k, queries.POLLUTANT_LABELS[k]) for k in queries.CHART_POLLUTANTS[1:]],
        "ranges": [("24h", _("最近24小时")), ("7d", _("最近7天")), ("31d", _("最近31天")), ("custom", _("自定义"))],
        "years": list(range(year, year - 6, -1)),
        "year": year,
        "has_data": latest is not None,
    }


def station_air_tab(station, request) -> dict:
    """The station page's 空气质量 tab: the form; the charts load when the tab opens."""
    latest = queries.latest_moment_of(request.user, station=station)
    return chart_form_context(reverse("assessment:air_charts", args=["station", station.pk]), latest=latest)


def is_air_station(station) -> bool:
    return station.kind in AIR_STATION_KINDS


class AirChartsView(LoginRequiredMixin, View):
    """The charts of a station (``station/<pk>``) or a region (``region/<adcode>``): hourly, daily, calendar."""

    def get(self, request, target, key):
        user = request.user
        ensure_can_view(user)
        station = region = None
        if target == "station":
            try:
                station = Station.objects.restrict(user, "view").get(pk=int(key), kind__in=list(AIR_STATION_KINDS))
            except (Station.DoesNotExist, ValueError, OverflowError):
                raise Http404(_("空气站点不存在或不在您的权限范围内。")) from None
        elif target == "region":
            region = Region.objects.filter(adcode=key, level__in=[RegionLevel.CITY, RegionLevel.COUNTY]).first()
            if region is None:
                raise Http404(_("行政区不存在。"))
        else:
            raise Http404(_("未知的评价对象类型。"))
        try:
            payload = self.charts(request, station=station, region=region)
        except QueryError as exc:
            if request.headers.get("HX-Request"):
                return render(request, "assessment/partials/air_charts.html", {"error": str(exc)})
            return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
        return render(request, "assessment/partials/air_charts.html", payload)

    def charts(self, request, *, station, region) -> dict:
        params, user = request.GET, request.user
        pollutant = params.get("pollutant") or "aqi"
        if pollutant not in queries.CHART_POLLUTANTS:
            raise QueryError(_("未知的污染物“%(value)s”。") % {"value": pollutant[:20]})
        range_key = params.get("range") or "7d"
        if range_key == "custom":
            if not params.get("start") or not params.get("end"):
                raise QueryError(_("请填写开始日期和结束日期（最多 31 天）。"))
            first = queries.parse_day(params.get("start", ""), "start", _("开始日期"))
            last = queries.parse_day(params.get("end", ""), "end", _("结束日期"))
            if last < first:
                raise QueryError(_("结束日期早于开始日期。"))
            start, end = queries.china_day_start(first), queries.china_day_start(last + timedelta(days=1))
            if end - start > queries.MAX_HOUR_SPAN:
                raise QueryError(_("小时数据每次最多查询 31 天，请缩短时间范围。"))
        elif range_key in queries.HOUR_RANGES:
            latest = queries.latest_moment_of(user, station=station, region=region)
            end = (
                (latest + timedelta(hours=1))
                if latest
                else queries.china_now().replace(minute=0, second=0, microsecond=0)
            )
            start = end - queries.HOUR_RANGES[range_key]
        else:
            raise QueryError(_("未知的时间范围“%(value)s”。") % {"value": range_key[:20]})
        last_day = (end - timedelta(hours=1)).astimezone(BEIJING).date()
        first_day = last_day - timedelta(days=queries.DAILY_CHART_DAYS - 1)
        try:
            year = int(params.get("year") or last_day.year)
        except ValueError:
            raise QueryError(_("年份“%(value)s”无效。") % {"value": params.get("year", "")[:10]}) from None
        if not 2000 <= year <= 2100:
            raise QueryError(_("年份“%(value)s”无效。") % {"value": year})
        hourly = queries.hourly_chart(user, start=start, end=end, pollutant=pollutant, station=station, region=region)
        daily = queries.daily_chart(
            user, first=first_day, last=last_day, pollutant=pollutant, station=station, region=region
        )
        calendar = queries.calendar_chart(user, year=year, station=station, region=region)
        return {
            "charts": {"hourly": hourly, "daily": daily, "calendar": calendar, "levels": queries.level_legend()},
            "window_start": start,
            "window_end": end,
            "first_day": first_day,
            "last_day": last_day,
            "year": year,
            "has_hourly": bool(hourly["data"]),
            "has_daily": bool(daily["data"]),
            "has_calendar": bool(calendar["data"]),
        }


class AirRegionView(LoginRequiredMixin, View):
    """A district's or the city's air quality over time: its latest hour and the three charts."""

    def get(self, request, adcode=None):
        user = request.user
        ensure_can_view(user)
        regions = Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY])
        if adcode is None:  # the city of this deployment
            region = regions.filter(level=RegionLevel.CITY).order_by("adcode").first()
        else:
            region = regions.filter(adcode=adcode).first()
        if region is None:
            raise Http404(_("行政区不存在。"))
        newest = AirQualityHour.objects.restrict(user, "view").for_region(region).order_by("-period_start").first()
        context = {
            "region": region,
            "card": AirQualityNowView.card(newest),
            "columns": [(key, queries.POLLUTANT_LABELS[key], queries.unit(key)) for key in queries.HOUR_COLUMNS],
            "districts": Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode"),
            "tab_data": chart_form_context(
                reverse("assessment:air_charts", args=["region", region.adcode]),
                latest=newest.period_start if newest else None,
            ),
        }
        return render(request, "assessment/air_region.html", context)
