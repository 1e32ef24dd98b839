"""`ecobrain notifications send [--once]` runs the outbox sender; `status` shows the outbox; `test-email ADDRESS`
checks the SMTP settings by sending one message directly."""

from __future__ import annotations

import contextlib
import signal
import threading
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Min
from django.utils import timezone

from ecobrain.notifications.channels import DeliveryError
from ecobrain.notifications.choices import DeliveryStatus
from ecobrain.notifications.models import Delivery


class Command(BaseCommand):
    help = (
        "Notifications: `send` runs the outbox sender in the foreground (`--once`: send what is due and exit), "
        "`status` counts the outbox by channel and state, `test-email ADDRESS` sends one test message over SMTP."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        send = sub.add_parser("send", help="send due email and SMS deliveries (Ctrl+C or SIGTERM stops)")
        send.add_argument("--once", action="store_true", help="send everything due now, print a summary, exit")
        send.add_argument("--batch-size", type=int, default=None, help="deliveries claimed at a time (default 20)")
        sub.add_parser("status", help="deliveries per channel and state, the oldest due one, recent failures")
        test = sub.add_parser("test-email", help="send one test email to ADDRESS with the ECOBRAIN_SMTP_URL settings")
        test.add_argument("address")

    def handle(self, *args, verb, **options):
        getattr(self, f"handle_{verb.replace('-', '_')}")(**options)

    def handle_send(self, *, once=False, batch_size=None, **options):
        from ecobrain.notifications.sender import Sender

        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size 须为正整数。")
        try:
            sender = Sender(batch_size=batch_size)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        if once:
            try:
                summary = sender.send_due()
            finally:
                sender.close()
            for error in summary.errors:
                self.stderr.write(f"  {error}")
            self.stdout.write(str(summary))
            return
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: sender.stop())
        self.stdout.write(f"EcoBrain notification sender {sender.name}: Ctrl+C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            sender.run()

    def handle_status(self, **options):
        rows = Delivery.objects.values("channel", "status").annotate(n=Count("id")).order_by("channel", "status")
        if not rows:
            self.stdout.write("outbox empty")
        for row in rows:
            self.stdout.write(f"{row['channel']:<6} {row['status']:<8} {row['n']}")
        oldest = Delivery.objects.filter(status=DeliveryStatus.PENDING).aggregate(due=Min("next_attempt_at"))["due"]
        if oldest is not None:
            lag = (timezone.now() - oldest).total_seconds()
            self.stdout.write(f"oldest pending due {timezone.localtime(oldest):%Y-%m-%d %H:%M:%S} ({lag:+.0f} s)")
        for delivery in Delivery.objects.filter(status=DeliveryStatus.FAILED).order_by("-id")[:5]:
            self.stdout.write(f"failed {delivery.pk} {delivery.channel}: {delivery.last_error[:200]}")
        email = settings.SMTP.describe() if settings.SMTP else "not configured (ECOBRAIN_SMTP_URL)"
        self.stdout.write(f"email: {email}")
        self.stdout.write(f"sms backend: {settings.SMS_BACKEND}")

    def handle_test_email(self, *, address, **options):
        from ecobrain.notifications.mail import SMTPMailer
        from ecobrain.notifications.messages import message_id_domain

        if settings.SMTP is None:
            raise CommandError("未配置 ECOBRAIN_SMTP_URL，无法发送邮件。")
        message = EmailMessage()
        message["Subject"] = "EcoBrain 测试邮件"
        message["From"] = settings.EMAIL_FROM
        message["To"] = address
        message["Date"] = format_datetime(timezone.now())
        message["Message-ID"] = make_msgid("test", domain=message_id_domain())
        message.set_content(
            f"这是 {settings.BUREAU_NAME} 生态环境智慧大脑的测试邮件：邮件服务器 {settings.SMTP.describe()} 可用。\n",
            charset="utf-8",
            cte="base64",
        )
        mailer = SMTPMailer(settings.SMTP, timeout=settings.NOTIFY_SEND_TIMEOUT)
        try:
            reply = mailer.send(message)
        except DeliveryError as exc:
            raise CommandError(f"发送失败：{exc}") from None
        finally:
            mailer.close()
        self.stdout.write(f"sent: {reply}")
