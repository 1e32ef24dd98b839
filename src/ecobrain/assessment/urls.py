from django.urls import path

from ecobrain.assessment import report_views, water_views

app_name = "assessment"

urlpatterns = [
    path("water/", water_views.WaterSectionListView.as_view(), name="water_sections"),
    path("reports/", report_views.ReportIndexView.as_view(), name="reports"),
    path("reports/daily/", report_views.DailyReportView.as_view(), name="daily_report"),
    path("reports/daily.xlsx", report_views.DailyReportView.as_view(xlsx=True), name="daily_report_xlsx"),
    path("reports/monthly/", report_views.MonthlyReportView.as_view(), name="monthly_report"),
    path("reports/monthly.xlsx", report_views.MonthlyReportView.as_view(xlsx=True), name="monthly_report_xlsx"),
]
