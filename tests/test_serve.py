"""`ecobrain serve` and `ecobrain demo`: web, HJ 212 gateway, scheduler (and the simulator) in one process.

Persona: the operator who starts EcoBrain on one machine, checks it answers on the web and on the HJ 212 port,
and stops it with Ctrl+C or SIGTERM (systemd) expecting a clean exit.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta

import pytest
from django.core.management import CommandError
from django.db import OperationalError
from django.utils import timezone

from ecobrain.core import jobs
from ecobrain.core.management.commands.demo import backfill_needed
from ecobrain.core.management.commands.serve import complete_options, run_group
from ecobrain.core.models import JobRun
from ecobrain.core.processes import ComponentError, ProcessGroup, WebComponent, serve_components
from ecobrain.monitoring.models import HourObservation
from ecobrain.monitoring.services import ObservationRow, ensure_series, store_observations
from ecobrain.notifications.choices import DeliveryStatus
from ecobrain.notifications.models import Delivery
from ecobrain.notifications.services import notify
from ecobrain.registry.models import MonitoringFactor
from ecobrain.standards.hj212 import decode, encode, packet_from_json
from tests import factories
from tests.notifications.locking import retry_while_locked

WAIT = 10.0
MN, PW = "SERVE0000000000000000001", "serve1"


def frame(qn: str, *, mn: str = MN, pw: str = PW) -> bytes:
    cp = {"DataTime": "20260301090000", "a21026-Avg": "12.5", "a21026-Flag": "N"}
    return encode(packet_from_json({"qn": qn, "st": "31", "cn": "2061", "pw": pw, "mn": mn, "flag": 5, "cp": cp}))


def http_get(port: int, path: str = "/healthz") -> tuple[int, dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=WAIT) as response:
        return response.status, json.loads(response.read())


def send_and_read_ack(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(data)
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = sock.recv(4096)
            assert chunk, "the gateway closed the connection"
            reply += chunk
        return reply


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def counting_job(monkeypatch):
    """An isolated job registry holding one job that records that it ran."""
    monkeypatch.setattr(jobs, "JOBS", {})
    monkeypatch.setattr(jobs, "autodiscover_modules", lambda *_: None)
    ran = threading.Event()

    @jobs.periodic("test.serve", every=3600)
    def mark(now):
        ran.set()
        return "ran inside serve"

    return ran


def test_serve_runs_web_gateway_scheduler_and_notifier_and_stops_them(
    transactional_db, enterprise_in_qindu, counting_job, settings
):
    settings.SMTP, settings.EMAIL_FROM = None, ""
    settings.NOTIFY_POLL_SECONDS = 60  # so only notify()'s wake-up can make the notifier send within WAIT
    factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))
    person = factories.user("duty", "monitoring_staff", city_wide=True)
    person.email = "duty@example.gov.cn"
    person.save()
    components = serve_components(complete_options({"host": "127.0.0.1", "port": 0, "hj212_port": 0, "threads": 2}))
    assert [c.name for c in components] == ["web", "gateway", "scheduler", "notifier"]
    group = ProcessGroup(components)
    group.start()
    try:
        web, gateway, _, notifier = components
        status, body = http_get(web.port)
        assert status == 200 and body["status"] == "ok"
        ack = decode(send_and_read_ack(gateway.service.port, frame("20260301100000001")))
        assert (ack.cn, ack.qn) == ("9014", "20260301100000001")  # stored, then acked
        assert counting_job.wait(WAIT)
        # notify() after commit wakes the notifier of this process (no SMTP here: the email is skipped, not failed).
        retry_while_locked(
            lambda: notify(event_key="test:serve", recipients=[person], kind="system", title="serve", severity=2)
        )
        deadline = time.monotonic() + WAIT
        while _delivery_status() != DeliveryStatus.SKIPPED and time.monotonic() < deadline:
            time.sleep(0.2)
        assert Delivery.objects.get().status == DeliveryStatus.SKIPPED
        assert "email off" in notifier.describe()
        assert all(c.alive() for c in components)
    finally:
        group.stop()
    assert not any(c.alive() for c in components)
    assert JobRun.objects.get(name="test.serve").last_result == "ran inside serve"
    for port in (web.port, gateway.service.port):
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


def _delivery_status() -> str | None:
    try:
        return Delivery.objects.get().status
    except OperationalError:  # the shared-cache test database again
        return None


def test_no_gateway_no_scheduler_and_no_notifier_leave_only_the_web_server(settings):
    options = complete_options(
        {"host": "127.0.0.1", "port": 0, "no_gateway": True, "no_scheduler": True, "no_notifier": True}
    )
    assert [type(c) for c in serve_components(options)] == [WebComponent]
    assert options["threads"] == settings.WEB_THREADS == 32  # room for open pages' notification streams


def test_a_port_in_use_stops_what_was_started_and_says_which(transactional_db):
    busy = socket.create_server(("127.0.0.1", 0))
    try:
        options = complete_options({"host": "127.0.0.1", "port": 0, "hj212_port": busy.getsockname()[1]})
        components = serve_components({**options, "no_scheduler": True, "no_notifier": True})
        with pytest.raises(CommandError, match="gateway did not start"):
            run_group(components, _Discard())
        assert not components[0].alive()  # the web server that had started is stopped again
        with pytest.raises(ComponentError, match=r"web server cannot listen on 127\.0\.0\.1:"):
            WebComponent("127.0.0.1", busy.getsockname()[1]).start()
    finally:
        busy.close()


class _Discard:
    def write(self, text: str) -> None:
        pass


def test_demo_backfills_a_day_first_then_only_the_hours_it_missed(transactional_db, enterprise_in_qindu):
    device = factories.device(mn=MN, password=PW, outlet=factories.outlet(enterprise_in_qindu))
    assert backfill_needed([MN]) == 24
    factor = MonitoringFactor.objects.get(code="a21026")
    series = ensure_series(device.pk, [factor.pk])[factor.pk]
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for latest, expected in ((hour - timedelta(hours=5), 4), (hour - timedelta(hours=1), 0), (hour, 0)):
        store_observations([ObservationRow(series, latest, "1.0", {}, "N")], resolution="hour")
        HourObservation.objects.filter(period_start__gt=latest).delete()
        assert backfill_needed([MN]) == expected


# --- the real command, as an operator runs it ------------------------------------------------------------


def operator_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ECOBRAIN_", "DJANGO_"))}
    env.update(
        {
            "ECOBRAIN_DATA_DIR": str(tmp_path),
            "ECOBRAIN_SECRET_KEY": "x" * 50,
            "DJANGO_SETTINGS_MODULE": "ecobrain.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class Running:
    """A started `python -m ecobrain …` whose output is read line by line in a thread."""

    def __init__(self, tmp_path, *args: str) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
            [sys.executable, "-m", "ecobrain", *args],
            env=operator_env(tmp_path),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in self.lines if text in line), None)
            if found is not None:
                return found
            assert self.process.poll() is None, "\n".join(self.lines)
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not printed in {timeout} s:\n" + "\n".join(self.lines))

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def archived_count(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "ecobrain.sqlite3") as db:
        return db.execute("SELECT count(*) FROM monitoring_archivedpacket").fetchone()[0]


def test_ecobrain_serve_answers_http_and_hj212_and_exits_cleanly_on_sigterm(tmp_path):
    migrate = subprocess.run(
        [sys.executable, "-m", "ecobrain", "migrate", "-v", "0"], env=operator_env(tmp_path), cwd=tmp_path, timeout=300
    )
    assert migrate.returncode == 0
    web_port, hj212_port = free_port(), free_port()
    running = Running(tmp_path, "serve", "--port", str(web_port), "--hj212-port", str(hj212_port))
    try:
        running.wait_for_line("Ctrl+C", timeout=60)
        assert running.wait_for_line("web ", 1).endswith(f"http://127.0.0.1:{web_port}/")
        assert running.wait_for_line("gateway ", 1).endswith(f"127.0.0.1:{hj212_port}")
        assert "email off, SMS LogSMSBackend" in running.wait_for_line("notifier ", 1)
        assert http_get(web_port)[0] == 200
        with socket.create_connection(("127.0.0.1", hj212_port), timeout=WAIT) as sock:
            sock.sendall(frame("1", mn="NOT-REGISTERED"))  # archived as unknown_mn, no ack
            deadline = time.monotonic() + WAIT
            while archived_count(tmp_path) == 0:
                assert time.monotonic() < deadline, "the frame was not archived"
                time.sleep(0.1)
    finally:
        returncode = running.terminate()
    assert returncode == 0, "\n".join(running.lines)
    assert running.lines[-1].endswith("stopped")
    assert "Traceback" not in "\n".join(running.lines)


def test_ecobrain_demo_runs_the_simulator_against_its_own_gateway(tmp_path):
    web_port, hj212_port = free_port(), free_port()
    args = ("demo", "--port", str(web_port), "--hj212-port", str(hj212_port), "--backfill-hours", "0")
    running = Running(tmp_path, *args)
    try:
        running.wait_for_line("Ctrl+C", timeout=240)
        simulator = running.wait_for_line("simulator ", 1)
        assert "372 data loggers" in simulator and f"127.0.0.1:{hj212_port}" in simulator
        assert http_get(web_port)[0] == 200
        deadline = time.monotonic() + 30
        while archived_count(tmp_path) < 249:  # each logger's start-up 1013, then its data
            assert time.monotonic() < deadline, f"{archived_count(tmp_path)} packets archived"
            time.sleep(0.2)
    finally:
        returncode = running.terminate()
    assert returncode == 0, "\n".join(running.lines)
    assert "Traceback" not in "\n".join(running.lines)


def test_serve_with_mqtt_runs_the_subscriber_and_stops_it(transactional_db, settings):
    """`ecobrain serve --mqtt` adds the MQTT subscriber (docs/ingest.md); it is off unless asked for."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 1883)) != 0:
            if os.environ.get("ECOBRAIN_REQUIRE_MQTT") == "1":
                pytest.fail("MQTT broker not reachable on 127.0.0.1:1883 and ECOBRAIN_REQUIRE_MQTT=1")
            pytest.skip("MQTT broker not reachable on 127.0.0.1:1883 (Mosquitto)")
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"
    settings.MQTT_CLIENT_ID = f"ecobrain-serve-test-{os.getpid()}"
    base = {"host": "127.0.0.1", "port": 0, "threads": 2, "no_gateway": True, "no_scheduler": True}
    base["no_notifier"] = True
    assert [c.name for c in serve_components(complete_options(base))] == ["web"]
    components = serve_components(complete_options({**base, "mqtt": True}))
    assert [c.name for c in components] == ["web", "mqtt"]
    group = ProcessGroup(components)
    group.start()
    try:
        mqtt = components[1]
        assert mqtt.ingest.subscribed.wait(5)
        assert "ecobrain/+/up on 127.0.0.1:1883" in mqtt.describe()
        assert mqtt.alive()
    finally:
        group.stop()
    assert not any(c.alive() for c in components)
    assert not mqtt.ingest.connected.is_set()
