"""Telling the complainant by text message: queued with the public step (outbox), sent by the job through the SMS
gateway, retried with backoff, never carrying or logging the number."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from ecobrain.complaints.choices import ComplainantTextStatus
from ecobrain.complaints.models import ComplainantText
from ecobrain.complaints.services import confirm_triage, dispatch_complaint, reject_complaint, reply_complaint
from ecobrain.complaints.services.texts import send_complainant_texts
from ecobrain.notifications.channels import DeliveryError
from ecobrain.notifications.sms import LogSMSBackend, SMSBackend
from ecobrain.workorders.services import accept_workorder, start_workorder, submit_workorder, verify_and_close_workorder
from tests.complaints.conftest import file_complaint

PHONE = "13800295678"


class RecordingSMS(SMSBackend):
    """A gateway that records what it was given; ``fail`` makes the next sends raise."""

    def __init__(self, *, fail: DeliveryError | None = None) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, str]] = []
        self.fail = fail

    def send(self, phone: str, text: str, *, key: str) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append((phone, text, key))
        return f"gw-{len(self.sent)}"


def dispatched(complaint, desk, qindu):
    confirm_triage(complaint, actor=desk, category=complaint.category, district=qindu)
    return dispatch_complaint(complaint, actor=desk)


@pytest.mark.django_db
def test_a_reply_and_the_closing_each_send_one_text_with_the_tracking_number(city_staff, qindu_handler, qindu):
    complaint = dispatched(file_complaint(phone=PHONE), city_staff, qindu)
    reply_complaint(complaint, actor=qindu_handler, text="已责令烧烤店安装油烟净化器。")
    [queued] = ComplainantText.objects.all()
    assert queued.status == ComplainantTextStatus.PENDING
    assert complaint.tracking_number in queued.text and "已有答复" in queued.text
    assert f"/public/complaints/track/{complaint.tracking_number}/" in queued.text
    assert PHONE not in queued.text and "油烟净化器" not in queued.text  # no number, not the reply itself

    gateway = RecordingSMS()
    assert send_complainant_texts(backend=gateway)["sent"] == 1
    assert gateway.sent == [(PHONE, queued.text, f"complaint-text:{queued.pk}")]
    queued.refresh_from_db()
    assert queued.status == ComplainantTextStatus.SENT and queued.provider_id == "gw-1" and queued.attempts == 1
    assert send_complainant_texts(backend=gateway) == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}

    order = complaint.workorder
    accept_workorder(order, actor=qindu_handler)
    start_workorder(order, actor=qindu_handler)
    submit_workorder(order, actor=qindu_handler, result="已整改。")
    verify_and_close_workorder(order, actor=city_staff)
    closing = ComplainantText.objects.exclude(pk=queued.pk).get()
    assert "已办结" in closing.text


@pytest.mark.django_db
def test_a_rejection_texts_and_an_anonymous_complaint_gets_none(city_staff):
    reject_complaint(file_complaint(phone=PHONE), actor=city_staff, reason="属于劳动纠纷，非环境问题。")
    assert "不予受理" in ComplainantText.objects.get().text
    reject_complaint(file_complaint(phone="", anonymous=True), actor=city_staff, reason="重复投诉。")
    assert ComplainantText.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_send_is_retried_with_backoff_then_given_up(city_staff, settings, caplog):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    settings.NOTIFY_RETRY_SECONDS = 60
    reject_complaint(file_complaint(phone=PHONE), actor=city_staff, reason="非环境问题。")
    gateway = RecordingSMS(fail=DeliveryError(f"gateway busy for {PHONE}"))
    now = timezone.now()
    caplog.set_level(logging.DEBUG)
    assert send_complainant_texts(now, backend=gateway)["retry"] == 1
    row = ComplainantText.objects.get()
    assert row.status == ComplainantTextStatus.PENDING and row.next_attempt_at == now + timedelta(seconds=60)
    assert PHONE not in row.last_error and "138****5678" in row.last_error
    assert send_complainant_texts(now + timedelta(seconds=30), backend=gateway)["retry"] == 0  # not due yet
    assert send_complainant_texts(now + timedelta(seconds=61), backend=gateway)["failed"] == 1
    row.refresh_from_db()
    assert row.status == ComplainantTextStatus.FAILED and row.attempts == 2
    assert PHONE not in caplog.text


@pytest.mark.django_db
def test_without_a_gateway_the_text_is_recorded_as_not_sent_and_the_log_masks_the_number(city_staff, caplog):
    reject_complaint(file_complaint(phone=PHONE), actor=city_staff, reason="非环境问题。")
    caplog.set_level(logging.DEBUG)
    assert send_complainant_texts(backend=LogSMSBackend())["skipped"] == 1
    assert ComplainantText.objects.get().status == ComplainantTextStatus.SKIPPED
    assert PHONE not in caplog.text and "138****5678" in caplog.text


@pytest.mark.django_db
def test_the_job_is_registered(city_staff):
    from ecobrain.core.jobs import discover

    assert "complaints.texts" in discover()


@pytest.mark.django_db
def test_the_complaint_page_lists_the_texts_for_staff(city_staff, client):
    complaint = file_complaint(phone=PHONE)
    reject_complaint(complaint, actor=city_staff, reason="非环境问题。")
    client.force_login(city_staff)
    html = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert 'id="complainant-texts"' in html and "待发送" in html and PHONE not in html
