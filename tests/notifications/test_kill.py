"""Senders as real processes: killed mid-send a notification is neither lost nor repeated; two senders at once
send each delivery once; and the one window no outbox closes behaves as documented (same Message-ID).

Persona: the operator whose worker is OOM-killed or power-cycled while it talks to the mail server.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import Channel, DeliveryStatus, NotificationKind
from ecobrain.notifications.models import Delivery
from ecobrain.notifications.services import notify
from tests.ingest.gateway_process import shared_database
from tests.notifications.sender_process import SenderProcess, sender_env, wait_until

SEND_TIMEOUT, LEASE = 5, 11


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="ecobrain-notify-") as name:
        yield Path(name)


def alarm_email(user, key="alarm:12:triggered") -> Delivery:
    notification = notify(
        event_key=key,
        recipients=[user],
        kind=NotificationKind.ALARM,
        title="秦都区 PM2.5 小时浓度超阈值",
        link="/alarms/12/",
        severity=Severity.WARNING,  # email only
    )[0]
    return notification.deliveries.get(channel=Channel.EMAIL)


def wait_for_lease_to_expire(delivery: Delivery) -> None:
    delivery.refresh_from_db()
    wait_until(
        lambda: timezone.now() > delivery.claimed_until + timedelta(milliseconds=200),
        LEASE + 5,
        "the lease did not run out",
    )


def test_a_sender_killed_mid_send_neither_loses_nor_repeats_the_email(
    transactional_db, handler_with_address, smtp_server, workdir
):
    delivery = alarm_email(handler_with_address)
    smtp_server.stall_data = True  # take the whole message, then wait before answering 250
    with shared_database() as url:
        env = sender_env(url, smtp_server.port, workdir, send_timeout=SEND_TIMEOUT, lease=LEASE)
        first = SenderProcess(env, workdir, "first")
        try:
            assert smtp_server.data_received.wait(60), f"the sender never sent DATA:\n{first.log()}"
            first.kill()  # mid-send: the message is on the server, unanswered, and the row is SENDING
        finally:
            first.stop()
        smtp_server.release.set()
        wait_until(lambda: smtp_server.abandoned == 1, 10, "the server did not notice the client was gone")
        assert smtp_server.messages == []  # never accepted
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)  # not lost: still claimed
        assert delivery.claimed_until > timezone.now()

        smtp_server.stall_data = False
        early = SenderProcess(env, workdir, "early", "--once")
        assert early.wait() == 0
        assert "sent 0," in early.log()  # the lease still holds: nobody takes the row yet

        wait_for_lease_to_expire(delivery)
        second = SenderProcess(env, workdir, "second", "--once")
        assert second.wait() == 0, second.log()
        assert "sent 1," in second.log()
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    [received] = smtp_server.messages  # exactly one copy
    assert received.message_id == f"<delivery-{delivery.pk}@eco.example.gov.cn>"
    assert delivery.provider_id.startswith(received.message_id)


def test_killed_after_the_server_accepted_the_retry_repeats_the_message_id(
    transactional_db, handler_with_address, smtp_server, workdir
):
    """The one window: accepted by the server, not yet marked. The retry sends a second copy with the same
    Message-ID, which the receiving side can drop (docs/notifications.md)."""
    delivery = alarm_email(handler_with_address)
    with shared_database() as url:
        env = sender_env(url, smtp_server.port, workdir, send_timeout=SEND_TIMEOUT, lease=LEASE)
        first = SenderProcess(env, workdir, "paused", pause_before_mark=True)
        try:
            wait_until(lambda: "pausing before marking" in first.log(), 60, f"no pause:\n{first.log()}")
            first.kill()
        finally:
            first.stop()
        assert len(smtp_server.messages) == 1
        wait_for_lease_to_expire(delivery)
        second = SenderProcess(env, workdir, "second", "--once")
        assert second.wait() == 0, second.log()
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    ids = [m.message_id for m in smtp_server.messages]
    assert ids == [f"<delivery-{delivery.pk}@eco.example.gov.cn>"] * 2


def test_two_senders_at_once_send_each_delivery_once(transactional_db, handler_with_address, smtp_server, workdir):
    deliveries = [alarm_email(handler_with_address, key=f"alarm:{n}:triggered") for n in range(40)]
    smtp_server.data_delay = 0.1  # 4 s of sending in all: the two processes overlap
    with shared_database() as url:
        env = sender_env(url, smtp_server.port, workdir, send_timeout=SEND_TIMEOUT, lease=LEASE)
        senders = [SenderProcess(env, workdir, f"sender{n}", "--once", "--batch-size", "3") for n in (1, 2)]
        for sender in senders:
            assert sender.wait(120) == 0, sender.log()
        rows = list(Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list("status", "attempts"))
    assert rows == [(DeliveryStatus.SENT, 1)] * 40
    ids = [m.message_id for m in smtp_server.messages]
    assert len(ids) == 40 and len(set(ids)) == 40
    counts = [int(s.log().rsplit("sent ", 1)[1].split(",")[0]) for s in senders]
    assert sum(counts) == 40, counts
