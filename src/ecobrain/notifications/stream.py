"""Live push to open pages: the server-sent event stream of ``/notifications/stream/``.

A stream tells one user their unread count and the notifications created since the ``Last-Event-ID`` the browser
sends back on reconnecting (or ``?last=`` from the page; without either, only newer ones). It lives
``NOTIFY_STREAM_SECONDS`` (25 s by default) and then ends with ``retry:``, so the browser reconnects and a waitress
thread is never held for long. Changes made in this process (``notify``, marking read) wake the stream at once
through :func:`~ecobrain.notifications.services.on_inbox_change`; changes made by other processes (the worker's
alarm jobs) are seen by a poll of two indexed queries every few seconds.

A web process keeps at most ``NOTIFY_STREAMS`` streams open (default: half its threads, so requests always have
threads left). Beyond that, a stream answers with the current state at once and asks the browser to come back in
30 s: the page degrades to polling instead of starving the server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import translation

from ecobrain.notifications.models import Notification

RETRY_MS = 2000  # reconnect delay after a stream ends normally
BUSY_RETRY_MS = 30000  # reconnect delay when every stream slot is taken (the page polls)
POLL_SECONDS = 3.0  # how often a stream looks for changes made by other processes
# A comment line after this long without an event. Under waitress a closed tab is seen at the next poll
# (client_gone); other servers only notice it when a write fails, which this bounds.
KEEPALIVE_SECONDS = 5.0
MAX_NEW = 5  # at most this many new notifications per event batch (the badge counts the rest)
BADGE_CAP = 100  # counts stop here ("99+"): the count query reads at most this many index entries


class StreamSlots:
    """How many streams this process may hold open at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0
        self._threads: int | None = None  # the web server's thread count, when `ecobrain serve` told us

    def size_for_threads(self, threads: int) -> None:
        self._threads = threads

    @property
    def limit(self) -> int:
        if settings.NOTIFY_STREAMS >= 0:
            return settings.NOTIFY_STREAMS
        return max(1, (self._threads or settings.WEB_THREADS) // 2)

    @property
    def open(self) -> int:
        return self._open

    def acquire(self) -> bool:
        with self._lock:
            if self._open >= self.limit:
                return False
            self._open += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._open = max(0, self._open - 1)


class InboxHub:
    """A change counter per user, bumped after commits in this process; streams wait on it."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._versions: dict[int, int] = {}
        self.epoch = 0  # bumped when the web server stops: streams opened before end now, later ones run

    def close_all(self) -> None:
        with self._condition:
            self.epoch += 1
            self._condition.notify_all()

    def changed(self, user_ids: set[int]) -> None:
        with self._condition:
            for user_id in user_ids:
                self._versions[user_id] = self._versions.get(user_id, 0) + 1
            self._condition.notify_all()

    def version(self, user_id: int) -> int:
        with self._condition:
            return self._versions.get(user_id, 0)

    def wait(self, user_id: int, seen: int, timeout: float, epoch: int) -> int:
        """Block until ``user_id``'s counter differs from ``seen``, the streams of ``epoch`` are closed, or
        ``timeout`` passes; returns the counter."""
        with self._condition:
            self._condition.wait_for(lambda: self.epoch != epoch or self._versions.get(user_id, 0) != seen, timeout)
            return self._versions.get(user_id, 0)


SLOTS = StreamSlots()
HUB = InboxHub()


def size_stream_slots(threads: int) -> None:
    """Called by `ecobrain serve` with the web server's thread count (default limit: half of them)."""
    SLOTS.size_for_threads(threads)


def close_streams() -> None:
    """End every open stream of this process at once (the web server is stopping; browsers reconnect elsewhere)."""
    HUB.close_all()


def unread_count(user_id: int) -> int:
    """Unread notifications, counted up to :data:`BADGE_CAP` (index ``notification_inbox``)."""
    unread = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).order_by()  # no sort to count
    return unread.values("id")[:BADGE_CAP].count()


def latest_id(user_id: int) -> int:
    """The id of the user's newest notification (index ``notification_recipient_id``), 0 when none."""
    return Notification.objects.filter(recipient_id=user_id).order_by("-id").values_list("id", flat=True).first() or 0


def notification_payload(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "kind_display": str(notification.get_kind_display()),
        "severity": notification.severity,
        "severity_display": str(notification.get_severity_display()),
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "open_url": reverse("notifications:open", args=[notification.pk]),
        "created": notification.created,
    }


def _event(name: str, data: dict, event_id: int | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {name}")
    lines.append("data: " + json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))
    return "\n".join(lines) + "\n\n"


def parse_last_id(value: str | None) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if 0 <= number < 2**63 else None  # a row id the database can hold


def _changes(user_id: int, last_id: int, unread: int | None) -> tuple[list[str], int, int]:
    """Events for what changed since (``last_id``, ``unread``); returns them with the new state."""
    events = []
    newest = latest_id(user_id)
    if newest > last_id:
        fresh = list(Notification.objects.filter(recipient_id=user_id, id__gt=last_id).order_by("-id")[:MAX_NEW])
        for notification in reversed(fresh):
            events.append(_event("notification", notification_payload(notification), notification.pk))
    count = unread_count(user_id)
    if count != unread or newest > last_id:
        events.append(_event("unread", {"unread": count, "capped": count >= BADGE_CAP}, max(newest, last_id)))
    return events, max(newest, last_id), count


def busy_stream(user_id: int, last_id: int | None) -> Iterator[str]:
    """Every slot taken: the state now, and come back in 30 s."""
    yield f"retry: {BUSY_RETRY_MS}\n\n"
    events, _newest, _count = _changes(user_id, latest_id(user_id) if last_id is None else last_id, None)
    yield from events


def event_stream(
    user_id: int,
    last_id: int | None,
    *,
    lifetime: float | None = None,
    language: str | None = None,
    client_gone: Callable[[], bool] | None = None,
) -> Iterator[str]:
    """The events of one stream, for ``lifetime`` seconds.

    The slot is taken on the first step of the generator and given back when it ends or the client leaves (the
    server closes the generator), so a response that is never iterated holds nothing. ``client_gone`` (waitress's
    ``waitress.client_disconnected``) lets a stream end as soon as its page is closed, without waiting for a write
    to fail.
    """
    # The generator runs after the view returned: use the request's language, not the thread's leftover one.
    with translation.override(language or settings.LANGUAGE_CODE):
        yield from _stream(user_id, last_id, lifetime, client_gone)


def _stream(
    user_id: int, last_id: int | None, lifetime: float | None, client_gone: Callable[[], bool] | None
) -> Iterator[str]:
    if not SLOTS.acquire():
        yield from busy_stream(user_id, last_id)
        return
    lifetime = settings.NOTIFY_STREAM_SECONDS if lifetime is None else lifetime
    try:
        deadline = time.monotonic() + lifetime
        epoch = HUB.epoch
        version = HUB.version(user_id)
        yield f"retry: {RETRY_MS}\n\n"
        if last_id is None:
            last_id = latest_id(user_id)
        events, last_id, unread = _changes(user_id, last_id, None)
        yield from events
        last_write = time.monotonic()
        while HUB.epoch == epoch:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            seen = version
            version = HUB.wait(user_id, seen, min(POLL_SECONDS, remaining), epoch)
            if client_gone is not None and client_gone():
                return
            events, last_id, unread = _changes(user_id, last_id, unread)
            if events:
                yield from events
                last_write = time.monotonic()
            elif time.monotonic() - last_write >= KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                last_write = time.monotonic()
    finally:
        SLOTS.release()
