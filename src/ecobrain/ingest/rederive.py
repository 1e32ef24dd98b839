"""Re-derivation (ARCHITECTURE.md decision 4): replay archived packets through decode → store again.

A factor added to the registry later, a changed QC rule or a fixed codec is applied to history by replaying
the raw frames of the archive. Re-derivation creates no archive rows, sends no acks and writes no security
events: the packets were authenticated when they arrived (frames archived as decode errors, replayed only on
request, are authenticated against today's registry instead), and their archive rows stay as the evidence of
what happened then (outcome and detail are not rewritten).

Packets are read in the order they arrived, in bounded batches (keyset on ``received_at, id``), each batch
one transaction; a key stored by several packets ends with the last one's version, as it did on arrival.
Re-derived rows keep the ``received_at`` of their packet, so the QC watermark does not see them: the window
checks of the touched ranges are run here after each batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Q

from ecobrain.ingest.documents import DeviceScope, DocumentError
from ecobrain.ingest.documents.parse import load_json, records_from_json
from ecobrain.ingest.documents.store import SeriesCache, write_rows
from ecobrain.ingest.documents.validate import Validator
from ecobrain.ingest.services import RESOLUTION_BY_CN, observation_rows, password_matches
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket
from ecobrain.monitoring.packets import is_json_document
from ecobrain.monitoring.qc.windows import WINDOW_RESOLUTIONS, evaluate_series
from ecobrain.monitoring.services import store_observations
from ecobrain.registry.models import Device
from ecobrain.standards.hj212 import HJ212Error, Reassembler, decode

# Packets that reached the store or could have: data stored or re-sent, and authenticated packets that were
# archived as unsupported (a CN not processed then, split parts). Packets that failed authentication are never
# replayed; frames that failed decoding only on request (``decode_errors``: after a codec fix), each then
# authenticated against today's registry.
REDERIVE_OUTCOMES = (PacketOutcome.STORED, PacketOutcome.DUPLICATE, PacketOutcome.UNSUPPORTED)
BATCH_PACKETS = 500


@dataclass
class RederiveReport:
    """What a run did; with ``dry_run`` the same counts, rolled back."""

    packets_read: int = 0
    packets_stored: int = 0  # packets that stored at least one value
    values_inserted: int = 0
    values_updated: int = 0
    still_unsupported: int = 0  # a CN that is still not processed, a split part whose message is incomplete
    undecodable: int = 0  # no longer decodes, or data without a usable DataTime
    without_device: int = 0  # the device was deleted since (the archive row lost its link)
    not_authenticated: int = 0  # a former decode error that decodes now, of an unknown MN or with a wrong PW
    skipped_codes: Counter = field(default_factory=Counter)  # factor code → packets that still carry it
    qc_rows_changed: int = 0

    def lines(self) -> list[str]:
        codes = ", ".join(f"{code} ({count})" for code, count in sorted(self.skipped_codes.items())) or "none"
        return [
            f"packets read: {self.packets_read}",
            f"packets with values stored: {self.packets_stored}",
            f"values inserted: {self.values_inserted}, updated: {self.values_updated}",
            f"still unsupported: {self.still_unsupported}; undecodable: {self.undecodable}; "
            f"without device: {self.without_device}; not authenticated: {self.not_authenticated}",
            f"factor codes still unknown: {codes}",
            f"QC window flags changed: {self.qc_rows_changed}",
        ]


def rederive(
    *,
    mns: Iterable[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_PACKETS,
    progress: Callable[[RederiveReport], None] | None = None,
    decode_errors: bool = False,
) -> RederiveReport:
    """Replay the archived packets of ``mns`` (all when empty) received in ``[since, until)``; with
    ``decode_errors`` also the frames archived as decode errors (a codec fix applied to history)."""
    outcomes = (*REDERIVE_OUTCOMES, PacketOutcome.DECODE_ERROR) if decode_errors else REDERIVE_OUTCOMES
    packets = ArchivedPacket.objects.filter(outcome__in=outcomes)
    if mns := list(mns):
        packets = packets.filter(mn__in=mns)
    if since is not None:
        packets = packets.filter(received_at__gte=since)
    if until is not None:
        packets = packets.filter(received_at__lt=until)
    packets = packets.order_by("received_at", "pk").only("pk", "raw", "received_at", "device_id", "outcome")
    report = RederiveReport()
    devices = _Devices()
    moment = [0.0]  # the reassembler's clock is the archive's receive time, so parts meet as they did live
    reassembler = Reassembler(max_pending=4096, clock=lambda: moment[0])
    cursor: tuple[datetime, int] | None = None
    while True:
        page = (
            packets
            if cursor is None
            else packets.filter(Q(received_at__gt=cursor[0]) | Q(received_at=cursor[0], pk__gt=cursor[1]))
        )
        batch = list(page[:batch_size])
        if not batch:
            break
        cursor = (batch[-1].received_at, batch[-1].pk)
        touched: dict[tuple[str, int], list[datetime]] = {}
        with transaction.atomic():
            for archived in batch:
                moment[0] = archived.received_at.timestamp()
                _replay(archived, reassembler, report, touched, devices)
            if dry_run:
                transaction.set_rollback(True)
        if not dry_run:
            for (resolution, series_id), (first, last) in touched.items():
                report.qc_rows_changed += evaluate_series(resolution, series_id, first, last).rows_changed
        if progress:
            progress(report)
    report.still_unsupported += len(reassembler)  # parts whose message never completed
    return report


class _Devices:
    """MN → (device id, password token) from today's registry, read once per MN for a run."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, str] | None] = {}

    def authenticated(self, mn: str, pw: str | None) -> int | None:
        """The id of the device ``mn`` when ``pw`` is its access password today; None otherwise."""
        if mn not in self._known:
            row = Device.objects.filter(mn=mn).values_list("pk", "password_encrypted").first()
            self._known[mn] = row
        row = self._known[mn]
        if row is None or not password_matches(row[1], pw or ""):
            return None
        return row[0]


