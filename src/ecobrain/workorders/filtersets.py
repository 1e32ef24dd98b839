"""The work-order filters, shared by the list pages and the API."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.core.forms import scoped_districts
from ecobrain.core.models import Organisation, Region
from ecobrain.registry.filtersets import SearchFilterSet, YesNoFilter
from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.choices import ACTIVE_STATES, OPEN_STATES, Priority, WorkOrderSource, WorkOrderStatus
from ecobrain.workorders.models import WorkOrder

OPEN = "open"
STATUS_CHOICES = [(OPEN, _("未办结")), *WorkOrderStatus.choices]


def _districts(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Region.objects.none()
    return scoped_districts(user).defer("boundary")


def _organisations(request):
    return Organisation.objects.order_by("kind", "code")


def china_day_start(day) -> datetime:
    return datetime.combine(day, time(), tzinfo=CHINA_TZ)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class WorkOrderFilterSet(SearchFilterSet):
    """状态（含“未办结”）、来源、紧急程度、区县、承办单位、仅超期、督办、期限范围；搜索编号、标题、企业名称。"""

    search_fields = ("number", "title", "enterprise__name")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label=_("状态"))
    source = django_filters.ChoiceFilter(choices=WorkOrderSource.choices, label=_("来源"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("紧急程度"))
    district = django_filters.ModelChoiceFilter(queryset=_districts, label=_("区县"), empty_label=_("全部"))
    assignee_org = django_filters.ModelChoiceFilter(queryset=_organisations, label=_("承办单位"), empty_label=_("全部"))
    overdue = YesNoFilter(method="filter_overdue", label=_("超期"))
    supervised = YesNoFilter(field_name="escalated_at", lookup_expr="isnull", exclude=True, label=_("督办"))
    deadline_from = django_filters.DateFilter(method="filter_deadline_from", label=_("期限自"), widget=DateInput)
    deadline_to = django_filters.DateFilter(method="filter_deadline_to", label=_("期限至"), widget=DateInput)

    class Meta:
        model = WorkOrder
        fields = [
            "q",
            "status",
            "source",
            "priority",
            "district",
            "assignee_org",
            "overdue",
            "supervised",
            "deadline_from",
            "deadline_to",
        ]

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATES)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        condition = Q(status__in=ACTIVE_STATES, deadline__lt=timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_deadline_from(self, queryset, name, value):
        return queryset.filter(deadline__gte=china_day_start(value))

    def filter_deadline_to(self, queryset, name, value):
        # A deadline "on" a day ends at its 24:00, the next day's 00:00 (deadlines.add_days).
        return queryset.filter(deadline__lte=china_day_start(value + timedelta(days=1)))
