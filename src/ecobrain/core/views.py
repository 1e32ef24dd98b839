from __future__ import annotations

import logging
import time

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import cache_control, never_cache

from ecobrain import __version__
from ecobrain.core.models import Region

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """200 with a small status when the app and its database answer; 503 when the database does not."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy", never a 500
        logger.warning("healthz: database check failed: %s", exc)
        return JsonResponse({"status": "error", "database": "unavailable", "version": __version__}, status=503)
    return JsonResponse(
        {
            "status": "ok",
            "database": connection.vendor,
            "version": __version__,
            "db_ms": round((time.perf_counter() - started) * 1000, 2),
        }
    )


@login_required
@cache_control(private=True, max_age=3600)
def region_boundary(request, adcode: str):
    """A region's WGS84 boundary as a GeoJSON Feature, for the maps on detail pages."""
    region = Region.objects.filter(adcode=adcode).exclude(boundary=None).first()
    if region is None:
        raise Http404(_("行政区不存在。"))
    feature = {
        "type": "Feature",
        "properties": {"adcode": region.adcode, "name": region.name, "level": region.level},
        "geometry": region.boundary,
    }
    return JsonResponse(feature, content_type="application/geo+json")


class HomeView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:  # a visitor lands on the public portal; staff sign in from there
            return HttpResponseRedirect(reverse("portal:home"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        from ecobrain.registry.overview import registry_overview

        return render(request, "core/home.html", {"overview": registry_overview(request.user)})


def permission_denied(request, exception=None):
    from ecobrain.accounts.choices import SecurityEventKind
    from ecobrain.accounts.services import client_ip, record_security_event

    user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    record_security_event(SecurityEventKind.PERMISSION_DENIED, user=user, ip=client_ip(request), path=request.path)
    message = str(exception) if exception and str(exception) else _("您没有权限访问此页面。")
    return render(request, "403.html", {"message": message}, status=403)


# Pages of the public side (portal, public complaint pages, the mobile app): their errors keep the public layout.
PUBLIC_PREFIXES = ("/public/", "/m/")


def page_not_found(request, exception=None):
    message = str(exception) if exception and isinstance(exception.args[0] if exception.args else None, str) else ""
    template = "portal/public_404.html" if request.path.startswith(PUBLIC_PREFIXES) else "404.html"
    return render(request, template, {"message": message or _("页面不存在。")}, status=404)


def server_error(request):
    return render(request, "500.html", status=500)
