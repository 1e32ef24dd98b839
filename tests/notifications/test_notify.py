"""``notify``: inbox rows and queued deliveries per preference, exactly once per (event, recipient, channel), nothing
for a rolled-back transaction, and the wake-ups after commit.

Persona: the platform telling a district handler about an alarm in their district.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from ecobrain.alarms.choices import Severity
from ecobrain.notifications import services
from ecobrain.notifications.choices import Channel, DeliveryStatus, NotificationKind
from ecobrain.notifications.models import Delivery, Notification, NotificationPreference
from ecobrain.notifications.services import notify, save_notification_preferences


def tell(user, key="alarm:1:triggered", *, severity=Severity.SEVERE, kind=NotificationKind.ALARM):
    return notify(
        event_key=key,
        recipients=[user],
        kind=kind,
        title="秦都区 PM2.5 超标",
        body="小时值 180 μg/m³",
        link="/alarms/1/",
        severity=severity,
    )


def channels(user) -> dict[str, str]:
    return dict(Delivery.objects.filter(notification__recipient=user).values_list("channel", "status"))


def test_notify_fills_the_inbox_and_queues_email_and_sms_by_default_preferences(db, handler_with_address):
    created = tell(handler_with_address, severity=Severity.SEVERE)
    assert len(created) == 1
    notification = Notification.objects.get(recipient=handler_with_address)
    assert (notification.title, notification.link, notification.read_at) == ("秦都区 PM2.5 超标", "/alarms/1/", None)
    # Defaults: email from 一般 (WARNING), SMS from 严重 (SEVERE).
    assert channels(handler_with_address) == {
        Channel.EMAIL: DeliveryStatus.PENDING,
        Channel.SMS: DeliveryStatus.PENDING,
    }
    sms = Delivery.objects.get(channel=Channel.SMS)
    assert sms.address == "13800000000" and sms.attempts == 0


def test_a_warning_goes_by_email_but_not_by_sms(db, handler_with_address):
    tell(handler_with_address, severity=Severity.WARNING)
    assert channels(handler_with_address) == {Channel.EMAIL: DeliveryStatus.PENDING}


def test_preferences_choose_channels_severities_and_muted_kinds(db, handler_with_address):
    save_notification_preferences(
        actor=handler_with_address,
        email_enabled=False,
        email_min_severity=Severity.INFO,
        sms_enabled=True,
        sms_min_severity=Severity.WARNING,
        kinds_muted=[NotificationKind.REMINDER],
    )
    tell(handler_with_address, "alarm:1:triggered", severity=Severity.WARNING)
    assert channels(handler_with_address) == {Channel.SMS: DeliveryStatus.PENDING}
    tell(handler_with_address, "workorder:7:due", kind=NotificationKind.REMINDER, severity=Severity.CRITICAL)
    reminder = Notification.objects.get(event_key="workorder:7:due")
    assert not reminder.deliveries.exists()  # muted kinds reach the inbox only


def test_a_missing_address_is_recorded_as_skipped(db, handler):
    tell(handler, severity=Severity.CRITICAL)
    deliveries = Delivery.objects.filter(notification__recipient=handler)
    assert {d.channel: (d.status, d.last_error) for d in deliveries} == {
        Channel.EMAIL: (DeliveryStatus.SKIPPED, "未设置地址"),
        Channel.SMS: (DeliveryStatus.SKIPPED, "未设置地址"),
    }


def test_notifying_twice_tells_once_per_event_recipient_and_channel(db, handler_with_address, other_user):
    assert len(tell(handler_with_address)) == 1
    assert tell(handler_with_address) == []
    # A second call naming both: only the newcomer is told.
    created = notify(
        event_key="alarm:1:triggered",
        recipients=[handler_with_address, other_user.pk],
        kind=NotificationKind.ALARM,
        title="again",
        severity=Severity.SEVERE,
    )
    assert [n.recipient_id for n in created] == [other_user.pk]
    assert Notification.objects.filter(event_key="alarm:1:triggered").count() == 2
    assert Delivery.objects.filter(notification__recipient=handler_with_address).count() == 2  # email + SMS, once
    assert Notification.objects.get(recipient=handler_with_address).title == "秦都区 PM2.5 超标"  # not overwritten


def test_inactive_users_are_not_told(db, handler_with_address):
    handler_with_address.is_active = False
    handler_with_address.save()
    assert tell(handler_with_address) == []
    assert not Notification.objects.exists()


def test_a_rolled_back_transaction_tells_nobody_and_wakes_nobody(transactional_db, handler_with_address, monkeypatch):
    monkeypatch.setattr(services, "_wake_listeners", [])
    monkeypatch.setattr(services, "_inbox_listeners", [])
    woken, inbox = [], []
    services.on_outbox_change(lambda: woken.append(1))
    services.on_inbox_change(lambda ids: inbox.append(ids))
    with pytest.raises(RuntimeError), transaction.atomic():
        tell(handler_with_address)
        assert Notification.objects.count() == 1  # written inside the caller's transaction …
        raise RuntimeError("the alarm could not be recorded")
    assert not Notification.objects.exists()  # … and gone with it
    assert not Delivery.objects.exists()
    assert woken == [] and inbox == []
    with transaction.atomic():
        tell(handler_with_address)
        assert woken == []  # not before the commit
    assert woken == [1] and inbox == [{handler_with_address.pk}]


def test_mark_read_touches_only_the_actors_own_notifications(db, handler_with_address, other_user):
    mine = tell(handler_with_address, "alarm:1:triggered")[0]
    theirs = tell(other_user, "alarm:2:triggered")[0]
    assert services.mark_notifications_read(actor=handler_with_address, ids=[mine.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert services.mark_notifications_read(actor=handler_with_address) == 0  # nothing unread is left
    assert services.mark_notifications_read(actor=other_user) == 1


def test_preferences_refuse_unknown_kinds(db, handler):
    with pytest.raises(ValidationError) as error:
        save_notification_preferences(
            actor=handler,
            email_enabled=True,
            email_min_severity=Severity.WARNING,
            sms_enabled=True,
            sms_min_severity=Severity.SEVERE,
            kinds_muted=["weather"],
        )
    assert "未知的通知类型：weather" in str(error.value)
    assert not NotificationPreference.objects.exists()
