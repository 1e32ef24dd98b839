"""FilterSets of the air assessment pages and API: which object (scope, station, region) and which stations."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecobrain.assessment.choices import PeriodKind, Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityHour, AirQualityPeriod
from ecobrain.core.models import Region, RegionLevel
from ecobrain.registry.choices import AIR_STATION_KINDS, StationKind
from ecobrain.registry.filtersets import SearchFilterSet

AIR_KIND_CHOICES = [(k.value, k.label) for k in StationKind if k in AIR_STATION_KINDS]


def _districts(request):
    return Region.objects.filter(level=RegionLevel.COUNTY)


class AirStationRowFilterSet(SearchFilterSet):
    """The stations table of the 空气质量实况 page: search by name or code, district, station kind."""

    search_fields = ("station__name", "station__code")
    district = django_filters.ModelChoiceFilter(
        field_name="station__district",
        queryset=_districts,
        label=_("区县"),
        empty_label=_("全部"),
        to_field_name="adcode",
    )
    kind = django_filters.ChoiceFilter(field_name="station__kind", choices=AIR_KIND_CHOICES, label=_("站点类型"))

    class Meta:
        model = AirQualityHour
        fields = ["q", "district", "kind"]


class AirQualityObjectFilterSet(django_filters.FilterSet):
    """API: rows of one scope, one station (code or id) or one region (adcode)."""

    scope = django_filters.ChoiceFilter(choices=Scope.choices, label=_("评价对象"))
    station = django_filters.CharFilter(method="filter_station", label=_("站点编码或ID"))
    region = django_filters.CharFilter(field_name="region__adcode", label=_("行政区划代码"))

    def filter_station(self, queryset, name, value):
        value = value.strip()
        condition = Q(station__code=value)
        if value.isdigit() and len(value) < 19:
            condition |= Q(station_id=int(value))
        return queryset.filter(condition, scope=Scope.STATION)


class AirQualityHourFilterSet(AirQualityObjectFilterSet):
    class Meta:
        model = AirQualityHour
        fields = ["scope", "station", "region"]


class AirQualityDayFilterSet(AirQualityObjectFilterSet):
    class Meta:
        model = AirQualityDay
        fields = ["scope", "station", "region"]


class AirQualityPeriodFilterSet(AirQualityObjectFilterSet):
    kind = django_filters.ChoiceFilter(choices=PeriodKind.choices, label=_("周期"))
    start = django_filters.DateFilter(field_name="period_start", lookup_expr="gte", label=_("周期起始自"))
    end = django_filters.DateFilter(field_name="period_start", lookup_expr="lte", label=_("周期起始至"))

    class Meta:
        model = AirQualityPeriod
        fields = ["scope", "station", "region", "kind", "start", "end"]
