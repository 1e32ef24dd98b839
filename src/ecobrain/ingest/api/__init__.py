"""Ingest API: viewsets registered on the /api/v1/ router."""


def register(router) -> None:
    from ecobrain.ingest.api import views

    router.register("device-sessions", views.DeviceSessionViewSet, basename="devicesession")
    router.register("device-status-changes", views.DeviceStatusChangeViewSet, basename="devicestatuschange")
    router.register("device-commands", views.DeviceCommandViewSet, basename="devicecommand")
