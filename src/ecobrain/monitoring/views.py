"""Monitoring pages: the raw packet archive (list, frame explained), the data tab's window, the overview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View

from ecobrain.core.exports import csv_response, xlsx_response
from ecobrain.core.models import Region, RegionLevel
from ecobrain.core.object_views import GatedViewMixin
from ecobrain.monitoring import completeness, packets, readings
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.filtersets import PacketFilterSet
from ecobrain.monitoring.forms import CompletenessFilterForm
from ecobrain.monitoring.models import (
    OBSERVATION_MODELS,
    ArchivedPacket,
    CompletenessRate,
    DailyCompleteness,
    HourObservation,
)
from ecobrain.monitoring.overview import CATEGORIES, factor_unit, key_factors, overview_rows
from ecobrain.monitoring.tables import packet_table
from ecobrain.monitoring.templatetags.monitoring import percent
from ecobrain.monitoring.windows import RANGES, WindowError, make_window
from ecobrain.registry.choices import StationKind

# How a time of each resolution reads in the window's table (Django date format, China time).
TIME_FORMATS = {
    Resolution.REALTIME: "Y-m-d H:i:s",
    Resolution.MINUTE: "Y-m-d H:i",
    Resolution.HOUR: "Y-m-d H:00",
    Resolution.DAY: "Y-m-d",
}
PACKET_EXPORT_LIMIT = 50_000  # frames per CSV export; narrow the filter (time, MN) for more


def _per_page(request, default: int = 50) -> int:
    try:
        value = int(request.GET.get("per_page", default))
    except ValueError:
        return default
    return value if value in packets.PAGE_SIZES else default


def _querystring(request, *drop: str) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


# --- the raw packet archive ---------------------------------------------------------------------------------


class PacketListView(GatedViewMixin, View):
    """原始报文: newest first, filtered by the archive's indexes, keyset pages, bounded CSV export."""

    model = ArchivedPacket
    url_base = "monitoring:packet"

    def get(self, request):
        queryset = self.base_queryset().select_related("device")
        filterset = PacketFilterSet(request.GET or None, queryset=queryset, request=request)
        valid = filterset.is_bound and filterset.is_valid()
        queryset = filterset.qs if valid else filterset.queryset
        if request.GET.get("export") == "csv":
            return self.export(queryset)
        per_page = _per_page(request)
        try:
            page = packets.keyset_page(
                queryset, per_page=per_page, after=request.GET.get("after"), before=request.GET.get("before")
            )
        except packets.CursorError:
            messages.warning(request, _("翻页参数无效，已回到第一页。"))
            page = packets.keyset_page(queryset, per_page=per_page)
        context = {
            **self.common_context(),
            "filterset": filterset,
            "filter_errors": filterset.errors if filterset.is_bound and not valid else None,
            "scan_bounded": valid and filterset.scan_bounded,
            "page": page,
            "querystring": _querystring(request, "after", "before", "export"),
            "querystring_nosize": _querystring(request, "after", "before", "export", "per_page"),
            "per_page": per_page,
            "page_sizes": packets.PAGE_SIZES,
            "export_limit": PACKET_EXPORT_LIMIT,
        }
        template = "monitoring/partials/packet_table.html" if request.headers.get("HX-Request") else None
        return render(request, template or "monitoring/packet_list.html", context)

    def export(self, queryset):
        if not self.request.user.has_grant(ArchivedPacket, "export"):
            raise PermissionDenied(_("您的角色无权导出原始报文。"))
        columns = packet_table.export_columns()
        ordered = queryset.order_by("-received_at", "-pk")[:PACKET_EXPORT_LIMIT]
        return csv_response(
            "packets", [str(c.header) for c in columns], packet_table.rows(ordered.iterator(chunk_size=2000), columns)
        )


class PacketDetailView(GatedViewMixin, View):
    """One archived frame: receipt, outcome, the raw text and the codec's reading of it, field by field."""

    model = ArchivedPacket
    url_base = "monitoring:packet"

    def get(self, request, pk):
        try:
            archived = self.base_queryset().select_related("device").get(pk=pk)
        except ArchivedPacket.DoesNotExist:
            raise Http404(_("原始报文不存在或不在您的权限范围内。")) from None
        is_document = packets.is_json_document(archived.raw)
        explained = None if is_document else packets.explain_packet(bytes(archived.raw))
        return render(
            request,
            "monitoring/packet_detail.html",
            {
                **self.common_context(),
                "object": archived,
                "raw_text": packets.mask_password(archived.raw_text()),
                "is_document": is_document,
                "explained": explained,
                "edition": explained.packet.version if explained and explained.packet else "2017",
                "received_local": packets.china_time(archived.received_at),
            },
        )


def device_packets_tab(device, request) -> dict:
    """The device page's 最新报文 tab: its 20 newest frames by MN (the (mn, received_at) index)."""
    rows = ArchivedPacket.objects.restrict(request.user, "view").filter(mn=device.mn).order_by("-received_at", "-pk")
    return {
        "packets": list(rows[:20]),
        "list_url": reverse("monitoring:packet_list") + f"?mn={device.mn}",
    }


