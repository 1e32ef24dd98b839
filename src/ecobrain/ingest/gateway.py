"""The HJ 212 TCP gateway: asyncio connections → one writer thread with group commit → 9014 acks after commit.

Each connection has a :class:`FrameBuffer` that cuts the byte stream into frames (``##`` + 4-digit length +
data segment + CRC + CR LF) and decodes each frame (``services.Frame.of``, in the event loop's thread); every
frame goes to the single :class:`BatchWriter` thread (Django's ORM is synchronous), which ingests whatever
is queued (up to ``batch_max`` packets, or what arrived within ``batch_wait`` seconds) in one transaction
via :func:`ecobrain.ingest.services.ingest_packets`. Only after that commit are the data acks sent, each on its
packet's connection (ARCHITECTURE.md decision 4). The queue
is bounded (``queue_max`` frames, ``queue_bytes`` bytes, counting the batch being written): when it is full
the connections stop reading until the writer catches up, so memory stays bounded and TCP slows the data
loggers down. See docs/hj212.md, "Gateway".
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.utils import timezone

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.accounts.services import record_security_event
from ecobrain.ingest import services, sessions
from ecobrain.ingest.dispatch import CommandDispatcher
from ecobrain.ingest.framing import FrameBuffer
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.standards.hj212 import MAX_DATA_LENGTH, Packet, build_frame

logger = logging.getLogger(__name__)

AUTH_OUTCOMES = frozenset({PacketOutcome.UNKNOWN_MN, PacketOutcome.AUTH_FAILED})
NOTIFY_CNS = frozenset({"1013"})  # device notifications the gateway acknowledges with 9013 when A=1
DATA_CNS = frozenset(services.RESOLUTION_BY_CN)


def ack_frame(packet: Packet, *, cn: str = "9014") -> bytes:
    """The 9014 data ack (or 9013 notify ack; standards.md §1.3, §1.6): the upload's QN, ST=91, its PW and MN,
    reply Flag, empty CP.

    The frame ``encode`` gives for ``Packet(version, qn, st="91", cn, pw, mn, flag)`` (a test checks that they
    agree), its data segment written directly: one ack per packet, built without a Packet in between."""
    version_bits = (packet.flag or 0) & ~0b11  # same edition, no ack asked, not split (2017: Flag=4)
    qn = "" if packet.qn is None else f"QN={packet.qn};"
    return build_frame(f"{qn}ST=91;CN={cn};PW={packet.pw};MN={packet.mn};Flag={version_bits};CP=&&&&")


@dataclass
class _Work:
    """A frame for the writer, decoded in the event loop's thread (where it overlaps the writer's time in the
    database, which runs without the GIL)."""

    frame: services.Frame
    connection: Connection

    @property
    def raw(self) -> bytes:
        return self.frame.raw

    @property
    def peer(self) -> str:
        return self.frame.peer

    @property
    def received_at(self) -> datetime:
        return self.frame.received_at


@dataclass
class _Call:
    """A function to run in the writer thread, after everything queued before it (see ``BatchWriter.call``)."""

    func: Callable
    future: Future


@dataclass
class _Closed:
    """A connection ended: its devices are no longer connected (handled in the writer, after its frames)."""

    connection: Connection
    at: datetime


class BatchWriter:
    """The one writer thread: group commit of everything queued, then acks handed back to the event loop; the
    session bookkeeping of the batches follows every ``session_interval`` seconds (a few bulk statements, see
    :mod:`ecobrain.ingest.sessions` and :meth:`_flush_sessions`)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        batch_max: int = 500,
        batch_wait: float = 0.0,
        queue_max: int = 20_000,
        queue_bytes: int = 32 * 2**20,
        wal_checkpoint: float = 1.0,
        ingest: Callable | None = None,
        gateway_id: str = "",
        max_auth_failures: int | None = None,
        command_poll: float = 1.0,
        session_interval: float = 0.5,
    ) -> None:
        self.loop = loop
        self.batch_max = batch_max
        self.max_auth_failures = max_auth_failures or settings.HJ212_MAX_AUTH_FAILURES
        self.batch_wait = batch_wait
        # Backpressure: frames (and their bytes) submitted and not yet written, counted in the event loop's thread.
        self.queue_max = queue_max
        self.queue_bytes = queue_bytes
        self.queued_frames = 0
        self.queued_bytes = 0
        self.waits = 0  # how often a connection stopped reading because the queue was full
        self._paused: set[Connection] = set()  # connections that stopped reading until the queue has room
        self.gateway_id = gateway_id or sessions.gateway_instance_id()
        self._ingest = ingest
        self.wal_checkpoint = wal_checkpoint
        self.checkpointer: WalCheckpointer | None = None
        self._autocheckpoint_off = None  # the driver connection whose automatic checkpoint is off
        self._queue: queue.SimpleQueue[_Work | _Closed | _Call | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="hj212-writer", daemon=True)
        self.batches = 0
        self.packets = 0
        self.failed_batches = 0
        # device id → the connection that last authenticated as it (owned by the writer thread)
        self.device_connections: dict[int, Connection] = {}
        # Split messages being reassembled, across connections (a logger may reconnect between parts).
        self.split = services.SplitMessages()
        self.dispatcher = CommandDispatcher(self, poll=command_poll)
        # Session bookkeeping of committed batches not yet written (device id → traffic), and when it is due: it
        # is written every ``session_interval`` seconds, not after every batch (see _flush_sessions).
        self.session_interval = session_interval
        self._traffic: dict[int, sessions.DeviceTraffic] = {}
        self._traffic_due: float | None = None

    def start(self) -> None:
        self._thread.start()

    def submit(self, work: _Work) -> None:
        """Queue a frame (from the event loop's thread); when :meth:`full`, the connection then stops reading
        (:meth:`pause`) until the writer has caught up."""
        self.queued_frames += 1
        self.queued_bytes += len(work.raw)
        self._queue.put(work)

    def full(self) -> bool:
        return self.queued_frames >= self.queue_max or self.queued_bytes >= self.queue_bytes

    def pause(self, connection: Connection) -> None:
        """In the event loop: ``connection`` reads no more until the queue is below its bounds again (TCP then
        slows the data logger down)."""
        self.waits += 1
        self._paused.add(connection)
        connection.pause_reading()

    def _written(self, frames: int, nbytes: int) -> None:
        """In the event loop: ``frames`` queued frames are written (committed or failed); resume the readers."""
        self.queued_frames -= frames
        self.queued_bytes -= nbytes
        if self._paused and not self.full():
            paused, self._paused = self._paused, set()
            for connection in paused:
                connection.resume_reading()

    def send(self, connection: Connection, data: bytes) -> None:
        """Write ``data`` to a connection from this thread (the event loop does the writing)."""
        self.loop.call_soon_threadsafe(connection.send, data)

    def connection_closed(self, connection: Connection) -> None:
        self._queue.put(_Closed(connection, timezone.now()))

    def call(self, func: Callable, timeout: float = 10.0):
        """Run ``func()`` in the writer thread once every frame queued before it is committed and accounted for,
        and return its result. The writer is the gateway's one database thread: this is how a caller reads or
        writes in step with it (tests do; an in-memory SQLite database locks tables instead of waiting)."""
        future: Future = Future()
        self._queue.put(_Call(func, future))
        return future.result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then end the thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self._guard(sessions.clear_stale_connections, self.gateway_id)
            self._start_checkpointer()
            stopping = False
            while not stopping:
                try:
                    first = self._queue.get(timeout=self._seconds_to_wait())
                except queue.Empty:
                    self._flush_sessions_if_due()
                    if self.dispatcher.seconds_to_poll() == 0:
                        self._poll_commands()
                    continue
                if first is None:
                    break
                items = [first]
                works = 1 if isinstance(first, _Work) else 0
                deadline = time.monotonic() + self.batch_wait
                while works < self.batch_max:
                    remaining = deadline - time.monotonic()
                    try:
                        item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        stopping = True
                        break
                    items.append(item)
                    works += isinstance(item, _Work)
                batch = [item for item in items if isinstance(item, _Work)]
                if batch:
                    try:
                        self._commit(batch)
                    finally:
                        nbytes = sum(len(work.raw) for work in batch)
                        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                            self.loop.call_soon_threadsafe(self._written, len(batch), nbytes)
                closed = [item for item in items if isinstance(item, _Closed)]
                calls = [item for item in items if isinstance(item, _Call)]
                if closed or calls:  # a closed connection's sessions, and a caller, see every batch before it
                    self._flush_sessions()
                if closed:
                    self._guard(self._connections_closed, closed)
                for call in calls:
                    self._run_call(call)
                self._flush_sessions_if_due()
                if self.dispatcher.seconds_to_poll() == 0:
                    self._poll_commands()
            # Stopping: every connection goes with the gateway.
            self._flush_sessions()
            self._guard(self._connections_closed, [_Closed(c, timezone.now()) for c in self._open_connections()])
        finally:
            if self.checkpointer is not None:
                self.checkpointer.stop()
            connections.close_all()

    def _seconds_to_wait(self) -> float:
        """How long the idle writer may wait for frames: until the next command poll or the sessions are due."""
        wait = self.dispatcher.seconds_to_poll()
        if self._traffic_due is not None:
            wait = min(wait, max(0.0, self._traffic_due - time.monotonic()))
        return wait

    def _poll_commands(self) -> None:
        self._flush_sessions()  # commands are encoded for the edition (and ST) the session holds
        self._guard(self.dispatcher.poll)

    def _flush_sessions_if_due(self) -> None:
        if self._traffic_due is not None and time.monotonic() >= self._traffic_due:
            self._flush_sessions()

    def _flush_sessions(self) -> None:
        """Write the pending session bookkeeping (one select and one update for all its devices).

        Sessions are written at most every ``session_interval`` seconds, with the traffic of every batch committed
        since merged per device (``sessions.merge_traffic``): under load a device sends in many batches a second,
        and writing its session after each batch cost a select, an update and a commit each time. It is written
        before anything that reads sessions (a ``call``, command polling and replies, closed connections) and
        when the gateway stops, so only the ``last_seen_at`` others read may lag by up to the interval."""
        if not self._traffic:
            self._traffic_due = None
            return
        traffic, self._traffic, self._traffic_due = self._traffic, {}, None
        self._guard(functools.partial(sessions.record_traffic, gateway=self.gateway_id), traffic)

    def _start_checkpointer(self) -> None:
        """SQLite on a file: checkpoint the WAL in a thread of its own (:class:`WalCheckpointer`)."""
        conn = connections["default"]
        name = str(conn.settings_dict.get("NAME") or "")
        if conn.vendor != "sqlite" or not self.wal_checkpoint or conn.is_in_memory_db() or name.startswith("file:"):
            return
        self.checkpointer = WalCheckpointer(name, interval=self.wal_checkpoint)
        self.checkpointer.start()

    @staticmethod
    def _run_call(call: _Call) -> None:
        try:
            _check_connections()
            call.future.set_result(call.func())
        except BaseException as exc:
            call.future.set_exception(exc)

    def _guard(self, func: Callable, *args) -> None:
        """Bookkeeping that must not stop the writer: a failure is logged (the data path is already done)."""
        try:
            _check_connections()
            func(*args)
        except Exception:
            logger.exception("HJ 212 gateway bookkeeping (%s) failed", getattr(func, "__name__", func))

    def _open_connections(self) -> list[Connection]:
        return list({id(c): c for c in self.device_connections.values()}.values())

    def _connections_closed(self, closed: list[_Closed]) -> None:
        if not closed:
            return
        gone: list[int] = []
        at = closed[-1].at
        for event in closed:
            for device_id in event.connection.device_ids:
                if self.device_connections.get(device_id) is event.connection:
                    del self.device_connections[device_id]
                    gone.append(device_id)
        sessions.mark_disconnected(gone, gateway=self.gateway_id, at=at)

    def _commit(self, batch: list[_Work]) -> None:
        _check_connections()
        try:
            if self.checkpointer is not None:
                self._autocheckpoint_off = _no_autocheckpoint(self._autocheckpoint_off)
            ingest = self._ingest or services.ingest_packets  # looked up per batch (tests replace it)
            results = ingest([w.frame for w in batch], split=self.split)
        except Exception:
            self.failed_batches += 1
            logger.exception("group commit of %d HJ 212 packets failed: no acks sent, devices will resend", len(batch))
            return
        self.batches += 1
        self.packets += len(batch)
        # The batch's acks, per connection in packet order, handed to the event loop in one call: one wake-up of
        # the loop and one socket write per connection, not per packet.
        acks: dict[Connection, list[bytes]] = {}
        for work, result in zip(batch, results, strict=True):
            if result.outcome == PacketOutcome.ACCEPTED and result.packet.cn in NOTIFY_CNS:
                if result.packet.ack_required:  # a notification (1013) asking for its 9013 notify ack (§1.6)
                    acks.setdefault(work.connection, []).append(ack_frame(result.packet, cn="9013"))
                continue
            if result.ack_due:
                try:
                    ack = ack_frame(result.packet)
                except Exception:
                    logger.exception("cannot build the 9014 ack for a packet from %s", work.peer)
                    continue
                # One ack per packet; a reassembled split message: one per part that asked (docs/hj212.md).
                acks.setdefault(work.connection, []).append(ack * result.acks_due)
        if acks:
            self.loop.call_soon_threadsafe(_send_acks, acks)
        refused = self._count_auth_failures(batch, results)
        self._guard(self._after_commit, batch, results)
        if self.dispatcher.in_flight or any(r.packet is not None and r.packet.cn not in DATA_CNS for r in results):
            self._flush_sessions()  # replies to commands may set a session's interval: after the traffic before
        self._guard(self.dispatcher.handle, results)
        if refused:
            self._guard(self._record_refused, refused)

    def _count_auth_failures(self, batch: list[_Work], results: list) -> list[tuple[Connection, str]]:
        """Unknown MN or wrong PW: after ``max_auth_failures`` on one connection it is closed (after commit, so
        each of those packets is archived with its security event first)."""
        refused = []
        for work, result in zip(batch, results, strict=True):
            if result.outcome not in AUTH_OUTCOMES:
                continue
            connection = work.connection
            connection.auth_failures += 1
            if connection.auth_failures >= self.max_auth_failures and not connection.refused:
                connection.refused = True
                mn = result.packet.mn if result.packet is not None else ""
                refused.append((connection, mn))
                logger.warning(
                    "HJ 212 connection %s closed after %d authentication failures (last MN %r)",
                    connection.peer,
                    connection.auth_failures,
                    mn,
                )
                self.loop.call_soon_threadsafe(connection.close)
        return refused

    def _record_refused(self, refused: list[tuple[Connection, str]]) -> None:
        for connection, mn in refused:
            record_security_event(
                SecurityEventKind.DEVICE_AUTH_FAILED,
                ip=services.ip_of(connection.peer),
                mn=mn[:64],
                peer=connection.peer,
                failures=connection.auth_failures,
                reason=f"同一连接认证失败 {connection.auth_failures} 次，连接已关闭",
            )

    def _after_commit(self, batch: list[_Work], results: list) -> None:
        """Connections learn their devices; the batch's traffic joins the sessions' pending bookkeeping."""
        entries = []
        new_links: dict[int, datetime] = {}
        for work, result in zip(batch, results, strict=True):
            connection = work.connection
            device_id = getattr(result, "device_id", None)
            if device_id is not None and result.outcome != PacketOutcome.AUTH_FAILED:
                if device_id not in connection.device_ids:
                    connection.device_ids.append(device_id)
                if self.device_connections.get(device_id) is not connection:
                    self.device_connections[device_id] = connection
                    new_links.setdefault(device_id, work.received_at)
            fallback = connection.device_ids[0] if connection.device_ids else None
            if result.outcome == PacketOutcome.UNKNOWN_MN:
                fallback = None  # another MN's probe is not this device's error
            entries.append((result, work.peer, work.received_at, fallback))
        traffic = sessions.collect_traffic(entries)
        for device_id, at in new_links.items():
            if device_id in traffic:
                traffic[device_id].connected_at = at
        sessions.merge_traffic(self._traffic, traffic)
        if self._traffic and self._traffic_due is None:
            self._traffic_due = time.monotonic() + self.session_interval


