"""The complaint filters, shared by the staff list page and the API."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.utils.translation import gettext_lazy as _

from ecobrain.complaints.choices import OPEN_STATES, ComplaintCategory, ComplaintChannel, ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services.submission import normalise_tracking_number
from ecobrain.registry.filtersets import SearchFilterSet, YesNoFilter
from ecobrain.workorders.filtersets import DateInput, _districts, china_day_start

OPEN = "open"
STATUS_CHOICES = [(OPEN, _("未办结")), *ComplaintStatus.choices]


class ComplaintFilterSet(SearchFilterSet):
    """状态（含“未办结”）、类别、区县、来源渠道、提交日期范围、疑似重复、已公开；搜索查询码或投诉内容。"""

    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label=_("状态"))
    category = django_filters.ChoiceFilter(choices=ComplaintCategory.choices, label=_("类别"))
    district = django_filters.ModelChoiceFilter(queryset=_districts, label=_("区县"), empty_label=_("全部"))
    channel = django_filters.ChoiceFilter(choices=ComplaintChannel.choices, label=_("来源渠道"))
    created_from = django_filters.DateFilter(method="filter_created_from", label=_("提交日期自"), widget=DateInput)
    created_to = django_filters.DateFilter(method="filter_created_to", label=_("提交日期至"), widget=DateInput)
    duplicate = YesNoFilter(field_name="duplicate_of", lookup_expr="isnull", exclude=True, label=_("疑似重复"))
    published = YesNoFilter(field_name="published", label=_("已公开"))

    class Meta:
        model = Complaint
        fields = [
            "q",
            "status",
            "category",
            "district",
            "channel",
            "created_from",
            "created_to",
            "duplicate",
            "published",
        ]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        number = normalise_tracking_number(value)
        if number.startswith("TS") and len(number) >= 10:  # a tracking number (or its start): the unique index
            return queryset.filter(tracking_number__startswith=number)
        return queryset.filter(description__icontains=value[:100])

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATES)
        return queryset.filter(status=value)

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created__gte=china_day_start(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created__lt=china_day_start(value + timedelta(days=1)))
