"""Counts for the home page, through the gate."""

from ecobrain.registry.models import Device, Enterprise, Outlet, Permit, Station


def registry_overview(user) -> list[dict]:
    items = []
    for model, url in (
        (Station, "station"),
        (Enterprise, "enterprise"),
        (Outlet, "outlet"),
        (Permit, "permit"),
        (Device, "device"),
    ):
        if user.has_grant(model, "view"):
            items.append(
                {
                    "name": model._meta.verbose_name,
                    "count": model.objects.restrict(user).count(),
                    "url": f"registry:{url}_list",
                }
            )
    return items
