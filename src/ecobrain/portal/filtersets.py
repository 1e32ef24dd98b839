"""The notice editor's list filters: ``q`` searches title, document number and summary."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from ecobrain.portal.choices import NoticeCategory, NoticeStatus
from ecobrain.portal.models import Notice
from ecobrain.registry.filtersets import SearchFilterSet


class NoticeFilterSet(SearchFilterSet):
    search_fields = ("title", "document_number", "summary")
    category = django_filters.ChoiceFilter(choices=NoticeCategory.choices, label=_("栏目"), empty_label=_("全部"))
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices, label=_("状态"), empty_label=_("全部"))

    class Meta:
        model = Notice
        fields = ["q", "category", "status"]
