"""From packet to store: decode, authenticate, archive and store one HJ 212 frame in one transaction.

The gateway (and MQTT, and re-derivation from the archive) call :func:`ingest_packet`; it returns only after
commit, so ``result.ack_due`` means the 9014 data ack may be sent now (ARCHITECTURE.md decision 4).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.accounts.services import record_security_event
from ecobrain.core import bulk
from ecobrain.core.crypto import constant_time_equals, decrypt_text
from ecobrain.ingest import commands
from ecobrain.ingest.choices import CommandState
from ecobrain.ingest.models import DeviceCommand
from ecobrain.monitoring.choices import PacketOutcome, Resolution
from ecobrain.monitoring.models import ArchivedPacket, Series
from ecobrain.monitoring.qc import series_rules
from ecobrain.monitoring.services import (
    ObservationRow,
    ensure_series,
    store_observations,
    store_value_rows,
    value_row,
)
from ecobrain.registry.models import Device, MonitoringFactor
from ecobrain.standards.hj212 import HJ212Error, Packet, Reassembler, decode

# Upload CNs that carry values, and the table each lands in (standards.md §1.8: DataTime = period start
# for 2051/2061/2031, the sampling instant for 2011).
RESOLUTION_BY_CN: dict[str, str] = {
    "2011": Resolution.REALTIME,
    "2051": Resolution.MINUTE,
    "2061": Resolution.HOUR,
    "2031": Resolution.DAY,
}
MAIN_SUFFIX: dict[str, str] = {Resolution.REALTIME: "Rtd"}  # history data: Avg
# Valid packets that carry no values: replies to host commands (9011–9014), the heartbeat (9015), the data
# logger's answers to "get" commands (1011 time, 1061/1063 intervals) and its time-calibration request (1013),
# which the gateway's command tracking reads (ingest.dispatch).
ACCEPTED_CNS = frozenset({"9011", "9012", "9013", "9014", "9015", "1011", "1013", "1061", "1063"})
DATA_OUTCOMES = frozenset({PacketOutcome.STORED, PacketOutcome.DUPLICATE})

# The archive detail of a split part (its values are stored with the whole message, see _ingest_part).
SPLIT_PART = "split part"

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
    ack_parts: int = 0  # a reassembled split message: how many of its parts asked for an ack (Flag A=1)

    @property
    def acks_due(self) -> int:
        """How many 9014 data acks to send now: one per part that asked, for a reassembled message."""
        if self.packet is None or self.outcome not in DATA_OUTCOMES:
            return 0
        if self.packet.parts > 1:
            return self.ack_parts
        return 1 if self.packet.ack_required else 0

    @property
    def ack_due(self) -> bool:
        return self.acks_due > 0


class SplitMessages:
    """The open split messages (Flag D=1, PNUM/PNO) of one gateway: the codec's :class:`Reassembler`, plus which
    parts of each message asked for an ack. Bounded like the Reassembler: by count, and incomplete messages
    expire (``timeout`` seconds after their first part)."""

    def __init__(self, *, max_pending: int = 1024, timeout: float = 60.0, clock=None) -> None:
        options = {"clock": clock} if clock is not None else {}
        self.reassembler = Reassembler(max_pending=max_pending, timeout=timeout, **options)
        self._asking: OrderedDict[tuple, set[int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self.reassembler)

    def add(self, packet: Packet) -> tuple[Packet | None, int]:
        """(the whole message when this was its last part, else None; how many of its parts asked for an ack).

        Raises the codec's FieldError when PNUM changes between the parts of one message.
        """
        key = (packet.mn, packet.qn, packet.cn)
        merged = self.reassembler.add(packet)
        if packet.ack_required:
            self._asking.setdefault(key, set()).add(packet.pno)
        if merged is None:
            while len(self._asking) > 2 * self.reassembler.max_pending:
                self._asking.popitem(last=False)
            return None, 0
        return merged, len(self._asking.pop(key, ()))


def ingest_packet(
    raw: bytes, *, peer: str = "", received_at: datetime | None = None, split: SplitMessages | None = None
) -> IngestResult:
    """Archive ``raw`` with its outcome and, when it is authenticated data, store its values (one transaction).

    A part of a split message is archived as it comes; with ``split`` (the gateway's open messages) the whole
    message's values are stored once, when its last part arrives. Without it a part is archived as unsupported.
    """
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
        return _ingest_decoded(raw, packet, peer=peer, received_at=received_at, split=split)


def ingest_packets(
    items: Iterable[Frame | tuple[bytes, str, datetime | None]], *, split: SplitMessages | None = None
) -> list[IngestResult]:
    """Group commit: what ``ingest_packet`` does for each ``(raw, peer, received_at)``, inside ONE transaction.

    The batch is the unit of work (docs/hj212.md, "Gateway: the batch path"): the batch's devices, factors and
    series are read in one query each, its values are upserted with one statement per resolution and its
    archive rows inserted with one bulk insert, all in one savepoint. A part of a split message goes packet by
    packet, in its place in the batch. If the batch savepoint fails (one packet's bad data, say), the batch is
    ingested again packet by packet, each in its own savepoint, so that packet fails alone: its result has
    outcome ``FAILED`` and no ack. Returns after commit, in input order, so every ``ack_due`` result may be
    acknowledged now; if the commit itself fails the exception propagates and no packet of the batch may be
    acknowledged.
    """
    frames = [item if isinstance(item, Frame) else Frame.of(*item) for item in items]
    results: list[IngestResult] = []
    try:
        with transaction.atomic():
            for fast, segment in _segments(frames, split):
                if fast:
                    try:
                        with transaction.atomic():
                            results.extend(_ingest_batch(segment))
                        continue
                    except Exception:
                        _series_ids.clear()  # perhaps a series cached and since deleted: read them again
                        if _batch_lost():
                            raise
                        logger.warning("batch ingest of %d packets failed; ingesting them one by one", len(segment))
                results.extend(_ingest_one_by_one(segment, split))
            if _batch_lost():  # Atomic.__exit__ would roll back without raising, and the results would lie
                raise DatabaseError("the batch's transaction was lost; no packet of it is stored")
    except Exception:
        _series_ids.clear()  # a failed commit (a deferred foreign key to a deleted series, say) must not repeat
        raise
    return results


def _ingest_one_by_one(frames: list[Frame], split: SplitMessages | None) -> list[IngestResult]:
    """``ingest_packet`` for each frame, each in its own savepoint: one failing packet does not fail the others."""
    results = []
    for frame in frames:
        try:
            results.append(ingest_packet(frame.raw, peer=frame.peer, received_at=frame.received_at, split=split))
        except Exception as exc:  # the savepoint is rolled back; the batch goes on
            if _batch_lost():
                # The savepoint itself could not be rolled back (the connection is gone): the whole transaction
                # is lost, with every packet stored before this one. Abort the batch so that none is acked.
                raise
            logger.exception("ingest of a packet from %s failed; it is not stored and not acked", frame.peer)
            results.append(IngestResult(FAILED, 0, detail=f"{type(exc).__name__}: {exc}"))
    return results


@dataclass
class Frame:
    """One received frame: decoded once (``packet``), or why it could not be (``error``). The gateway decodes each
    frame as it reads it, in the event loop's thread (``Frame.of``), so the writer thread spends its turns on the
    database; ``ingest_packets`` takes such frames as well as ``(raw, peer, received_at)`` items."""

    raw: bytes
    peer: str
    received_at: datetime
    packet: Packet | None = None
    error: str = ""

    @classmethod
    def of(cls, raw: bytes, peer: str, received_at: datetime | None) -> Frame:
        frame = cls(raw, _text(peer)[:64], received_at or timezone.now())
        try:
            frame.packet = decode(raw)
        except HJ212Error as exc:
            frame.error = f"{exc.kind}: {exc.detail}"
            return frame
        except Exception as exc:  # a codec bug (the fuzz tests say none): archived as undecodable, never lost
            logger.exception("decoding a frame from %s failed unexpectedly; it is archived as undecodable", peer)
            frame.error = f"field: the decoder failed ({type(exc).__name__}: {exc})"[:500]
            return frame
        nul = raw.find(b"\x00")
        if nul >= 0:  # valid UTF-8, but no database text column (nor HJ 212) takes NUL
            frame.packet, frame.error = None, f"field: NUL byte at byte offset {nul}"
        return frame


def _segments(frames: list[Frame], split: SplitMessages | None):
    """(fast, frames) runs in input order: a part of a split message goes alone on the packet-by-packet path
    (reassembly keeps state outside the database, which a retried batch must not repeat)."""
    run: list[Frame] = []
    for frame in frames:
        if frame.packet is not None and frame.packet.is_split and split is not None:
            if run:
                yield True, run
                run = []
            yield False, [frame]
        else:
            run.append(frame)
    if run:
        yield True, run


@dataclass(slots=True)
class _Pending:
    """A data packet of the batch whose rows are being upserted: its series and period (its keys), in which
    round, and what it skipped."""

    index: int
    resolution: str
    round: int
    series_ids: list[int]
    period_start: datetime
    skipped: list[str]


def _ingest_batch(frames: list[Frame]) -> list[IngestResult]:
    """The batch path (not split parts): a constant number of statements however many packets, besides one
    security event per refused packet. Same outcomes, archive rows and values as ``ingest_packet`` one by one.

    Two packets of the batch with the same key (a re-send within the batch) are upserted in successive rounds,
    so the second one updates the row as it would have one by one: revision 2, outcome duplicate, its value.
    """
    mns = {f.packet.mn for f in frames if f.packet is not None}
    devices = {
        mn: (pk, token)
        for mn, pk, token in Device.objects.filter(mn__in=mns).values_list("mn", "pk", "password_encrypted")
    }
    outcomes: list[StoredValues] = []
    device_ids: list[int | None] = []
    data: list[tuple[int, Packet, int, str, datetime]] = []  # (index, packet, device id, resolution, period start)
    for index, frame in enumerate(frames):
        packet = frame.packet
        device_id = None
        if packet is None:
            outcome = StoredValues(PacketOutcome.DECODE_ERROR, frame.error)
        else:
            device_id, token = devices.get(packet.mn, (None, ""))
            outcome = _triage(packet, device_id, token, frame.peer)
            if outcome is None:
                resolution = RESOLUTION_BY_CN[packet.cn]
                data.append((index, packet, device_id, resolution, packet.data_time.astimezone(UTC)))
        outcomes.append(outcome)
        device_ids.append(device_id)

    for index, stored in _store_batch(frames, data).items():
        outcomes[index] = stored

    archives = [
        _archive_values(frame, stored, device_id)
        for frame, stored, device_id in zip(frames, outcomes, device_ids, strict=True)
    ]
    # One raw multi-row INSERT … RETURNING id (not bulk_create: a model instance per frame, and on SQLite
    # chunks of 90 rows for Django's 999-parameter assumption).
    archive_ids = bulk.insert_returning_pks(ArchivedPacket, ARCHIVE_COLUMNS, archives, connection=connection)
    detail_at = ARCHIVE_COLUMNS.index("detail")
    return [
        IngestResult(
            stored.outcome,
            archive_id,
            frame.packet,
            stored.inserted,
            stored.updated,
            stored.skipped_codes,
            archive[detail_at],
            device_id,
        )
        for frame, stored, device_id, archive, archive_id in zip(
            frames, outcomes, device_ids, archives, archive_ids, strict=True
        )
    ]


def _triage(packet: Packet, device_id: int | None, token: str, peer: str) -> StoredValues | None:
    """What becomes of a decoded packet that stores no values (refused, accepted, unsupported, bad DataTime);
    None for a data packet whose values are to be stored. Records the security event of a refused one."""
    if device_id is None or not password_matches(token, packet.pw):
        outcome = PacketOutcome.UNKNOWN_MN if device_id is None else PacketOutcome.AUTH_FAILED
        reason = "MN 未登记" if device_id is None else "访问密码错误"
        record_security_event(
            SecurityEventKind.DEVICE_AUTH_FAILED, ip=ip_of(peer), mn=packet.mn[:64], cn=packet.cn, reason=reason
        )
        return StoredValues(outcome, reason)
    if packet.cn not in RESOLUTION_BY_CN:
        if packet.cn in ACCEPTED_CNS:
            return StoredValues(PacketOutcome.ACCEPTED)
        return StoredValues(PacketOutcome.UNSUPPORTED, f"CN={packet.cn} is archived, not processed")
    if packet.is_split:  # only without a SplitMessages (with one, _segments sends it packet by packet)
        return StoredValues(PacketOutcome.UNSUPPORTED, "split packet: only the gateway reassembles PNUM/PNO")
    if packet.data_time is None:
        return StoredValues(PacketOutcome.DECODE_ERROR, f"field: CN={packet.cn} without DataTime")
    try:
        packet.data_time.astimezone(UTC)
    except OverflowError:  # DataTime=00010101000000 in UTC+8 is before year 1 in UTC
        return StoredValues(PacketOutcome.DECODE_ERROR, f"field: DataTime {packet.cp.get('DataTime')} out of range")
    return None


def _store_batch(frames: list[Frame], data: list[tuple[int, Packet, int, str, datetime]]) -> dict[int, StoredValues]:
    """Upsert the values of the batch's data packets: one statement per resolution and round; index → outcome.

    This is the gateway's hot path (bench/README.md, "Where the time goes"): one pass over each packet's values,
    each value's row built once (``value_row``) from the decoded CP, no work per value that can be done per
    packet or per batch.
    """
    if not data:
        return {}
    codes = {code for _, packet, *_ in data for code in packet.factors}
    factors = dict(MonitoringFactor.objects.filter(code__in=codes).values_list("code", "pk"))
    series = _batch_series({(device_id, factors[c]) for _, p, device_id, *_ in data for c in p.factors if c in factors})
    rules = series_rules(series.values())
    rounds: list[dict[str, list[tuple]]] = []
    # A device's packet for a period already in a round (a re-send within the batch) goes in a later round, so
    # it updates the rows the earlier one wrote, as it would one by one. (Series belong to one device, so two
    # packets can only share a key when they share device, resolution and period start.)
    last_round: dict[tuple[int, str, datetime], int] = {}
    pending: list[_Pending] = []
    # One receive time for every row the batch stores: its latest packet's (the statement writes one per call).
    received_at = max(frames[index].received_at for index, *_ in data)
    for index, packet, device_id, resolution, period_start in data:
        main = MAIN_SUFFIX.get(resolution, "Avg")
        rows: list[tuple] = []
        series_ids: list[int] = []
        skipped: list[str] = []
        for code, values in packet.factors.items():
            factor_id = factors.get(code)
            if factor_id is None:
                skipped.append(code)
                continue
            series_id = series[(device_id, factor_id)]
            series_ids.append(series_id)
            rows.append(
                value_row(
                    series_id,
                    period_start,
                    values.get(main, ""),
                    {suffix: text for suffix, text in values.items() if suffix != main and suffix != "Flag"},
                    values.get("Flag", ""),
                    0,
                    rules.get(series_id),
                    received_at,
                )
            )
        period = (device_id, resolution, period_start)
        number = last_round[period] = last_round.get(period, -1) + 1
        if number == len(rounds):
            rounds.append({})
        rounds[number].setdefault(resolution, []).extend(rows)
        pending.append(_Pending(index, resolution, number, series_ids, period_start, skipped))
    updated = {
        (number, resolution): store_value_rows(rows, resolution=resolution)
        for number, by_resolution in enumerate(rounds)
        for resolution, rows in by_resolution.items()
        if rows
    }
    stored = {}
    for item in pending:
        again = updated.get((item.round, item.resolution))
        count = len(item.series_ids)
        repeats = sum(1 for series_id in item.series_ids if (series_id, item.period_start) in again) if again else 0
        outcome = PacketOutcome.DUPLICATE if repeats and repeats == count else PacketOutcome.STORED
        skipped = sorted(item.skipped)
        detail = f"unknown factor codes not stored: {', '.join(skipped)}" if skipped else ""
        stored[item.index] = StoredValues(outcome, detail, count - repeats, repeats, tuple(skipped))
    return stored


# (device id, factor id) → series id, for series known to be committed (added after commit, emptied when a batch
# fails and every SERIES_IDS_SECONDS), so a steady stream of uploads reads no series at all.
_series_ids: dict[tuple[int, int], int] = {}
_series_ids_since = [0.0]
SERIES_IDS_SECONDS = 300.0
_SERIES_IDS_MAX = 500_000


def forget_series_id(device_id: int, factor_id: int) -> None:
    """Drop one cached series id (its series was deleted in this process; other processes rely on the TTL and on
    a failing batch emptying the cache)."""
    _series_ids.pop((device_id, factor_id), None)


def _batch_series(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(device id, factor id) → series id for the batch, creating the missing series (``ensure_series``)."""
    now = time.monotonic()
    if now - _series_ids_since[0] > SERIES_IDS_SECONDS or len(_series_ids) > _SERIES_IDS_MAX:
        _series_ids.clear()
        _series_ids_since[0] = now
    found = {pair: pk for pair in pairs if (pk := _series_ids.get(pair)) is not None}  # safe against a clear()
    wanted = pairs - found.keys()
    if not wanted:
        return found
    read = {
        (device_id, factor_id): pk
        for device_id, factor_id, pk in Series.objects.filter(
            device_id__in={d for d, _ in wanted}, factor_id__in={f for _, f in wanted}
        )
        .order_by()
        .values_list("device_id", "factor_id", "pk")
        if (device_id, factor_id) in wanted
    }
    missing: dict[int, set[int]] = {}
    for device_id, factor_id in wanted - read.keys():
        missing.setdefault(device_id, set()).add(factor_id)
    for device_id, factor_ids in missing.items():
        for factor_id, pk in ensure_series(device_id, factor_ids).items():
            read[(device_id, factor_id)] = pk
    transaction.on_commit(functools.partial(_series_ids.update, read))  # dropped if this batch rolls back
    found.update(read)
    return found


# The archive columns the batch path writes, in the order of ``_archive_values``.
ARCHIVE_COLUMNS = ("raw", "received_at", "peer", "mn", "cn", "qn", "device", "outcome", "detail", "values_stored")


def _archive_values(frame: Frame, stored: StoredValues, device_id: int | None) -> tuple:
    """One archive row (``ARCHIVE_COLUMNS``): what ``ArchivedPacket(...)`` would hold, as a plain tuple."""
    packet = frame.packet
    if packet is None:
        row = _undecodable_row(frame.raw, stored.detail, peer=frame.peer, received_at=frame.received_at)
        return tuple(getattr(row, ArchivedPacket._meta.get_field(name).attname) for name in ARCHIVE_COLUMNS)
    return (
        frame.raw,
        frame.received_at,
        frame.peer,
        packet.mn[:64],
        packet.cn,
        (packet.qn or "")[:20],
        device_id,
        str(stored.outcome),
        stored.detail,
        stored.inserted + stored.updated,
    )


# The clear password of each encrypted token seen (a token never changes its clear text; a new password is a
# new token, so a changed password is never checked against the old one). Bounded; keyed by the encryption key.
_clear_passwords: dict[tuple[str, str], str | None] = {}
_CLEAR_PASSWORDS_MAX = 50_000
_UNSEEN = object()


def password_matches(token: str, raw: str) -> bool:
    """``Device.check_access_password`` for a device's ``password_encrypted`` token, without Fernet every time."""
    if not token:
        return False
    key = (settings.FIELD_ENCRYPTION_KEY, token)
    stored = _clear_passwords.get(key, _UNSEEN)  # one look-up: another thread (MQTT's, say) may clear the cache
    if stored is _UNSEEN:
        if len(_clear_passwords) >= _CLEAR_PASSWORDS_MAX:
            _clear_passwords.clear()
        stored = _clear_passwords[key] = decrypt_text(token)
    return stored is not None and constant_time_equals(stored, raw or "")


def _batch_lost() -> bool:
    """Whether the current transaction can no longer commit (Django will roll it back silently on exit)."""
    connection = transaction.get_connection()
    return connection.needs_rollback or connection.closed_in_transaction


def _archive_undecodable(raw: bytes, detail: str, *, peer: str, received_at: datetime) -> IngestResult:
    archive = _undecodable_row(raw, detail, peer=peer, received_at=received_at)
    archive.save(force_insert=True)
    return IngestResult(PacketOutcome.DECODE_ERROR, archive.pk, detail=archive.detail)


def _undecodable_row(raw: bytes, detail: str, *, peer: str, received_at: datetime) -> ArchivedPacket:
    mn, cn = _MN_IN_RAW.search(raw), _CN_IN_RAW.search(raw)
    return ArchivedPacket(
        raw=raw,
        received_at=received_at,
        peer=peer,
        mn=_text(mn.group(1).decode("utf-8", "replace"))[:64] if mn else "",
        cn=cn.group(1).decode() if cn else "",
        outcome=PacketOutcome.DECODE_ERROR,
        detail=_text(detail),
    )


def _ingest_decoded(
    raw: bytes, packet: Packet, *, peer: str, received_at: datetime, split: SplitMessages | None = None
) -> IngestResult:
    def finish(outcome: str, detail: str = "", *, device=None, stored: StoredValues | None = None) -> IngestResult:
        values = stored or StoredValues(outcome, detail)
        archive = ArchivedPacket.objects.create(
            raw=raw,
            received_at=received_at,
            peer=peer,
            mn=packet.mn[:64],
            cn=packet.cn,
            qn=(packet.qn or "")[:20],
            device=device,
            outcome=values.outcome,
            detail=values.detail,
            values_stored=values.inserted + values.updated,
        )
        return IngestResult(
            values.outcome,
            archive.pk,
            packet,
            values.inserted,
            values.updated,
            values.skipped_codes,
            values.detail,
            getattr(device, "pk", None),
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
        if split is None:
            detail = "split packet: only the gateway reassembles PNUM/PNO"
            return finish(PacketOutcome.UNSUPPORTED, detail, device=device)
        return _ingest_part(raw, packet, device, split, finish=finish, received_at=received_at)
    return finish("", device=device, stored=store_packet_values(packet, device, received_at=received_at))


def _ingest_part(raw: bytes, packet: Packet, device, split: SplitMessages, *, finish, received_at) -> IngestResult:
    """One part of a split message: archived raw now; the whole message's values stored with its last part."""
    where = f"PNO={packet.pno}/PNUM={packet.pnum} of QN={packet.qn}"
    try:
        merged, ack_parts = split.add(packet)
    except HJ212Error as exc:
        return finish(PacketOutcome.DECODE_ERROR, f"{exc.kind}: {exc.detail}", device=device)
    if merged is None:
        return finish(PacketOutcome.ACCEPTED, f"{SPLIT_PART} {where}: waiting for the other parts", device=device)
    stored = store_packet_values(merged, device, received_at=received_at)
    detail = f"split message of {merged.parts} parts ({where} completed it)"
    result = finish("", device=device, stored=replace(stored, detail="; ".join(filter(None, (detail, stored.detail)))))
    ArchivedPacket.objects.filter(
        device=device,
        mn=packet.mn[:64],
        cn=packet.cn,
        qn=(packet.qn or "")[:20],
        outcome=PacketOutcome.ACCEPTED,
        detail__startswith=SPLIT_PART,
        received_at__gte=received_at - timedelta(seconds=split.reassembler.timeout),
    ).update(detail=f"{SPLIT_PART} of QN={packet.qn}: the message is archived #{result.archive_id} ({stored.outcome})")
    return replace(result, packet=merged, ack_parts=ack_parts)


@dataclass(frozen=True)
class StoredValues:
    """What :func:`store_packet_values` did: the archive outcome, counts and a detail for the archive row."""

    outcome: str
    detail: str = ""
    inserted: int = 0
    updated: int = 0
    skipped_codes: tuple[str, ...] = ()


def store_packet_values(packet: Packet, device: Device, *, received_at: datetime) -> StoredValues:
    """Store the values of an authenticated data packet (or of a reassembled split message) idempotently.

    Does not archive: the caller archives the frame(s) with the returned outcome. Also the path for values
    re-derived from the archive.
    """
    resolution = RESOLUTION_BY_CN.get(packet.cn)
    if resolution is None:
        return StoredValues(PacketOutcome.UNSUPPORTED, f"CN={packet.cn} carries no values to store")
    if packet.data_time is None:
        return StoredValues(PacketOutcome.DECODE_ERROR, f"field: CN={packet.cn} without DataTime")
    try:
        period_start = packet.data_time.astimezone(UTC)
    except OverflowError:  # DataTime=00010101000000 in UTC+8 is before year 1 in UTC
        return StoredValues(PacketOutcome.DECODE_ERROR, f"field: DataTime {packet.cp.get('DataTime')} out of range")

    rows, skipped = observation_rows(packet, device.pk, resolution, period_start)
    stored = store_observations(rows, resolution=resolution, received_at=received_at)
    outcome = PacketOutcome.DUPLICATE if stored.updated and not stored.inserted else PacketOutcome.STORED
    detail = f"unknown factor codes not stored: {', '.join(skipped)}" if skipped else ""
    return StoredValues(outcome, detail, stored.inserted, stored.updated, tuple(skipped))


def observation_rows(
    packet: Packet, device_id: int, resolution: str, period_start: datetime
) -> tuple[list[ObservationRow], list[str]]:
    """The rows a data packet stores for its device, and its factor codes the registry does not know (skipped).

    Shared by :func:`store_packet_values` and re-derivation from the archive (``ecobrain.ingest.rederive``).
    """
    factors = dict(MonitoringFactor.objects.filter(code__in=list(packet.factors)).values_list("code", "pk"))
    skipped = sorted(set(packet.factors) - factors.keys())
    series = ensure_series(device_id, factors.values())
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
    return rows, skipped


def _text(value: str) -> str:
    return value.replace("\x00", "\\x00")


def ip_of(peer: str) -> str | None:
    """The address part of ``host:port`` / ``[v6]:port`` (the security event column is an IP address)."""
    host = peer.rsplit(":", 1)[0].strip("[]") if peer.count(":") == 1 or peer.startswith("[") else peer
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


# --- Host → device commands (docs/hj212.md, "Gateway: commands") -------------------------------------------------


def queue_device_command(
    device: Device,
    kind: str,
    *,
    params: dict | None = None,
    actor,
    note: str = "",
    now: datetime | None = None,
) -> DeviceCommand:
    """Queue a command for the gateway that holds the device's connection (it polls about every second).

    ``actor`` is the user who asks (checked: the device in their scope, the ``add`` grant on commands), or None
    for the platform itself (a 1013 time-calibration request answered with 1012). Parameters are checked per
    kind (``ingest.commands.validate_params``) and stored as HJ 212 text; a ValidationError names each one at
    fault. A command not sent within ECOBRAIN_HJ212_COMMAND_EXPIRE_SECONDS expires.
    """
    from django.conf import settings

    from ecobrain.core import gate
    from ecobrain.registry.choices import DeviceStatus

    now = now or timezone.now()
    command = DeviceCommand(device=device, cn=str(kind), created_by=actor, note=note[:200], created=now)
    if actor is not None:
        if not Device.objects.restrict(actor, "view").filter(pk=device.pk).exists():
            raise PermissionDenied("该数采仪不存在或不在您的管辖范围内。")
        gate.ensure_allowed(actor, "add", command)
    if device.status == DeviceStatus.RETIRED:
        raise ValidationError({"device": f"数采仪 {device.mn} 已停用，不能下发命令。"})
    command.params = commands.validate_params(command.cn, params, now=now)
    command.expires_at = now + timedelta(seconds=settings.HJ212_COMMAND_EXPIRE_SECONDS)
    command.full_clean()
    command.save()
    return command


def cancel_device_command(command: DeviceCommand, *, actor, now: datetime | None = None) -> DeviceCommand:
    """Cancel a command that is still queued; one already sent may be executing on the device and stays."""
    from ecobrain.core import gate

    if actor is not None:
        gate.ensure_allowed(actor, "change", command)
    now = now or timezone.now()
    who = actor.get_username() if actor is not None else "系统"
    cancelled = DeviceCommand.objects.filter(pk=command.pk, state=CommandState.QUEUED).update(
        state=CommandState.CANCELLED, finished_at=now, detail=f"由 {who} 取消"
    )
    command.refresh_from_db()
    if not cancelled:
        raise ValidationError({"state": f"命令已{command.get_state_display()}，只有排队中的命令可以取消。"})
    return command


def expire_device_commands(now: datetime | None = None) -> tuple[int, int]:
    """Queued commands past their expiry (their device never connected) expire; commands still marked in flight
    long after every reply window (their gateway was stopped or killed) time out. Returns both counts."""
    from django.conf import settings

    from ecobrain.ingest.choices import IN_FLIGHT_COMMAND_STATES

    now = now or timezone.now()
    expired = DeviceCommand.objects.filter(state=CommandState.QUEUED, expires_at__lte=now).update(
        state=CommandState.EXPIRED, finished_at=now, detail="设备在有效期内未连接，命令未下发"
    )
    window = settings.HJ212_COMMAND_TIMEOUT * (settings.HJ212_COMMAND_RETRIES + 1)
    window += settings.HJ212_COMMAND_EXEC_TIMEOUT + 60
    stale = DeviceCommand.objects.filter(
        state__in=IN_FLIGHT_COMMAND_STATES, sent_at__lt=now - timedelta(seconds=window)
    ).update(state=CommandState.TIMED_OUT, finished_at=now, detail="网关未能跟踪到结果（网关已停止或重启）")
    return expired, stale


# --- Registering a data logger from scripts (`ecobrain device register`) -----------------------------------------


def register_data_logger(
    *, mn: str, password: str, station=None, outlet=None, protocol_version: str = "2017", source: str = "command"
) -> tuple[Device, str]:
    """Register a data logger for a station or an outlet; ``(device, "created" | "updated" | "unchanged")``.

    Running it again with the same MN and target is harmless: nothing changes unless the password or the
    edition does. An MN registered to another target is an error (re-pointing a logger is an edit a person makes
    on the device page, with the change log showing it). Validation is the model's own (``full_clean``); the
    change log records the source (``command`` for ``ecobrain device register``).
    """
    from ecobrain.audit.changelog import change_actor

    mn = (mn or "").strip()
    device = Device.objects.select_related("station", "outlet__enterprise").filter(mn=mn).first()
    if device is not None:
        if (device.station_id, device.outlet_id) != (getattr(station, "pk", None), getattr(outlet, "pk", None)):
            message = f"MN {mn} 已登记到“{device.target}”，不能改挂到“{station or outlet}”"
            raise ValidationError({"mn": f"{message}：请在数采仪页面修改，或换用其他 MN。"})
        changed = []
        if not device.check_access_password(password):
            device.set_access_password(password)
            changed.append("password")
        if device.protocol_version != protocol_version:
            device.protocol_version = protocol_version
            changed.append("protocol_version")
        if not changed:
            return device, "unchanged"
        outcome = "updated"
    else:
        device = Device(mn=mn, station=station, outlet=outlet, protocol_version=protocol_version)
        device.set_access_password(password)
        outcome = "created"
    device.full_clean()
    with change_actor(None, source=source), transaction.atomic():
        device.save()
    return device, outcome
