from django.urls import path

from ecobrain.assessment import report_views, water_views
from ecobrain.assessment.views import air, rankings

app_name = "assessment"

urlpatterns = [
    path("air/", air.AirQualityNowView.as_view(), name="air_now"),
    path("air/rankings/", rankings.AirRankingView.as_view(), name="air_rankings"),
    path("air/city/", air.AirRegionView.as_view(), name="air_city"),
    path("air/regions/<str:adcode>/", air.AirRegionView.as_view(), name="air_region"),
    path("air/charts/<str:target>/<str:key>/", air.AirChartsView.as_view(), name="air_charts"),
    path("water/", water_views.WaterSectionListView.as_view(), name="water_sections"),
    path("reports/", report_views.ReportIndexView.as_view(), name="reports"),
    path("reports/daily/", report_views.DailyReportView.as_view(), name="daily_report"),
    path("reports/daily.xlsx", report_views.DailyReportView.as_view(xlsx=True), name="daily_report_xlsx"),
    path("reports/monthly/", report_views.MonthlyReportView.as_view(), name="monthly_report"),
    path("reports/monthly.xlsx", report_views.MonthlyReportView.as_view(xlsx=True), name="monthly_report_xlsx"),
]
