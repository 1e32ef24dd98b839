"""`ecobrain gateway` as a real child process against the test database, for the reliability tests.

A gateway that is killed with SIGKILL, or whose database goes away, has to be a separate process that opens the
test database by itself. On PostgreSQL that is the test database pytest-django created. On SQLite pytest-django's
test database lives in memory, which no other process can open, so :func:`shared_database` copies it into a file
(SQLite's backup API: schema, base data and what the test committed so far) and points the test's own ORM
connection at that file until the test ends; the in-memory database is kept open and restored afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

START_TIMEOUT = 30.0  # a Django process starting on a loaded 2-core machine


@contextlib.contextmanager
def shared_database() -> Iterator[str]:
    """An ``ECOBRAIN_DATABASE_URL`` for a subprocess that sees what the test committed (transactional_db)."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "127.0.0.1"
        port = f":{db['PORT']}" if db["PORT"] else ""
        yield f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
        return
    directory = Path(tempfile.mkdtemp(prefix="ecobrain-gw-db-"))
    path = directory / "test.sqlite3"
    connection.ensure_connection()
    memory = connection.connection
    with contextlib.closing(sqlite3.connect(path)) as copy:
        memory.backup(copy)
    saved_name = connection.settings_dict["NAME"]
    connection.connection = None  # the next ORM query opens the file
    connection.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved_name
        connection.connection = memory
        for file in directory.iterdir():
            file.unlink()
        directory.rmdir()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GatewayProcess:
    """One `python -m ecobrain gateway` child on a fixed port; its log (stderr) is kept in a file."""

    def __init__(self, database_url: str, port: int, directory: Path, *, extra: tuple[str, ...] = ()) -> None:
        self.port = port
        self.extra = extra  # more `ecobrain gateway` options
        self.directory = directory
        self.log_path = directory / "gateway.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOBRAIN_", "PYTEST_"))}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "ecobrain.settings",
                "ECOBRAIN_SECRET_KEY": settings.SECRET_KEY,
                "ECOBRAIN_FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,  # decrypts the devices' passwords
                "ECOBRAIN_DATA_DIR": str(directory),
                "ECOBRAIN_DATABASE_URL": database_url,
                "ECOBRAIN_DB_CONN_MAX_AGE": "60",  # a persistent connection, as in production
                "ECOBRAIN_LOG_LEVEL": "INFO",
            }
        )
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "the gateway is already running"
        command = [sys.executable, "-m", "ecobrain", "gateway", "--port", str(self.port)]
        command += ["--idle-timeout", "60", "--frame-timeout", "10", *self.extra]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
                command, env=self.env, stdout=subprocess.DEVNULL, stderr=log, cwd=self.directory
            )
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"the gateway exited with {self.proc.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return
            assert time.monotonic() < deadline, f"the gateway did not listen within {START_TIMEOUT} s:\n{self.log()}"
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, queued packets and the open transaction are simply gone."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if not self.running():
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
