from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "ecobrain.assessment"
    label = "assessment"
    verbose_name = _("环境质量评价")

    def ready(self) -> None:
        register_water_tab()
        register_air_tab()


def register_water_tab() -> None:
    """The 水质类别 tab (12 months of classes and key factors) on a water station's page."""
    from ecobrain.assessment.water_views import water_history_tab
    from ecobrain.core.object_views import DetailTab, register_detail_tab

    register_detail_tab(
        "registry.station",
        DetailTab(
            "water_quality",
            _("水质类别"),
            "assessment/tabs/water_history.html",
            "assessment.waterqualitymonth",
            water_history_tab,
            applies_to=lambda station: station.is_water_section(),
        ),
    )


def register_air_tab() -> None:
    """The 空气质量 tab (hourly, daily and calendar charts) on an air station's page."""
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
