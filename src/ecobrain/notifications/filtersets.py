"""The inbox filters, shared by the inbox page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import NotificationKind
from ecobrain.notifications.models import Notification
from ecobrain.registry.filtersets import YesNoFilter


class NotificationFilterSet(django_filters.FilterSet):
    """``unread`` (true/false), ``kind``, ``severity`` (at least), ``q`` in title and body."""

    unread = YesNoFilter(field_name="read_at", lookup_expr="isnull", label=_("未读"))
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices, label=_("类型"))
    severity = django_filters.ChoiceFilter(
        choices=Severity.choices, field_name="severity", lookup_expr="gte", label=_("级别不低于")
    )
    q = django_filters.CharFilter(method="search", label=_("搜索"))

    class Meta:
        model = Notification
        fields = ["unread", "kind", "severity", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(body__icontains=value))
