"""FilterSets shared by the monitoring pages and the API (the packet archive, the series)."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket, Series
from ecobrain.registry.filtersets import IdFilter, SearchFilterSet
from ecobrain.registry.models import Device


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


# Filters no index serves (they test each frame) read at most this far back from the end of the time range
# unless an MN, a data logger or a start time bounds the read: the archive grows by millions of frames a day.
SCAN_WINDOW = timedelta(hours=24)
SCANNING_FILTERS = ("q", "cn", "outcome", "peer")
BOUNDING_FILTERS = ("mn", "device", "received_after")


class PacketFilterSet(SearchFilterSet):
    """Filters that the archive's indexes serve: MN uses ``(mn, received_at)``, the rest walk ``received_at``.

    A filter that tests each frame (search, CN, outcome, address) without an MN, a data logger or a start
    time reads the last ``SCAN_WINDOW`` before the end of the range (now by default); ``scan_bounded`` says so.
    """

    scan_bounded = False

    search_fields = ("mn", "peer", "qn")
    mn = django_filters.CharFilter(label=_("MN"))
    cn = django_filters.CharFilter(label=_("命令编码 CN"))
    outcome = django_filters.ChoiceFilter(choices=PacketOutcome.choices, label=_("处理结果"), empty_label=_("全部"))
    device = IdFilter(method="filter_device", label=_("数采仪ID"))
    received_after = django_filters.IsoDateTimeFilter(
        field_name="received_at", lookup_expr="gte", label=_("接收时间自"), widget=DateTimeInput
    )
    received_before = django_filters.IsoDateTimeFilter(
        field_name="received_at", lookup_expr="lt", label=_("接收时间至"), widget=DateTimeInput
    )
    peer = django_filters.CharFilter(field_name="peer", lookup_expr="startswith", label=_("来源地址"))

    class Meta:
        model = ArchivedPacket
        fields = ["q", "mn", "cn", "outcome", "device", "received_after", "received_before", "peer"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if any(data.get(n) for n in SCANNING_FILTERS) and not any(data.get(n) for n in BOUNDING_FILTERS):
            self.scan_bounded = True
            queryset = queryset.filter(received_at__gte=(data.get("received_before") or timezone.now()) - SCAN_WINDOW)
        return queryset

    def filter_device(self, queryset, name, value):
        # The device's MN as well as its id, so the (mn, received_at) index serves the newest-first walk.
        mn = Device.objects.filter(pk=value).values_list("mn", flat=True).first()
        if mn is None:
            return queryset.none()
        return queryset.filter(mn=mn, device_id=value)


class SeriesFilterSet(django_filters.FilterSet):
    device = IdFilter(field_name="device_id", label=_("数采仪ID"))
    station = IdFilter(field_name="device__station_id", label=_("监测站点ID"))
    outlet = IdFilter(field_name="device__outlet_id", label=_("排放口ID"))
    factor = django_filters.CharFilter(field_name="factor__code", label=_("监测因子编码"))

    class Meta:
        model = Series
        fields = ["device", "station", "outlet", "factor"]
