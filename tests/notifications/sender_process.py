"""`ecobrain notifications send` as a child process against the test database and the test SMTP server.

The child opens the test database by itself (tests.ingest.gateway_process.shared_database: PostgreSQL's test
database, or a file copy of SQLite's in-memory one), so a SIGKILL really ends a separate process mid-send.
``python tests/notifications/sender_process.py --pause-before-mark …`` runs the same command with the sender made to
wait after the server accepted a message and before it records that, to open the one window no outbox closes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
EMAIL_FROM = "咸阳市生态环境局 <noreply@eco.example.gov.cn>"
BASE_URL = "https://eco.example.gov.cn"


def sender_env(database_url: str, smtp_port: int, directory: Path, *, send_timeout: int, lease: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOBRAIN_", "PYTEST_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ecobrain.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "ECOBRAIN_SECRET_KEY": settings.SECRET_KEY,
            "ECOBRAIN_DATA_DIR": str(directory),
            "ECOBRAIN_DATABASE_URL": database_url,
            "ECOBRAIN_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "ECOBRAIN_EMAIL_FROM": EMAIL_FROM,
            "ECOBRAIN_BASE_URL": BASE_URL,
            "ECOBRAIN_NOTIFY_SEND_TIMEOUT": str(send_timeout),
            "ECOBRAIN_NOTIFY_LEASE_SECONDS": str(lease),
            "ECOBRAIN_NOTIFY_POLL_SECONDS": "1",
            "ECOBRAIN_LOG_LEVEL": "INFO",
        }
    )
    return env


class SenderProcess:
    """One child sender; stdout and stderr go to a log file in ``directory``."""

    def __init__(self, env: dict, directory: Path, name: str, *args: str, pause_before_mark: bool = False) -> None:
        self.log_path = directory / f"{name}.log"
        if pause_before_mark:
            command = [sys.executable, str(Path(__file__)), "--pause-before-mark", "send", *args]
        else:
            command = [sys.executable, "-m", "ecobrain", "notifications", "send", *args]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
                command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=directory
            )

    def kill(self) -> None:
        """SIGKILL: no handler, no finally, no rollback code runs in the child."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def wait(self, timeout: float = 60.0) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_until(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


if __name__ == "__main__":  # the pausing sender: ecobrain notifications <args> with a sleep before each mark
    import django

    django.setup()
    from django.core.management import call_command

    from ecobrain.notifications.sender import Sender

    args = sys.argv[1:]
    if args and args[0] == "--pause-before-mark":
        args = args[1:]
        original = Sender._mark

        def paused_mark(self, delivery, token, values):
            sys.stdout.write(f"accepted by the server, pausing before marking delivery {delivery.pk}\n")
            sys.stdout.flush()
            time.sleep(600)
            return original(self, delivery, token, values)

        Sender._mark = paused_mark
    call_command("notifications", *args)
