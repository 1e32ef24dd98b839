"""Text messages through a pluggable gateway.

A backend is a class named by its dotted path in ``ECOBRAIN_SMS_BACKEND``; the sender creates it once with
``timeout=`` and calls ``send(phone, text, key=...)``, which returns the gateway's message id or raises
:class:`~ecobrain.notifications.channels.DeliveryError`. ``key`` (``delivery:<id>``) is the same for every attempt
of one delivery: pass it to a gateway that deduplicates on a client reference, so a retry after a crash at the
wrong moment does not send a second text (docs/notifications.md, "The one window").

The default :class:`LogSMSBackend` sends nothing: it writes the text to the log and says so, and the delivery is
recorded as not sent (``delivers = False``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def mask_phone(phone: str) -> str:
    """``13800000000`` → ``138****0000``: logs and pages show enough to tell numbers apart, not to dial them."""
    digits = (phone or "").strip()
    if len(digits) >= 8:
        return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"
    if len(digits) > 2:
        return f"{'*' * (len(digits) - 2)}{digits[-2:]}"
    return "*" * len(digits)


class SMSBackend:
    """The interface of an SMS gateway. Subclass it, implement :meth:`send`, name the class in
    ``ECOBRAIN_SMS_BACKEND``. Read the gateway's own settings (URL, key) from the environment in ``__init__`` and
    raise ``ImproperlyConfigured`` there when one is missing, so the worker refuses to start instead of failing each
    message."""

    #: False for a backend that does not really send (the delivery is then recorded as skipped, not sent).
    delivers = True

    def __init__(self, *, timeout: float = 30.0) -> None:
        self.timeout = timeout  # a send must return (or raise) within this many seconds

    def send(self, phone: str, text: str, *, key: str) -> str:
        """Send ``text`` to ``phone``; return the gateway's message id. ``key`` identifies the delivery across
        retries. Raise ``DeliveryError(message, permanent=True)`` for a number the gateway refuses for good."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections (called when the sender stops)."""


class LogSMSBackend(SMSBackend):
    """No gateway: the message goes to the log, with a plain statement that no SMS was sent."""

    delivers = False

    def send(self, phone: str, text: str, *, key: str) -> str:
        logger.warning(
            "未发送短信（未接入短信网关，ECOBRAIN_SMS_BACKEND）/ no SMS was sent, no gateway is configured: "
            "to %s, key %s: %s",
            mask_phone(phone),
            key,
            text,
        )
        return f"log:{key}"


def load_sms_backend(path: str | None = None, *, timeout: float | None = None) -> SMSBackend:
    """The backend named by ``path`` (default ``settings.SMS_BACKEND``), created with ``timeout``."""
    path = path or settings.SMS_BACKEND
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"ECOBRAIN_SMS_BACKEND={path!r} cannot be imported: {exc}") from exc
    if not (isinstance(backend_class, type) and issubclass(backend_class, SMSBackend)):
        raise ImproperlyConfigured(
            f"ECOBRAIN_SMS_BACKEND={path!r} is not a subclass of ecobrain.notifications.sms.SMSBackend."
        )
    return backend_class(timeout=settings.NOTIFY_SEND_TIMEOUT if timeout is None else timeout)
