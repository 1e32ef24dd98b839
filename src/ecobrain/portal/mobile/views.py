"""The public side of the mobile app and its installable shell: home (air now), nearby air (JSON), offline page,
manifest and service worker. None of these pages carries personal data or a CSRF token, so all may be cached."""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ecobrain.portal.mobile import air, pwa

COMPLAINT_NEW_URL = "/public/complaints/new/?app=1"
COMPLAINT_TRACK_URL = "/public/complaints/track/"


def _public(response: HttpResponse, seconds: int | None = None) -> HttpResponse:
    """Cacheable by browsers and shared caches; the language comes from a cookie or the browser's header."""
    patch_cache_control(response, public=True, max_age=settings.PORTAL_CACHE_SECONDS if seconds is None else seconds)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def nearby_texts() -> dict:
    """The words the nearby script shows (translated with the page)."""
    return {
        "locating": _("正在获取您的位置…"),
        "loading": _("正在查询附近站点…"),
        "denied": _("未获得定位权限：请在手机设置中允许浏览器使用位置，或查看下方各区县的空气质量。"),
        "unavailable": _("暂时无法确定您的位置，请到室外或稍后重试。"),
        "unsupported": _("此浏览器不支持定位，请查看下方各区县的空气质量。"),
        "failed": _("查询失败，请检查网络后重试。"),
        "none": _("暂无空气质量数据，请稍后再看。"),
        "outside": _("您不在本市范围内，以下为距您最近的站点。"),
        "km": _("距您 %(km)s 公里"),
        "primary": _("首要污染物："),
        "district_title": _("您所在的%(name)s"),
        "advice_title": _("健康提示"),
        "hour": _("数据时间 %(hour)s（北京时间）"),
    }


@require_GET
def home(request):
    """空气: the city's and the districts' AQI of the latest hour; the nearby button asks the phone's location."""
    hour = air.published_hour()
    context = {
        "tab": "air",
        "hour_text": air.hour_text(hour.hour),
        "city": air.level_fields(hour.city) or None,
        "districts": [air.level_fields(row) for row in hour.districts],
        "complaint_new_url": COMPLAINT_NEW_URL,
        "complaint_track_url": COMPLAINT_TRACK_URL,
        "texts": nearby_texts(),
    }
    return _public(render(request, "portal/mobile/home.html", context))


@require_GET
def offline(request):
    """The page the service worker shows for a navigation it cannot serve without the network."""
    return _public(render(request, "portal/mobile/offline.html", {"tab": ""}), seconds=3600)


def _coordinate(request, name: str, label: str, low: float, high: float) -> float:
    raw = request.GET.get(name, "").strip()
    if not raw:
        raise ValueError(_("缺少参数 %(name)s（%(label)s）。") % {"name": name, "label": label})
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(
            _("参数 %(name)s（%(label)s）“%(value)s”不是有效的数字。")
            % {"name": name, "label": label, "value": raw[:32]}
        )
    if not low <= value <= high:
        raise ValueError(
            _("参数 %(name)s（%(label)s）%(value)s 超出范围 [%(low)s, %(high)s]。")
            % {"name": name, "label": label, "value": raw[:32], "low": int(low), "high": int(high)}
        )
    return value


@require_GET
def nearby(request):
    """GET /m/api/nearby?lon=&lat= (WGS84): the nearest stations' latest hour, the district's and city's AQI and
    the HJ 633 advice. A bad parameter is a 400 with {"error", "field"}."""
    errors = {}
    values = {}
    for name, label, low, high in (("lon", _("经度"), -180.0, 180.0), ("lat", _("纬度"), -90.0, 90.0)):
        try:
            values[name] = _coordinate(request, name, label, low, high)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        field = next(iter(errors))
        response = JsonResponse({"error": errors[field], "field": field, "errors": errors}, status=400)
        response["Cache-Control"] = "no-store"
        return response
    response = JsonResponse(air.nearby(values["lon"], values["lat"]), json_dumps_params={"ensure_ascii": False})
    return _public(response)


@require_GET
def manifest(request):
    """/manifest.webmanifest: served from the root next to /sw.js."""
    response = JsonResponse(pwa.manifest(), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return _public(response, seconds=3600)


@require_GET
def service_worker(request):
    """/sw.js: from the root, so its scope is the whole site; never cached by HTTP, so an update is seen at once
    (browsers check it on each navigation; the version inside changes with the precached files)."""
    body = render_to_string("portal/mobile/sw.js", {"config": mark_safe(pwa.worker_config())})
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
