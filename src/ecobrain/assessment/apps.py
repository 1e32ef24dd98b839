from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "ecobrain.assessment"
    label = "assessment"
    verbose_name = _("环境质量评价")

    def ready(self) -> None:
        register_tabs()


def register_tabs() -> None:
    """The 空气质量 tab on the page of an air station."""
    from ecobrain.assessment.views.air import is_air_station, station_air_tab
    from ecobrain.core.object_views import DetailTab, register_detail_tab

    register_detail_tab(
        "registry.station",
        DetailTab(
            "air-quality",
            _("空气质量"),
            "assessment/tabs/air_quality.html",
            "assessment.airqualityhour",
            station_air_tab,
            applies_to=is_air_station,
        ),
    )
