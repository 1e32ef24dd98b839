"""All API routes under /api/v1/: one router, each app registers its viewsets."""

from rest_framework.routers import DefaultRouter

from ecobrain.accounts.api.views import MeView
from ecobrain.alarms.api import register as register_alarms
from ecobrain.assessment.api.air import register as register_air
from ecobrain.assessment.api.water import register as register_water
from ecobrain.complaints.api import register as register_complaints
from ecobrain.ingest.api import register as register_ingest
from ecobrain.monitoring.api import register as register_monitoring
from ecobrain.notifications.api import register as register_notifications
from ecobrain.registry.api import register as register_registry
from ecobrain.workorders.api import register as register_workorders

router = DefaultRouter()
register_registry(router)
register_monitoring(router)
register_ingest(router)
register_air(router)
register_water(router)
register_workorders(router)
register_alarms(router)
register_notifications(router)
register_complaints(router)

from django.urls import path  # noqa: E402

urlpatterns = [path("me/", MeView.as_view(), name="api-me"), *router.urls]

from ecobrain.ingest.api.observations import urlpatterns as ingest_observation_urls  # noqa: E402

urlpatterns += ingest_observation_urls
