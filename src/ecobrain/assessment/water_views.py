"""水质断面: the sections' class for a month (table, summary, export) and a section's 12-month history tab."""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.assessment.models import WaterQualityMonth
from ecobrain.assessment.periods import PeriodError, china_month, parse_month
from ecobrain.assessment.water import water_stations
from ecobrain.assessment.water_sections import (
    CLASS_COLOURS,
    history,
    latest_month_with_data,
    month_sections,
    summarise,
)
from ecobrain.core.exports import csv_response, xlsx_response
from ecobrain.core.models import Region, RegionLevel
from ecobrain.core.object_views import GatedViewMixin
from ecobrain.registry.choices import Waterbody, WaterClass


class WaterSectionListView(GatedViewMixin, View):
    """The month's sections: class (with its colour), target, attainment, limiting factors, samples; filters."""

    model = WaterQualityMonth

    def get(self, request):
        params = request.GET
        errors = []
        month = china_month(timezone.now())
        if params.get("month"):
            try:
                month = parse_month(params["month"])
            except PeriodError as exc:
                errors.append(str(exc))
        stations = water_stations()
        district = params.get("district", "")
        if district:
            stations = stations.filter(district__adcode=district)
        waterbody = params.get("waterbody", "")
        if waterbody == Waterbody.RIVER:
            stations = stations.filter(waterbody__in=["", Waterbody.RIVER])
        elif waterbody == Waterbody.LAKE:
            stations = stations.filter(waterbody=Waterbody.LAKE)
        sections = month_sections(request.user, month, stations=stations)
        water_class = params.get("water_class", "")
        if water_class in WaterClass.values:
            sections = [s for s in sections if s.water_class == water_class]
        if params.get("export") in {"csv", "xlsx"}:
            return self.export(sections, month, params["export"])
        latest = latest_month_with_data(request.user)
        context = {
            **self.common_context(),
            "month": month,
            "errors": errors,
            "sections": sections,
            "summary": summarise(sections),
            "districts": Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode"),
            "district": district,
            "waterbodies": Waterbody.choices,
            "waterbody": waterbody,
            "classes": WaterClass.choices,
            "water_class": water_class,
            "colours": CLASS_COLOURS,
            "latest": latest,
            "querystring": params.urlencode(),
        }
        return render(request, "assessment/water_sections.html", context)

    def export(self, sections, month, fmt: str):
        if not self.request.user.has_grant(WaterQualityMonth, "export"):
            raise PermissionDenied(_("您的角色无权导出断面月水质。"))
        headers = [
            _("月份"),
            _("断面编码"),
            _("断面名称"),
            _("区县"),
            _("水体类型"),
            _("水质类别"),
            _("水质状况"),
            _("水质目标"),
            _("达标"),
            _("定类因子（超标倍数）"),
            _("样本数"),
        ]
        rows = [
            [
                f"{month:%Y-%m}",
                s.station.code,
                s.station.name,
                s.station.district.name if s.station.district else "",
                s.waterbody,
                s.class_label or _("无数据"),
                s.status,
                s.target,
                s.attained,
                s.worst_text(),
                s.row.samples if s.row else 0,
            ]
            for s in sections
        ]
        stem = f"water-sections-{month:%Y%m}"
        if fmt == "csv":
            return csv_response(stem, headers, rows)
        return xlsx_response(stem, _("断面水质"), headers, rows)


def water_history_tab(station, request) -> dict:
    """The 水质类别 tab of a water station: its last 12 months (classes, key factors) from the latest month."""
    last = china_month(timezone.now())
    if request.GET.get("water_month"):
        with contextlib.suppress(PeriodError):  # a bad month shows the latest 12 months
            last = parse_month(request.GET["water_month"])
    data = history(request.user, station, last)
    chart = {key: data[key] for key in ("labels", "classes", "class_names", "factors")}
    return {**data, "chart": chart, "colours": CLASS_COLOURS}
