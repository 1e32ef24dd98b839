from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkOrdersConfig(AppConfig):
    name = "ecobrain.workorders"
    label = "workorders"
    verbose_name = _("任务督办")
