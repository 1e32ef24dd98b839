from django.urls import path

from ecobrain.assessment.views import air, rankings

app_name = "assessment"

urlpatterns = [
    path("air/", air.AirQualityNowView.as_view(), name="air_now"),
    path("air/rankings/", rankings.AirRankingView.as_view(), name="air_rankings"),
    path("air/city/", air.AirRegionView.as_view(), name="air_city"),
    path("air/regions/<str:adcode>/", air.AirRegionView.as_view(), name="air_region"),
    path("air/charts/<str:target>/<str:key>/", air.AirChartsView.as_view(), name="air_charts"),
]
