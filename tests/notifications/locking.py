"""Writes from the test thread while server threads read the same SQLite test database.

pytest-django's SQLite test database lives in memory with a shared cache, where a table another thread is
reading refuses a write at once ("database table is locked") instead of waiting as a file database in WAL mode
does. Tests that write while a web server or sender thread polls retry the write briefly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError

T = TypeVar("T")


def retry_while_locked(write: Callable[[], T], *, seconds: float = 5.0) -> T:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return write()
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
