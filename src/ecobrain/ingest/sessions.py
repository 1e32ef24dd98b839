"""Device sessions: the gateway's per-batch bookkeeping of each data logger's link, and the offline sweep.

The writer thread gathers one :class:`DeviceTraffic` per device per batch (:func:`collect_traffic`) and writes
them with :func:`record_traffic` in a fixed number of bulk statements, whatever the number of packets: one
select and one prepared update run for every session of the batch (plus a bulk insert and a second select the
first time a device is seen).
See docs/hj212.md, "Gateway: device sessions".
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from ecobrain.ingest.choices import IntervalSource
from ecobrain.ingest.models import DeviceSession, DeviceStatusChange
from ecobrain.monitoring.choices import PacketOutcome

logger = logging.getLogger(__name__)

# Upload CNs whose regular spacing tells how often a device reports (real-time, minute, hourly data).
LEARNED_CNS = ("2011", "2051", "2061")
# A learned interval is kept within these bounds: 30 s is the smallest RtdInterval (standards.md §1.6);
# a device that reports less than daily is judged against a day.
MIN_INTERVAL = 30
MAX_INTERVAL = 86400

ERROR_OUTCOMES = frozenset({PacketOutcome.DECODE_ERROR, PacketOutcome.AUTH_FAILED, "failed"})
DATA_CNS = frozenset({"2011", "2051", "2061", "2031"})
DATA_OUTCOMES = frozenset({PacketOutcome.STORED, PacketOutcome.DUPLICATE})

# The fields record_traffic writes: never `connected=False` nor `disconnected_at`, which only a close sets.
_TRAFFIC_FIELDS = [
    "connected",
    "online",
    "peer",
    "gateway",
    "st",
    "edition",
    "connected_at",
    "last_seen_at",
    "last_data_at",
    "offline_after",
    "packets",
    "data_packets",
    "errors",
    "auth_failures",
    "expected_interval",
    "interval_source",
    "intervals",
    "updated",
]


def gateway_instance_id() -> str:
    """``host:pid``: which gateway process holds a connection (several may share one database)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class DeviceTraffic:
    """What one batch carried for one device; merged into its session by :func:`record_traffic`."""

    packets: int = 0
    data_packets: int = 0
    errors: int = 0
    auth_failures: int = 0
    last_seen_at: datetime | None = None
    last_data_at: datetime | None = None
    peer: str = ""
    st: str = ""
    edition: str = ""
    connected_at: datetime | None = None  # a new connection authenticated as this device in this batch
    data_times: dict[str, list[datetime]] = field(default_factory=dict)  # CN → DataTime of each data packet

    def add_result(self, result, *, peer: str, received_at: datetime) -> None:
        """Count one ingest result of this device (authenticated or not; see ``ingest.services.IngestResult``)."""
        self.packets += 1
        outcome = result.outcome
        if outcome in ERROR_OUTCOMES:
            self.errors += 1
        if outcome == PacketOutcome.AUTH_FAILED:
            self.auth_failures += 1
            return  # a wrong password proves nothing about the device: not "seen"
        packet = result.packet
        if packet is None or result.device_id is None:
            return  # a frame that failed before authentication, counted against its connection's device
        self.last_seen_at = max(self.last_seen_at or received_at, received_at)
        self.peer = peer
        self.st = packet.st[:8]
        self.edition = packet.version
        if outcome in DATA_OUTCOMES and packet.cn in DATA_CNS:
            self.data_packets += 1
            self.last_data_at = max(self.last_data_at or received_at, received_at)
            if packet.data_time is not None:
                self.data_times.setdefault(packet.cn, []).append(packet.data_time)


def collect_traffic(entries: Iterable[tuple[object, str, datetime, int | None]]) -> dict[int, DeviceTraffic]:
    """Per-device traffic of one batch from ``(result, peer, received_at, connection_device_id)`` entries.

    A result names its device when the MN is registered (also for a wrong password); a frame that could not
    be decoded, or whose savepoint failed, counts against the device its connection authenticated as.
    """
    traffic: dict[int, DeviceTraffic] = {}
    for result, peer, received_at, connection_device in entries:
        device_id = getattr(result, "device_id", None) or connection_device
        if device_id is None:
            continue
        traffic.setdefault(device_id, DeviceTraffic()).add_result(result, peer=peer, received_at=received_at)
    return traffic


