"""FilterSets shared by the alarm pages and the API (the alarm centre, the rule list)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from ecobrain.alarms.choices import OPEN_ALARM_STATES, AlarmStatus, RuleKind, Severity
from ecobrain.alarms.models import Alarm, AlarmRule
from ecobrain.core.forms import scoped_districts
from ecobrain.core.models import Region
from ecobrain.registry.filtersets import IdFilter, SearchFilterSet, YesNoFilter
from ecobrain.registry.models import Enterprise, Outlet, Station
from ecobrain.standards.hj212 import CHINA_TZ

# ``status`` values beyond the states themselves: the open states together (the default), and every state.
STATUS_ACTIVE = "active"
STATUS_ALL = "all"
STATUS_CHOICES = [
    (STATUS_ACTIVE, _("未关闭（待处理、已确认、已派单）")),
    *AlarmStatus.choices,
    (STATUS_ALL, _("全部状态")),
]
# A search matches at most this many enterprises, stations or outlets by name (then their alarms by id).
SEARCH_OBJECT_LIMIT = 500


def _districts(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Region.objects.none()
    return scoped_districts(user).only("id", "adcode", "name").order_by("adcode")  # not the boundaries


def _rules(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return AlarmRule.objects.none()
    return AlarmRule.objects.restrict(user, "view").only("id", "name", "kind").order_by("kind", "name")


class ListedChoiceIterator(ModelChoiceIterator):
    """A select's options read with one plain query. Django iterates a model choice field with ``iterator()``,
    a server-side cursor on PostgreSQL: three round trips (DECLARE, FETCH, CLOSE) for a list of a few dozen."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator


class ListedModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ListedModelChoiceField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def china_day_start(day) -> datetime:
    """00:00 China time of ``day``, as an aware datetime (the index on triggered_at serves the comparison)."""
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


class StatusFilter(django_filters.MultipleChoiceFilter):
    """Alarm states (repeatable); ``active`` (the default) means the open ones, ``all`` every state."""

    def filter(self, qs, value):
        values = set(value or ()) or {STATUS_ACTIVE}
        if STATUS_ALL in values:
            return qs
        states = {v for v in values if v != STATUS_ACTIVE}
        if STATUS_ACTIVE in values:
            states |= {str(s) for s in OPEN_ALARM_STATES}
        return qs.filter(status__in=sorted(states))


class AlarmFilterSet(SearchFilterSet):
    """The alarm centre's filters. Without ``status`` only open alarms are listed (``status=all`` for every one):
    bind the set to the query even when it is empty, so the default applies (the API always does).

    ``q`` searches the alarm's title and the names of its enterprise, station and outlet: the names are matched
    first in their own (small) tables, then the alarms by those ids, so a search never joins the alarm table
    to three others.
    """

    status = StatusFilter(choices=STATUS_CHOICES, label=_("状态"), widget=forms.SelectMultiple)
    kind = django_filters.ChoiceFilter(choices=RuleKind.choices, label=_("报警类型"), empty_label=_("全部"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("报警级别"), empty_label=_("全部"))
    district = ListedModelChoiceFilter(queryset=_districts, label=_("区县"), empty_label=_("全部"))
    rule = ListedModelChoiceFilter(queryset=_rules, label=_("规则"), empty_label=_("全部"))
    triggered_from = django_filters.DateFilter(method="filter_from", label=_("报警日期自"), widget=DateInput)
    triggered_to = django_filters.DateFilter(method="filter_to", label=_("报警日期至"), widget=DateInput)
    enterprise = IdFilter(field_name="enterprise_id", label=_("企业ID"))
    station = IdFilter(field_name="station_id", label=_("站点ID"))
    outlet = IdFilter(field_name="outlet_id", label=_("排放口ID"))
    device = IdFilter(field_name="device_id", label=_("数采仪ID"))
    workorder = IdFilter(field_name="workorder_id", label=_("任务单ID"))

    # Shown in the page's filter form (the status is the tabs above it); the id filters come from links (an
    # enterprise's alarms) and the API.
    PAGE_FIELDS = ("q", "kind", "severity", "district", "rule", "triggered_from", "triggered_to")

    class Meta:
        model = Alarm
        fields = [
            "q",
            "status",
            "kind",
            "severity",
            "district",
            "rule",
            "triggered_from",
            "triggered_to",
            "enterprise",
            "station",
            "outlet",
            "device",
            "workorder",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        enterprises, stations, outlets = self._matching_objects(value)
        condition = Q(title__icontains=value)
        if enterprises:
            condition |= Q(enterprise_id__in=enterprises)
        if stations:
            condition |= Q(station_id__in=stations)
        if outlets:
            condition |= Q(outlet_id__in=outlets)
        return queryset.filter(condition)

    def _matching_objects(self, value: str) -> tuple[list[int], list[int], list[int]]:
        # The page filters twice (the rows, and the counts per state): look the names up once per request.
        cache = getattr(self.request, "_alarm_search", None) if self.request is not None else None
        if cache is not None and cache[0] == value:
            return cache[1]
        found = (
            list(
                Enterprise.objects.filter(name__icontains=value)
                .order_by()
                .values_list("pk", flat=True)[:SEARCH_OBJECT_LIMIT]
            ),
            list(
                Station.objects.filter(Q(name__icontains=value) | Q(code__iexact=value))
                .order_by()
                .values_list("pk", flat=True)[:SEARCH_OBJECT_LIMIT]
            ),
            list(
                Outlet.objects.filter(Q(name__icontains=value) | Q(code__iexact=value))
                .order_by()
                .values_list("pk", flat=True)[:SEARCH_OBJECT_LIMIT]
            ),
        )
        if self.request is not None:
            self.request._alarm_search = (value, found)
        return found

    def filter_from(self, queryset, name, value):
        return queryset.filter(triggered_at__gte=china_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(triggered_at__lt=china_day_start(value + timedelta(days=1)))


class AlarmRuleFilterSet(SearchFilterSet):
    search_fields = ("name", "description")
    kind = django_filters.ChoiceFilter(choices=RuleKind.choices, label=_("规则类型"), empty_label=_("全部"))
    enabled = YesNoFilter(label=_("启用"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("报警级别"), empty_label=_("全部"))
    district = ListedModelChoiceFilter(queryset=_districts, label=_("区县"), empty_label=_("全部"))

    class Meta:
        model = AlarmRule
        fields = ["q", "kind", "enabled", "severity", "district"]
