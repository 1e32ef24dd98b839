"""The words of an email or a text message for one delivery (plain text, Chinese, with an absolute link)."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr
from urllib.parse import urlparse

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import NotificationKind
from ecobrain.notifications.models import Delivery

SMS_MAX_CHARS = 200  # about three segments of a concatenated Chinese SMS (67 characters each)


def absolute_url(path: str) -> str:
    """``path`` on the platform's public address (ECOBRAIN_BASE_URL); the path alone when that is not set."""
    if not path:
        return ""
    if urlparse(path).scheme in ("http", "https"):
        return path
    return f"{settings.BASE_URL}{path}" if settings.BASE_URL else path


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: the platform's host, else the sender address's domain."""
    host = urlparse(settings.BASE_URL).hostname if settings.BASE_URL else ""
    if host:
        return host
    _name, address = parseaddr(settings.EMAIL_FROM or "")
    return address.rpartition("@")[2] or "ecobrain.invalid"


def message_id(delivery: Delivery) -> str:
    """``<delivery-ID@host>``: the same for every attempt of a delivery, so a receiving system can drop a copy that
    a retry after a crash sent twice (docs/notifications.md, "The one window")."""
    return f"<delivery-{delivery.pk}@{message_id_domain()}>"


def severity_label(value: int) -> str:
    return str(dict(Severity.choices).get(value, value))


def _local(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def compose_email(delivery: Delivery) -> EmailMessage:
    """The plain-text email of ``delivery`` (its notification and recipient loaded)."""
    notification = delivery.notification
    recipient = notification.recipient
    with translation.override(settings.LANGUAGE_CODE):
        severity = severity_label(notification.severity)
        kind = str(dict(NotificationKind.choices).get(notification.kind, notification.kind))
        lines = [
            _("%(name)s，您好：") % {"name": recipient.get_full_name() or recipient.username},
            "",
            notification.title,
        ]
        if notification.body:
            lines.append(notification.body)
        lines += [
            "",
            _("类型：%(kind)s　级别：%(severity)s") % {"kind": kind, "severity": severity},
            _("时间：%(time)s（北京时间）") % {"time": _local(notification.created)},
        ]
        link = absolute_url(notification.link)
        if link:
            lines.append(_("详情：%(url)s") % {"url": link})
        lines += [
            "",
            "-- ",
            _("此邮件由%(bureau)s生态环境智慧大脑自动发送，请勿直接回复。") % {"bureau": settings.BUREAU_NAME},
            _("修改通知方式：%(url)s") % {"url": absolute_url(reverse("notifications:preferences"))},
        ]
        subject = _("【%(severity)s】%(title)s") % {"severity": severity, "title": notification.title}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.EMAIL_FROM
    display = recipient.get_full_name() or recipient.username
    address = getaddresses([delivery.address])[0][1] or delivery.address
    try:
        message["To"] = Address(display_name=display, addr_spec=address)
    except (ValueError, IndexError):  # an address the header model cannot parse: let the server judge it
        message["To"] = address
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id(delivery)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message["X-EcoBrain-Event"] = notification.event_key
    message.set_content("\n".join(lines) + "\n", charset="utf-8", cte="base64")
    return message


def compose_sms(delivery: Delivery) -> str:
    """The text of ``delivery``'s SMS: severity, title, the start of the body, and the link, in at most
    :data:`SMS_MAX_CHARS` characters (the body is shortened first)."""
    notification = delivery.notification
    with translation.override(settings.LANGUAGE_CODE):
        head = _("【%(severity)s】%(title)s") % {
            "severity": severity_label(notification.severity),
            "title": notification.title,
        }
        link = absolute_url(notification.link)
        tail = (_(" 详情：%(url)s") % {"url": link}) if link.startswith("http") else ""
    room = SMS_MAX_CHARS - len(head) - len(tail)
    body = " ".join(notification.body.split())
    if body and room > 8:
        head += "：" + (body if len(body) <= room - 1 else body[: room - 2] + "…")
    return (head[: SMS_MAX_CHARS - len(tail)] + tail).strip()
