from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlarmsConfig(AppConfig):
    name = "ecobrain.alarms"
    label = "alarms"
    verbose_name = _("报警")

    def ready(self) -> None:
        from ecobrain.alarms.engine.live import install_live_evaluation

        install_live_evaluation()  # evaluate observations right after they are committed (docs/alarm-engine.md)
