"""Complaint API (staff): the viewset registered on the /api/v1/ router."""


def register(router) -> None:
    from ecobrain.complaints.api import views

    router.register("complaints", views.ComplaintViewSet, basename="complaint")
