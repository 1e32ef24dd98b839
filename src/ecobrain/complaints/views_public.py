"""Public complaint pages (no login): file a complaint, track it by its number, rate the reply, read published ones.

Every page that accepts input from anyone is rate-limited per client address (``core/ratelimit.py``). The filing
form is CSRF-protected and never cached; the tracking page is ``no-store`` (it carries the reply and a rating form).
No page here shows a complainant's name, phone or photos.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache, patch_cache_control
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from shapely import set_precision
from shapely.geometry import mapping, shape

from ecobrain.accounts.services import client_ip
from ecobrain.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
from ecobrain.complaints.forms_public import ComplaintPublicForm, RatingForm, TrackForm
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services.rating import rate_complaint
from ecobrain.complaints.services.submission import DESCRIPTION_MAX, normalise_tracking_number, submit_complaint
from ecobrain.core.models import Region, RegionLevel
from ecobrain.core.ratelimit import Limit, hit_all, retry_after

PUBLISHED_PER_PAGE = 20
OUTLINE_TOLERANCE_DEG = 0.002  # ~200 m: enough to see the city on the picker, ~15 kB instead of ~400 kB
OUTLINE_CACHE_SECONDS = 3600

# The progress stepper of the tracking page: each status and the step it has reached.
STEPS = (
    pgettext_lazy("complaint progress", "受理"),
    pgettext_lazy("complaint progress", "办理"),
    pgettext_lazy("complaint progress", "答复"),
    pgettext_lazy("complaint progress", "办结"),
)
STEP_OF_STATUS = {
    ComplaintStatus.RECEIVED: 0,
    ComplaintStatus.DISPATCHED: 1,
    ComplaintStatus.REPLIED: 2,
    ComplaintStatus.CLOSED: 4,  # every step done
}


# --- rate limits (shared with the Open311 endpoints) -------------------------------------------------------------


def filing_limits() -> list[Limit]:
    """Filing a complaint, from any channel: one budget per client address, per hour and per day."""
    return [
        Limit("complaint-file", settings.COMPLAINT_RATE_PER_HOUR, 3600),
        Limit("complaint-file", settings.COMPLAINT_RATE_PER_DAY, 86400),
    ]


def tracking_limits() -> list[Limit]:
    """Looking complaints up (tracking page, rating, Open311 reads): per client address and minute."""
    return [Limit("complaint-track", settings.COMPLAINT_TRACK_RATE_PER_MINUTE, 60)]


def exceeded_limit(request, limits: list[Limit]) -> Limit | None:
    """Count one hit for this client; the exceeded limit or None. Nothing about the request is recorded."""
    return hit_all(limits, client_ip(request))


def rate_limited_response(request, limit: Limit) -> HttpResponse:
    wait = retry_after(limit)
    response = render(
        request,
        "complaints/public/rate_limited.html",
        {"minutes": max(1, (wait + 59) // 60)},
        status=429,
    )
    response["Retry-After"] = str(wait)
    patch_cache_control(response, no_store=True)
    return response


# --- filing ------------------------------------------------------------------------------------------------------


def city_outline() -> dict | None:
    """The city's boundary, simplified, as a GeoJSON Feature for the location picker (or None without one).

    Built from the Region table (not the login-only boundary URL) and cached: the picker page is public.
    """

    def build():
        region = Region.objects.filter(level=RegionLevel.CITY).exclude(boundary=None).order_by("adcode").first()
        if region is None:
            return None
        geometry = set_precision(shape(region.boundary).simplify(OUTLINE_TOLERANCE_DEG), 0.0001)
        return {
            "type": "Feature",
            "properties": {"name": region.name, "center": [region.center_lon, region.center_lat]},
            "geometry": mapping(geometry),
        }

    return cache.get_or_set("complaints-public:city-outline", build, OUTLINE_CACHE_SECONDS)


def _add_service_errors(form: ComplaintPublicForm, exc: ValidationError) -> None:
    for field, messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@sensitive_post_parameters("phone", "contact_name")
@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """投诉举报: the filing form; POST files the complaint through ``submit_complaint`` (web or mobile channel)."""
    from_app = request.GET.get("app") == "1" or request.POST.get("app") == "1"
    photos_dropped = False
    if request.method == "POST":
        limit = exceeded_limit(request, filing_limits())
        if limit is not None:
            return rate_limited_response(request, limit)
        form = ComplaintPublicForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = submit_complaint(
                    channel=ComplaintChannel.MOBILE if from_app else ComplaintChannel.WEB,
                    category=data["category"],
                    description=data["description"],
                    address=data["address"],
                    longitude=data["longitude"],
                    latitude=data["latitude"],
                    contact_name="" if data["anonymous"] else data["contact_name"],
                    phone=data["phone"],
                    anonymous=data["anonymous"],
                    photos=request.FILES.getlist("photos"),
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                target = reverse("complaints_public:filed", args=[complaint.tracking_number])
                return redirect(target + ("?app=1" if from_app else ""))
        # A browser never sends files back: the photos must be chosen again (the page says so).
        photos_dropped = bool(request.FILES.getlist("photos"))
    else:
        form = ComplaintPublicForm()
    return render(
        request,
        "complaints/public/new.html",
        {
            "form": form,
            "from_app": from_app,
            "photos_dropped": photos_dropped,
            "max_photos": settings.COMPLAINT_MAX_PHOTOS,
            "photo_max_mb": settings.COMPLAINT_PHOTO_MAX_MB,
            "city_outline": city_outline(),
            "description_max": DESCRIPTION_MAX,
        },
    )


@never_cache
@require_GET
def complaint_filed(request, tracking_number: str):
    """The page after filing: the tracking number, large, with a copy button and the way to the tracking page.

    Counted as a lookup: otherwise its 404s would let anyone test numbers past the tracking page's limit.
    """
    limit = exceeded_limit(request, tracking_limits())
    if limit is not None:
        return rate_limited_response(request, limit)
    complaint = Complaint.objects.filter(tracking_number=normalise_tracking_number(tracking_number)).first()
    if complaint is None:
        return _not_found(request, tracking_number)
    return render(
        request,
        "complaints/public/filed.html",
        {"tracking_number": complaint.tracking_number, "from_app": request.GET.get("app") == "1"},
    )


# --- tracking ------------------------------------------------------------------------------------------------------


def _not_found(request, number: str) -> HttpResponse:
    response = render(
        request,
        "complaints/public/track.html",
        {"form": TrackForm(initial={"number": number}), "not_found": True, "number": number},
        status=404,
    )
    patch_cache_control(response, no_store=True)
    return response


@require_GET
def complaint_track(request):
    """查询投诉: the tracking number form (GET, so it needs no token); a known number goes to its page."""
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        limit = exceeded_limit(request, tracking_limits())
        if limit is not None:
            return rate_limited_response(request, limit)
        number = normalise_tracking_number(form.cleaned_data["number"])
        if number and Complaint.objects.filter(tracking_number=number).exists():
            return redirect("complaints_public:detail", tracking_number=number)
        return _not_found(request, form.cleaned_data["number"])
    response = render(request, "complaints/public/track.html", {"form": form})
    patch_cache_control(response, no_store=True)
    return response


def _progress(complaint: Complaint) -> list[dict]:
    reached = STEP_OF_STATUS.get(complaint.status)
    if reached is None:
        return []
    return [
        {"label": label, "state": "done" if index < reached else ("current" if index == reached else "todo")}
        for index, label in enumerate(STEPS)
    ]


def _detail_response(request, complaint: Complaint, *, rating_form=None, status=200) -> HttpResponse:
    events = complaint.events.filter(public=True).only("complaint_id", "kind", "at", "message").order_by("at", "id")
    response = render(
        request,
        "complaints/public/detail.html",
        {
            "complaint": complaint,
            "steps": _progress(complaint),
            "events": events,
            "rating_form": rating_form or (RatingForm() if complaint.may_be_rated() else None),
            "rated": request.GET.get("rated") == "1",
            "is_rejected": complaint.status == ComplaintStatus.REJECTED,
        },
        status=status,
    )
    patch_cache_control(response, no_store=True)
    return response


def _lookup(tracking_number: str) -> Complaint | None:
    number = normalise_tracking_number(tracking_number)
    return Complaint.objects.select_related("district").filter(tracking_number=number).first() if number else None


@require_GET
def complaint_detail(request, tracking_number: str):
    """The public tracking page: status, progress, public timeline and the reply; no name, phone or photo."""
    limit = exceeded_limit(request, tracking_limits())
    if limit is not None:
        return rate_limited_response(request, limit)
    complaint = _lookup(tracking_number)
    if complaint is None:
        return _not_found(request, tracking_number)
    return _detail_response(request, complaint)


@require_POST
def complaint_rate(request, tracking_number: str):
    """The complainant rates the reply (once, after the reply) through ``rate_complaint``."""
    limit = exceeded_limit(request, tracking_limits())
    if limit is not None:
        return rate_limited_response(request, limit)
    complaint = _lookup(tracking_number)
    if complaint is None:
        return _not_found(request, tracking_number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rate_complaint(
                complaint, satisfaction=form.cleaned_data["satisfaction"], comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return redirect(reverse("complaints_public:detail", args=[complaint.tracking_number]) + "?rated=1")
    return _detail_response(request, complaint, rating_form=form, status=400)


# --- published complaints -------------------------------------------------------------------------------------------


@require_GET
def published_list(request):
    """公开的投诉: closed complaints published by staff, personal data removed; by category, district and words."""
    districts = list(Region.objects.filter(level=RegionLevel.COUNTY).only("adcode", "name").order_by("adcode"))
    queryset = Complaint.objects.published().select_related("district").order_by("-published_at", "-id")
    category = request.GET.get("category", "")
    if category in ComplaintCategory.values:
        queryset = queryset.filter(category=category)
    else:
        category = ""
    district = request.GET.get("district", "")
    if district in {region.adcode for region in districts}:
        queryset = queryset.filter(district__adcode=district)
    else:
        district = ""
    query = request.GET.get("q", "").strip()[:50]
    if query:
        queryset = queryset.filter(Q(public_text__icontains=query) | Q(public_reply__icontains=query))
    queryset = queryset.only(
        "category", "district__name", "created", "public_text", "public_reply", "satisfaction", "published_at"
    )
    page = Paginator(queryset, PUBLISHED_PER_PAGE).get_page(request.GET.get("page"))
    response = render(
        request,
        "complaints/public/published.html",
        {
            "page": page,
            "categories": ComplaintCategory.choices,
            "districts": districts,
            "category": category,
            "district": district,
            "query": query,
            "querystring": urlencode(
                {k: v for k, v in (("category", category), ("district", district), ("q", query)) if v}
            ),
            "filtered": bool(category or district or query),
        },
    )
    # private: the language comes from a cookie, which a shared cache would not tell apart.
    patch_cache_control(response, private=True, max_age=settings.PORTAL_CACHE_SECONDS)
    return response
