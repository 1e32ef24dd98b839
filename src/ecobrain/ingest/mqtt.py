"""MQTT ingest: ``<prefix>/<MN>/up`` → store → commit → answer on ``<prefix>/<MN>/down`` → PUBACK.

A message is an HJ 212 frame (through :func:`ecobrain.ingest.services.ingest_packets`, archived, 9014 ack
published when the packet asks for one) or a JSON observation document carrying the device's access
password ``pw`` (docs/ingest.md). The subscriber uses MQTT 5 with a persistent session (``clean_start``
false, a session expiry), subscribes at QoS 1 and acknowledges each message (PUBACK, paho's manual ack) only
after the transaction holding its data has committed: a crash or a database outage before that leaves the
message with the broker, which delivers it again to the next session. A message delivered twice updates the
same rows and counts a revision.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import paho.mqtt.client as paho
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.utils import timezone
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.accounts.services import record_security_event
from ecobrain.core.env import ConfigError
from ecobrain.ingest import services
from ecobrain.ingest.documents import DeviceScope, DocumentError, ingest_records
from ecobrain.ingest.documents.parse import load_json, records_from_json
from ecobrain.ingest.gateway import ack_frame
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket
from ecobrain.registry.models import Device
from ecobrain.standards.hj212 import HJ212Error, decode

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "ecobrain"
SESSION_EXPIRY = 7 * 24 * 3600  # seconds the broker keeps our session (and queues messages) while we are away
RECEIVE_MAXIMUM = 1000  # unacknowledged messages the broker may have in flight to us
_CONNECTIVITY_ERRORS = (OperationalError, InterfaceError)
_CONNECTIVITY_NAMES = tuple(f"{error.__name__}:" for error in _CONNECTIVITY_ERRORS)


@dataclass(frozen=True)
class BrokerConfig:
    """Where the broker is, from ``mqtt://[user:password@]host[:1883]`` or ``mqtts://…[:8883][?cafile=PATH]``."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None
    cafile: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerConfig:
        parsed = urlsplit(url)
        scheme = parsed.scheme.lower()
        if scheme not in ("mqtt", "mqtts"):
            raise ConfigError(f"ECOBRAIN_MQTT_URL={url!r}: use mqtt://host:1883 or mqtts://host:8883")
        try:
            port = parsed.port or (8883 if scheme == "mqtts" else 1883)
        except ValueError:
            raise ConfigError(f"ECOBRAIN_MQTT_URL={url!r} has an invalid port") from None
        if not parsed.hostname:
            raise ConfigError(f"ECOBRAIN_MQTT_URL={url!r} names no host: mqtt://host:1883")
        query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        unknown = sorted(set(query) - {"cafile"})
        if unknown:
            raise ConfigError(f"ECOBRAIN_MQTT_URL: unknown parameter(s) {', '.join(unknown)} (known: cafile)")
        return cls(
            host=parsed.hostname,
            port=port,
            tls=scheme == "mqtts",
            username=unquote(parsed.username) if parsed.username is not None else None,
            password=unquote(parsed.password) if parsed.password is not None else None,
            cafile=query.get("cafile"),
        )


def topic_mn(topic: str, prefix: str) -> str | None:
    """The MN of ``<prefix>/<MN>/up``, or None for any other topic."""
    parts = topic.split("/")
    head = prefix.split("/")
    if len(parts) != len(head) + 2 or parts[: len(head)] != head or parts[-1] != "up" or not parts[-2]:
        return None
    return parts[-2]


def is_json(payload: bytes) -> bool:
    return payload.lstrip()[:1] in (b"{", b"[")


Reply = tuple[str, bytes]  # (topic, payload) to publish after commit


