"""FilterSets shared by the registry pages and the API: ``q`` searches, the rest filter."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from ecobrain.core.models import Region, RegionLevel
from ecobrain.registry.choices import (
    DeviceStatus,
    EnterpriseStatus,
    FactorMedium,
    Industry,
    KeyUnitCategory,
    OutletKind,
    PermitCategory,
    ProtocolVersion,
    StationKind,
    StationStatus,
)
from ecobrain.registry.models import (
    Contact,
    Device,
    Enterprise,
    MonitoringFactor,
    Outlet,
    OutletFactor,
    Permit,
    PermitPollutant,
    Station,
)


def _districts(request):
    return Region.objects.filter(level=RegionLevel.COUNTY)


class SearchFilterSet(django_filters.FilterSet):
    """Base: ``q`` matches any of ``search_fields`` (icontains)."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(method="search", label="搜索")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class MonitoringFactorFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en", "old_code")
    medium = django_filters.ChoiceFilter(choices=FactorMedium.choices, label="类别")

    class Meta:
        model = MonitoringFactor
        fields = ["q", "medium"]


class StationFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "address")
    kind = django_filters.MultipleChoiceFilter(choices=StationKind.choices, label="站点类型")
    status = django_filters.ChoiceFilter(choices=StationStatus.choices, label="状态")
    district = django_filters.ModelChoiceFilter(queryset=_districts, label="区县")
    factor = django_filters.CharFilter(field_name="factors__code", label="监测因子编码", distinct=True)
    is_demo = django_filters.BooleanFilter(label="演示数据")

    class Meta:
        model = Station
        fields = ["q", "kind", "status", "district", "factor", "is_assessment", "is_demo"]


class EnterpriseFilterSet(SearchFilterSet):
    search_fields = ("name", "credit_code", "address", "legal_representative")
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label="行业类别")
    key_unit_category = django_filters.ChoiceFilter(choices=KeyUnitCategory.choices, label="重点排污单位类别")
    status = django_filters.ChoiceFilter(choices=EnterpriseStatus.choices, label="生产状态")
    district = django_filters.ModelChoiceFilter(queryset=_districts, label="区县")
    credit_code = django_filters.CharFilter(lookup_expr="iexact", label="统一社会信用代码")

    class Meta:
        model = Enterprise
        fields = ["q", "industry", "key_unit_category", "status", "district", "credit_code", "is_demo"]


class ContactFilterSet(SearchFilterSet):
    search_fields = ("name", "title", "enterprise__name")

    class Meta:
        model = Contact
        fields = ["q", "enterprise"]


class OutletFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "enterprise__name", "enterprise__credit_code")
    kind = django_filters.ChoiceFilter(choices=OutletKind.choices, label="类型")
    district = django_filters.ModelChoiceFilter(field_name="enterprise__district", queryset=_districts, label="区县")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="企业ID")

    class Meta:
        model = Outlet
        fields = ["q", "kind", "district", "enterprise", "is_online_monitored"]


class OutletFactorFilterSet(SearchFilterSet):
    search_fields = ("outlet__code", "outlet__enterprise__name", "factor__code", "factor__name", "standard")
    outlet = django_filters.NumberFilter(field_name="outlet_id", label="排放口ID")

    class Meta:
        model = OutletFactor
        fields = ["q", "outlet", "limit_basis"]


class PermitFilterSet(SearchFilterSet):
    search_fields = ("number", "enterprise__name", "enterprise__credit_code", "issued_by")
    category = django_filters.ChoiceFilter(choices=PermitCategory.choices, label="管理类别")
    district = django_filters.ModelChoiceFilter(field_name="enterprise__district", queryset=_districts, label="区县")
    valid_on = django_filters.DateFilter(method="filter_valid_on", label="在该日有效")
    expires_before = django_filters.DateFilter(field_name="valid_to", lookup_expr="lte", label="到期早于")

    class Meta:
        model = Permit
        fields = ["q", "category", "district", "valid_on", "expires_before"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value, valid_to__gte=value)


class PermitPollutantFilterSet(SearchFilterSet):
    search_fields = ("permit__number", "factor__code", "factor__name")
    permit = django_filters.NumberFilter(field_name="permit_id", label="许可证ID")

    class Meta:
        model = PermitPollutant
        fields = ["q", "permit"]


class DeviceFilterSet(SearchFilterSet):
    search_fields = ("mn", "manufacturer", "model_name", "station__name", "outlet__enterprise__name")
    protocol_version = django_filters.ChoiceFilter(choices=ProtocolVersion.choices, label="协议版本")
    status = django_filters.ChoiceFilter(choices=DeviceStatus.choices, label="状态")
    target = django_filters.ChoiceFilter(
        choices=[("station", "监测站点"), ("outlet", "排放口")], method="filter_target", label="关联对象"
    )
    district = django_filters.ModelChoiceFilter(queryset=_districts, method="filter_district", label="区县")

    class Meta:
        model = Device
        fields = ["q", "protocol_version", "status", "target", "district", "is_demo"]

    def filter_target(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})

    def filter_district(self, queryset, name, value):
        return queryset.filter(Q(station__district=value) | Q(outlet__enterprise__district=value))
