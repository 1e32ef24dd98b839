"""Monitoring API: series, observation windows (streamed) and the raw packet archive on the /api/v1/ router."""


def register(router) -> None:
    from ecobrain.monitoring.api import views

    router.register("series", views.SeriesViewSet, basename="series")
    router.register("observations", views.ObservationViewSet, basename="observation")
    router.register("packets", views.PacketViewSet, basename="packet")
    router.register("completeness", views.CompletenessViewSet, basename="completeness")