def _replay(
    archived: ArchivedPacket, reassembler: Reassembler, report: RederiveReport, touched: dict, devices: _Devices
) -> None:
    report.packets_read += 1
    former_error = archived.outcome == PacketOutcome.DECODE_ERROR
    raw = bytes(archived.raw)
    if is_json_document(raw):
        if former_error:  # a document refused on arrival (its validation, not a codec) stays refused
            report.undecodable += 1
        else:
            _replay_document(archived, report, touched)
        return
    if former_error and b"\x00" in raw:  # refused on arrival for the NUL byte (no text column takes it)
        report.undecodable += 1
        return
    try:
        packet = reassembler.add(decode(raw))
    except HJ212Error:
        report.undecodable += 1
        return
    if packet is None:  # a part of a split message; the last part brings the whole
        return
    device_id = archived.device_id
    if former_error:  # never authenticated on arrival: the MN and PW are checked against the registry now
        device_id = devices.authenticated(packet.mn, packet.pw)
        if device_id is None:
            report.not_authenticated += 1
            return
    if device_id is None:
        report.without_device += 1
        return
    resolution = RESOLUTION_BY_CN.get(packet.cn)
    if resolution is None:
        report.still_unsupported += 1
        return
    if packet.data_time is None:
        report.undecodable += 1
        return
    try:
        period_start = packet.data_time.astimezone(UTC)
    except OverflowError:
        report.undecodable += 1
        return
    rows, skipped = observation_rows(packet, device_id, resolution, period_start)
    report.skipped_codes.update(skipped)
    stored = store_observations(rows, resolution=resolution, received_at=archived.received_at)
    report.values_inserted += stored.inserted
    report.values_updated += stored.updated
    if stored.total:
        report.packets_stored += 1
    if resolution in WINDOW_RESOLUTIONS:
        for row in rows:
            span = touched.setdefault((resolution, row.series_id), [period_start, period_start])
            span[0], span[1] = min(span[0], period_start), max(span[1], period_start)


def _replay_document(archived: ArchivedPacket, report: RederiveReport, touched: dict) -> None:
    """An archived JSON document (MQTT): validated again against today's registry and stored, as its device."""
    device = Device.objects.filter(pk=archived.device_id).select_related("station", "outlet").first()
    if device is None:
        report.without_device += 1
        return
    try:
        records = records_from_json(load_json(bytes(archived.raw)))
    except DocumentError:
        report.undecodable += 1
        return
    validator = Validator(DeviceScope(device), default_mn=archived.mn, now=archived.received_at)
    validator.prefetch(records)
    valid = []
    for record in records:
        rows, _errors, _rejected = validator.validate(record)  # rows still refused were refused then too
        valid.extend(rows)
    cache = SeriesCache()
    stored = write_rows(valid, series=cache, received_at=archived.received_at)
    report.values_inserted += stored.inserted
    report.values_updated += stored.updated
    if stored.inserted or stored.updated:
        report.packets_stored += 1
    ids = cache.resolve({(row.device_id, row.factor_id) for row in valid})
    for row in valid:
        if row.resolution in WINDOW_RESOLUTIONS:
            span = touched.setdefault((row.resolution, ids[(row.device_id, row.factor_id)]), [row.period_start] * 2)
            span[0], span[1] = min(span[0], row.period_start), max(span[1], row.period_start)
