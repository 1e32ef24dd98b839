"""排名: districts and stations of a month or a year ranked by the comprehensive index, with their changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.assessment import ranking
from ecobrain.assessment.choices import PeriodKind, Scope
from ecobrain.assessment.models import AirQualityPeriod
from ecobrain.assessment.queries import POLLUTANT_LABELS, QueryError, pollutant_names, unit
from ecobrain.assessment.ranking import INDEX_POLLUTANTS as RANK_CONCENTRATIONS
from ecobrain.core.exports import csv_response, xlsx_response
from ecobrain.standards.aqi import LEVELS


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def export_headers(scope: str) -> list[str]:
    first = [_("排名"), _("区县")] if scope == Scope.DISTRICT else [_("排名"), _("站点"), _("站点编码"), _("区县")]
    return [
        *first,
        _("综合指数"),
        _("最大分指数污染物"),
        *[f"{POLLUTANT_LABELS[k]} ({unit(k)})" for k in RANK_CONCENTRATIONS],
        _("有效天数"),
        _("优良天数"),
        _("优良天数比例(%)"),
        *[_("%(category)s天数") % {"category": _(level.category)} for level in LEVELS],
        _("综合指数同比(%)"),
        _("综合指数环比(%)"),
        _("PM2.5同比(%)"),
        _("PM2.5环比(%)"),
        _("统计无效的污染物"),
        _("评价标准"),
    ]


def export_row(row: ranking.RankedRow) -> list:
    period = row.period
    first = (
        [row.rank, row.name] if period.scope == Scope.DISTRICT else [row.rank, row.name, row.code, row.district_name]
    )
    return [
        *first,
        float(row.index) if row.index is not None else None,
        pollutant_names(period.index_primary),
        *[row.concentration(k) for k in RANK_CONCENTRATIONS],
        period.valid_days,
        period.good_days,
        _percent(period.good_ratio),
        *row.days_per_level(),
        _percent(row.index_yoy),
        _percent(row.index_mom),
        _percent(row.pm2_5_yoy),
        _percent(row.pm2_5_mom),
        pollutant_names(row.invalid),
        period.edition,
    ]


class AirRankingView(LoginRequiredMixin, View):
    """排名: ``?kind=month&period=2026-11`` (default the last complete month) or ``?kind=year&period=2026``."""

    def get(self, request):
        user = request.user
        if not user.has_grant(AirQualityPeriod, "view"):
            raise PermissionDenied(_("您的角色无权查看空气质量排名。"))
        params = request.GET
        kind = params.get("kind") or PeriodKind.MONTH
        try:
            period = ranking.parse_period(kind, params.get("period"))
        except QueryError as exc:
            messages.warning(request, _("%(error)s已显示默认周期。") % {"error": exc})
            period = ranking.default_period(kind if kind in PeriodKind.values else PeriodKind.MONTH)
        all_stations = params.get("stations") == "all"
        districts = ranking.ranking(user, period, scope=Scope.DISTRICT)
        stations = ranking.ranking(user, period, scope=Scope.STATION, all_stations=all_stations)
        export = params.get("export")
        if export in {"csv", "xlsx"}:
            if not user.has_grant(AirQualityPeriod, "export"):
                raise PermissionDenied(_("您的角色无权导出空气质量排名。"))
            scope = Scope.STATION if params.get("table") == "stations" else Scope.DISTRICT
            rows = stations if scope == Scope.STATION else districts
            stem = f"air-ranking-{scope}-{period.kind}-{period.label}"
            headers = export_headers(scope)
            data = (export_row(r) for r in rows)
            if export == "csv":
                return csv_response(stem, headers, data)
            title = _("区县排名") if scope == Scope.DISTRICT else _("站点排名")
            return xlsx_response(stem, f"{title} {period.label}", headers, data)
        query = params.copy()
        query.pop("export", None)
        query.pop("table", None)
        return render(
            request,
            "assessment/air_rankings.html",
            {
                "period": period,
                "kind": period.kind,
                "kinds": PeriodKind.choices,
                "districts": districts,
                "stations": stations,
                "all_stations": all_stations,
                "concentrations": [(k, POLLUTANT_LABELS[k], unit(k)) for k in RANK_CONCENTRATIONS],
                "levels": LEVELS,
                "querystring": query.urlencode(),
                "can_export": user.has_grant(AirQualityPeriod, "export"),
                "edition": next((r.period.edition for r in districts + stations), ""),
            },
        )
