"""The overdue board by district and the statistics page (on-time rate by district and month, handling time)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.core.exports import csv_response, xlsx_workbook_response
from ecobrain.core.forms import scoped_districts
from ecobrain.core.object_views import GatedViewMixin
from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.choices import ACTIVE_STATES, OPEN_STATES, WorkOrderSource, WorkOrderStatus
from ecobrain.workorders.display import AT_RISK
from ecobrain.workorders.models import WorkOrder
from ecobrain.workorders.tables import HEAVY_FIELDS

BOARD_KINDS = {
    "overdue": lambda now: Q(status__in=ACTIVE_STATES, deadline__lt=now),
    "at_risk": lambda now: Q(status__in=ACTIVE_STATES, deadline__gte=now, deadline__lt=now + AT_RISK),
    "supervised": lambda now: Q(status__in=OPEN_STATES, escalated_at__isnull=False),
}


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
        districts = list(scoped_districts(request.user).order_by("adcode"))
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


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=CHINA_TZ), datetime(year + 1, 1, 1, tzinfo=CHINA_TZ)


def _rate(on_time: int, closed: int) -> float | None:
    return round(100 * on_time / closed, 1) if closed else None


def _hours(duration: timedelta | None) -> float | None:
    return round(duration.total_seconds() / 3600, 1) if duration is not None else None


HANDLING = ExpressionWrapper(F("closed_at") - F("dispatched_at"), output_field=DurationField())


def workorder_statistics(queryset, year: int) -> dict:
    """On-time completion by district and month (China months) and over the year, handling time, counts by source.

    An order counts in the month it was closed; it is on time when its accepted result was submitted by its
    deadline (``closed_on_time``). Handling time runs from dispatch to closing.
    """
    start, end = _year_bounds(year)
    closed = queryset.filter(status=WorkOrderStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)
    measures = {
        "closed": Count("pk"),
        "on_time": Count("pk", filter=Q(closed_on_time=True)),
        "handling": Avg(HANDLING),
    }
    monthly = (
        closed.annotate(month=TruncMonth("closed_at", tzinfo=CHINA_TZ))
        .values("district", "district__name", "district__adcode", "month")
        .annotate(**measures)
        .order_by("district__adcode", "month")
    )
    districts: dict[int, dict] = {}
    city = [{"closed": 0, "on_time": 0, "hours_total": 0.0} for _month in range(12)]
    for row in monthly:
        month = row["month"].astimezone(CHINA_TZ).month if timezone.is_aware(row["month"]) else row["month"].month
        entry = districts.setdefault(
            row["district"],
            {"name": row["district__name"], "adcode": row["district__adcode"], "months": [None] * 12},
        )
        hours = _hours(row["handling"])
        entry["months"][month - 1] = {
            "closed": row["closed"],
            "on_time": row["on_time"],
            "rate": _rate(row["on_time"], row["closed"]),
            "hours": hours,
        }
        city[month - 1]["closed"] += row["closed"]
        city[month - 1]["on_time"] += row["on_time"]
        city[month - 1]["hours_total"] += (hours or 0) * row["closed"]
    yearly = {row["district"]: row for row in closed.values("district").annotate(**measures)}
    district_rows = []
    for pk, entry in sorted(districts.items(), key=lambda item: item[1]["adcode"]):
        total = yearly[pk]
        district_rows.append(
            {
                **entry,
                "closed": total["closed"],
                "on_time": total["on_time"],
                "rate": _rate(total["on_time"], total["closed"]),
                "hours": _hours(total["handling"]),
            }
        )
    city_months = [
        {
            "closed": m["closed"],
            "on_time": m["on_time"],
            "rate": _rate(m["on_time"], m["closed"]),
            "hours": round(m["hours_total"] / m["closed"], 1) if m["closed"] else None,
        }
        for m in city
    ]
    whole = closed.aggregate(**measures)
    created = queryset.filter(dispatched_at__gte=start, dispatched_at__lt=end)
    by_source = dict(created.values_list("source").annotate(n=Count("pk")).order_by())
    return {
        "year": year,
        "districts": district_rows,
        "city_months": city_months,
        "city": {
            "closed": whole["closed"],
            "on_time": whole["on_time"],
            "rate": _rate(whole["on_time"], whole["closed"]),
            "hours": _hours(whole["handling"]),
        },
        "by_source": [(label, by_source.get(value, 0)) for value, label in WorkOrderSource.choices],
        "created": sum(by_source.values()),
    }


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
        districts = scoped_districts(request.user).order_by("adcode")
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
            "months": [f"{m}月" for m in range(1, 13)],
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
