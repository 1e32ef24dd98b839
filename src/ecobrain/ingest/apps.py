from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "ecobrain.ingest"
    label = "ingest"
    verbose_name = _("数据接入")

    def ready(self) -> None:
        from ecobrain.core.object_views import DetailTab, register_detail_tab
        from ecobrain.ingest.views import device_session_tab

        label = _("在线状态与命令")
        tab = DetailTab("session", label, "ingest/device_tab.html", "ingest.devicesession", device_session_tab)
        register_detail_tab("registry.device", tab)

        from django.db.models.signals import post_delete

        from ecobrain.monitoring.models import Series

        post_delete.connect(_forget_series_id, sender=Series, dispatch_uid="ingest.forget_series_id")


def _forget_series_id(sender, instance, **kwargs) -> None:
    """A deleted series leaves the batch path's cache of series ids (``ingest.services._series_ids``)."""
    from ecobrain.ingest.services import forget_series_id

    forget_series_id(instance.device_id, instance.factor_id)
