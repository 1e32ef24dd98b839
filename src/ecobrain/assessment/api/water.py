"""API of the water sections' monthly class: ``/api/v1/water-quality/months/`` (filters: station, months, class)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets

from ecobrain.assessment.models import WaterQualityMonth
from ecobrain.assessment.periods import PeriodError, months_between, parse_month
from ecobrain.core.api import GatedViewSetMixin
from ecobrain.registry.choices import WaterClass

MAX_MONTHS = 120  # months per request (ten years of one section; bounded by months and paged)


class WaterMonthFilterSet(django_filters.FilterSet):
    station = django_filters.CharFilter(method="filter_station", label="断面（站点编码或ID）")
    month_from = django_filters.CharFilter(method="filter_noop", label="起始月份 YYYY-MM")
    month_to = django_filters.CharFilter(method="filter_noop", label="结束月份 YYYY-MM（含）")
    water_class = django_filters.MultipleChoiceFilter(choices=WaterClass.choices, label="水质类别")
    attained = django_filters.BooleanFilter(label="是否达标")
    district = django_filters.CharFilter(field_name="station__district__adcode", label="区县行政区划代码")

    class Meta:
        model = WaterQualityMonth
        fields = ["station", "water_class", "attained", "district"]

    def filter_station(self, queryset, name, value):
        condition = Q(station__code=value)
        if value.isdigit():
            condition |= Q(station_id=int(value))
        return queryset.filter(condition)

    def filter_noop(self, queryset, name, value):
        return queryset  # applied by the viewset, which bounds the range

    def month_range(self):
        """(first, last) month from month_from/month_to: the last 12 months ending with month_to (or the newest
        month) by default, at most MAX_MONTHS; a bad month is a 400 naming the parameter."""
        data = self.data
        try:
            last = parse_month(data["month_to"], what="month_to") if data.get("month_to") else None
            first = parse_month(data["month_from"], what="month_from") if data.get("month_from") else None
        except PeriodError as exc:
            raise exceptions.ValidationError({"month": [str(exc)]}) from None
        if last is None:
            newest = WaterQualityMonth.objects.order_by("-month").values_list("month", flat=True).first()
            last = max(newest, first) if newest and first else (newest or first)
        if last is None:
            return None
        if first is None:
            first = months_between(last.replace(year=last.year - 1), last)[1]
        if first > last:
            raise exceptions.ValidationError({"month": ["month_from 晚于 month_to。"]})
        if len(months_between(first, last)) > MAX_MONTHS:
            raise exceptions.ValidationError(
                {"month": [f"一次最多查询 {MAX_MONTHS} 个月，请缩小 month_from–month_to。"]}
            )
        return first, last


class WaterMonthSerializer(serializers.ModelSerializer):
    station_code = serializers.CharField(source="station.code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    district_name = serializers.CharField(source="station.district.name", read_only=True, allow_null=True)
    waterbody = serializers.CharField(source="station.waterbody", read_only=True)
    water_class_display = serializers.CharField(source="get_water_class_display", read_only=True)
    month = serializers.DateField(format="%Y-%m", read_only=True)

    class Meta:
        model = WaterQualityMonth
        fields = [
            "id",
            "station",
            "station_code",
            "station_name",
            "district_name",
            "waterbody",
            "month",
            "water_class",
            "water_class_display",
            "target_class",
            "attained",
            "worst_factors",
            "factor_classes",
            "exceedances",
            "means",
            "samples",
            "edition",
            "computed_at",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="断面月水质类别",
        tags=["环境质量评价"],
        description="按月的地表水断面水质类别（GB 3838-2002，环办〔2011〕22号）。默认返回最近 12 个月；"
        f"month_from/month_to 为 YYYY-MM，一次最多 {MAX_MONTHS} 个月。",
    ),
    retrieve=extend_schema(summary="查看断面月水质", tags=["环境质量评价"]),
)
class WaterMonthViewSet(GatedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """断面月水质：每个断面每月一行，含各因子月均值、类别、定类因子、水质目标与超标倍数。"""

    queryset = WaterQualityMonth.objects.all()
    serializer_class = WaterMonthSerializer
    filterset_class = WaterMonthFilterSet
    ordering_fields = ["month", "station"]
    select_related = ("station", "station__district")

    def get_queryset(self):
        queryset = super().get_queryset().order_by("-month", "station_id")
        if self.action != "list" or getattr(self, "swagger_fake_view", False):
            return queryset
        bounds = WaterMonthFilterSet(self.request.query_params, queryset=queryset).month_range()
        return queryset.none() if bounds is None else queryset.between(*bounds)


def register(router) -> None:
    router.register("water-quality/months", WaterMonthViewSet, basename="water-month")
