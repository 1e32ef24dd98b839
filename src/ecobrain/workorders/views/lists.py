"""The work-order lists: every order in the user's scope, and "my" orders by tab."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.core.object_views import ObjectListView
from ecobrain.workorders.choices import OPEN_STATES
from ecobrain.workorders.filtersets import OPEN, WorkOrderFilterSet
from ecobrain.workorders.mine import MINE_TABS, mine_filters
from ecobrain.workorders.models import WorkOrder
from ecobrain.workorders.tables import HEAVY_FIELDS, workorder_table


class WorkOrderListView(ObjectListView):
    """全部任务: filters, search, sort, pages, CSV/Excel export of the filtered rows."""

    model = WorkOrder
    url_base = "workorders:workorder"
    filterset_class = WorkOrderFilterSet
    table = workorder_table
    template_name = "workorders/workorder_list.html"
    partial_template_name = "workorders/partials/workorder_table.html"
    export_stem = "workorders"
    title = _("全部任务")

    def get_queryset(self):
        return super().get_queryset().defer(*HEAVY_FIELDS)

    def list_context(self, page) -> dict:
        return {"page_title": self.title, "now": timezone.now()}


class MyWorkOrdersView(WorkOrderListView):
    """我的任务: assigned to me, to my organisation, waiting for my check, created by me (open ones by default)."""

    title = _("我的任务")

    def tab(self) -> str:
        requested = self.request.GET.get("tab")
        if requested in dict(MINE_TABS):
            return requested
        return "org" if self.request.user.organisation_id and not self.request.user.is_city_wide else "created"

    def get_queryset(self):
        return super().get_queryset().filter(mine_filters(self.request.user)[self.tab()])

    def filter_data(self):
        data = self.request.GET.copy()
        data.setdefault("status", OPEN)  # open orders unless another state (or 全部: status=) is asked for
        return data

    def list_context(self, page) -> dict:
        base = WorkOrder.objects.restrict(self.request.user, "view").filter(status__in=OPEN_STATES)
        filters = mine_filters(self.request.user)
        counts = base.aggregate(**{key: Count("pk", filter=condition) for key, condition in filters.items()})
        return {
            **super().list_context(page),
            "tabs": [(key, label, counts[key]) for key, label in MINE_TABS],
            "tab": self.tab(),
        }