class Connection(asyncio.Protocol):
    """One device connection, an asyncio protocol: each read is cut into frames (``FrameBuffer``), each frame is
    decoded and handed to the writer; acks and commands are written back. The gateway's sweep closes it when idle
    or when a frame takes too long (:meth:`Gateway._sweep`)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.transport: asyncio.Transport | None = None
        self.peer = ""
        self.buffer = FrameBuffer(max_length=gateway.max_length)
        self.frames = 0
        self.device_ids: list[int] = []  # devices authenticated on this connection (written by the writer thread)
        self.auth_failures = 0  # unknown MN or wrong PW so far (written by the writer thread)
        self.refused = False  # closed for too many authentication failures
        self.last_read = time.monotonic()  # when data last came (the idle timeout counts from here)
        self.partial_since: float | None = None  # since when an incomplete frame waits for its rest
        self.paused = False  # reading stopped: the writer's queue is full

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.peer = _peer_text(transport.get_extra_info("peername"))
        self.last_read = time.monotonic()
        self.gateway.connections.add(self)

    def data_received(self, data: bytes) -> None:
        gw = self.gateway
        now = self.last_read = time.monotonic()
        received_at = timezone.now()
        garbage_before = self.buffer.garbage_bytes
        for raw in self.buffer.feed(data):
            self.frames += 1
            gw.writer.submit(_Work(services.Frame.of(raw, self.peer, received_at), self))
        if self.buffer.garbage_bytes > garbage_before:
            skipped = self.buffer.garbage_bytes - garbage_before
            gw.garbage_bytes += skipped
            logger.info("HJ 212 connection %s: %d bytes of garbage skipped", self.peer, skipped)
        self.partial_since = (self.partial_since or now) if self.buffer.pending else None
        if gw.writer.full() and not self.paused:  # backpressure: read no more until the writer has caught up
            gw.writer.pause(self)

    def eof_received(self) -> bool:
        return False  # the device is done sending: close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        gw = self.gateway
        gw.connections.discard(self)
        if gw.writer is not None:
            gw.writer.connection_closed(self)

    def pause_reading(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.paused and self.transport is not None and not self.transport.is_closing():
            self.paused = False
            self.last_read = time.monotonic()  # waiting for the writer is not the device's idleness
            self.transport.resume_reading()

    def send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        """End the connection from the gateway's side (``connection_lost`` follows)."""
        if self.transport is not None:
            self.transport.close()

    def timed_out(self, now: float) -> str | None:
        """Why the sweep closes this connection now ("idle", "slow frame"), or None. A connection whose reading
        is paused waits for the writer, not for its device: no timeout then."""
        if self.paused:
            return None
        gw = self.gateway
        if self.partial_since is not None and now - self.partial_since >= gw.frame_timeout:
            return "slow frame"
        if now - self.last_read >= gw.idle_timeout:
            return "idle"
        return None


