from django.apps import AppConfig
from django.core import checks


class MonitoringConfig(AppConfig):
    name = "ecobrain.monitoring"
    label = "monitoring"
    verbose_name = "监测数据"

    def ready(self) -> None:
        checks.register(check_sqlite_upsert, checks.Tags.database)


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
