"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): service discovery, the service list, filing a
request (POST, form-encoded) and reading requests back — over the same filing service as the web form.

Nothing personal leaves these endpoints: no name, phone or photo; the complainant's own words only once staff
published a cleaned text (``public_text``); the place as a district name and a point rounded to 3 decimals (~100 m).
Without ``service_request_id`` the list holds published complaints only: a tracking number is the complainant's key
to the tracking page and the rating, so numbers are never listed for anyone to collect (docs/open311.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from ecobrain.complaints.choices import OPEN_STATES, ComplaintCategory, ComplaintChannel, ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.open311 import formats
from ecobrain.complaints.services.submission import normalise_tracking_number, submit_complaint
from ecobrain.complaints.views_public import exceeded_limit, filing_limits, tracking_limits
from ecobrain.core.ratelimit import Limit, retry_after

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-02T00:00:00+08:00"  # when these endpoints last changed (the discovery file's changeset)
MAX_SPAN = timedelta(days=90)  # the spec's default window and the longest start_date..end_date range
MAX_RESULTS = 1000
COORDINATE_DECIMALS = 3  # ~100 m: where, not whose door

SERVICE_GROUP = gettext_lazy("环境投诉")
SERVICE_DESCRIPTIONS = {
    ComplaintCategory.AIR: gettext_lazy("废气、烟尘、异味、扬尘、露天焚烧等"),
    ComplaintCategory.WATER: gettext_lazy("污水直排、河湖水体异常、饮用水源污染等"),
    ComplaintCategory.NOISE: gettext_lazy("工业、施工、社会生活、交通噪声扰民"),
    ComplaintCategory.SOLID_WASTE: gettext_lazy("工业固废、危险废物、建筑垃圾的倾倒和堆放"),
    ComplaintCategory.RADIATION: gettext_lazy("电磁辐射、放射源等"),
    ComplaintCategory.ECOLOGY: gettext_lazy("毁林、采砂、破坏湿地和自然保护地等"),
    ComplaintCategory.OTHER: gettext_lazy("其他生态环境问题"),
}
# Where each field of the filing service comes from in a POST (errors name the parameter the client sent).
POST_PARAMETERS = {
    "category": "service_code",
    "description": "description",
    "address": "address_string",
    "longitude": "long",
    "latitude": "lat",
    "contact_name": "first_name",
    "phone": "phone",
    "channel": "service_code",
}


def _iso(value: datetime | None) -> str | None:
    """W3C date-time with the offset (the spec's ISO 8601 subset), in China time."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _too_many(fmt: str, limit: Limit):
    response = formats.errors(
        fmt, 429, [_("请求过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": retry_after(limit)}]
    )
    response["Retry-After"] = str(retry_after(limit))
    return response


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DECIMALS)


def request_row(complaint: Complaint) -> dict:
    """One service request as the spec lists it: non-personal fields only."""
    if complaint.published:
        notes = complaint.public_reply
    elif complaint.status == ComplaintStatus.REJECTED:
        notes = complaint.reject_reason
    else:
        notes = complaint.reply
    return {
        "service_request_id": complaint.tracking_number,
        "status": "open" if complaint.is_open() else "closed",
        "status_notes": notes,
        "service_name": str(complaint.get_category_display()),
        "service_code": complaint.category,
        "description": complaint.public_text if complaint.published else "",
        "agency_responsible": settings.BUREAU_NAME,
        "service_notice": "",
        "requested_datetime": _iso(complaint.created),
        "updated_datetime": _iso(complaint.updated),
        "expected_datetime": None,
        "address": complaint.district.name if complaint.district else "",
        "address_id": None,
        "zipcode": None,
        "lat": _round(complaint.latitude),
        "long": _round(complaint.longitude),
        "media_url": "",
    }


# --- discovery and services ----------------------------------------------------------------------------------------


@require_GET
def discovery(request, fmt: str):
    """The service discovery file: where the GeoReport v2 endpoint is and which formats it speaks."""
    data = {
        "changeset": CHANGESET,
        "contact": _("%(bureau)s，环保举报热线 12369") % {"bureau": settings.BUREAU_NAME},
        "key_service": _("提交投诉不需要 API key。"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(reverse("open311:root")),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return formats.respond(fmt, "discovery", data)


@require_GET
def root(request):
    """The endpoint's base URL (what the discovery file points to): a short pointer to the discovery file."""
    return formats.respond(
        "json", "discovery", {"discovery": request.build_absolute_uri(reverse("open311:discovery", args=["json"]))}
    )


def _service(value: str, label) -> dict:
    return {
        "service_code": value,
        "service_name": str(label),
        "description": str(SERVICE_DESCRIPTIONS[value]),
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": str(SERVICE_GROUP),
    }


@require_GET
def services(request, fmt: str):
    """GET Service List: one service per complaint category; service_code is the category value."""
    return formats.respond(fmt, "services", [_service(value, label) for value, label in ComplaintCategory.choices])


@require_GET
def service_definition(request, service_code: str, fmt: str):
    """GET Service Definition: no service has extra attributes (metadata is false), so the list is empty."""
    if service_code not in ComplaintCategory.values:
        return formats.errors(fmt, 404, [_("没有代码为 %(code)s 的服务。") % {"code": service_code}])
    return formats.respond(fmt, "service_definition", {"service_code": service_code, "attributes": []})


# --- service requests ------------------------------------------------------------------------------------------------


def _parse_when(raw: str, name: str, *, end: bool = False) -> datetime:
    text = raw.strip()
    value = parse_datetime(text)
    if value is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(
                _("%(name)s 不是有效的时间：请用 W3C 格式，如 2026-01-01T00:00:00+08:00 或 2026-01-01。")
                % {"name": name}
            )
        value = datetime.combine(day, datetime.max.time() if end else datetime.min.time())
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # no offset given: China time, as every time on the site
    return value


def _list_requests(request, fmt: str):
    params = request.GET
    queryset = Complaint.objects.select_related("district")
    ids = params.get("service_request_id", "").strip()
    if ids:
        # Named requests: the client knows their numbers (it filed them); this overrides every other filter.
        numbers = [normalise_tracking_number(part) for part in ids.split(",") if part.strip()][:MAX_RESULTS]
        rows = queryset.filter(tracking_number__in=numbers).order_by("-created", "-id")
        return formats.respond(fmt, "service_requests", [request_row(c) for c in rows])

    problems = []
    queryset = queryset.published()
    codes = [code.strip() for code in params.get("service_code", "").split(",") if code.strip()]
    unknown = [code for code in codes if code not in ComplaintCategory.values]
    if unknown:
        problems.append(_("service_code 中有未知的服务代码：%(codes)s。") % {"codes": ", ".join(unknown)})
    elif codes:
        queryset = queryset.filter(category__in=codes)
    statuses = {status.strip() for status in params.get("status", "").split(",") if status.strip()}
    if statuses - {"open", "closed"}:
        problems.append(_("status 只能是 open 或 closed。"))
    elif statuses == {"open"}:
        queryset = queryset.filter(status__in=OPEN_STATES)
    elif statuses == {"closed"}:
        queryset = queryset.exclude(status__in=OPEN_STATES)
    start = end = None
    try:
        if params.get("start_date", "").strip():
            start = _parse_when(params["start_date"], "start_date")
        if params.get("end_date", "").strip():
            end = _parse_when(params["end_date"], "end_date", end=True)
    except ValueError as exc:
        problems.append(str(exc))
    if not problems:
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - MAX_SPAN
        elif end is None:
            end = start + MAX_SPAN
        if end < start:
            problems.append(_("end_date 早于 start_date。"))
        elif end - start > MAX_SPAN:
            problems.append(_("start_date 到 end_date 的范围不能超过 90 天。"))
    if problems:
        return formats.errors(fmt, 400, problems)
    rows = queryset.filter(created__gte=start, created__lte=end).order_by("-created", "-id")[:MAX_RESULTS]
    return formats.respond(fmt, "service_requests", [request_row(c) for c in rows])


def _float(params, name: str, problems: list[str]) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or value != value or value in (float("inf"), float("-inf")):
        problems.append(_("%(name)s 不是有效的数字。") % {"name": name})
        return None
    return value


def _create_request(request, fmt: str):
    limit = exceeded_limit(request, filing_limits())
    if limit is not None:
        return _too_many(fmt, limit)
    params = request.POST
    service_code = params.get("service_code", "").strip()
    if not service_code:
        return formats.errors(fmt, 400, [_("service_code：必须填写服务代码（见 services.json）。")])
    if service_code not in ComplaintCategory.values:
        return formats.errors(fmt, 404, [_("service_code：没有代码为 %(code)s 的服务。") % {"code": service_code}])
    problems: list[str] = []
    latitude, longitude = _float(params, "lat", problems), _float(params, "long", problems)
    address = params.get("address_string", "").strip()
    if not problems and latitude is None and longitude is None and not address:
        problems.append(_("lat/long 或 address_string：须给出问题地点（经纬度或地址）；不支持 address_id。"))
    if problems:
        return formats.errors(fmt, 400, problems)
    phone = params.get("phone", "").strip()
    name = " ".join(
        part for part in (params.get("first_name", "").strip(), params.get("last_name", "").strip()) if part
    )
    try:
        complaint = submit_complaint(
            channel=ComplaintChannel.OPEN311,
            category=service_code,
            description=params.get("description", ""),
            address=address,
            longitude=longitude,
            latitude=latitude,
            contact_name=name if phone else "",
            phone=phone,
            anonymous=not phone,  # Open311 has no anonymous flag: a request without a phone is anonymous
        )
    except ValidationError as exc:
        messages = [
            f"{POST_PARAMETERS.get(field, field)}：{message}"
            for field, field_messages in exc.message_dict.items()
            for message in field_messages
        ]
        return formats.errors(fmt, 400, messages)
    notice = _("已受理。请保存查询码 %(number)s，可在 %(url)s 查询办理进度和答复。") % {
        "number": complaint.tracking_number,
        "url": request.build_absolute_uri(reverse("complaints_public:detail", args=[complaint.tracking_number])),
    }
    return formats.respond(
        fmt,
        "service_requests",
        [{"service_request_id": complaint.tracking_number, "service_notice": notice, "account_id": None}],
    )


@csrf_exempt  # an API for other apps: no session, no cookie, so no cross-site request to forge
@sensitive_post_parameters("phone", "first_name", "last_name", "email")
@require_http_methods(["GET", "POST"])
def requests_view(request, fmt: str):
    """GET Service Requests (published ones, or those named by id) and POST Service Request (file a complaint)."""
    if request.method == "POST":
        return _create_request(request, fmt)
    limit = exceeded_limit(request, tracking_limits())
    if limit is not None:
        return _too_many(fmt, limit)
    return _list_requests(request, fmt)


@require_GET
def request_detail(request, service_request_id: str, fmt: str):
    """GET Service Request: one request by its id (the tracking number), as a one-item list per the spec."""
    limit = exceeded_limit(request, tracking_limits())
    if limit is not None:
        return _too_many(fmt, limit)
    number = normalise_tracking_number(service_request_id)
    complaint = Complaint.objects.select_related("district").filter(tracking_number=number).first() if number else None
    if complaint is None:
        return formats.errors(fmt, 404, [_("没有编号为 %(id)s 的服务请求。") % {"id": number or "-"}])
    return formats.respond(fmt, "service_requests", [request_row(complaint)])
