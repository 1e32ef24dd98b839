import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.audit.models import ChangeAction, ObjectChange, SecurityEvent
from ecobrain.registry.filtersets import SearchFilterSet


def _logged_types(request):
    return ContentType.objects.filter(app_label__in=["registry", "core", "accounts"]).order_by("app_label", "model")


class ObjectChangeFilterSet(SearchFilterSet):
    search_fields = ("object_repr", "user_name", "object_id")
    action = django_filters.ChoiceFilter(choices=ChangeAction.choices, label=_("操作"))
    content_type = django_filters.ModelChoiceFilter(queryset=_logged_types, label=_("对象类型"), empty_label=_("全部"))
    since = django_filters.DateFilter(field_name="time", lookup_expr="date__gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="time", lookup_expr="date__lte", label=_("截止日期"))

    class Meta:
        model = ObjectChange
        fields = ["q", "action", "content_type", "since", "until"]


class SecurityEventFilterSet(SearchFilterSet):
    search_fields = ("username", "ip")
    kind = django_filters.ChoiceFilter(choices=SecurityEventKind.choices, label=_("类型"))
    since = django_filters.DateFilter(field_name="time", lookup_expr="date__gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="time", lookup_expr="date__lte", label=_("截止日期"))

    class Meta:
        model = SecurityEvent
        fields = ["q", "kind", "since", "until"]
