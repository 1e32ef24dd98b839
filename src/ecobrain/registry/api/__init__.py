"""Registry API: viewsets registered on the /api/v1/ router."""


def register(router) -> None:
    from ecobrain.registry.api import views  # noqa: F401  (filled in by the API slice)
