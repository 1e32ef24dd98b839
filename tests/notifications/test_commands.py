"""`ecobrain notifications send --once | status | test-email` and `ecobrain worker` sending the outbox.

Persona: the operator checking the mail settings and the outbox from a shell.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import DeliveryStatus
from ecobrain.notifications.models import Delivery
from ecobrain.notifications.services import notify
from tests.ingest.gateway_process import shared_database
from tests.notifications.sender_process import sender_env, wait_until


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("notifications", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def queue(user, n=1, severity=Severity.WARNING):
    for i in range(n):
        notify(event_key=f"alarm:{i}", recipients=[user], kind="alarm", title=f"报警{i}", severity=severity)


def test_send_once_sends_what_is_due_and_prints_a_summary(db, mail_settings, smtp_server, handler_with_address):
    queue(handler_with_address, 3)
    smtp_server.queue_reply("rcpt", "550 5.1.1 No such user")
    out, err = run("send", "--once", "--batch-size", "2")
    assert out.strip() == "sent 2, retry later 0, failed 1, skipped 0"
    assert "550 5.1.1 No such user" in err
    assert len(smtp_server.messages) == 2
    status, _ = run("status")
    assert "email  failed   1" in status and "email  sent     2" in status
    assert "email: smtp://127.0.0.1:" in status
    assert re.search(r"^failed \d+ email: SMTP 服务器拒绝收件地址", status, re.MULTILINE)


def test_status_shows_the_oldest_pending_delivery(db, no_mail_settings, handler_with_address):
    queue(handler_with_address, 1, Severity.CRITICAL)
    status, _ = run("status")
    assert "sms    pending  1" in status and "oldest pending due" in status
    assert "email: not configured (ECOBRAIN_SMTP_URL)" in status
    with pytest.raises(CommandError, match="--batch-size 须为正整数"):
        run("send", "--once", "--batch-size", "0")


def test_test_email_checks_the_smtp_settings(db, mail_settings, smtp_server):
    out, _ = run("test-email", "ops@example.gov.cn")
    assert out.startswith("sent: <") and "test@eco.example.gov.cn> 2.0.0 Ok: queued as Q00001" in out
    [received] = smtp_server.messages
    assert received.rcpt_to == ["ops@example.gov.cn"] and received.message["Subject"] == "EcoBrain 测试邮件"
    smtp_server.refuse_connections = True
    with pytest.raises(CommandError, match=r"发送失败：.*421"):
        run("test-email", "ops@example.gov.cn")
    mail_settings.SMTP = None
    with pytest.raises(CommandError, match="未配置 ECOBRAIN_SMTP_URL"):
        run("test-email", "ops@example.gov.cn")


def test_the_worker_sends_the_outbox_and_stops_on_sigterm(transactional_db, handler_with_address, smtp_server):
    queue(handler_with_address, 2)
    with tempfile.TemporaryDirectory(prefix="ecobrain-worker-") as name, shared_database() as url:
        directory = Path(name)
        env = sender_env(url, smtp_server.port, directory, send_timeout=5, lease=11)
        log = directory / "worker.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "ecobrain", "worker", "--tick", "60"], env=env, stdout=out, stderr=out
            )
        try:
            wait_until(lambda: len(smtp_server.messages) == 2, 60, "the worker sent nothing")
            wait_until(lambda: not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists(), 10, "rows not marked")
        finally:
            worker.terminate()
            assert worker.wait(30) == 0, log.read_text()
        assert "notifier  email smtp://127.0.0.1:" in log.read_text()
