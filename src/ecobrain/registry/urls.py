from django.urls import path

from ecobrain.registry.views import DETAIL_VIEWS, GENERATED_VIEWS

app_name = "registry"

# URL prefix per model, e.g. /registry/enterprises/…
PREFIXES = {
    "factor": "factors",
    "station": "stations",
    "enterprise": "enterprises",
    "contact": "contacts",
    "outlet": "outlets",
    "outletfactor": "outlet-factors",
    "permit": "permits",
    "permitpollutant": "permit-pollutants",
    "device": "devices",
}

urlpatterns = []
for key, prefix in PREFIXES.items():
    views = GENERATED_VIEWS[key]
    urlpatterns += [
        path(f"{prefix}/", views["list"].as_view(), name=f"{key}_list"),
        path(f"{prefix}/add/", views["edit"].as_view(), name=f"{key}_add"),
        path(f"{prefix}/import/", views["import"].as_view(), name=f"{key}_import"),
        path(f"{prefix}/<int:pk>/", DETAIL_VIEWS[key].as_view(), name=f"{key}_detail"),
        path(f"{prefix}/<int:pk>/edit/", views["edit"].as_view(), name=f"{key}_edit"),
        path(f"{prefix}/<int:pk>/delete/", views["delete"].as_view(), name=f"{key}_delete"),
    ]
