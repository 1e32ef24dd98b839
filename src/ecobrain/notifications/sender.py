"""The outbox worker: claims due deliveries, sends them over email or SMS, marks each sent, retried or failed.

A pass (:meth:`Sender.send_due`) works in small batches:

1. **Claim.** One transaction picks up to ``batch_size`` rows that are PENDING and due, or SENDING whose lease ran
   out (their sender died), and moves them to SENDING with one conditional ``UPDATE`` that repeats those
   conditions, a claim token of its own in ``claimed_by`` and a lease in ``claimed_until``. A row another sender
   claimed a moment earlier no longer matches, so two senders never hold the same row (PostgreSQL also skips rows
   locked by a concurrent claim: ``FOR UPDATE SKIP LOCKED``). ``attempts`` counts the claim.
2. **Send**, outside any transaction, one row at a time, each bounded by ``ECOBRAIN_NOTIFY_SEND_TIMEOUT``; the lease
   (``ECOBRAIN_NOTIFY_LEASE_SECONDS``) is longer than that and renewed before a send when little of it is left.
3. **Mark**, conditional on still holding the claim: SENT (``sent_at``, ``provider_id``), SKIPPED (the channel is
   not set up), PENDING again with exponential backoff, or FAILED (a permanent refusal, or the last attempt).

A sender killed between 1 and 3 leaves its rows SENDING; once the lease runs out another sender claims them again,
so nothing is lost. What no outbox can close is the moment after the server accepted a message and before the row
was marked: the retry sends it again, with the same Message-ID (email) or idempotency key (SMS) so the receiving
side can drop the copy (docs/notifications.md, "The one window").
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from ecobrain.notifications import messages
from ecobrain.notifications.channels import ChannelUnavailable, DeliveryError
from ecobrain.notifications.choices import Channel, DeliveryStatus
from ecobrain.notifications.mail import SMTPMailer
from ecobrain.notifications.models import Delivery
from ecobrain.notifications.services import on_outbox_change, remove_outbox_listener
from ecobrain.notifications.sms import SMSBackend, load_sms_backend, mask_phone

logger = logging.getLogger(__name__)

ERROR_MAX = 2000
MARK_RETRY_PAUSES = (0.1, 0.3, 1.0, 2.0, 5.0, None)  # seconds between attempts to record an outcome; None: give up


@dataclass
class SendSummary:
    """What one pass did, per outcome (``str()`` is the line `ecobrain notifications send --once` prints)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    lost: int = 0  # claims that expired before the row was marked (another sender took over)
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.skipped + self.lost

    def add(self, other: SendSummary) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.skipped += other.skipped
        self.lost += other.lost
        self.errors += other.errors

    def __str__(self) -> str:
        return f"sent {self.sent}, retry later {self.retried}, failed {self.failed}, skipped {self.skipped}" + (
            f", lease lost {self.lost}" if self.lost else ""
        )


