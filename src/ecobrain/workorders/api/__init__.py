"""Work-order API: the viewset registered on the /api/v1/ router."""


def register(router) -> None:
    from ecobrain.workorders.api import views

    router.register("workorders", views.WorkOrderViewSet, basename="workorder")
