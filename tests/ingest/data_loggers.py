"""Simulated data loggers for the reliability tests: hourly uploads with Flag=5, re-sent until acked.

A logger behaves as HJ 212 asks of a real one (standards.md §1.6, HJ 212-2017 Table 1 timeouts and retries, in
short test time): it keeps up to ``in_flight`` uploads unacknowledged, re-sends an upload whose 9014 ack did not
come within ``ack_timeout``, and when its connection drops it reconnects and re-sends every upload still unacked.
Everything runs in the test's main thread (``drive`` is a select loop), so the test can check the database
the moment an ack arrives.
"""

from __future__ import annotations

import select
import socket
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ecobrain.standards.hj212 import CHINA_TZ, decode, encode, packet_from_json

FACTORS = ("a21026", "a21002", "a34013", "a19001", "a01012")
FIRST_HOUR = datetime(2026, 1, 1, tzinfo=CHINA_TZ)


@dataclass(frozen=True)
class Upload:
    """One hourly upload (CN=2061): its QN, frame, the values as sent and the UTC period start they key to."""

    qn: str
    frame: bytes
    values: dict[str, str]
    period_start: datetime


def make_upload(mn: str, password: str, number: int, hour: int) -> Upload:
    data_time = FIRST_HOUR + timedelta(hours=hour)
    # Value texts with trailing zeros and varying decimals: stored text must equal sent text exactly.
    values = {code: f"{(number * 37 + hour * 11 + i * 5) % 500}.{(hour + i) % 10}0" for i, code in enumerate(FACTORS)}
    cp = {"DataTime": data_time.strftime("%Y%m%d%H%M%S")}
    for code, text in values.items():
        cp[f"{code}-Avg"] = text
        cp[f"{code}-Flag"] = "N"
    qn = data_time.strftime("%Y%m%d%H%M%S") + f"{number % 1000:03d}"
    document = {"qn": qn, "st": "31", "cn": "2061", "pw": password, "mn": mn, "flag": 5, "cp": cp}
    return Upload(qn, encode(packet_from_json(document)), values, data_time.astimezone(UTC))


class DataLogger:
    """One device: its uploads, what is in flight, what was acked and how often each upload was sent."""

    def __init__(
        self, mn: str, password: str, port: int, *, number: int, hours: int, in_flight: int, ack_timeout: float
    ) -> None:
        self.mn = mn
        self.port = port
        self.in_flight = in_flight
        self.ack_timeout = ack_timeout
        self.uploads = {u.qn: u for u in (make_upload(mn, password, number, hour) for hour in range(hours))}
        self.queue: deque[str] = deque(self.uploads)  # QNs waiting to be sent (again)
        self.inflight: dict[str, float] = {}  # QN → when last sent
        self.acked: dict[str, float] = {}  # QN → when its first ack came
        self.sends: Counter[str] = Counter()
        self.acks: Counter[str] = Counter()
        self.unexpected: list[bytes] = []  # frames that are not a 9014 ack for something we sent
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.reconnect_at = 0.0
        self.disconnects = 0

    @property
    def done(self) -> bool:
        return not self.queue and not self.inflight and len(self.acked) == len(self.uploads)

    def resend(self, qn: str) -> None:
        """Send ``qn`` again (e.g. an acked upload whose ack the logger never saw)."""
        self.queue.appendleft(qn)

    def step(self, now: float) -> None:
        if self.sock is None:
            if now < self.reconnect_at:
                return
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=1.0)
            except OSError:
                self.reconnect_at = now + 0.1
                return
        for qn, sent_at in list(self.inflight.items()):
            if self.sock is not None and now - sent_at > self.ack_timeout:
                self._send(qn, now)
        while self.queue and len(self.inflight) < self.in_flight and self.sock is not None:
            self._send(self.queue.popleft(), now)

    def _send(self, qn: str, now: float) -> None:
        self.inflight[qn] = now
        self.sends[qn] += 1
        try:
            self.sock.sendall(self.uploads[qn].frame)
        except OSError:
            self.lost()

    def receive(self) -> list[str]:
        """Read what arrived; returns the QNs acknowledged by it (first acks and acks of re-sends)."""
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.lost()
            return []
        lines = (self.buffer + data).split(b"\r\n")
        self.buffer = lines.pop()
        acked = []
        for line in lines:
            try:
                ack = decode(line + b"\r\n")
            except ValueError:
                self.unexpected.append(line)
                continue
            if ack.cn != "9014" or ack.mn != self.mn or ack.qn not in self.uploads:
                self.unexpected.append(line)
                continue
            self.acks[ack.qn] += 1
            self.inflight.pop(ack.qn, None)
            self.acked.setdefault(ack.qn, time.monotonic())
            acked.append(ack.qn)
        return acked

    def lost(self) -> None:
        """The connection dropped: reconnect soon and re-send every upload still unacked."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
            self.disconnects += 1
        self.buffer = b""
        self.queue.extendleft(reversed([qn for qn in self.inflight if qn not in self.queue]))
        self.inflight.clear()
        self.reconnect_at = time.monotonic() + 0.1

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def drive(
    loggers: Iterable[DataLogger],
    *,
    until: Callable[[], bool],
    timeout: float,
    on_ack: Callable[[DataLogger, str], None] | None = None,
    what: str = "condition",
) -> None:
    """Run the loggers until ``until()`` holds; fail the test after ``timeout`` seconds."""
    loggers = list(loggers)
    deadline = time.monotonic() + timeout
    while not until():
        now = time.monotonic()
        assert now < deadline, f"{what} not reached within {timeout} s"
        for logger in loggers:
            logger.step(now)
        open_ = {lg.sock: lg for lg in loggers if lg.sock is not None}
        if not open_:
            time.sleep(0.02)
            continue
        readable, _, _ = select.select(list(open_), [], [], 0.02)
        for sock in readable:
            logger = open_[sock]
            for qn in logger.receive():
                if on_ack is not None:
                    on_ack(logger, qn)
