"""Telling people: ``notify`` writes inbox rows and queues email/SMS deliveries inside the caller's transaction.

The outbox is sent after commit by the notification worker (``ecobrain.notifications.sender``), so a rolled-back
event tells nobody, and a committed one is sent even if the process that recorded it dies a moment later.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import Channel, DeliveryStatus
from ecobrain.notifications.models import Delivery, Notification, NotificationPreference

TITLE_MAX = 200

_wake_listeners: list = []


def on_outbox_change(callback) -> None:
    """Register ``callback()`` to be called after a commit that queued deliveries (the sender's wake-up)."""
    _wake_listeners.append(callback)


def _wake() -> None:
    for callback in list(_wake_listeners):
        callback()


def channel_allowed(preference: NotificationPreference | None, channel: str, kind: str, severity: int) -> bool:
    """Whether a user's preferences (defaults when they have none) let ``kind`` at ``severity`` out by ``channel``."""
    preference = preference or NotificationPreference()
    if kind in (preference.kinds_muted or []):
        return False
    if channel == Channel.EMAIL:
        return preference.email_enabled and severity >= preference.email_min_severity
    if channel == Channel.SMS:
        return preference.sms_enabled and severity >= preference.sms_min_severity
    return False


def notify(
    *,
    event_key: str,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    severity: int = Severity.WARNING,
    now: datetime | None = None,
) -> list[Notification]:
    """Put one notification per recipient in their inbox and queue its email and SMS deliveries.

    Idempotent per (event_key, recipient): a recipient already told about ``event_key`` gets nothing new.
    ``recipients`` are users or user ids; inactive users are skipped. Returns the notifications created now.
    Call it inside the transaction that records the event.
    """
    now = now or timezone.now()
    ids = {getattr(r, "pk", r) for r in recipients if r is not None}
    if not ids:
        return []
    User = get_user_model()
    users = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    already = set(
        Notification.objects.filter(event_key=event_key, recipient_id__in=list(users)).values_list(
            "recipient_id", flat=True
        )
    )
    fresh = [u for pk, u in sorted(users.items()) if pk not in already]
    if not fresh:
        return []
    created = []
    with transaction.atomic():
        for user in fresh:
            notification, made = Notification.objects.get_or_create(
                event_key=event_key,
                recipient=user,
                defaults={
                    "kind": kind,
                    "severity": severity,
                    "title": title[:TITLE_MAX],
                    "body": body,
                    "link": link,
                    "created": now,
                },
            )
            if made:
                created.append(notification)
        preferences = {
            p.user_id: p for p in NotificationPreference.objects.filter(user__in=[n.recipient_id for n in created])
        }
        deliveries = []
        for notification in created:
            user = users[notification.recipient_id]
            preference = preferences.get(user.pk)
            for channel, address in ((Channel.EMAIL, user.email), (Channel.SMS, user.phone)):
                if not channel_allowed(preference, channel, kind, severity):
                    continue
                status = DeliveryStatus.PENDING if address else DeliveryStatus.SKIPPED
                deliveries.append(
                    Delivery(
                        notification=notification,
                        channel=channel,
                        address=address or "",
                        status=status,
                        next_attempt_at=now,
                        last_error="" if address else "未设置地址",
                    )
                )
        if deliveries:
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            transaction.on_commit(_wake)
    return created