def record_traffic(
    traffic: Mapping[int, DeviceTraffic], *, gateway: str = "", now: datetime | None = None
) -> list[DeviceSession]:
    """Merge one batch's traffic into the sessions: one select and one bulk update (plus creation on first sight)."""
    if not traffic:
        return []
    now = now or timezone.now()
    ids = list(traffic)
    with transaction.atomic():
        sessions = {s.device_id: s for s in DeviceSession.objects.filter(device_id__in=ids)}
        missing = [device_id for device_id in ids if device_id not in sessions]
        if missing:
            DeviceSession.objects.bulk_create(
                [
                    DeviceSession(device_id=device_id, expected_interval=settings.DEVICE_DEFAULT_INTERVAL, updated=now)
                    for device_id in missing
                ],
                ignore_conflicts=True,
            )
            sessions.update({s.device_id: s for s in DeviceSession.objects.filter(device_id__in=missing)})
        changes = []
        for device_id, batch in traffic.items():
            session = sessions[device_id]
            was_online, seen_before = session.online, session.last_seen_at
            apply_traffic(session, batch, gateway=gateway, now=now)
            if session.online and not was_online:
                changes.append(
                    DeviceStatusChange(
                        device_id=device_id,
                        online=True,
                        at=batch.last_seen_at,
                        last_seen_at=seen_before,
                        peer=session.peer,
                        gateway=session.gateway,
                        expected_interval=session.expected_interval,
                        recorded_at=now,
                    )
                )
        _update_sessions(list(sessions.values()))
        if changes:
            DeviceStatusChange.objects.bulk_create(changes)
    return list(sessions.values())


def _update_sessions(rows: list[DeviceSession]) -> None:
    """One prepared ``UPDATE … WHERE id = %s`` run for every session (``executemany``): one statement to the
    database driver. Django's ``bulk_update`` builds a CASE per field per row, which costs far more CPU in
    the writer thread than the database spends on the update."""
    connection = connections[DeviceSession.objects.db]
    quote = connection.ops.quote_name
    fields = [DeviceSession._meta.get_field(name) for name in _TRAFFIC_FIELDS]
    pk = DeviceSession._meta.pk
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    table = quote(DeviceSession._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608 - names from the model
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields] + [row.pk] for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def apply_traffic(session: DeviceSession, batch: DeviceTraffic, *, gateway: str, now: datetime) -> None:
    """The in-memory part of :func:`record_traffic` for one session."""
    session.packets += batch.packets
    session.data_packets += batch.data_packets
    session.errors += batch.errors
    session.auth_failures += batch.auth_failures
    session.updated = now
    if batch.last_data_at is not None:
        session.last_data_at = max(session.last_data_at or batch.last_data_at, batch.last_data_at)
    for cn, times in batch.data_times.items():
        if cn in LEARNED_CNS:
            learn_spacing(session, cn, times)
    choose_interval(session)
    if batch.last_seen_at is None:
        return
    session.last_seen_at = max(session.last_seen_at or batch.last_seen_at, batch.last_seen_at)
    session.online = True
    session.connected = True
    if gateway:
        session.gateway = gateway
    session.peer = batch.peer or session.peer
    session.st = batch.st or session.st
    session.edition = batch.edition or session.edition
    if batch.connected_at is not None:
        session.connected_at = batch.connected_at
    elif session.connected_at is None:
        session.connected_at = batch.last_seen_at
    session.offline_after = offline_after(session)


def offline_after(session: DeviceSession) -> datetime | None:
    if session.last_seen_at is None:
        return None
    return session.last_seen_at + timedelta(seconds=session.expected_interval * settings.DEVICE_OFFLINE_INTERVALS)


def learn_spacing(session: DeviceSession, cn: str, data_times: list[datetime]) -> None:
    """Learn a CN's interval from the spacing of its DataTimes: the same spacing twice in a row is regular.

    DataTime, not arrival time, so a burst of re-sent history teaches nothing wrong; an older DataTime than the
    last one (a re-send, a history re-upload) is skipped.
    """
    state = dict(session.intervals.get(cn) or {})
    last = _parse_time(state.get("last"))
    spacing = state.get("spacing")
    for moment in sorted(data_times):
        if last is not None and moment <= last:
            continue
        if last is not None:
            gap = int((moment - last).total_seconds())
            learned = min(max(gap, MIN_INTERVAL), MAX_INTERVAL)
            if gap == spacing and state.get("interval") != learned:  # traffic wins over an earlier setting
                state["interval"] = learned
                state["source"] = IntervalSource.LEARNED
            spacing = gap
        last = moment
    if last is not None:
        state["last"] = last.isoformat()
    if spacing is not None:
        state["spacing"] = spacing
    session.intervals = {**session.intervals, cn: state}


