from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "ecobrain.assessment"
    label = "assessment"
    verbose_name = "环境质量评价"
