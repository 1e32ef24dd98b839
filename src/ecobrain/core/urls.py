from django.urls import path

from ecobrain.core import views

app_name = "core"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("regions/<str:adcode>/boundary.geojson", views.region_boundary, name="region_boundary"),
]
