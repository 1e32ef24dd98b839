"""`ecobrain mqtt`: subscribe to <prefix>/+/up and store what devices publish (docs/ingest.md, "MQTT")."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from ecobrain.ingest.mqtt import DEFAULT_PREFIX, SESSION_EXPIRY, MQTTIngest


class Command(BaseCommand):
    help = (
        "Run the MQTT subscriber: HJ 212 frames and JSON documents on <prefix>/<MN>/up are stored, answered on "
        "<prefix>/<MN>/down and acknowledged to the broker only after commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="broker URL (default ECOBRAIN_MQTT_URL, mqtt://127.0.0.1:1883)")
        parser.add_argument("--client-id", default=None, help="MQTT client id (default ECOBRAIN_MQTT_CLIENT_ID)")
        parser.add_argument("--prefix", default=DEFAULT_PREFIX, help=f"topic prefix (default {DEFAULT_PREFIX})")
        parser.add_argument(
            "--session-expiry",
            type=int,
            default=SESSION_EXPIRY,
            help=f"seconds the broker keeps the session and queues messages while this subscriber is down "
            f"(default {SESSION_EXPIRY})",
        )
        parser.add_argument("--batch-max", type=int, default=200, help="most messages per commit (default 200)")

    def handle(self, *args, url, client_id, prefix, session_expiry, batch_max, **options):
        if session_expiry < 0 or batch_max < 1 or not prefix.strip("/"):
            raise CommandError("--session-expiry must be ≥ 0, --batch-max ≥ 1 and --prefix not empty")
        subscriber = MQTTIngest(
            url, client_id=client_id, prefix=prefix, session_expiry=session_expiry, batch_max=batch_max
        )
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        config = subscriber.config
        self.stdout.write(
            f"MQTT ingest: {subscriber.topic} on {'mqtts' if config.tls else 'mqtt'}://{config.host}:{config.port} "
            f"as {subscriber.client_id} (Ctrl+C to stop)"
        )
        subscriber.start()
        try:
            while not done.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            subscriber.stop()
            self.stdout.write(
                f"MQTT ingest stopped: {subscriber.messages} message(s) in {subscriber.batches} commit(s)"
            )
