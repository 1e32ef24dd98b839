from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ecobrain.notifications"
    label = "notifications"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        from django.core import checks

        from ecobrain.notifications.services import on_inbox_change
        from ecobrain.notifications.stream import HUB

        on_inbox_change(HUB.changed)  # open pages of this process hear about new and read notifications at once
        checks.register(check_sms_backend, "notifications")


def check_sms_backend(app_configs=None, **kwargs):
    """`ecobrain check`: the SMS backend named in ECOBRAIN_SMS_BACKEND can be imported and created."""
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured

    from ecobrain.notifications.sms import load_sms_backend

    try:
        load_sms_backend().close()
    except ImproperlyConfigured as exc:
        hint = "Set ECOBRAIN_SMS_BACKEND to the dotted path of an SMSBackend subclass (docs/notifications.md)."
        return [checks.Error(str(exc), hint=hint, id="notifications.E001")]
    return []