def ingest_messages(
    messages: Sequence[tuple[str, bytes]], *, prefix: str = DEFAULT_PREFIX, received_at: datetime | None = None
) -> list[list[Reply]]:
    """Store a batch of MQTT messages in ONE transaction; returns, per message, the replies to publish.

    Returns only after commit (the caller may then publish and PUBACK). A failure of one message that is not
    the database going away is answered and logged, and the rest of the batch is still stored; if the
    database fails, the exception propagates and no message may be acknowledged.
    """
    received_at = received_at or timezone.now()
    replies: list[list[Reply]] = [[] for _ in messages]
    frames: list[tuple[int, str]] = []  # (index, MN of the topic) of the frames for ingest_packets
    with transaction.atomic():
        for index, (topic, payload) in enumerate(messages):
            mn = topic_mn(topic, prefix)
            peer = f"mqtt:{topic}"[:64]
            down = f"{prefix}/{mn}/down"
            if mn is None:
                logger.warning("MQTT message on unexpected topic %r ignored (acknowledged)", topic)
            elif is_json(payload):
                replies[index].append((down, _json_reply(mn, payload, peer=peer, received_at=received_at)))
            elif _frame_mn_matches(payload, mn, peer=peer, received_at=received_at):
                frames.append((index, mn))
        if frames:
            items = [(messages[index][1], f"mqtt:{messages[index][0]}"[:64], received_at) for index, _ in frames]
            for (index, mn), result in zip(frames, services.ingest_packets(items), strict=True):
                if result.outcome == services.FAILED and result.detail.startswith(_CONNECTIVITY_NAMES):
                    # The database, not the packet, failed: retry the batch rather than acknowledge it unstored.
                    raise OperationalError(f"database unavailable: {result.detail}")
                if result.ack_due:
                    replies[index].append((f"{prefix}/{mn}/down", ack_frame(result.packet)))
    return replies


def _frame_mn_matches(raw: bytes, mn: str, *, peer: str, received_at: datetime) -> bool:
    """False (and the frame archived as rejected, with a security event) when the packet names another MN.

    An undecodable frame goes on to ``ingest_packet``, which archives it with its decode error.
    """
    if b"\x00" in raw:
        return True  # ingest_packet archives it as a decode error (no database text takes NUL)
    try:
        packet = decode(raw)
    except HJ212Error:
        return True
    if packet.mn == mn:
        return True
    detail = f"MQTT 主题中的 MN {mn} 与报文中的 MN {packet.mn} 不一致：拒收"
    record_security_event(
        SecurityEventKind.DEVICE_AUTH_FAILED, ip=None, mn=packet.mn[:64], cn=packet.cn, reason=detail, channel="mqtt"
    )
    ArchivedPacket.objects.create(
        raw=raw,
        received_at=received_at,
        peer=peer,
        mn=packet.mn[:64],
        cn=packet.cn,
        qn=(packet.qn or "")[:20],
        device=Device.objects.filter(mn=packet.mn).first(),
        # No outcome of its own (that would be a monitoring migration): an identity check failed.
        outcome=PacketOutcome.AUTH_FAILED,
        detail=detail,
    )
    return False


def _json_reply(mn: str, payload: bytes, *, peer: str, received_at: datetime) -> bytes:
    """Ingest one JSON document message of device ``mn``; the JSON answer for ``<prefix>/<MN>/down``.

    The message is archived raw, like a frame, in the batch's transaction, with the outcome of its answer.
    """
    try:
        with transaction.atomic():  # a savepoint: this message's failure spares the batch
            answer = _ingest_json(mn, payload, received_at=received_at)
    except _CONNECTIVITY_ERRORS:
        raise
    except Exception as exc:
        logger.exception("MQTT JSON message of %s failed; it is not stored", mn)
        answer = _failure("document", f"处理失败，未入库：{type(exc).__name__}")
    _archive_document(mn, payload, answer, peer=peer, received_at=received_at)
    return json.dumps(answer, ensure_ascii=False).encode("utf-8")


# The archive outcome of a refused document, by the field its first error names.
_REFUSAL_OUTCOMES = {"mn": PacketOutcome.UNKNOWN_MN, "pw": PacketOutcome.AUTH_FAILED}


