"""Open311 GeoReport v2 endpoints over the complaint services, mounted at /open311/ (CSRF-exempt API)."""

from django.urls import path, re_path

from ecobrain.complaints.open311 import views

FMT = r"(?P<fmt>json|xml)"

app_name = "open311"
urlpatterns = [
    re_path(rf"^discovery\.{FMT}$", views.discovery, name="discovery"),
    path("v2/", views.root, name="root"),
    re_path(rf"^v2/services\.{FMT}$", views.services, name="services"),
    re_path(rf"^v2/services/(?P<service_code>[a-z_]+)\.{FMT}$", views.service_definition, name="service"),
    re_path(rf"^v2/requests\.{FMT}$", views.requests_view, name="requests"),
    re_path(rf"^v2/requests/(?P<service_request_id>[A-Za-z0-9-]+)\.{FMT}$", views.request_detail, name="request"),
]