# --- the data tab (station, outlet, device) -----------------------------------------------------------------


def data_tab(obj, request) -> dict:
    """Latest values per factor, and what the window form needs (the chart loads when the tab opens)."""
    kind = readings.target_kind(obj)
    lines = readings.latest_lines(readings.target_series(obj, request.user), request.user)
    has_hour = any(line.hour for line in lines)
    has_realtime = any(line.realtime for line in lines)
    resolution = Resolution.HOUR if has_hour or not has_realtime else Resolution.REALTIME
    return {
        "lines": lines,
        "factors": _unique_factors(lines),
        "window_url": reverse("monitoring:data_window", args=[kind, obj.pk]),
        "resolutions": Resolution.choices,
        "ranges": [(key, label) for key, (label, _span) in RANGES.items()],
        "default_resolution": resolution,
        "default_range": "24h" if resolution == Resolution.REALTIME else "7d",
    }


def _unique_factors(lines) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for line in lines:
        seen.setdefault(line.code, f"{line.series.factor.name} {line.code}")
    return list(seen.items())


class DataWindowView(LoginRequiredMixin, View):
    """The chart and table (or CSV/Excel) of one window of a station's, outlet's or device's series."""

    def get(self, request, target, pk):
        model = readings.TARGET_MODELS.get(target)
        if model is None:
            raise Http404(_("未知的数据对象类型。"))
        try:
            obj = model.objects.restrict(request.user, "view").get(pk=pk)
        except model.DoesNotExist:
            raise Http404(_("%(model)s不存在或不在您的权限范围内。") % {"model": model._meta.verbose_name}) from None
        params = request.GET
        export = params.get("export")
        try:
            window = make_window(
                params.get("resolution") or Resolution.HOUR,
                start=params.get("start") or None,
                end=params.get("end") or None,
                range_key=params.get("range") or None,
            )
        except WindowError as exc:
            return self.refuse(request, exc.message)
        observation_model = OBSERVATION_MODELS[window.resolution]
        action = "export" if export in {"csv", "xlsx"} else "view"
        if not request.user.has_grant(observation_model, action):
            raise PermissionDenied(
                _("您的角色无权%(action)s%(model)s。")
                % {
                    "action": pgettext("action", "导出") if action == "export" else pgettext("action", "查看"),
                    "model": observation_model._meta.verbose_name,
                }
            )
        series_qs = readings.target_series(obj, request.user)
        codes = [code for code in params.getlist("factor") if code]
        if codes:
            series_qs = series_qs.filter(factor__code__in=codes)
        series_list = list(series_qs)
        labels = readings.label_series(series_list)
        rows = readings.window_rows([s.pk for s in series_list], window) if series_list else []
        stem = f"{target}-{pk}-{window.resolution}"
        if export in {"csv", "xlsx"}:
            stream = rows.iterator(chunk_size=2000) if series_list else []
            if export == "csv":
                return csv_response(
                    stem, readings.export_headers(), readings.export_rows(series_list, stream, numeric=False)
                )
            title = str(observation_model._meta.verbose_name)
            return xlsx_response(
                stem, title, readings.export_headers(), readings.export_rows(series_list, stream, numeric=True)
            )
        rows = list(rows)
        return render(
            request,
            "monitoring/partials/data_window.html",
            {
                "window": window,
                "resolution_label": Resolution(window.resolution).label,
                "time_format": TIME_FORMATS[window.resolution],
                "chart": readings.chart_payload(series_list, labels, rows, window),
                "table": readings.window_table(series_list, rows),
                "labels": labels,
                "units": {s.pk: readings.series_unit(s) for s in series_list},
                "has_rows": bool(rows),
                "has_series": bool(series_list),
                "querystring": _querystring(request, "export"),
                "can_export": request.user.has_grant(observation_model, "export"),
                "window_url": request.path,
            },
        )

    def refuse(self, request, message: str):
        if request.headers.get("HX-Request"):  # htmx swaps only 2xx answers: the message goes in the tab
            return render(request, "monitoring/partials/data_window.html", {"error": message})
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


# --- the overview -------------------------------------------------------------------------------------------