def _archive_document(mn: str, payload: bytes, answer: dict[str, Any], *, peer: str, received_at: datetime) -> None:
    """The archive row of a JSON document: stored (new values), duplicate (only re-sent values) or refused."""
    stored = int(answer.get("inserted") or 0) + int(answer.get("updated") or 0)
    errors = answer.get("errors") or []
    if stored:
        outcome = PacketOutcome.STORED if answer.get("inserted") else PacketOutcome.DUPLICATE
    else:
        field = (errors[0].get("field") if errors else "") or ""
        outcome = _REFUSAL_OUTCOMES.get(field, PacketOutcome.DECODE_ERROR)
    detail = (
        f"JSON 文档：新增 {answer.get('inserted') or 0}，更新 {answer.get('updated') or 0}，"
        f"拒收 {answer.get('rejected') or 0}"
    )
    if errors:
        first = errors[0]
        where = f"第 {first['row']} 行 " if first.get("row") else ""
        detail += f"；{where}{first.get('field') or ''}：{first.get('message') or ''}"
    ArchivedPacket.objects.create(
        raw=payload,
        received_at=received_at,
        peer=peer,
        mn=mn[:64],
        cn="",
        qn=str(answer.get("id") or "")[:20],
        device=Device.objects.filter(mn=mn).first(),
        outcome=outcome,
        detail=detail.replace("\x00", "\\0")[:2000],  # PostgreSQL text takes no NUL; an error may quote one
        values_stored=stored,
    )


def _failure(field: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "ok": False,
        "inserted": 0,
        "updated": 0,
        "rejected": 0,
        "errors": [{"row": None, "field": field, "message": message}],
        "errors_omitted": 0,
        **extra,
    }


def _ingest_json(mn: str, payload: bytes, *, received_at: datetime | None = None) -> dict[str, Any]:
    if len(payload) > settings.MAX_UPLOAD_BYTES:
        return _failure("document", f"消息 {len(payload)} 字节，超过上限 {settings.MAX_UPLOAD_BYTES} 字节。")
    try:
        document = load_json(payload)
    except DocumentError as exc:
        return _failure("document", str(exc))
    if not isinstance(document, dict):
        return _failure(
            "document", 'MQTT 的 JSON 消息应为对象（一个文档或 {"pw": …, "rows": [...]}），并带访问密码 pw。'
        )
    extra = {"id": document["id"]} if isinstance(document.get("id"), str) else {}
    try:
        records = records_from_json(document)
    except DocumentError as exc:
        return _failure("document", str(exc), **extra)
    device = Device.objects.filter(mn=mn).select_related("station", "outlet").first()
    password = document.get("pw")
    if device is None or not isinstance(password, str) or not device.check_access_password(password):
        reason = "MN 未登记" if device is None else ("缺少访问密码 pw" if password is None else "访问密码错误")
        record_security_event(SecurityEventKind.DEVICE_AUTH_FAILED, ip=None, mn=mn[:64], reason=reason, channel="mqtt")
        answer = _failure("mn" if device is None else "pw", reason, **extra)
        answer["rejected"] = sum(record.size for record in records)  # every row of the message, none stored
        return answer
    report = ingest_records(records, scope=DeviceScope(device), default_mn=mn, now=received_at)
    return {"ok": report.rejected == 0, **report.as_json(), **extra}


@dataclass
class _Message:
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int