def sender_name() -> str:
    """``host:pid``: who holds a claim, as operators read it in ``claimed_by``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Sender:
    """Sends the outbox. ``send_due()`` is one pass; ``run()`` repeats it until ``stop()``, waking at once when
    :func:`~ecobrain.notifications.services.notify` queued deliveries in this process (``on_outbox_change``) and every
    ``poll`` seconds otherwise (for deliveries queued by other processes and retries falling due)."""

    def __init__(
        self,
        *,
        batch_size: int | None = None,
        poll: float | None = None,
        lease: float | None = None,
        send_timeout: float | None = None,
        max_attempts: int | None = None,
        retry_base: float | None = None,
        retry_max: float | None = None,
        mailer: SMTPMailer | None = None,
        sms_backend: SMSBackend | None = None,
    ) -> None:
        self.batch_size = batch_size or settings.NOTIFY_BATCH_SIZE
        self.poll = settings.NOTIFY_POLL_SECONDS if poll is None else poll
        self.send_timeout = settings.NOTIFY_SEND_TIMEOUT if send_timeout is None else send_timeout
        self.lease = settings.NOTIFY_LEASE_SECONDS if lease is None else lease
        if self.lease <= self.send_timeout:
            raise ValueError(f"the lease ({self.lease} s) must be longer than the send timeout ({self.send_timeout} s)")
        self.max_attempts = max_attempts or settings.NOTIFY_MAX_ATTEMPTS
        self.retry_base = settings.NOTIFY_RETRY_SECONDS if retry_base is None else retry_base
        self.retry_max = settings.NOTIFY_RETRY_MAX_SECONDS if retry_max is None else retry_max
        if mailer is None and settings.SMTP is not None:
            mailer = SMTPMailer(settings.SMTP, timeout=self.send_timeout)
        self.mailer = mailer
        self.sms = sms_backend or load_sms_backend(timeout=self.send_timeout)
        self.name = sender_name()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._warned_no_base_url = False

    # -- the loop ---------------------------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run(self) -> None:
        """Send until :meth:`stop`. A failed pass (the database away for a moment) is tried again after 1 s, then
        2 s, 4 s … up to the poll interval, so a short hiccup costs seconds and an outage does not flood the log."""
        on_outbox_change(self.wake)
        logger.info(
            "notification sender %s: email %s, SMS %s",
            self.name,
            settings.SMTP.describe() if self.mailer is not None and settings.SMTP else "off (ECOBRAIN_SMTP_URL)",
            f"{type(self.sms).__module__}.{type(self.sms).__qualname__}",
        )
        failures = 0
        try:
            while not self._stop.is_set():
                self._wake.clear()
                close_old_connections()
                busy = False
                try:
                    summary = self.send_batch()
                    busy = summary.handled >= self.batch_size
                    failures = 0
                except Exception:
                    failures += 1
                    logger.exception("notification sender pass failed (%d in a row)", failures)
                if failures:
                    self._stop.wait(min(self.poll, 2.0 ** (failures - 1)))
                elif not busy:
                    self._wake.wait(self.poll)
        finally:
            remove_outbox_listener(self.wake)
            self.close()
            connections.close_all()

    def close(self) -> None:
        if self.mailer is not None:
            self.mailer.close()
        self.sms.close()

    def send_due(self, now: datetime | None = None) -> SendSummary:
        """Send batches until nothing is due (``ecobrain notifications send --once``); returns the totals."""
        total = SendSummary()
        while not self._stop.is_set():
            summary = self.send_batch(now)
            total.add(summary)
            if summary.handled < self.batch_size:
                break
        return total

    # -- one batch --------------------------------------------------------------------------------------------

    def send_batch(self, now: datetime | None = None) -> SendSummary:
        """Claim up to ``batch_size`` due deliveries, send them, mark them."""
        summary = SendSummary()
        now = now or timezone.now()
        if not self._anything_due(now):  # an idle poll reads two index entries and takes no write lock
            return summary
        self._fail_abandoned(now)
        token, rows = self.claim(now)
        if not rows:
            return summary
        claimed_at = time.monotonic()
        try:
            for delivery in rows:
                if self._stop.is_set():
                    # Stopping: give the rest back at once instead of leaving them leased.
                    self._release(token, [d.pk for d in rows if d.status == DeliveryStatus.SENDING])
                    break
                if time.monotonic() - claimed_at > self.lease - self.send_timeout * 2.5:
                    if not self._renew(token):
                        summary.lost += sum(1 for d in rows if d.status == DeliveryStatus.SENDING)
                        break
                    claimed_at = time.monotonic()
                self._send_one(delivery, token, summary)
        finally:
            if self.mailer is not None:
                self.mailer.close()
        return summary

    def claim(self, now: datetime | None = None) -> tuple[str, list[Delivery]]:
        """Take up to ``batch_size`` due rows; returns the claim token and the rows (notification, recipient loaded)."""
        now = now or timezone.now()
        token = f"{self.name}:{uuid.uuid4().hex[:12]}"
        pending_due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        abandoned = Q(status=DeliveryStatus.SENDING, claimed_until__lt=now, attempts__lt=self.max_attempts)
        with transaction.atomic():
            ids = self._candidates(pending_due, now) + self._candidates(abandoned, now)
            ids = ids[: self.batch_size]
            if not ids:
                return token, []
            Delivery.objects.filter(pk__in=ids).filter(pending_due | abandoned).update(
                status=DeliveryStatus.SENDING,
                claimed_by=token,
                claimed_until=now + timedelta(seconds=self.lease),
                attempts=F("attempts") + 1,
            )
        rows = list(
            Delivery.objects.filter(pk__in=ids, claimed_by=token, status=DeliveryStatus.SENDING)
            .select_related("notification__recipient")
            .order_by("next_attempt_at", "id")
        )
        return token, rows

    def _anything_due(self, now: datetime) -> bool:
        return (
            Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).exists()
            or Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now).exists()
        )

    def _candidates(self, condition: Q, now: datetime) -> list[int]:
        queryset = Delivery.objects.filter(condition).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        return list(queryset.values_list("id", flat=True)[: self.batch_size])

    def _fail_abandoned(self, now: datetime) -> int:
        """Rows whose sender died during their last allowed attempt: FAILED, saying the outcome is unknown."""
        count = Delivery.objects.filter(
            status=DeliveryStatus.SENDING, claimed_until__lt=now, attempts__gte=self.max_attempts
        ).update(
            status=DeliveryStatus.FAILED,
            claimed_by="",
            claimed_until=None,
            last_error=f"发送进程在第 {self.max_attempts} 次（最后一次）尝试中停止，未能确认是否送达。",
        )
        if count:
            logger.warning("%d deliveries failed: their sender stopped during the last attempt", count)
        return count

    def _renew(self, token: str) -> bool:
        until = timezone.now() + timedelta(seconds=self.lease)
        renewed = Delivery.objects.filter(claimed_by=token, status=DeliveryStatus.SENDING).update(claimed_until=until)
        return renewed > 0

    def _release(self, token: str, ids: list[int]) -> None:
        """Give claimed rows back untouched (stopping): PENDING and due, the claim's attempt not counted."""
        Delivery.objects.filter(pk__in=ids, claimed_by=token, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.PENDING, claimed_by="", claimed_until=None, attempts=F("attempts") - 1
        )

    # -- one delivery -----------------------------------------------------------------------------------------

    def _send_one(self, delivery: Delivery, token: str, summary: SendSummary) -> None:
        try:
            provider_id, delivered, note = self._deliver(delivery)
        except ChannelUnavailable as exc:
            outcome = {"status": DeliveryStatus.SKIPPED, "last_error": str(exc)[:ERROR_MAX]}
        except DeliveryError as exc:
            outcome = self._failure(delivery, str(exc), permanent=exc.permanent, summary=summary)
        except Exception as exc:  # a bug in a backend: retried like a temporary failure, and logged with its trace
            logger.exception("delivery %s: the %s backend raised", delivery.pk, delivery.channel)
            outcome = self._failure(delivery, f"{type(exc).__name__}: {exc}", permanent=False, summary=summary)
        else:
            if delivered:
                outcome = {"status": DeliveryStatus.SENT, "sent_at": timezone.now(), "last_error": ""}
            else:
                outcome = {"status": DeliveryStatus.SKIPPED, "last_error": note[:ERROR_MAX]}
            outcome["provider_id"] = provider_id[:128]
        if not self._mark(delivery, token, outcome):
            summary.lost += 1
        elif outcome["status"] == DeliveryStatus.SENT:
            summary.sent += 1
        elif outcome["status"] == DeliveryStatus.SKIPPED:
            summary.skipped += 1
        elif outcome["status"] == DeliveryStatus.FAILED:
            summary.failed += 1
        else:
            summary.retried += 1

    def _deliver(self, delivery: Delivery) -> tuple[str, bool, str]:
        """Send one delivery; returns (provider id, whether it really went out, a note when it did not)."""
        if delivery.channel == Channel.EMAIL:
            if self.mailer is None or not settings.EMAIL_FROM:
                raise ChannelUnavailable("未配置邮件服务器（ECOBRAIN_SMTP_URL、ECOBRAIN_EMAIL_FROM），邮件未发送。")
            self._warn_relative_links()
            return self.mailer.send(messages.compose_email(delivery)), True, ""
        if delivery.channel == Channel.SMS:
            key = f"delivery:{delivery.pk}"
            provider_id = self.sms.send(delivery.address, messages.compose_sms(delivery), key=key)
            if self.sms.delivers:
                return provider_id, True, ""
            return provider_id, False, "未接入短信网关（ECOBRAIN_SMS_BACKEND）：短信内容只写入了日志，未实际发送。"
        raise DeliveryError(f"未知的渠道：{delivery.channel}", permanent=True)

    def _failure(self, delivery: Delivery, error: str, *, permanent: bool, summary: SendSummary) -> dict:
        address = mask_phone(delivery.address) if delivery.channel == Channel.SMS else delivery.address
        summary.errors.append(f"{delivery.pk} {delivery.channel} {address}: {error}")
        if permanent or delivery.attempts >= self.max_attempts:
            logger.warning("delivery %s (%s to %s) failed for good: %s", delivery.pk, delivery.channel, address, error)
            return {"status": DeliveryStatus.FAILED, "last_error": error[:ERROR_MAX]}
        delay = self.retry_delay(delivery.attempts)
        logger.info(
            "delivery %s (%s to %s) attempt %d failed, retry in %d s: %s",
            delivery.pk,
            delivery.channel,
            address,
            delivery.attempts,
            delay,
            error,
        )
        return {
            "status": DeliveryStatus.PENDING,
            "next_attempt_at": timezone.now() + timedelta(seconds=delay),
            "last_error": error[:ERROR_MAX],
        }

    def retry_delay(self, attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones: base, 2×, 4×, … up to ``retry_max``."""
        return min(self.retry_max, self.retry_base * 2 ** max(0, attempts - 1))

    def _mark(self, delivery: Delivery, token: str, values: dict) -> bool:
        """Record the outcome if the claim still holds; False when it expired and another sender took the row.

        The message has gone out (or not) by now, so a database that fails for a moment is tried again for a while
        rather than leaving the row SENDING until its lease runs out (which would send a sent message again).
        """
        rows = Delivery.objects.filter(pk=delivery.pk, claimed_by=token, status=DeliveryStatus.SENDING)
        for pause in MARK_RETRY_PAUSES:
            try:
                marked = rows.update(claimed_until=None, **values)
                break
            except DatabaseError as exc:
                if pause is None:
                    raise
                logger.warning(
                    "delivery %s: marking it %s failed (%s), trying again", delivery.pk, values["status"], exc
                )
                time.sleep(pause)
                if not connection.in_atomic_block:  # reconnect if the connection broke (never inside a transaction)
                    connection.close_if_unusable_or_obsolete()
        delivery.status = values["status"]
        if not marked:
            logger.error("delivery %s: the claim expired before it was marked %s", delivery.pk, values["status"])
        return bool(marked)

    def _warn_relative_links(self) -> None:
        if not settings.BASE_URL and not self._warned_no_base_url:
            self._warned_no_base_url = True
            logger.warning("ECOBRAIN_BASE_URL is not set: emails carry the path of their link, not a full address")
