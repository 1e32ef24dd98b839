"""The public pages (no login): home, air stations, one station's trends, water sections, notices, open data.

Every page is served through the page cache (:mod:`ecobrain.portal.caching`): it reads no session, renders no
CSRF token and shows nothing that depends on who is asking.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ecobrain.assessment import queries as air_queries
from ecobrain.assessment.periods import PeriodError, china_month, parse_month
from ecobrain.assessment.water_sections import (
    CLASS_COLOURS,
    latest_month_with_data,
    month_sections,
    summarise,
)
from ecobrain.core.models import Region, RegionLevel
from ecobrain.portal import queries
from ecobrain.portal.caching import cached_public_page, not_canonical
from ecobrain.portal.choices import NoticeCategory
from ecobrain.portal.models import Notice
from ecobrain.portal.queries import PUBLIC_READER

STATIONS_PER_PAGE = 50
NOTICES_PER_PAGE = 20
SEARCH_MAX_CHARS = 50
MAX_ID = 2**63 - 1  # a larger number in the URL is no row (and must not reach the database)


def is_page_shown(request, page) -> bool:
    """Whether ``?page=`` (if given) names the page shown: ``?page=999`` shows the last page under another URL."""
    asked = request.GET.get("page")
    return asked is None or asked == str(page.number)


def _query_without(request, *drop: str) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


@require_safe
@cached_public_page
def home(request):
    """空气质量 now: the city card with HJ 633 texts, the map, districts, 24-hour and 30-day trends; notices."""
    now = queries.air_now()
    context = {
        "now": now,
        "hour_label": queries.hour_label(now.hour) if now.hour else "",
        "levels": air_queries.level_legend(),
        "notices": queries.latest_notices(),
        "charts": {"hourly": now.hourly, "daily": now.daily, "levels": air_queries.level_legend()},
        "hour_rows": queries.hourly_table(now.hourly),
        "day_rows": queries.daily_table(now.daily),
    }
    return render(request, "portal/home.html", context)


@require_safe
@cached_public_page(params=("district", "q", "page"))
def air_stations(request):
    """The air stations with their newest hour's AQI; by district, or a name or code."""
    districts = queries.districts()
    district = request.GET.get("district", "")
    if district and district not in {d.adcode for d in districts}:
        district = ""
        not_canonical(request)
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_CHARS]
    page = Paginator(queries.station_list(district=district, search=search), STATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    if search or not is_page_shown(request, page):
        not_canonical(request)
    rows = queries.latest_rows_of(list(page.object_list))
    hour = air_queries.latest_hour()
    context = {
        "districts": districts,
        "district": district,
        "search": search,
        "page": page,
        "stations": [(station, queries.card(rows.get(station.pk))) for station in page.object_list],
        "hour_label": queries.hour_label(hour) if hour else "",
        "querystring": _query_without(request, "page"),
        "levels": air_queries.level_legend(),
    }
    return render(request, "portal/air_stations.html", context)


@require_safe
@cached_public_page
def air_station(request, code: str):
    """One station: its newest hour, the last 24 hours and the last 30 days of AQI (charts and tables)."""
    station = queries.public_station(code)
    if station is None:
        raise Http404(_("没有编码为“%(code)s”的空气站点。") % {"code": code[:32]})
    trends = queries.station_trends(station)
    latest = trends["latest"]
    context = {
        "station": station,
        "latest": latest,
        "hour_label": queries.hour_label(latest["row"].period_start) if latest else "",
        "charts": {"hourly": trends["hourly"], "daily": trends["daily"], "levels": air_queries.level_legend()},
        "hour_rows": queries.hourly_table(trends["hourly"]),
        "day_rows": queries.daily_table(trends["daily"]),
    }
    return render(request, "portal/air_station.html", context)


@require_safe
@cached_public_page(params=("month",))
def water(request):
    """The water sections' class of one month (the newest with data by default) against their targets, GB 3838."""
    error = ""
    latest = latest_month_with_data(PUBLIC_READER)
    month = latest or china_month(timezone.now())
    if request.GET.get("month"):
        try:
            month = parse_month(request.GET["month"][:20])
        except PeriodError as exc:
            error = str(exc)
            not_canonical(request)
        if not queries.OLDEST_YEAR <= month.year <= timezone.now().year:
            not_canonical(request)  # a real month, but no month anyone publishes: served, not stored
    sections = month_sections(PUBLIC_READER, month)
    context = {
        "month": month,
        "latest": latest,
        "error": error,
        "sections": sections,
        "summary": summarise(sections),
        "has_rows": any(s.row for s in sections),
        "colours": CLASS_COLOURS,
    }
    return render(request, "portal/water.html", context)


@require_safe
@cached_public_page(params=("category", "q", "page"))
def notices(request):
    """Published notices, newest first; by category and a word of the title."""
    category = request.GET.get("category", "")
    if category not in NoticeCategory.values:
        if category:
            not_canonical(request)
        category = ""
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_CHARS]
    rows = Notice.objects.published().defer("body").order_by("-published_at", "-id")
    if category:
        rows = rows.filter(category=category)
    if search:
        rows = rows.filter(Q(title__icontains=search) | Q(document_number__icontains=search))
    page = Paginator(rows, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    if search or not is_page_shown(request, page):
        not_canonical(request)
    context = {
        "page": page,
        "categories": NoticeCategory.choices,
        "category": category,
        "category_label": NoticeCategory(category).label if category else "",
        "search": search,
        "querystring": _query_without(request, "page"),
    }
    return render(request, "portal/notices.html", context)


@require_safe
@cached_public_page
def notice_detail(request, pk: int):
    """One published notice; a draft or withdrawn one is not found."""
    notice = Notice.objects.published().filter(pk=pk).first() if pk <= MAX_ID else None
    if notice is None:
        raise Http404(_("该信息不存在或未公开。"))
    return render(request, "portal/notice_detail.html", {"notice": notice})


@require_safe
@cached_public_page
def region_boundary(request, adcode: str):
    """The city's or a district's boundary (GeoJSON) for the public map."""
    region = (
        Region.objects.filter(adcode=adcode[:6], level__in=[RegionLevel.CITY, RegionLevel.COUNTY])
        .exclude(boundary=None)
        .first()
    )
    if region is None:
        raise Http404(_("行政区不存在。"))
    feature = {
        "type": "Feature",
        "properties": {"adcode": region.adcode, "name": region.name},
        "geometry": region.boundary,
    }
    return JsonResponse(feature, content_type="application/geo+json")
