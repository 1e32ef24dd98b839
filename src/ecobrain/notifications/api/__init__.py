"""Notifications API: the caller's own inbox under /api/v1/notifications/."""


def register(router) -> None:
    from ecobrain.notifications.api import views

    router.register("notifications", views.NotificationViewSet, basename="notification")
