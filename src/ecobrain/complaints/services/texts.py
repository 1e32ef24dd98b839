"""Telling the complainant: a text message to their phone when their complaint is answered, closed or not accepted.

The message is queued in the step's transaction (an outbox row, :class:`ComplainantText`), so it exists exactly when
the step committed; the job ``complaints.texts`` sends it. It is written in Chinese whoever acted, and says only that
there is news and where to read it: the tracking number and the tracking page's address, never the reply or any
personal data. The number is decrypted only in the sender, never logged (the log backend masks it), and an error
text that repeats it is masked before it is stored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.complaints.choices import ComplainantTextStatus, ComplaintEventKind
from ecobrain.complaints.models import ComplainantText, Complaint, ComplaintEvent
from ecobrain.complaints.services.personal import mask_phone, reveal
from ecobrain.notifications.channels import DeliveryError
from ecobrain.notifications.messages import absolute_url
from ecobrain.notifications.sms import load_sms_backend
from ecobrain.standards.hj212 import CHINA_TZ

logger = logging.getLogger(__name__)

BATCH = 50  # texts one run sends; the next run takes the rest


# Always Chinese, whoever acted: complainants read Chinese (the linked page follows their browser's language).
MESSAGES = {
    ComplaintEventKind.REPLIED: "您于{date}提交的环境投诉（查询码 {number}）已有答复，请凭查询码查看：{link}",
    ComplaintEventKind.CLOSED: "您于{date}提交的环境投诉（查询码 {number}）已办结，请查看结果并评价：{link}",
    ComplaintEventKind.REJECTED: "您于{date}提交的环境投诉（查询码 {number}）不予受理，原因请凭查询码查看：{link}",
}


def queue_complainant_text(complaint: Complaint, event: ComplaintEvent, *, now: datetime) -> ComplainantText | None:
    """Inside the step's transaction: queue the text for this public step, when the complainant left a phone."""
    if not complaint.phone_encrypted:
        return None
    template = MESSAGES.get(event.kind)
    if template is None:
        return None
    filed = (complaint.created or now).astimezone(CHINA_TZ)
    link = absolute_url(reverse("complaints_public:detail", args=[complaint.tracking_number]))
    text = f"【{settings.BUREAU_NAME}】" + template.format(
        date=f"{filed.month}月{filed.day}日", number=complaint.tracking_number, link=link
    )
    return ComplainantText.objects.create(complaint=complaint, event=event, text=text, next_attempt_at=now, created=now)


def _due(now: datetime):
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return ComplainantText.objects.filter(free, status=ComplainantTextStatus.PENDING, next_attempt_at__lte=now)


def send_complainant_texts(now: datetime | None = None, *, backend=None) -> dict[str, int]:
    """Send the due texts; each is claimed by one sender at a time (a lease), so two workers never send one twice."""
    now = now or timezone.now()
    counts = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    ids = list(_due(now).order_by("next_attempt_at", "id").values_list("id", flat=True)[:BATCH])
    if not ids:
        return counts
    own_backend = backend is None
    backend = backend or load_sms_backend(timeout=settings.NOTIFY_SEND_TIMEOUT)
    lease = timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    try:
        for pk in ids:
            if not _due(now).filter(pk=pk).update(claimed_until=now + lease, attempts=F("attempts") + 1):
                continue  # another sender took it
            row = ComplainantText.objects.select_related("complaint").get(pk=pk)
            counts[_send_one(row, backend, now)] += 1
    finally:
        if own_backend:
            backend.close()
    return counts


def _send_one(row: ComplainantText, backend, now: datetime) -> str:
    phone = reveal(row.complaint.phone_encrypted)
    if not phone:
        return _finish(row, ComplainantTextStatus.FAILED, now, error=_("联系电话无法解密（加密密钥已更换？）"))
    try:
        provider_id = backend.send(phone, row.text, key=f"complaint-text:{row.pk}")
    except DeliveryError as exc:
        error = str(exc).replace(phone, mask_phone(phone))[:500]
        if exc.permanent or row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            return _finish(row, ComplainantTextStatus.FAILED, now, error=error)
        delay = min(settings.NOTIFY_RETRY_SECONDS * 2 ** (row.attempts - 1), settings.NOTIFY_RETRY_MAX_SECONDS)
        ComplainantText.objects.filter(pk=row.pk).update(
            claimed_until=None, next_attempt_at=now + timedelta(seconds=delay), last_error=error
        )
        return "retry"
    status = ComplainantTextStatus.SENT if getattr(backend, "delivers", True) else ComplainantTextStatus.SKIPPED
    return _finish(row, status, now, provider_id=str(provider_id or "")[:128])


def _finish(row: ComplainantText, status: str, now: datetime, *, error: str = "", provider_id: str = "") -> str:
    ComplainantText.objects.filter(pk=row.pk).update(
        status=status,
        claimed_until=None,
        sent_at=now if status in (ComplainantTextStatus.SENT, ComplainantTextStatus.SKIPPED) else None,
        provider_id=provider_id,
        last_error=error,
    )
    if status == ComplainantTextStatus.FAILED:
        logger.warning("complaint text %s to complaint %s failed: %s", row.pk, row.complaint_id, error)
    return {"sent": "sent", "skipped": "skipped", "failed": "failed"}[status]