class OverviewView(LoginRequiredMixin, View):
    """实时监测: one category of stations or outlets, with the latest hourly value of its key factors."""

    def get(self, request):
        user = request.user
        if not user.has_grant(HourObservation, "view"):
            raise PermissionDenied(_("您的角色无权查看监测数据。"))
        category = CATEGORIES.get(request.GET.get("category") or "air") or CATEGORIES["air"]
        queryset = category.model.objects.restrict(user, "view")
        if category.is_station:
            kinds = [k for k in request.GET.getlist("kind") if k in category.kinds] or list(category.kinds)
            queryset = queryset.filter(kind__in=kinds).select_related("district").order_by("code")
        else:
            queryset = queryset.filter(kind__in=category.kinds).select_related("enterprise__district")
            queryset = queryset.order_by("enterprise__name", "code")
        districts = Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode")
        district = request.GET.get("district") or ""
        if district:
            district_path = "district__adcode" if category.is_station else "enterprise__district__adcode"
            queryset = queryset.filter(**{district_path: district})
        q = (request.GET.get("q") or "").strip()
        if q:
            if category.is_station:
                queryset = queryset.filter(Q(name__icontains=q) | Q(code__icontains=q))
            else:
                queryset = queryset.filter(
                    Q(enterprise__name__icontains=q) | Q(code__icontains=q) | Q(name__icontains=q)
                )
        per_page = _per_page(request)
        page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
        factors = key_factors(category)
        rows = overview_rows(category, list(page.object_list), factors, user)
        context = {
            "categories": list(CATEGORIES.values()),
            "category": category,
            "factors": [(f, factor_unit(category, f)) for f in factors],
            "rows": rows,
            "page": page,
            "districts": districts,
            "district": district,
            "q": q,
            "kinds": [(k, StationKind(k).label) for k in category.kinds] if category.is_station else [],
            "selected_kinds": request.GET.getlist("kind"),
            "querystring": _querystring(request, "page"),
            "per_page": per_page,
            "page_sizes": packets.PAGE_SIZES,
            "now": timezone.now(),
        }
        template = "monitoring/partials/overview_table.html" if request.headers.get("HX-Request") else None
        return render(request, template or "monitoring/overview.html", context)


# --- data completeness (有效传输率) per data logger ---------------------------------------------------------


def _percent(value: float | None) -> str:
    return "" if value is None else percent(value)


def _device_target(device) -> tuple[str, str]:
    """(object, district) of a data logger for the table and the export."""
    if device.station_id:
        return device.station.name, device.station.district.name if device.station.district_id else ""
    if device.outlet_id:
        outlet = device.outlet
        district = outlet.enterprise.district
        return f"{outlet.enterprise.name} · {outlet.code}", district.name if district else ""
    return "", ""


class CompletenessView(LoginRequiredMixin, View):
    """数据完整率: 应传/实传/有效 and 有效传输率 per data logger over a range of days, worst first (standards.md §8)."""

    def get(self, request):
        user = request.user
        if not user.has_grant(DailyCompleteness, "view"):
            raise PermissionDenied(_("您的角色无权查看数据完整率。"))
        form = CompletenessFilterForm(request.GET)
        valid = form.is_valid()
        if not valid:  # show the errors, and the default range meanwhile
            defaults = CompletenessFilterForm({})
            defaults.is_valid()
            data = defaults.cleaned_data
        else:
            data = form.cleaned_data
        rates = completeness.device_rates_for(user, data)
        total = CompletenessRate(
            sum(r.rate.expected for r in rates),
            sum(r.rate.received for r in rates),
            sum(r.rate.valid for r in rates),
        )
        below = [r for r in rates if r.below_target]
        shown = below if data.get("below") else rates
        export = request.GET.get("export")
        if export in {"csv", "xlsx"}:
            return self.export(export, shown, data)
        per_page = _per_page(request)
        page = Paginator(shown, per_page).get_page(request.GET.get("page"))
        context = {
            "filterset": {"form": form},
            "filter_errors": form.errors if not valid else None,
            "data": data,
            "resolution_label": Resolution(data["resolution"]).label,
            "page": page,
            "total": total,
            "device_count": len(rates),
            "below_count": len(below),
            "target_percent": int(completeness.EFFECTIVE_RATE_TARGET * 100),
            "querystring": _querystring(request, "page", "export"),
            "per_page": per_page,
            "page_sizes": packets.PAGE_SIZES,
            "can_export": user.has_grant(DailyCompleteness, "export"),
        }
        template = "monitoring/partials/completeness_table.html" if request.headers.get("HX-Request") else None
        return render(request, template or "monitoring/completeness.html", context)

    def export(self, kind: str, rates, data):
        if not self.request.user.has_grant(DailyCompleteness, "export"):
            raise PermissionDenied(_("您的角色无权导出数据完整率。"))
        headers = [
            _("数采仪MN"),
            _("监测对象"),
            _("区县"),
            _("应传个数"),
            _("实传个数"),
            _("有效个数"),
            _("传输率"),
            _("有效率"),
            _("有效传输率"),
        ]
        numeric = kind == "xlsx"

        def rows():
            for item in rates:
                target, district = _device_target(item.device)
                rate = item.rate
                ratios = (rate.transmission_rate, rate.validity_rate, rate.effective_rate)
                yield [
                    item.device.mn,
                    target,
                    district,
                    rate.expected,
                    rate.received,
                    rate.valid,
                    *((round(r, 4) if r is not None else "") if numeric else _percent(r) for r in ratios),
                ]

        stem = f"completeness-{data['first']:%Y%m%d}-{data['last']:%Y%m%d}"
        if kind == "csv":
            return csv_response(stem, [str(h) for h in headers], rows())
        return xlsx_response(stem, str(_("数据完整率")), [str(h) for h in headers], rows())
