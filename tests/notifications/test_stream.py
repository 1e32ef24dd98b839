"""The live stream /notifications/stream/: unread count and new notifications as server-sent events, resumed from
Last-Event-ID, bounded in time, degraded to polling when every slot is taken; over real HTTP through waitress as
`ecobrain serve` runs it.

Persona: a duty officer with the platform open in a tab when an alarm comes in.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecobrain.core.processes import WebComponent
from ecobrain.notifications import stream
from ecobrain.notifications.models import Notification
from ecobrain.notifications.services import notify
from tests.notifications.locking import retry_while_locked

URL = reverse("notifications:stream")


def parse(text: str) -> list[dict]:
    """SSE text → events: {"event", "id", "data", "retry"} (comments dropped)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = json.loads(value) if name == "data" else value
        if fields:
            events.append(fields)
    return events


def tell(user, key, title="PM2.5 超标"):
    return notify(event_key=key, recipients=[user], kind="alarm", title=title, link="/alarms/1/", severity=3)[0]


@pytest.fixture
def short_streams(settings, monkeypatch):
    settings.NOTIFY_STREAM_SECONDS = 0.6
    settings.NOTIFY_STREAMS = 4
    monkeypatch.setattr(stream, "POLL_SECONDS", 0.2)


def read_all(response) -> list[dict]:
    return parse(b"".join(response.streaming_content).decode())


def test_a_stream_starts_with_the_unread_count_and_ends_with_a_retry(login, handler, short_streams):
    tell(handler, "a:1")
    tell(handler, "a:2")
    client = login(handler)
    started = time.monotonic()
    response = client.get(URL)
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache, no-store"
    events = read_all(response)
    assert 0.5 < time.monotonic() - started < 4  # bounded lifetime
    assert events[0] == {"retry": "2000"}
    latest = Notification.objects.filter(recipient=handler).order_by("-id").first()
    # Without Last-Event-ID: the count, no replay of old notifications.
    assert events[1] == {"id": str(latest.pk), "event": "unread", "data": {"unread": 2, "capped": False}}
    assert len(events) == 2
    assert stream.SLOTS.open == 0  # the slot was given back


def test_last_event_id_replays_what_came_since(login, handler, other_user, short_streams):
    first = tell(handler, "a:1")
    tell(other_user, "b:1")
    second = tell(handler, "a:2", title="第二条")
    events = read_all(login(handler).get(URL, HTTP_LAST_EVENT_ID=str(first.pk)))
    assert [e.get("event") for e in events[1:]] == ["notification", "unread"]
    payload = events[1]["data"]
    assert (events[1]["id"], payload["title"], payload["severity_display"]) == (str(second.pk), "第二条", "严重")
    assert payload["open_url"] == reverse("notifications:open", args=[second.pk])
    assert events[2]["data"]["unread"] == 2


def test_when_every_slot_is_taken_the_page_is_told_to_poll(login, handler, settings, short_streams):
    settings.NOTIFY_STREAMS = 0
    settings.NOTIFY_STREAM_SECONDS = 10
    tell(handler, "a:1")
    started = time.monotonic()
    events = read_all(login(handler).get(URL))
    assert time.monotonic() - started < 3  # answered at once, no thread held for the 10 s lifetime
    assert events[0] == {"retry": "30000"}
    assert events[1]["data"]["unread"] == 1


def test_a_bad_last_event_id_is_ignored(login, handler, short_streams):
    tell(handler, "a:1")
    events = read_all(login(handler).get(URL + "?last=abc"))
    assert [e.get("event") for e in events[1:]] == ["unread"]
    events = read_all(login(handler).get(URL, HTTP_LAST_EVENT_ID="9" * 40))  # beyond any row id
    assert [e.get("event") for e in events[1:]] == ["unread"]


def test_the_badge_is_capped(login, handler, short_streams):
    for n in range(105):
        Notification.objects.create(
            recipient=handler, event_key=f"x:{n}", kind="alarm", title="x", created=timezone.now()
        )
    events = read_all(login(handler).get(URL))
    assert events[1]["data"] == {"unread": 100, "capped": True}


# --- over real HTTP, through waitress as `ecobrain serve` runs it ---------------------------------------------------


