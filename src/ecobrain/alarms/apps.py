from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlarmsConfig(AppConfig):
    name = "ecobrain.alarms"
    label = "alarms"
    verbose_name = _("报警")

    def ready(self) -> None:
        from ecobrain.alarms.engine.live import install_live_evaluation

        install_live_evaluation()  # evaluate observations right after they are committed (docs/alarm-engine.md)
        register_lifecycle_hooks()
        register_alarm_tabs()


def register_lifecycle_hooks() -> None:
    """A closed work order started from alarms closes them; a cancelled one hands them back (lifecycle.py)."""
    from ecobrain.alarms.services.lifecycle import close_alarms_of_workorder
    from ecobrain.workorders.choices import WorkOrderSource
    from ecobrain.workorders.hooks import register_closed_hook

    register_closed_hook(WorkOrderSource.ALARM, close_alarms_of_workorder)


def register_alarm_tabs() -> None:
    """An 报警 tab on the enterprise, outlet, station and device pages: the object's recent alarms."""
    from ecobrain.alarms.views import object_alarms_tab
    from ecobrain.core.object_views import DetailTab, register_detail_tab

    tab = DetailTab("alarms", _("报警"), "alarms/tabs/object_alarms.html", "alarms.alarm", object_alarms_tab)
    for model_label in ("registry.enterprise", "registry.outlet", "registry.station", "registry.device"):
        register_detail_tab(model_label, tab)
