from django.apps import AppConfig
from django.core import checks


class MonitoringConfig(AppConfig):
    name = "ecobrain.monitoring"
    label = "monitoring"
    verbose_name = "监测数据"

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


def _forget_series(sender, instance, **kwargs) -> None:
    """A created or deleted series drops its cached QC rule (ids are reused after a rollback on SQLite)."""
    from ecobrain.monitoring.qc import forget_series

    forget_series([instance.pk])


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