class MQTTIngest:
    """The subscriber: ``start()`` connects (and keeps reconnecting) in the background, ``stop()`` ends it.

    ``ecobrain mqtt`` runs one in the foreground; ``ecobrain serve`` can run one in-process. One writer
    thread commits batches of up to ``batch_max`` messages; publishing answers and the PUBACKs follow the
    commit. When a commit fails the batch is retried (backing off to ``retry_max`` seconds) and nothing is
    acknowledged meanwhile.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client_id: str | None = None,
        prefix: str = DEFAULT_PREFIX,
        session_expiry: int = SESSION_EXPIRY,
        batch_max: int = 200,
        retry_max: float = 30.0,
        keepalive: int = 60,
    ) -> None:
        self.config = BrokerConfig.parse(url or settings.MQTT_URL)
        self.client_id = client_id or settings.MQTT_CLIENT_ID
        self.prefix = prefix.strip("/")
        self.session_expiry = session_expiry
        self.batch_max = batch_max
        self.retry_max = retry_max
        self.keepalive = keepalive
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.messages = 0
        self.batches = 0
        self.failed_batches = 0
        self._queue: queue.SimpleQueue[_Message] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._generation = 0  # bumped on every disconnect: unacknowledged messages of an old session come again
        self._client: paho.Client | None = None
        self._worker: threading.Thread | None = None

    @property
    def topic(self) -> str:
        return f"{self.prefix}/+/up"

    def start(self) -> None:
        client = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=paho.MQTTv5, manual_ack=True
        )
        if self.config.username is not None:
            client.username_pw_set(self.config.username, self.config.password)
        if self.config.tls:
            client.tls_set(ca_certs=self.config.cafile)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        client.connect_async(
            self.config.host, self.config.port, keepalive=self.keepalive, clean_start=False, properties=properties
        )
        self._client = client
        self._worker = threading.Thread(target=self._run, name="mqtt-writer", daemon=True)
        self._worker.start()
        client.loop_start()  # paho's network thread; it reconnects by itself
        logger.info(
            "MQTT: subscribing to %s on %s:%d as %s", self.topic, self.config.host, self.config.port, self.client_id
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the batch being committed (and acknowledge it), then disconnect; the rest stays with the broker."""
        self._stopping.set()
        if self._worker is not None:
            self._worker.join(timeout)
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
        self.connected.clear()
        self.subscribed.clear()

    # --- paho callbacks (paho's network thread) --------------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.error("MQTT: the broker refused the connection: %s", reason_code)
            return
        logger.info("MQTT: connected (session present: %s)", flags.session_present)
        self.connected.set()
        client.subscribe(self.topic, qos=1)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if all(not code.is_failure for code in reason_codes):
            self.subscribed.set()
        else:
            logger.error("MQTT: subscription to %s refused: %s", self.topic, reason_codes)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._generation += 1
        self.connected.clear()
        self.subscribed.clear()
        if not self._stopping.is_set():
            logger.warning("MQTT: disconnected (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message) -> None:
        self._queue.put(_Message(message.topic, bytes(message.payload), message.mid, message.qos, self._generation))

    # --- the writer thread -----------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    batch = [self._queue.get(timeout=0.2)]
                except queue.Empty:
                    continue
                while len(batch) < self.batch_max:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                self._commit(batch)
        finally:
            connection.close()

    def _commit(self, batch: list[_Message]) -> None:
        delay = 0.5
        while True:
            # Messages of a session that has ended are delivered again by the broker: the later copy is used.
            batch = [message for message in batch if message.generation == self._generation]
            if not batch:
                return
            close_old_connections()
            try:
                replies = ingest_messages([(m.topic, m.payload) for m in batch], prefix=self.prefix)
                break
            except Exception:
                self.failed_batches += 1
                logger.exception(
                    "MQTT: commit of %d message(s) failed; not acknowledged, retry in %.1f s", len(batch), delay
                )
                connection.close()
                if self._stopping.wait(delay):
                    return  # the broker keeps them for the next session
                delay = min(delay * 2, self.retry_max)
        client = self._client
        for message, answers in zip(batch, replies, strict=True):
            for topic, payload in answers:
                client.publish(topic, payload, qos=1)
            if message.qos and message.generation == self._generation:
                client.ack(message.mid, message.qos)
        self.batches += 1
        self.messages += len(batch)
