"""The overdue board by district and the statistics page (on-time rate by district and month, handling time)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ecobrain.core.exports import csv_response, xlsx_workbook_response
from ecobrain.core.forms import scoped_districts
from ecobrain.core.object_views import GatedViewMixin
from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.choices import ACTIVE_STATES, OPEN_STATES
from ecobrain.workorders.display import AT_RISK
from ecobrain.workorders.models import WorkOrder
from ecobrain.workorders.statistics import workorder_statistics
from ecobrain.workorders.tables import HEAVY_FIELDS

BOARD_KINDS = {
    "overdue": lambda now: Q(status__in=ACTIVE_STATES, deadline__lt=now),
    "at_risk": lambda now: Q(status__in=ACTIVE_STATES, deadline__gte=now, deadline__lt=now + AT_RISK),
    "supervised": lambda now: Q(status__in=OPEN_STATES, escalated_at__isnull=False),
}


# The column heads of the statistics' months (English: Jan … Dec).
MONTH_LABELS = (
    gettext_lazy("1月"),
    gettext_lazy("2月"),
    gettext_lazy("3月"),
    gettext_lazy("4月"),
    gettext_lazy("5月"),
    gettext_lazy("6月"),
    gettext_lazy("7月"),
    gettext_lazy("8月"),
    gettext_lazy("9月"),
    gettext_lazy("10月"),
    gettext_lazy("11月"),
    gettext_lazy("12月"),
)


def _query(request, *drop: str) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


class OverdueBoardView(GatedViewMixin, View):
    """超期督办看板: per district the overdue, at-risk (due within 24 h) and supervised orders; then the list."""

    model = WorkOrder

    def get(self, request):
        now = timezone.now()
        districts = list(scoped_districts(request.user).defer("boundary").order_by("adcode"))
        base = WorkOrder.objects.restrict(request.user, "view")
        counts = {
            row["district"]: row
            for row in base.filter(status__in=OPEN_STATES)
            .values("district")
            .annotate(
                open=Count("pk"),
                **{kind: Count("pk", filter=condition(now)) for kind, condition in BOARD_KINDS.items()},
            )
        }
        empty = {"open": 0, "overdue": 0, "at_risk": 0, "supervised": 0}
        rows = [(district, counts.get(district.pk, empty)) for district in districts]
        rows.sort(key=lambda row: (-row[1]["overdue"], -row[1]["at_risk"], row[0].adcode))
        totals = {key: sum(row[1][key] for row in rows) for key in empty}

        kind = request.GET.get("kind") if request.GET.get("kind") in BOARD_KINDS else "overdue"
        listed = base.filter(BOARD_KINDS[kind](now)).select_related("district", "assignee_org", "assignee")
        listed = listed.defer(*HEAVY_FIELDS)
        district = next((d for d in districts if str(d.pk) == request.GET.get("district")), None)
        if district is not None:
            listed = listed.filter(district=district)
        page = Paginator(listed.order_by("deadline", "pk"), 50).get_page(request.GET.get("page"))
        return render(
            request,
            "workorders/overdue_board.html",
            {
                "rows": rows,
                "totals": totals,
                "kind": kind,
                "kinds": [("overdue", _("超期")), ("at_risk", _("临期（24小时内到期）")), ("supervised", _("督办中"))],
                "district": district,
                "page": page,
                "querystring": _query(request, "page"),
                "now": now,
            },
        )


# --- statistics -------------------------------------------------------------------------------------------------


class StatisticsView(GatedViewMixin, View):
    """任务统计: a year's on-time completion rate by district and month, average handling time, counts by source."""

    model = WorkOrder

    def get(self, request):
        this_year = timezone.now().astimezone(CHINA_TZ).year
        try:
            year = int(request.GET.get("year") or this_year)
        except ValueError:
            year = this_year
        year = min(max(year, 2000), this_year + 1)
        queryset = WorkOrder.objects.restrict(request.user, "view")
        districts = scoped_districts(request.user).defer("boundary").order_by("adcode")
        chosen = request.GET.get("district", "")
        district = districts.filter(pk=chosen).first() if chosen.isdigit() else None
        if district is not None:
            queryset = queryset.filter(district=district)
        stats = workorder_statistics(queryset, year)
        export = request.GET.get("export")
        if export in {"csv", "xlsx"}:
            if not request.user.has_grant(WorkOrder, "export"):
                raise PermissionDenied(_("您的角色无权导出任务统计。"))
            return self.export(stats, export)
        chart = {
            "months": [str(label) for label in MONTH_LABELS],
            "rate": [m["rate"] for m in stats["city_months"]],
            "closed": [m["closed"] for m in stats["city_months"]],
            "hours": [m["hours"] for m in stats["city_months"]],
            "districts": [d["name"] for d in stats["districts"]],
            "district_rate": [d["rate"] for d in stats["districts"]],
            "sources": [{"name": str(label), "value": n} for label, n in stats["by_source"]],
            "labels": {"rate": _("按期办结率(%)"), "closed": _("办结数"), "hours": _("平均办理时长(小时)")},
        }
        return render(
            request,
            "workorders/statistics.html",
            {
                "stats": stats,
                "chart": chart,
                "years": list(range(this_year, this_year - 5, -1)),
                "districts": districts,
                "district": district,
                "querystring": _query(request, "export"),
                "can_export": request.user.has_grant(WorkOrder, "export"),
            },
        )

    def export(self, stats: dict, fmt: str):
        headers = [_("区县"), _("月份"), _("办结数"), _("按期办结数"), _("按期办结率(%)"), _("平均办理时长(小时)")]
        rows = []
        for district in stats["districts"]:
            for index, month in enumerate(district["months"]):
                if month:
                    rows.append(
                        [
                            district["name"],
                            f"{stats['year']}-{index + 1:02d}",
                            month["closed"],
                            month["on_time"],
                            month["rate"],
                            month["hours"],
                        ]
                    )
            rows.append(
                [
                    district["name"],
                    _("全年"),
                    district["closed"],
                    district["on_time"],
                    district["rate"],
                    district["hours"],
                ]
            )
        city = stats["city"]
        rows.append([_("合计"), _("全年"), city["closed"], city["on_time"], city["rate"], city["hours"]])
        stem = f"workorder-statistics-{stats['year']}"
        if fmt == "csv":
            return csv_response(stem, headers, rows)
        source_rows = [[str(label), n] for label, n in stats["by_source"]]
        return xlsx_workbook_response(
            stem,
            [
                (_("按区县和月份"), [(None, headers, rows)]),
                (_("按来源"), [(None, [_("来源"), _("新派发任务数")], source_rows)]),
            ],
        )
