"""FilterSets shared by the registry pages and the API: ``q`` searches, the rest filter."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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


class YesNoWidget(django_filters.widgets.BooleanWidget):
    """全部 / 是 / 否 (django-filter's own labels have no Simplified Chinese catalogue)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", _("全部")), ("true", _("是")), ("false", _("否")))


class YesNoFilter(django_filters.BooleanFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", YesNoWidget)
        super().__init__(*args, **kwargs)


MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row id: a positive integer the database can hold (a huge number is a form error, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def _districts(request):
    return Region.objects.filter(level=RegionLevel.COUNTY)


class SearchFilterSet(django_filters.FilterSet):
    """Base: ``q`` matches any of ``search_fields`` (icontains); boolean model fields filter 全部/是/否."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": YesNoFilter},
    }

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(method="search", label=_("搜索"))

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
    medium = django_filters.ChoiceFilter(choices=FactorMedium.choices, label=_("类别"))

    class Meta:
        model = MonitoringFactor
        fields = ["q", "medium"]


class StationFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "address")
    kind = django_filters.MultipleChoiceFilter(choices=StationKind.choices, label=_("站点类型"))
    status = django_filters.ChoiceFilter(choices=StationStatus.choices, label=_("状态"))
    district = django_filters.ModelChoiceFilter(queryset=_districts, label=_("区县"), empty_label=_("全部"))
    factor = django_filters.CharFilter(field_name="factors__code", label=_("监测因子编码"), distinct=True)
    is_demo = YesNoFilter(label=_("演示数据"))

    class Meta:
        model = Station
        fields = ["q", "kind", "status", "district", "factor", "is_assessment", "is_demo"]


class EnterpriseFilterSet(SearchFilterSet):
    search_fields = ("name", "credit_code", "address", "legal_representative")
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("行业类别"))
    key_unit_category = django_filters.ChoiceFilter(choices=KeyUnitCategory.choices, label=_("重点排污单位类别"))
    status = django_filters.ChoiceFilter(choices=EnterpriseStatus.choices, label=_("生产状态"))
    district = django_filters.ModelChoiceFilter(queryset=_districts, label=_("区县"), empty_label=_("全部"))
    credit_code = django_filters.CharFilter(lookup_expr="iexact", label=_("统一社会信用代码"))

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
    kind = django_filters.ChoiceFilter(choices=OutletKind.choices, label=_("类型"))
    district = django_filters.ModelChoiceFilter(
        field_name="enterprise__district", queryset=_districts, label=_("区县"), empty_label=_("全部")
    )
    enterprise = IdFilter(field_name="enterprise_id", label=_("企业ID"))

    class Meta:
        model = Outlet
        fields = ["q", "kind", "district", "enterprise", "is_online_monitored"]


class OutletFactorFilterSet(SearchFilterSet):
    search_fields = ("outlet__code", "outlet__enterprise__name", "factor__code", "factor__name", "standard")
    outlet = IdFilter(field_name="outlet_id", label=_("排放口ID"))

    class Meta:
        model = OutletFactor
        fields = ["q", "outlet", "limit_basis"]


class PermitFilterSet(SearchFilterSet):
    search_fields = ("number", "enterprise__name", "enterprise__credit_code", "issued_by")
    category = django_filters.ChoiceFilter(choices=PermitCategory.choices, label=_("管理类别"))
    district = django_filters.ModelChoiceFilter(
        field_name="enterprise__district", queryset=_districts, label=_("区县"), empty_label=_("全部")
    )
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("在该日有效"))
    expires_before = django_filters.DateFilter(field_name="valid_to", lookup_expr="lte", label=_("到期早于"))

    class Meta:
        model = Permit
        fields = ["q", "category", "district", "valid_on", "expires_before"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value, valid_to__gte=value)


class PermitPollutantFilterSet(SearchFilterSet):
    search_fields = ("permit__number", "factor__code", "factor__name")
    permit = IdFilter(field_name="permit_id", label=_("许可证ID"))

    class Meta:
        model = PermitPollutant
        fields = ["q", "permit"]


class DeviceFilterSet(SearchFilterSet):
    search_fields = ("mn", "manufacturer", "model_name", "station__name", "outlet__enterprise__name")
    protocol_version = django_filters.ChoiceFilter(choices=ProtocolVersion.choices, label=_("协议版本"))
    status = django_filters.ChoiceFilter(choices=DeviceStatus.choices, label=_("状态"))
    target = django_filters.ChoiceFilter(
        choices=[("station", _("监测站点")), ("outlet", _("排放口"))], method="filter_target", label=_("关联对象")
    )
    district = django_filters.ModelChoiceFilter(
        queryset=_districts, method="filter_district", label=_("区县"), empty_label=_("全部")
    )

    class Meta:
        model = Device
        fields = ["q", "protocol_version", "status", "target", "district", "is_demo"]

    def filter_target(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})

    def filter_district(self, queryset, name, value):
        return queryset.filter(Q(station__district=value) | Q(outlet__enterprise__district=value))