class Gateway:
    """The asyncio server; ``await serve()`` runs it until cancelled (or ``stop()``), then drains the writer."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9212,
        *,
        idle_timeout: float = 600.0,
        frame_timeout: float = 30.0,
        max_length: int = MAX_DATA_LENGTH,
        batch_max: int = 500,
        batch_wait: float = 0.0,
        queue_max: int = 20_000,
        queue_bytes: int = 32 * 2**20,
        instance_id: str = "",
        max_auth_failures: int | None = None,
        command_poll: float = 1.0,
        session_interval: float = 0.5,
        reuse_port: bool = False,
    ) -> None:
        self.reuse_port = reuse_port  # SO_REUSEPORT: several gateway processes listen on one port (--processes)
        self.max_auth_failures = max_auth_failures
        self.session_interval = session_interval
        self.command_poll = command_poll
        self.host = host
        self.instance_id = instance_id or sessions.gateway_instance_id()
        self.port = port
        self.idle_timeout = idle_timeout
        self.frame_timeout = frame_timeout
        self.max_length = max_length
        self.batch_max = batch_max
        self.batch_wait = batch_wait
        self.queue_max = queue_max
        self.queue_bytes = queue_bytes
        self.garbage_bytes = 0
        self.connections: set[Connection] = set()
        self.writer: BatchWriter | None = None
        self.server: asyncio.Server | None = None
        self.ready = threading.Event()
        self._stopped: asyncio.Event | None = None

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self.writer = BatchWriter(
            loop,
            batch_max=self.batch_max,
            batch_wait=self.batch_wait,
            queue_max=self.queue_max,
            queue_bytes=self.queue_bytes,
            gateway_id=self.instance_id,
            max_auth_failures=self.max_auth_failures,
            command_poll=self.command_poll,
            session_interval=self.session_interval,
        )
        self.writer.start()
        try:
            self.server = await loop.create_server(
                lambda: Connection(self), self.host, self.port, reuse_port=self.reuse_port or None
            )
        except BaseException:  # the port is taken, say: stop the writer thread too, or it polls forever
            await asyncio.get_running_loop().run_in_executor(None, self.writer.stop)
            raise
        self.port = self.server.sockets[0].getsockname()[1]
        logger.info("HJ 212 gateway listening on %s:%d", self.host, self.port)
        self.ready.set()
        sweep = asyncio.create_task(self._sweep())
        try:
            await self._stopped.wait()
        finally:
            sweep.cancel()
            self.server.close()
            for connection in list(self.connections):
                connection.close()
            await asyncio.sleep(0)  # the transports' connection_lost callbacks run: the writer learns of each
            await self.server.wait_closed()
            await asyncio.get_running_loop().run_in_executor(None, self.writer.stop)

    def stop(self) -> None:
        """Ask ``serve`` to end (call from the loop's thread, or via ``loop.call_soon_threadsafe``)."""
        if self._stopped is not None:
            self._stopped.set()

    def sweep_interval(self) -> float:
        """How often the sweep looks at the connections' timeouts: a tenth of the shorter one, at most a second."""
        return max(0.01, min(1.0, self.idle_timeout / 10, self.frame_timeout / 10))

    async def _sweep(self) -> None:
        """Close the connections that are idle (no data for ``idle_timeout`` s) or whose frame is incomplete for
        ``frame_timeout`` s: one timer for all connections, not one per read."""
        interval = self.sweep_interval()
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for connection in list(self.connections):
                try:
                    reason = connection.timed_out(now)
                    if reason is not None:
                        logger.info("HJ 212 connection %s closed: %s timeout", connection.peer, reason)
                        connection.close()
                except Exception:  # one connection's trouble must not end the sweep for the others
                    logger.exception("HJ 212 timeout sweep: connection %s", connection.peer)


class WalCheckpointer:
    """SQLite only: the WAL is checkpointed by this thread (PASSIVE, every ``interval`` seconds, its own
    connection) instead of inside the writer's commits, where the checkpoint's writes and fsync held up a batch
    and its acks (p99 ack latency). PASSIVE never waits for the writer; the writer's connection has
    ``wal_autocheckpoint`` off. Other processes keep SQLite's automatic checkpoints."""

    def __init__(self, path: str, *, interval: float = 1.0) -> None:
        self.path = path
        self.interval = interval
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hj212-wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        import sqlite3

        try:
            db = sqlite3.connect(self.path, timeout=1.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            logger.exception("HJ 212 gateway: cannot open %s for WAL checkpoints", self.path)
            return
        try:
            while not self._stop.wait(self.interval):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error:
                    logger.warning("HJ 212 gateway: WAL checkpoint failed; retrying", exc_info=True)
        finally:
            db.close()


def _no_autocheckpoint(done):
    """Turn SQLite's automatic checkpoint off on the writer's connection; returns that driver connection (the
    PRAGMA runs again only when it is a new one, i.e. not ``done``)."""
    conn = connections["default"]
    conn.ensure_connection()
    raw = conn.connection
    if raw is not done:
        raw.execute("PRAGMA wal_autocheckpoint=0")
    return raw


def _send_acks(acks: dict[Connection, list[bytes]]) -> None:
    """In the event loop: write each connection's acks of a batch at once."""
    for connection, frames in acks.items():
        connection.send(b"".join(frames))


def _check_connections() -> None:
    """Before each batch and bookkeeping step: drop a broken connection (and, on PostgreSQL, one older than
    ECOBRAIN_DB_CONN_MAX_AGE), as ``close_old_connections`` does, but keep a SQLite connection open. With
    SQLite's CONN_MAX_AGE of 0 the writer would reopen it several times per batch, and closing the last
    connection to a WAL database checkpoints the whole WAL with an fsync: a stall of up to a second under load."""
    for conn in connections.all(initialized_only=True):
        if conn.vendor == "sqlite" and conn.connection is not None:
            conn.close_at = None  # no age limit for the writer's own connection
        conn.close_if_unusable_or_obsolete()


def _peer_text(peer) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host, port = peer[0], peer[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(peer or "")
