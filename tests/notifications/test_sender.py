"""The outbox sender against a real local SMTP server: what the message says, retries with backoff, giving up,
skipping unconfigured channels, the SMS gateway interface, leases and claims.

Persona: the duty officer who must get the alarm email once, even when the mail server has a bad minute.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.channels import DeliveryError
from ecobrain.notifications.choices import Channel, DeliveryStatus, NotificationKind
from ecobrain.notifications.config import SMTPConfig
from ecobrain.notifications.models import Delivery
from ecobrain.notifications.sender import Sender
from ecobrain.notifications.services import notify, requeue_deliveries
from ecobrain.notifications.sms import LogSMSBackend, SMSBackend
from tests.notifications.conftest import BASE_URL


class RecordingSMS(SMSBackend):
    """A gateway that records what it was asked to send; ``fail`` makes the next sends raise."""

    def __init__(self, *, timeout: float = 30.0) -> None:
        super().__init__(timeout=timeout)
        self.sent: list[tuple[str, str, str]] = []
        self.fail: list[DeliveryError] = []

    def send(self, phone, text, *, key):
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append((phone, text, key))
        return f"gw-{len(self.sent)}"


def alarm(user, key="alarm:12:triggered", severity=Severity.WARNING):
    return notify(
        event_key=key,
        recipients=[user],
        kind=NotificationKind.ALARM,
        title="秦都区 PM2.5 小时浓度超阈值",
        body="秦都区监测站 2026-12-02 10:00 PM2.5 小时值 180 μg/m³，阈值 115 μg/m³。",
        link="/alarms/12/",
        severity=severity,
    )[0]


def email_of(notification) -> Delivery:
    return notification.deliveries.get(channel=Channel.EMAIL)


def test_an_email_reaches_the_smtp_server_with_chinese_text_and_an_absolute_link(
    db, mail_settings, smtp_server, handler_with_address
):
    delivery = email_of(alarm(handler_with_address))
    summary = Sender(sms_backend=RecordingSMS()).send_due()
    assert (summary.sent, summary.failed, summary.retried) == (1, 0, 0)
    [received] = smtp_server.wait_for(1)
    message = received.message
    assert received.rcpt_to == ["handler@qindu.example.gov.cn"]
    assert received.mail_from == "noreply@eco.example.gov.cn"
    assert message["Subject"] == "【一般】秦都区 PM2.5 小时浓度超阈值"
    assert message["To"].addresses[0].addr_spec == "handler@qindu.example.gov.cn"
    assert message["Message-ID"] == f"<delivery-{delivery.pk}@eco.example.gov.cn>"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert body.startswith("王办理，您好：")
    assert "PM2.5 小时值 180 μg/m³" in body
    assert f"详情：{BASE_URL}/alarms/12/" in body
    assert f"{BASE_URL}/notifications/preferences/" in body
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.sent_at is not None and delivery.claimed_until is None
    assert delivery.provider_id.startswith(f"<delivery-{delivery.pk}@eco.example.gov.cn> 2.0.0 Ok: queued as Q")
    assert Sender(sms_backend=RecordingSMS()).send_due().handled == 0  # nothing is sent twice
    assert len(smtp_server.messages) == 1


def test_smtp_login_uses_the_url_credentials(db, mail_settings, handler_with_address):
    from tests.notifications.smtp_server import SMTPTestServer

    server = SMTPTestServer(credentials=("ecobrain", "p@ss word")).start()
    try:
        mail_settings.SMTP = SMTPConfig(host="127.0.0.1", port=server.port, username="ecobrain", password="wrong")
        delivery = email_of(alarm(handler_with_address))
        summary = Sender(sms_backend=RecordingSMS()).send_due()
        assert summary.retried == 1 and "SMTP 登录失败" in summary.errors[0]  # a config error: retried, not failed
        mail_settings.SMTP = SMTPConfig(host="127.0.0.1", port=server.port, username="ecobrain", password="p@ss word")
        Sender(sms_backend=RecordingSMS()).send_due(now=timezone.now() + timedelta(hours=1))
        assert len(server.wait_for(1)) == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    finally:
        server.stop()


def test_a_refusing_server_is_retried_with_backoff_until_it_accepts(
    db, mail_settings, smtp_server, handler_with_address
):
    delivery = email_of(alarm(handler_with_address))
    smtp_server.queue_reply("rcpt", "451 4.7.1 Greylisted, try again later")
    sender = Sender(sms_backend=RecordingSMS())
    before = timezone.now()
    summary = sender.send_due()
    assert (summary.sent, summary.retried) == (0, 1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "451 4.7.1 Greylisted" in delivery.last_error
    assert before + timedelta(seconds=29) < delivery.next_attempt_at < timezone.now() + timedelta(seconds=31)
    assert sender.send_due().handled == 0  # not due yet
    summary = sender.send_due(now=delivery.next_attempt_at)
    assert summary.sent == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 2, "")
    assert len(smtp_server.messages) == 1


def test_a_server_that_is_down_then_up(db, mail_settings, smtp_server, handler_with_address):
    delivery = email_of(alarm(handler_with_address))
    smtp_server.refuse_connections = True
    sender = Sender(sms_backend=RecordingSMS())
    assert sender.send_due().retried == 1
    delivery.refresh_from_db()
    assert "421" in delivery.last_error
    smtp_server.refuse_connections = False
    assert sender.send_due(now=timezone.now() + timedelta(minutes=5)).sent == 1
    assert len(smtp_server.messages) == 1


def test_the_sender_gives_up_after_the_maximum_number_of_attempts(
    db, mail_settings, smtp_server, handler_with_address, caplog
):
    delivery = email_of(alarm(handler_with_address))
    smtp_server.queue_reply("data", "452 4.3.1 Insufficient system storage", times=10)
    sender = Sender(sms_backend=RecordingSMS())
    now = timezone.now()
    delays = []
    for _attempt in range(3):  # NOTIFY_MAX_ATTEMPTS = 3 in these tests
        sender.send_due(now=now)
        delivery.refresh_from_db()
        delays.append(delivery.next_attempt_at)
        now += timedelta(hours=2)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert "452 4.3.1 Insufficient system storage" in delivery.last_error
    assert sender.send_due(now=now + timedelta(days=1)).handled == 0
    assert smtp_server.messages == []
    assert [sender.retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert sender.retry_delay(20) == 3600  # NOTIFY_RETRY_MAX_SECONDS
    assert "failed for good" in caplog.text


def test_a_permanently_refused_recipient_fails_at_once(db, mail_settings, smtp_server, handler_with_address):
    delivery = email_of(alarm(handler_with_address))
    smtp_server.queue_reply("rcpt", "550 5.1.1 Mailbox does not exist")
    summary = Sender(sms_backend=RecordingSMS()).send_due()
    assert summary.failed == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "550 5.1.1" in delivery.last_error
    # The operator fixes the address on the mail server and re-queues the delivery (the admin action).
    assert requeue_deliveries(actor=None, ids=[delivery.pk]) == 1
    assert Sender(sms_backend=RecordingSMS()).send_due().sent == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_one_connection_serves_a_batch_and_a_refused_message_does_not_stop_the_rest(
    db, mail_settings, smtp_server, handler_with_address
):
    for n in range(5):
        alarm(handler_with_address, key=f"alarm:{n}:triggered")
    smtp_server.queue_reply("rcpt", "550 5.7.1 Rejected by policy")  # the first message only
    summary = Sender(sms_backend=RecordingSMS()).send_due()
    assert (summary.sent, summary.failed) == (4, 1)
    assert smtp_server.connections == 1
    assert [c.split(" ")[0].upper() for c in smtp_server.commands].count("RSET") == 1


def test_without_an_smtp_server_email_is_skipped_with_a_reason(db, no_mail_settings, handler_with_address):
    delivery = email_of(alarm(handler_with_address))
    summary = Sender(sms_backend=RecordingSMS()).send_due()
    assert (summary.skipped, summary.failed) == (1, 0)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SKIPPED
    assert "未配置邮件服务器" in delivery.last_error and "ECOBRAIN_SMTP_URL" in delivery.last_error


def test_sms_goes_through_the_gateway_with_an_idempotency_key(db, no_mail_settings, handler_with_address):
    notification = alarm(handler_with_address, severity=Severity.CRITICAL)
    sms = notification.deliveries.get(channel=Channel.SMS)
    gateway = RecordingSMS()
    gateway.fail = [DeliveryError("gateway busy")]
    sender = Sender(sms_backend=gateway)
    assert sender.send_due().retried == 1
    assert sender.send_due(now=timezone.now() + timedelta(minutes=1)).sent == 1
    [(phone, text, key)] = gateway.sent
    assert (phone, key) == ("13800000000", f"delivery:{sms.pk}")
    assert text.startswith("【紧急】秦都区 PM2.5 小时浓度超阈值：秦都区监测站")
    assert text.endswith(f" 详情：{BASE_URL}/alarms/12/") and len(text) <= 200
    sms.refresh_from_db()
    assert (sms.status, sms.provider_id, sms.attempts) == (DeliveryStatus.SENT, "gw-1", 2)


def test_the_default_sms_backend_logs_masked_and_says_no_sms_was_sent(
    db, no_mail_settings, handler_with_address, caplog
):
    sms = alarm(handler_with_address, severity=Severity.CRITICAL).deliveries.get(channel=Channel.SMS)
    caplog.set_level(logging.WARNING, logger="ecobrain.notifications.sms")
    Sender(sms_backend=LogSMSBackend()).send_due()
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.SKIPPED
    assert "未实际发送" in sms.last_error
    assert sms.provider_id == f"log:delivery:{sms.pk}"
    assert "no SMS was sent" in caplog.text and "138****0000" in caplog.text
    assert "13800000000" not in caplog.text


def test_a_dead_senders_claim_is_taken_over_after_its_lease(db, mail_settings, smtp_server, handler_with_address):
    delivery = email_of(alarm(handler_with_address))
    dead = Sender(sms_backend=RecordingSMS())
    token, rows = dead.claim()  # claimed, then the process "dies": nothing sent, nothing marked
    assert [r.pk for r in rows] == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING and delivery.claimed_by == token
    live = Sender(sms_backend=RecordingSMS())
    assert live.send_due().handled == 0  # the lease still holds
    summary = live.send_due(now=delivery.claimed_until + timedelta(seconds=1))
    assert summary.sent == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    # The dead sender's late mark (it was only paused) is refused: the row stays SENT once.
    assert not dead._mark(delivery, token, {"status": DeliveryStatus.PENDING})
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(smtp_server.messages) == 1


def test_a_claim_abandoned_on_the_last_attempt_is_failed_as_unknown(db, mail_settings, handler_with_address):
    delivery = email_of(alarm(handler_with_address))
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=3, claimed_by="gone:1:x", claimed_until=timezone.now()
    )
    Sender(sms_backend=RecordingSMS()).send_due(now=timezone.now() + timedelta(seconds=5))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "未能确认是否送达" in delivery.last_error


def test_two_claims_never_share_a_row(db, mail_settings, handler_with_address):
    for n in range(7):
        alarm(handler_with_address, key=f"alarm:{n}:triggered")
    first, second = Sender(batch_size=5, sms_backend=RecordingSMS()), Sender(batch_size=5, sms_backend=RecordingSMS())
    _token1, rows1 = first.claim()
    _token2, rows2 = second.claim()
    assert len(rows1) == 5 and len(rows2) == 2
    assert not {r.pk for r in rows1} & {r.pk for r in rows2}
    assert second.claim()[1] == []


def test_a_stopping_sender_gives_the_rest_of_its_batch_back(db, mail_settings, smtp_server, handler_with_address):
    for n in range(3):
        alarm(handler_with_address, key=f"alarm:{n}:triggered")
    sender = Sender(sms_backend=RecordingSMS())
    sender.stop()
    summary = sender.send_batch()
    assert summary.handled == 0
    assert set(Delivery.objects.values_list("status", "attempts", "claimed_by")) == {(DeliveryStatus.PENDING, 0, "")}


def test_the_lease_must_exceed_the_send_timeout(db, mail_settings):
    with pytest.raises(ValueError, match="lease"):
        Sender(lease=5, send_timeout=5, sms_backend=RecordingSMS())


def test_a_database_hiccup_while_marking_is_retried(db, mail_settings, smtp_server, handler_with_address, monkeypatch):
    from django.db import OperationalError
    from django.db.models import QuerySet

    from ecobrain.notifications import sender as sender_module

    delivery = email_of(alarm(handler_with_address))
    monkeypatch.setattr(sender_module, "MARK_RETRY_PAUSES", (0, 0, None))
    real_update = QuerySet.update
    failures = []

    def flaky_update(self, **values):
        if values.get("status") == DeliveryStatus.SENT and len(failures) < 2:
            failures.append(1)
            raise OperationalError("database table is locked")
        return real_update(self, **values)

    monkeypatch.setattr(QuerySet, "update", flaky_update)
    assert Sender(sms_backend=RecordingSMS()).send_due().sent == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(failures) == 2
    assert len(smtp_server.messages) == 1
