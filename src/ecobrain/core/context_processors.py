from django.conf import settings

from ecobrain import __version__


def site(request):
    """Values every page template uses."""
    return {
        "ECOBRAIN_VERSION": __version__,
        "DEBUG": settings.DEBUG,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        "BUREAU_NAME": settings.BUREAU_NAME,
        "PUBLIC_SITE_NAME": settings.PUBLIC_SITE_NAME,
    }