class SSEClient:
    """A raw HTTP/1.0 GET of the stream (no chunking; the server closes at the end), read event by event."""

    def __init__(self, port: int, session: str, last_id: int | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        headers = f"GET {URL} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        headers += f"Cookie: sessionid={session}\r\n"
        if last_id is not None:
            headers += f"Last-Event-ID: {last_id}\r\n"
        self.sock.sendall((headers + "\r\n").encode())
        self.buffer = b""
        self.head = self._until(b"\r\n\r\n")

    def _until(self, separator: bytes) -> str:
        while separator not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("the stream ended")
            self.buffer += chunk
        part, self.buffer = self.buffer.split(separator, 1)
        return part.decode()

    def next_event(self, name: str | None = None) -> dict:
        while True:
            events = parse(self._until(b"\n\n") + "\n\n")
            if events and (name is None or events[0].get("event") == name):
                return events[0]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def web(transactional_db, settings, monkeypatch):
    settings.NOTIFY_STREAM_SECONDS = 20
    settings.NOTIFY_STREAMS = -1
    monkeypatch.setattr(stream, "POLL_SECONDS", 1.0)
    component = WebComponent("127.0.0.1", 0, threads=4)
    component.start()
    yield component
    component.stop()


def session_of(user) -> str:
    client = Client()
    client.force_login(user, backend="ecobrain.accounts.backends.ThrottledModelBackend")
    return client.cookies["sessionid"].value


def test_a_new_notification_reaches_an_open_page_at_once(web, handler, other_user):
    tell(handler, "old:1")
    sse = SSEClient(web.port, session_of(handler))
    try:
        assert "200 OK" in sse.head.splitlines()[0] and "text/event-stream" in sse.head
        assert sse.next_event("unread")["data"]["unread"] == 1
        assert stream.SLOTS.limit == 2  # half of waitress's 4 threads
        retry_while_locked(lambda: tell(other_user, "alarm:9"))  # someone else's: nothing for this page
        started = time.monotonic()
        fresh = retry_while_locked(lambda: tell(handler, "alarm:10", title="新报警"))
        event = sse.next_event("notification")
        woke_after = time.monotonic() - started
        assert event["data"]["title"] == "新报警" and event["id"] == str(fresh.pk)
        assert woke_after < 0.9  # woken by the commit in this process, not by the 1 s poll
        assert sse.next_event("unread")["data"]["unread"] == 2
        # A change by another process (no wake-up here) is found by the poll.
        retry_while_locked(lambda: Notification.objects.filter(recipient=handler).update(read_at=timezone.now()))
        assert sse.next_event("unread")["data"]["unread"] == 0
    finally:
        sse.close()


def test_a_reconnecting_page_resumes_from_its_last_event_id(web, handler):
    seen = tell(handler, "a:1")
    missed = [tell(handler, f"a:{n}", title=f"错过的{n}") for n in (2, 3)]
    sse = SSEClient(web.port, session_of(handler), last_id=seen.pk)
    try:
        got = [sse.next_event("notification")["data"]["title"] for _ in missed]
        assert got == ["错过的2", "错过的3"]
    finally:
        sse.close()


def test_the_stream_ends_in_time_so_waitress_threads_are_freed(web, handler, settings):
    settings.NOTIFY_STREAM_SECONDS = 2
    sse = SSEClient(web.port, session_of(handler))
    try:
        sse.next_event("unread")
        started = time.monotonic()
        with pytest.raises(EOFError):
            sse.next_event("never")
        assert time.monotonic() - started < 5
    finally:
        sse.close()
    deadline = time.monotonic() + 5
    while stream.SLOTS.open and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stream.SLOTS.open == 0


def test_a_notification_created_long_ago_is_not_replayed_as_new(login, handler, short_streams):
    Notification.objects.create(
        recipient=handler, event_key="old", kind="alarm", title="旧", created=timezone.now() - timedelta(days=3)
    )
    events = read_all(login(handler).get(URL))
    assert [e.get("event") for e in events[1:]] == ["unread"]


def test_stopping_the_web_server_ends_open_streams_at_once(web, handler):
    sse = SSEClient(web.port, session_of(handler))
    try:
        sse.next_event("unread")
        started = time.monotonic()
        web.stop()  # `ecobrain serve` on Ctrl+C / SIGTERM
        with pytest.raises((EOFError, OSError)):
            sse.next_event("never")
        assert time.monotonic() - started < 5  # not the 20 s lifetime
    finally:
        sse.close()
    assert stream.SLOTS.open == 0
    restarted = WebComponent("127.0.0.1", 0, threads=4)
    restarted.start()
    try:  # streams opened after the stop run normally
        again = SSEClient(restarted.port, session_of(handler))
        assert again.next_event("unread")["data"]["unread"] == 0
        again.close()
    finally:
        restarted.stop()


def test_a_page_that_navigated_away_frees_its_slot_within_seconds(web, handler):
    sse = SSEClient(web.port, session_of(handler))
    sse.next_event("unread")
    assert stream.SLOTS.open == 1
    sse.close()  # the browser left the page; the stream's lifetime (20 s here) is far from over
    started = time.monotonic()
    while stream.SLOTS.open and time.monotonic() - started < 10:
        time.sleep(0.1)
    assert stream.SLOTS.open == 0
    assert time.monotonic() - started < stream.POLL_SECONDS + 2  # waitress tells the stream the client is gone
