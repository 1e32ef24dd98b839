"""Notifications: what telling people costs, how fast the outbox drains, and what the live badge costs per page.

1. ``notify``: one event to ``--recipients`` people (inbox rows and email + SMS deliveries), median ms per event.
2. The sender: ``--emails`` email deliveries to a local SMTP server in a child process (one connection per batch of
   20), and the same number of SMS deliveries through a gateway backend that does nothing (what the outbox itself
   costs per delivery: claim, mark): deliveries/s and ms per delivery.
3. The badge and the live stream with a user holding ``--inbox`` notifications (half unread) among nine others holding
   a quarter as many each: the capped unread count
   (every page), one stream poll (newest id and count), and the inbox page through the test client; median ms and
   query count.

SQLite in a temporary directory, and PostgreSQL on a scratch database when ECOBRAIN_DATABASE_URL names a server.
Prints one JSON object. Usage: .venv/bin/python bench/notifications.py [--emails 2000] [--recipients 10] [--inbox 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from scratch_db import open_scratch, run_on_each_backend

ROOT = Path(__file__).resolve().parents[1]
SMTP_SINK = (
    "import sys, time; sys.path.insert(0, sys.argv[1]);"
    "from tests.notifications.smtp_server import SMTPTestServer;"
    "server = SMTPTestServer().start(); print(server.port, flush=True); time.sleep(3600)"
)


def median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


def run(backend: str, emails: int, recipients: int, inbox: int) -> dict:
    with open_scratch(backend):
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from ecobrain.accounts.models import User
        from ecobrain.notifications.choices import Channel, DeliveryStatus
        from ecobrain.notifications.config import SMTPConfig
        from ecobrain.notifications.models import Delivery, Notification
        from ecobrain.notifications.sender import Sender
        from ecobrain.notifications.services import notify
        from ecobrain.notifications.sms import SMSBackend
        from ecobrain.notifications.stream import latest_id, unread_count

        class NullSMS(SMSBackend):
            """A gateway that accepts everything at once: what remains is the outbox's own cost."""

            def send(self, phone, text, *, key):
                return key

        people = [
            User.objects.create_user(
                f"duty{n}", email=f"duty{n}@example.gov.cn", phone=f"138{n:08d}", role="monitoring_staff"
            )
            for n in range(max(recipients, 1))
        ]
        settings.BASE_URL = "https://eco.example.gov.cn"
        settings.EMAIL_FROM = "EcoBrain <noreply@eco.example.gov.cn>"

        # 1. notify: one event, ``recipients`` people, email + SMS each (severity 严重).
        counter = iter(range(10**9))

        def one_event():
            notify(
                event_key=f"alarm:{next(counter)}:triggered",
                recipients=people[:recipients],
                kind="alarm",
                title="PM2.5 小时浓度超阈值",
                body="秦都区监测站 PM2.5 小时值 180 μg/m³",
                link="/alarms/1/",
                severity=3,
            )

        notify_ms = median_ms(one_event, 50)
        Notification.objects.all().delete()

        # 2. The sender: emails to a local SMTP server, then SMS through a gateway that does nothing.
        sink = subprocess.Popen(  # noqa: S603 - our interpreter, fixed code
            [sys.executable, "-c", SMTP_SINK, str(ROOT)], stdout=subprocess.PIPE, text=True
        )
        try:
            port = int(sink.stdout.readline())
            settings.SMTP = SMTPConfig(host="127.0.0.1", port=port)
            for n in range(emails):
                notify(event_key=f"mail:{n}", recipients=[people[0]], kind="alarm", title=f"报警 {n}", severity=2)
            started = time.perf_counter()
            summary = Sender(sms_backend=NullSMS()).send_due()
            email_seconds = time.perf_counter() - started
            sent = Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.SENT).count()
        finally:
            sink.kill()
            sink.wait()
        assert summary.sent == sent == emails, (str(summary), sent)
        Notification.objects.all().delete()
        for n in range(emails):
            notify(
                event_key=f"sms:{n}",
                recipients=[people[0]],
                kind="alarm",
                title=f"报警 {n}",
                severity=4,
                now=timezone.now(),
            )
        Delivery.objects.filter(channel=Channel.EMAIL).delete()
        started = time.perf_counter()
        summary = Sender(sms_backend=NullSMS()).send_due()
        sms_seconds = time.perf_counter() - started
        assert summary.sent == emails, str(summary)
        Notification.objects.all().delete()

        # 3. The badge and the stream poll with a large inbox.
        reader = people[0]
        now = timezone.now()
        rows = [
            Notification(
                recipient=reader,
                event_key=f"bulk:{n}",
                kind="alarm",
                severity=2,
                title=f"报警 {n}",
                created=now - timedelta(minutes=n),
                read_at=now if n % 2 else None,
            )
            for n in range(inbox)
        ]
        Notification.objects.bulk_create(rows, batch_size=2000)
        for other in people[1:]:
            Notification.objects.bulk_create(
                [
                    Notification(recipient=other, event_key=f"o:{n}", kind="alarm", title="x", created=now)
                    for n in range(inbox // 4)
                ]
            )
        badge_ms = median_ms(lambda: unread_count(reader.pk), 200)
        poll_ms = median_ms(lambda: (latest_id(reader.pk), unread_count(reader.pk)), 200)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(reader, backend="ecobrain.accounts.backends.ThrottledModelBackend")
        assert client.get("/notifications/?tab=all").status_code == 200
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
            assert client.get("/notifications/?tab=all&page=50").status_code == 200
        page_ms = median_ms(lambda: client.get("/notifications/?tab=all&page=50"), 20)
        return {
            "backend": backend,
            "notify_ms_per_event": notify_ms,
            "notify_recipients": recipients,
            "email": {
                "deliveries": emails,
                "seconds": round(email_seconds, 2),
                "per_second": round(emails / email_seconds, 1),
                "ms_per_delivery": round(email_seconds * 1000 / emails, 2),
            },
            "sms_null_gateway": {
                "deliveries": emails,
                "seconds": round(sms_seconds, 2),
                "per_second": round(emails / sms_seconds, 1),
                "ms_per_delivery": round(sms_seconds * 1000 / emails, 2),
            },
            "inbox_rows": inbox,
            "badge_count_ms": badge_ms,
            "stream_poll_ms": poll_ms,
            "inbox_page_ms": page_ms,
            "inbox_page_queries": len(queries),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--recipients", type=int, default=10)
    parser.add_argument("--inbox", type=int, default=20000)
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(run(args.backend, args.emails, args.recipients, args.inbox), ensure_ascii=False))
        return
    options = ["--emails", str(args.emails), "--recipients", str(args.recipients), "--inbox", str(args.inbox)]
    results = run_on_each_backend(__file__, options)
    print(
        json.dumps(
            {
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
                "runs": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
