"""空气质量日报 and 环境质量月报: printable pages and Excel workbooks of the same report data; the reports index."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from ecobrain.assessment import report_excel, reports
from ecobrain.assessment.models import AirQualityDay, AirQualityPeriod
from ecobrain.assessment.periods import PeriodError, china_month, china_today, parse_day, parse_month, previous_month
from ecobrain.core.object_views import GatedViewMixin
from ecobrain.standards.aqi import LEVELS


class DailyReportView(GatedViewMixin, View):
    """``?day=YYYY-MM-DD`` (default: yesterday, China date); ``xlsx=True`` answers the workbook."""

    model = AirQualityDay
    xlsx = False

    def get(self, request):
        today = china_today(timezone.now())
        error = ""
        day = today - timedelta(days=1)
        if request.GET.get("day"):
            try:
                day = parse_day(request.GET["day"])
            except PeriodError as exc:
                error = str(exc)
        report = reports.daily_report(request.user, day)
        if self.xlsx:
            return report_excel.daily_workbook(report)
        return render(
            request,
            "assessment/daily_report.html",
            {
                "report": report,
                "error": error,
                "bureau": settings.BUREAU_NAME,
                "pollutants": [
                    (key, reports.POLLUTANT_LABELS[key], reports.UNITS[key]) for key in reports.DAILY_POLLUTANTS
                ],
                "previous_day": day - timedelta(days=1),
                "next_day": day + timedelta(days=1) if day < today else None,
            },
        )


class MonthlyReportView(GatedViewMixin, View):
    """``?month=YYYY-MM`` (default: last month); ``xlsx=True`` answers the workbook."""

    model = AirQualityPeriod
    xlsx = False

    def get(self, request):
        current = china_month(timezone.now())
        error = ""
        month = previous_month(current)
        if request.GET.get("month"):
            try:
                month = parse_month(request.GET["month"])
            except PeriodError as exc:
                error = str(exc)
        report = reports.monthly_report(request.user, month)
        if self.xlsx:
            return report_excel.monthly_workbook(report)
        return render(
            request,
            "assessment/monthly_report.html",
            {
                "report": report,
                "error": error,
                "bureau": settings.BUREAU_NAME,
                "pollutants": [
                    (key, reports.POLLUTANT_LABELS[key], reports.UNITS[key], reports.STATISTIC_NAMES[key])
                    for key in reports.PERIOD_POLLUTANTS
                ],
                "levels": LEVELS,
                "previous_month": previous_month(month),
                "next_month": None if month >= current else (month.replace(day=28) + timedelta(days=4)).replace(day=1),
            },
        )


class ReportIndexView(GatedViewMixin, View):
    """The days and months that have report data."""

    model = AirQualityDay

    def get(self, request):
        today = china_today(timezone.now())
        return render(
            request,
            "assessment/report_index.html",
            {
                "days": reports.report_days(request.user, today=today),
                "months": reports.report_months(request.user, today=today),
            },
        )
