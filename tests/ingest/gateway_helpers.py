"""Shared by the gateway tests: a gateway on a free port in a thread, and a fake data logger's socket."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time

from django.db import OperationalError

from ecobrain.ingest.gateway import Gateway
from ecobrain.standards.hj212 import decode, encode, packet_from_json

WAIT = 3.0  # seconds any single expectation may take


@contextlib.contextmanager
def running_gateway(**options):
    """A Gateway serving on 127.0.0.1 (a free port) in its own thread; stopped and drained on exit."""
    options = {"idle_timeout": 5.0, "frame_timeout": 2.0, "batch_wait": 0.002, **options}
    gw = Gateway("127.0.0.1", 0, **options)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(gw.serve(),), daemon=True)
    thread.start()
    assert gw.ready.wait(WAIT)
    try:
        yield gw
    finally:
        loop.call_soon_threadsafe(gw.stop)
        thread.join(10)
        loop.close()
        assert not thread.is_alive()


def connect(gw: Gateway) -> socket.socket:
    return socket.create_connection(("127.0.0.1", gw.port), timeout=WAIT)


def packet(mn: str, pw: str, cn: str = "2061", *, qn: str = "20260301100000000", cp=None, flag=5, st="31", **extra):
    """A frame from a data logger (``cp`` as sent; a default hourly SO2 value)."""
    if cp is None:
        cp = {"DataTime": "20260301090000", "a21026-Avg": "12.5", "a21026-Flag": "N"}
    document = {"qn": qn, "st": st, "cn": cn, "pw": pw, "mn": mn, "flag": flag, "cp": cp, **extra}
    return encode(packet_from_json(document))


class FrameReader:
    """Reads whole frames from a socket, keeping what arrived beyond the last one for the next call."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.data = b""

    def read(self, count: int = 1, *, wait: float = WAIT) -> list:
        deadline = time.monotonic() + wait
        while self.data.count(b"\r\n") < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{count} frames expected, got {self.data!r}"
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(4096)
            assert chunk, f"connection closed after {self.data!r}"
            self.data += chunk
        frames = []
        for _ in range(count):
            line, self.data = self.data.split(b"\r\n", 1)
            frames.append(decode(line + b"\r\n"))
        return frames

    def nothing(self, wait: float = 0.3) -> None:
        """Assert that no frame arrives within ``wait`` seconds."""
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(4096)
        except TimeoutError:
            return
        assert not chunk or b"\r\n" not in self.data + chunk, f"unexpected frame: {self.data + chunk!r}"
        self.data += chunk


def closed_by_peer(sock: socket.socket, wait: float = WAIT) -> bool:
    """True when the other side closes the connection within ``wait`` seconds (reading past any frames)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not sock.recv(4096):
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def wait_for(condition, wait: float = WAIT) -> None:
    """Poll ``condition`` until it holds. The SQLite test database is in memory with a shared cache, where a
    read meets "table is locked" (not a wait) while the gateway's writer holds a write: that counts as not yet."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if condition():
                return
        except OperationalError:
            pass
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def retry_locked(func, wait: float = WAIT):
    """Run a test-side write; the in-memory SQLite test database answers "table is locked" instead of waiting
    while the gateway's writer thread holds a lock (a file database in WAL mode waits: busy_timeout)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return func()
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def in_writer(gw: Gateway, func):
    """``func()`` run in the gateway's writer thread, after every frame it has received so far is committed and
    accounted for. While a gateway runs, tests touch the database only this way: the in-memory SQLite test
    database answers "table is locked" to one thread while another writes (a file database in WAL mode waits)."""
    return gw.writer.call(func)


def until(gw: Gateway, func, wait: float = WAIT) -> None:
    """Wait until ``func()``, run in the writer thread, is true."""
    wait_for(lambda: in_writer(gw, func), wait)
