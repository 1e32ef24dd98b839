from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ecobrain.ingest"
    label = "ingest"
    verbose_name = "数据接入"
