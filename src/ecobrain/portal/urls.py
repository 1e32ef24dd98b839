from django.urls import path

from ecobrain.portal import views
from ecobrain.portal.views import data, public

app_name = "portal"
urlpatterns = [
    path("", public.home, name="home"),
    path("air/", public.air_stations, name="air_stations"),
    path("air/<str:code>/", public.air_station, name="air_station"),
    path("water/", public.water, name="water"),
    path("notices/", public.notices, name="notices"),
    path("notices/<int:pk>/", public.notice_detail, name="notice_detail"),
    path("data/", data.open_data, name="open_data"),
    path("data/air-hourly.csv", data.air_hourly_csv, name="data_air_hourly"),
    path("data/air-daily.csv", data.air_daily_csv, name="data_air_daily"),
    path("data/water.csv", data.water_csv, name="data_water"),
    path("regions/<str:adcode>/boundary.geojson", public.region_boundary, name="region_boundary"),
    path("language/", views.switch_language, name="language"),
]
