from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "ecobrain.complaints"
    label = "complaints"
    verbose_name = _("环境投诉")

    def ready(self) -> None:
        register_workorder_hook()


def register_workorder_hook() -> None:
    """A closed work order started from complaints closes them; a cancelled one hands them back (closing.py)."""
    from ecobrain.complaints.services.closing import close_complaints_of_workorder
    from ecobrain.workorders.choices import WorkOrderSource
    from ecobrain.workorders.hooks import register_closed_hook

    register_closed_hook(WorkOrderSource.COMPLAINT, close_complaints_of_workorder)
