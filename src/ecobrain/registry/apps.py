from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "ecobrain.registry"
    label = "registry"
    verbose_name = "一源一档"
