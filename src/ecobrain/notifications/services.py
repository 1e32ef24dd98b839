"""Telling people: ``notify`` writes inbox rows and queues email/SMS deliveries inside the caller's transaction.

The outbox is sent after commit by the notification worker (``ecobrain.notifications.sender``), so a rolled-back
event tells nobody, and a committed one is sent even if the process that recorded it dies a moment later.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import Channel, DeliveryStatus, NotificationKind
from ecobrain.notifications.models import Delivery, Notification, NotificationPreference

logger = logging.getLogger(__name__)

TITLE_MAX = 200

_wake_listeners: list[Callable[[], None]] = []
_inbox_listeners: list[Callable[[set[int]], None]] = []


def on_outbox_change(callback: Callable[[], None]) -> None:
    """Register ``callback()`` to be called after a commit that queued deliveries (the sender's wake-up)."""
    _wake_listeners.append(callback)


def remove_outbox_listener(callback: Callable[[], None]) -> None:
    """Undo :func:`on_outbox_change` (a sender that stops)."""
    with contextlib.suppress(ValueError):
        _wake_listeners.remove(callback)


def on_inbox_change(callback: Callable[[set[int]], None]) -> None:
    """Register ``callback(user_ids)``, called after a commit that added or read notifications of those users (the
    live push of this process wakes the users' open pages with it; other processes' changes are polled)."""
    _inbox_listeners.append(callback)


def _wake() -> None:
    for callback in list(_wake_listeners):
        try:
            callback()
        except Exception:  # a listener's failure must not fail the request that committed
            logger.exception("outbox listener failed")


def _inbox_changed(user_ids: set[int]) -> None:
    for callback in list(_inbox_listeners):
        try:
            callback(user_ids)
        except Exception:
            logger.exception("inbox listener failed")


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
        if created:
            recipients = {n.recipient_id for n in created}
            transaction.on_commit(lambda: _inbox_changed(recipients))
    return created


def mark_notifications_read(*, actor, ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Mark ``actor``'s unread notifications ``ids`` (all of them when ``ids`` is None) as read; returns how many.

    Someone else's notification is never touched: ids outside the actor's inbox are ignored.
    """
    now = now or timezone.now()
    queryset = Notification.objects.restrict(actor, "change").unread()
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    with transaction.atomic():
        count = queryset.update(read_at=now)
        if count:
            user_ids = {actor.pk}
            transaction.on_commit(lambda: _inbox_changed(user_ids))
    return count


def save_notification_preferences(
    *,
    actor,
    email_enabled: bool,
    email_min_severity: int,
    sms_enabled: bool,
    sms_min_severity: int,
    kinds_muted: Iterable[str] = (),
) -> NotificationPreference:
    """Store what ``actor`` wants by email and SMS. Applies to notifications created from now on."""
    muted = sorted(set(kinds_muted))
    unknown = [kind for kind in muted if kind not in NotificationKind.values]
    if unknown:
        raise ValidationError({"kinds_muted": f"未知的通知类型：{'、'.join(unknown)}。"})
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
        preference.email_enabled = email_enabled
        preference.email_min_severity = email_min_severity
        preference.sms_enabled = sms_enabled
        preference.sms_min_severity = sms_min_severity
        preference.kinds_muted = muted
        preference.full_clean()
        preference.save()
    return preference


def requeue_deliveries(*, actor, ids: Iterable[int], now: datetime | None = None) -> int:
    """Send failed deliveries again from scratch (an operator fixed the mail server, say); returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        count = Delivery.objects.filter(pk__in=list(ids), status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            claimed_by="",
            claimed_until=None,
            last_error="",
        )
        if count:
            logger.info("%s requeued %d failed deliveries", actor, count)
            transaction.on_commit(_wake)
    return count