def set_reported_interval(session: DeviceSession, cn: str, seconds: int) -> None:
    """An interval the device reported (1061/1063) or accepted (1062/1064) for the data of ``cn``."""
    state = dict(session.intervals.get(cn) or {})
    state["interval"] = min(max(int(seconds), 1), MAX_INTERVAL)
    state["source"] = IntervalSource.COMMAND
    session.intervals = {**session.intervals, cn: state}
    choose_interval(session)
    session.offline_after = offline_after(session)


def choose_interval(session: DeviceSession) -> None:
    """The expected interval: the smallest interval of the CNs still reporting, else the default.

    A CN counts while its last DataTime is within N of its own intervals of the newest DataTime of any CN, so
    a device that stops real-time uploads but keeps sending minute data is judged by its minute data.
    """
    candidates = []
    newest = max(
        (t for t in (_parse_time(s.get("last")) for s in session.intervals.values()) if t is not None), default=None
    )
    for state in session.intervals.values():
        interval = state.get("interval")
        if not interval:
            continue
        last = _parse_time(state.get("last"))
        window = timedelta(seconds=interval * settings.DEVICE_OFFLINE_INTERVALS)
        if last is not None and newest is not None and newest - last > window:
            continue  # this CN has stopped while others go on
        candidates.append((interval, state.get("source") or IntervalSource.LEARNED))
    if candidates:
        session.expected_interval, session.interval_source = min(candidates)
    else:
        session.expected_interval = settings.DEVICE_DEFAULT_INTERVAL
        session.interval_source = IntervalSource.DEFAULT


def mark_disconnected(device_ids: Iterable[int], *, gateway: str, at: datetime | None = None) -> int:
    """A connection closed: its devices are no longer connected (unless another gateway holds them now)."""
    ids = list(device_ids)
    if not ids:
        return 0
    return DeviceSession.objects.filter(device_id__in=ids, gateway=gateway, connected=True).update(
        connected=False, disconnected_at=at or timezone.now(), updated=at or timezone.now()
    )


def clear_stale_connections(gateway: str, *, now: datetime | None = None) -> int:
    """At gateway start: sessions this host's earlier gateway processes left marked connected (a kill -9, a
    crash) are not connected. Gateways on other hosts, and live processes here, are left alone."""
    host = gateway.rsplit(":", 1)[0]
    stale = []
    for instance in (
        DeviceSession.objects.filter(connected=True, gateway__startswith=f"{host}:")
        .values_list("gateway", flat=True)
        .distinct()
    ):
        pid = instance.rsplit(":", 1)[-1]
        if instance == gateway or not pid.isdigit() or not _process_alive(int(pid)):
            stale.append(instance)
    if not stale:
        return 0
    now = now or timezone.now()
    return DeviceSession.objects.filter(connected=True, gateway__in=stale).update(
        connected=False, disconnected_at=now, updated=now
    )


def mark_offline(now: datetime | None = None) -> int:
    """Sessions with no data or heartbeat for N expected intervals become offline, each with a status change.

    One select of the sessions due, then one conditional update each (on the ``offline_after`` read), so a
    session that a gateway refreshed in between stays online and gets no change row. Going offline is rare
    next to traffic: a few statements per device that went offline, none otherwise.
    """
    now = now or timezone.now()
    due = list(
        DeviceSession.objects.filter(online=True, offline_after__lt=now).values_list(
            "pk", "device_id", "offline_after", "last_seen_at", "peer", "gateway", "expected_interval"
        )
    )
    count = 0
    for pk, device_id, after, last_seen, peer, gateway, interval in due:
        with transaction.atomic():
            changed = DeviceSession.objects.filter(pk=pk, online=True, offline_after=after).update(
                online=False, updated=now
            )
            if changed:
                count += 1
                DeviceStatusChange.objects.create(
                    device_id=device_id,
                    online=False,
                    at=after,
                    last_seen_at=last_seen,
                    peer=peer,
                    gateway=gateway,
                    expected_interval=interval,
                    recorded_at=now,
                )
    return count


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _parse_time(text) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
