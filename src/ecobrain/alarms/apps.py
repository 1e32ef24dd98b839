from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlarmsConfig(AppConfig):
    name = "ecobrain.alarms"
    label = "alarms"
    verbose_name = _("报警")

    def ready(self) -> None:
        register_lifecycle_hooks()


def register_lifecycle_hooks() -> None:
    """A closed work order started from alarms closes them; a cancelled one hands them back (lifecycle.py)."""
    from ecobrain.alarms.services.lifecycle import close_alarms_of_workorder
    from ecobrain.workorders.choices import WorkOrderSource
    from ecobrain.workorders.hooks import register_closed_hook

    register_closed_hook(WorkOrderSource.ALARM, close_alarms_of_workorder)

