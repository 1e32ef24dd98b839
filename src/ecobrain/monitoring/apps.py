from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "ecobrain.monitoring"
    label = "monitoring"
    verbose_name = _("监测数据")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from ecobrain.core.env import ConfigError
        from ecobrain.monitoring.models import Series
        from ecobrain.monitoring.qc.rules import RuleFileError, rule_table

        checks.register(check_sqlite_upsert, checks.Tags.database)
        try:
            rule_table()  # a broken ECOBRAIN_QC_RULES_FILE stops the program at start, not at the first packet
        except RuleFileError as exc:
            raise ConfigError(f"{exc} (set by ECOBRAIN_QC_RULES_FILE)") from None
        post_save.connect(_forget_series, sender=Series, dispatch_uid="monitoring.qc.forget_saved")
        post_delete.connect(_forget_series, sender=Series, dispatch_uid="monitoring.qc.forget_deleted")
        register_tabs()


def _forget_series(sender, instance, **kwargs) -> None:
    """A created or deleted series drops its cached QC rule (ids are reused after a rollback on SQLite)."""
    from ecobrain.monitoring.qc import forget_series

    forget_series([instance.pk])


def register_tabs() -> None:
    """The data tab on station, outlet and device pages; the latest packets on the device page."""
    from ecobrain.core.object_views import DetailTab, register_detail_tab
    from ecobrain.monitoring.views import data_tab, device_packets_tab

    data = DetailTab("data", _("监测数据"), "monitoring/tabs/data.html", "monitoring.hourobservation", data_tab)
    for model_label in ("registry.station", "registry.outlet", "registry.device"):
        register_detail_tab(model_label, data)
    register_detail_tab(
        "registry.device",
        DetailTab(
            "packets",
            _("最新报文"),
            "monitoring/tabs/device_packets.html",
            "monitoring.archivedpacket",
            device_packets_tab,
        ),
    )


def check_sqlite_upsert(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """The observation upsert needs INSERT … ON CONFLICT … RETURNING: SQLite 3.35 or newer."""
    import sqlite3

    from django.db import connection

    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        return [
            checks.Error(
                f"SQLite {sqlite3.sqlite_version} is too old for the observation store (needs 3.35+).",
                hint="Use a Python built with a newer SQLite, or set ECOBRAIN_DATABASE_URL to PostgreSQL.",
                id="monitoring.E001",
            )
        ]
    return []
