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
