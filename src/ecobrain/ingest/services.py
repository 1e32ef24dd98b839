"""From packet to store: decode, authenticate, archive and store one HJ 212 frame in one transaction.

The gateway (and MQTT, and re-derivation from the archive) call :func:`ingest_packet`; it returns only after
commit, so ``result.ack_due`` means the 9014 data ack may be sent now (ARCHITECTURE.md decision 4).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.accounts.services import record_security_event
from ecobrain.monitoring.choices import PacketOutcome, Resolution
from ecobrain.monitoring.models import ArchivedPacket
from ecobrain.monitoring.services import ObservationRow, ensure_series, store_observations
from ecobrain.registry.models import Device, MonitoringFactor
from ecobrain.standards.hj212 import HJ212Error, Packet, decode

# Upload CNs that carry values, and the table each lands in (standards.md §1.8: DataTime = period start
# for 2051/2061/2031, the sampling instant for 2011).
RESOLUTION_BY_CN: dict[str, str] = {
    "2011": Resolution.REALTIME,
    "2051": Resolution.MINUTE,
    "2061": Resolution.HOUR,
    "2031": Resolution.DAY,
}
MAIN_SUFFIX: dict[str, str] = {Resolution.REALTIME: "Rtd"}  # history data: Avg
# Valid packets that carry no values: replies to host commands (9011–9014) and the heartbeat (9015).
ACCEPTED_CNS = frozenset({"9011", "9012", "9013", "9014", "9015"})
DATA_OUTCOMES = frozenset({PacketOutcome.STORED, PacketOutcome.DUPLICATE})

# The outcome of a packet whose savepoint failed in ``ingest_packets`` (not archived, never acked; logged).
FAILED = "failed"

logger = logging.getLogger(__name__)

_MN_IN_RAW = re.compile(rb"MN=([^;&\x00]{1,64})")
_CN_IN_RAW = re.compile(rb"CN=(\d{4})")


@dataclass(frozen=True)
class IngestResult:
    """What became of one frame; ``ack_due`` is True only for durable data from a packet with Flag A=1."""

    outcome: str
    archive_id: int
    packet: Packet | None = None
    inserted: int = 0
    updated: int = 0
    skipped_codes: tuple[str, ...] = field(default=())
    detail: str = ""
    device_id: int | None = None  # the registered device the MN names (also when its password was wrong)

    @property
    def ack_due(self) -> bool:
        return self.packet is not None and self.packet.ack_required and self.outcome in DATA_OUTCOMES


def ingest_packet(raw: bytes, *, peer: str = "", received_at: datetime | None = None) -> IngestResult:
    """Archive ``raw`` with its outcome and, when it is authenticated data, store its values (one transaction)."""
    received_at = received_at or timezone.now()
    peer = _text(peer)[:64]
    try:
        packet = decode(raw)
    except HJ212Error as exc:
        with transaction.atomic():  # a savepoint inside ingest_packets, so a failed insert spares the batch
            return _archive_undecodable(raw, f"{exc.kind}: {exc.detail}", peer=peer, received_at=received_at)
    nul = raw.find(b"\x00")
    if nul >= 0:  # valid UTF-8, but no database text column (nor HJ 212) takes NUL
        detail = f"field: NUL byte at byte offset {nul}"
        with transaction.atomic():
            return _archive_undecodable(raw, detail, peer=peer, received_at=received_at)
    with transaction.atomic():
        return _ingest_decoded(raw, packet, peer=peer, received_at=received_at)


def ingest_packets(items: Iterable[tuple[bytes, str, datetime | None]]) -> list[IngestResult]:
    """Group commit: ``ingest_packet`` for each ``(raw, peer, received_at)`` inside ONE transaction.

    Each packet runs in its own savepoint, so one packet's bad data (a failing insert) rolls back that packet
    only: its result has outcome ``FAILED`` and no ack. Returns after commit, in input order, so every
    ``ack_due`` result may be acknowledged now; if the commit itself fails the exception propagates and no
    packet of the batch may be acknowledged.
    """
    results = []
    with transaction.atomic():
        for raw, peer, received_at in items:
            try:
                results.append(ingest_packet(raw, peer=peer, received_at=received_at))
            except Exception as exc:  # the savepoint is rolled back; the batch goes on
                logger.exception("ingest of a packet from %s failed; it is not stored and not acked", peer)
                results.append(IngestResult(FAILED, 0, detail=f"{type(exc).__name__}: {exc}"))
    return results


def _archive_undecodable(raw: bytes, detail: str, *, peer: str, received_at: datetime) -> IngestResult:
    mn, cn = _MN_IN_RAW.search(raw), _CN_IN_RAW.search(raw)
    archive = ArchivedPacket.objects.create(
        raw=raw,
        received_at=received_at,
        peer=peer,
        mn=_text(mn.group(1).decode("utf-8", "replace"))[:64] if mn else "",
        cn=cn.group(1).decode() if cn else "",
        outcome=PacketOutcome.DECODE_ERROR,
        detail=_text(detail),
    )
    return IngestResult(PacketOutcome.DECODE_ERROR, archive.pk, detail=archive.detail)


def _ingest_decoded(raw: bytes, packet: Packet, *, peer: str, received_at: datetime) -> IngestResult:
    def finish(outcome: str, detail: str = "", *, device=None, inserted=0, updated=0, skipped=()) -> IngestResult:
        archive = ArchivedPacket.objects.create(
            raw=raw,
            received_at=received_at,
            peer=peer,
            mn=packet.mn[:64],
            cn=packet.cn,
            qn=(packet.qn or "")[:20],
            device=device,
            outcome=outcome,
            detail=detail,
            values_stored=inserted + updated,
        )
        return IngestResult(
            outcome, archive.pk, packet, inserted, updated, tuple(skipped), detail, getattr(device, "pk", None)
        )

    device = Device.objects.filter(mn=packet.mn).first()
    if device is None or not device.check_access_password(packet.pw):
        outcome = PacketOutcome.UNKNOWN_MN if device is None else PacketOutcome.AUTH_FAILED
        reason = "MN 未登记" if device is None else "访问密码错误"
        record_security_event(
            SecurityEventKind.DEVICE_AUTH_FAILED, ip=ip_of(peer), mn=packet.mn[:64], cn=packet.cn, reason=reason
        )
        return finish(outcome, reason, device=device)
    resolution = RESOLUTION_BY_CN.get(packet.cn)
    if resolution is None:
        if packet.cn in ACCEPTED_CNS:
            return finish(PacketOutcome.ACCEPTED, device=device)
        return finish(PacketOutcome.UNSUPPORTED, f"CN={packet.cn} is archived, not processed", device=device)
    if packet.is_split:
        return finish(PacketOutcome.UNSUPPORTED, "split packet: the gateway reassembles PNUM/PNO first", device=device)
    if packet.data_time is None:
        return finish(PacketOutcome.DECODE_ERROR, f"field: CN={packet.cn} without DataTime", device=device)
    try:
        period_start = packet.data_time.astimezone(UTC)
    except OverflowError:  # DataTime=00010101000000 in UTC+8 is before year 1 in UTC
        return finish(
            PacketOutcome.DECODE_ERROR, f"field: DataTime {packet.cp.get('DataTime')} out of range", device=device
        )

    factors = dict(MonitoringFactor.objects.filter(code__in=list(packet.factors)).values_list("code", "pk"))
    skipped = sorted(set(packet.factors) - factors.keys())
    series = ensure_series(device.pk, factors.values())
    main = MAIN_SUFFIX.get(resolution, "Avg")
    rows = [
        ObservationRow(
            series_id=series[factor_id],
            period_start=period_start,
            value_text=values.get(main, ""),
            stats={suffix: text for suffix, text in values.items() if suffix not in (main, "Flag")},
            device_flag=values.get("Flag", ""),
        )
        for code, factor_id in factors.items()
        for values in (packet.factors[code],)
    ]
    stored = store_observations(rows, resolution=resolution, received_at=received_at)
    outcome = PacketOutcome.DUPLICATE if stored.updated and not stored.inserted else PacketOutcome.STORED
    detail = f"unknown factor codes not stored: {', '.join(skipped)}" if skipped else ""
    return finish(outcome, detail, device=device, inserted=stored.inserted, updated=stored.updated, skipped=skipped)


def _text(value: str) -> str:
    return value.replace("\x00", "\\x00")


def ip_of(peer: str) -> str | None:
    """The address part of ``host:port`` / ``[v6]:port`` (the security event column is an IP address)."""
    host = peer.rsplit(":", 1)[0].strip("[]") if peer.count(":") == 1 or peer.startswith("[") else peer
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None
