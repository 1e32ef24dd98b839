from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ecobrain.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from ecobrain.audit import changelog

        changelog.connect()
