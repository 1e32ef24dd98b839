from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ecobrain.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from ecobrain.core import geo
        from ecobrain.core.models import Region

        def _regions_changed(**kwargs):
            geo.invalidate()

        # weak=False: the receiver is a local function; a weak reference would let it be collected at once.
        post_save.connect(_regions_changed, sender=Region, weak=False, dispatch_uid="core.region.geo")
        post_delete.connect(_regions_changed, sender=Region, weak=False, dispatch_uid="core.region.geo.del")
