"""Registry API: viewsets registered on the /api/v1/ router."""


def register(router) -> None:
    from ecobrain.registry.api import views

    router.register("factors", views.MonitoringFactorViewSet, basename="factor")
    router.register("stations", views.StationViewSet, basename="station")
    router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
    router.register("contacts", views.ContactViewSet, basename="contact")
    router.register("outlets", views.OutletViewSet, basename="outlet")
    router.register("outlet-factors", views.OutletFactorViewSet, basename="outletfactor")
    router.register("permits", views.PermitViewSet, basename="permit")
    router.register("permit-pollutants", views.PermitPollutantViewSet, basename="permitpollutant")
    router.register("devices", views.DeviceViewSet, basename="device")
