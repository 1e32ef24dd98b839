"""FilterSets of the ingest pages and API: device status (online / offline / never seen)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecobrain.ingest.choices import CommandKind, CommandState
from ecobrain.ingest.models import DeviceCommand, DeviceSession, DeviceStatusChange
from ecobrain.registry.filtersets import IdFilter, SearchFilterSet, _districts
from ecobrain.registry.models import Device

STATUS_CHOICES = [("online", _("在线")), ("offline", _("离线")), ("never", _("从未上线"))]
KIND_CHOICES = [("station", _("监测站点")), ("outlet", _("排放口"))]


def status_condition(value: str, prefix: str = "session__") -> Q:
    """Rows of one status: online, offline (seen before, silent now) or never seen."""
    if value == "online":
        return Q(**{f"{prefix}online": True})
    if value == "offline":
        return Q(**{f"{prefix}online": False, f"{prefix}last_seen_at__isnull": False})
    never = Q(**{f"{prefix}last_seen_at__isnull": True})
    return never | Q(session__isnull=True) if prefix == "session__" else never


def district_condition(value, prefix: str = "") -> Q:
    return Q(**{f"{prefix}station__district": value}) | Q(**{f"{prefix}outlet__enterprise__district": value})


class DeviceStatusFilterSet(SearchFilterSet):
    """The device-status page: rows are devices (a device never seen has no session yet)."""

    search_fields = ("mn", "station__name", "station__code", "outlet__name", "outlet__enterprise__name")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label=_("在线状态"))
    district = django_filters.ModelChoiceFilter(
        queryset=_districts, method="filter_district", label=_("区县"), empty_label=_("全部")
    )
    kind = django_filters.ChoiceFilter(choices=KIND_CHOICES, method="filter_kind", label=_("类型"))

    class Meta:
        model = Device
        fields = ["q", "status", "district", "kind"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_condition(value))

    def filter_district(self, queryset, name, value):
        return queryset.filter(district_condition(value))

    def filter_kind(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})


class _PerDeviceFilterSet(django_filters.FilterSet):
    """Filters of rows that belong to one data logger (``device``): its id, its MN, its district."""

    device = IdFilter(field_name="device_id", label=_("数采仪 ID"))
    mn = django_filters.CharFilter(field_name="device__mn", label=_("MN"))
    # field_name gives the schema the id type; the method matches the station's or the outlet's district.
    district = django_filters.ModelChoiceFilter(
        field_name="device__station__district",
        queryset=_districts,
        method="filter_district",
        label=_("区县"),
        empty_label=_("全部"),
    )

    def filter_district(self, queryset, name, value):
        return queryset.filter(district_condition(value, prefix="device__"))


class DeviceSessionFilterSet(_PerDeviceFilterSet):
    """The sessions API: by device, MN, status, district."""

    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label=_("在线状态"))
    connected = django_filters.BooleanFilter(label=_("已连接"))

    class Meta:
        model = DeviceSession
        fields = ["device", "mn", "status", "connected", "district"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_condition(value, prefix=""))


class DeviceCommandFilterSet(django_filters.FilterSet):
    """The commands API: by device, MN, kind, state."""

    device = IdFilter(field_name="device_id", label=_("数采仪 ID"))
    mn = django_filters.CharFilter(field_name="device__mn", label=_("MN"))
    cn = django_filters.ChoiceFilter(choices=CommandKind.choices, label=_("命令"))
    state = django_filters.MultipleChoiceFilter(choices=CommandState.choices, label=_("状态"))

    class Meta:
        model = DeviceCommand
        fields = ["device", "mn", "cn", "state"]


class DeviceStatusChangeFilterSet(_PerDeviceFilterSet):
    """The status-change history API: by device, MN, direction, district and time."""

    online = django_filters.BooleanFilter(label=_("上线"))
    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", label=_("发生时间自"))
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", label=_("发生时间至"))

    class Meta:
        model = DeviceStatusChange
        fields = ["device", "mn", "online", "at_after", "at_before", "district"]
