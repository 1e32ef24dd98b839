"""Streaming import of observation files: read, validate and write in batches, one transaction per batch.

Memory stays constant whatever the file size: records are read one line at a time, a batch holds
``batch_size`` rows, and only the first errors are kept (all of them go to the ``--errors`` report as they
are found). Writes are idempotent upserts, so an interrupted import is resumed by running it again: rows
already written are updated in place (their revision counts the repeat), never duplicated.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.utils.translation import gettext as _

from ecobrain.ingest import services
from ecobrain.ingest.documents import DocumentError, Record, RowError, SeriesCache, Validator, read_csv, write_rows
from ecobrain.ingest.documents.parse import load_json, record_from_document
from ecobrain.ingest.documents.validate import RESOLUTIONS
from ecobrain.ingest.fileimport import prsa
from ecobrain.ingest.fileimport.progress import Progress
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.registry.models import Device
from ecobrain.standards.hj212 import HJ212Error, decode

FORMATS = ("csv", "jsonl", "hj212", "beijing-prsa")
BATCH_SIZE = 5000  # observation rows per transaction
FRAME_BATCH = 500  # HJ 212 frames per transaction (the gateway's group-commit size)
ERRORS_KEPT = 20  # errors kept for the summary; the report file gets all of them


@dataclass
class FileSummary:
    """What one file gave: rows read, values inserted/updated/rejected, what was not imported and why."""

    path: str
    format: str
    dry_run: bool = False
    rows: int = 0  # lines (csv, beijing-prsa), documents (jsonl) or frames (hj212) read
    inserted: int = 0
    updated: int = 0
    valid: int = 0  # dry run: values that would be written
    rejected: int = 0
    error_count: int = 0
    missing: int = 0  # beijing-prsa: NA cells (no row)
    not_imported: dict[str, tuple[int, str]] = field(default_factory=dict)  # column → (values, reason)
    stations_created: list[str] = field(default_factory=list)
    stations_to_create: list[str] = field(default_factory=list)
    first_errors: list[RowError] = field(default_factory=list)
    failure: str = ""  # the file could not be read at all
    seconds: float = 0.0

    @property
    def values(self) -> int:
        return self.inserted + self.updated + self.valid


def detect_format(path: Path) -> str:
    """hj212 (``##``), jsonl (``{``), beijing-prsa (its header) or csv, from the first line."""
    with path.open("rb") as handle:
        first = handle.readline(65536).lstrip(b"\xef\xbb\xbf").strip()
    if first.startswith(b"##"):
        return "hj212"
    if first.startswith(b"{"):
        return "jsonl"
    header = next(csv.reader([first.decode("utf-8", "replace")]), [])
    return "beijing-prsa" if prsa.is_prsa_header(header) else "csv"


class ObservationFileImport:
    """``run(path)`` imports one file and returns its :class:`FileSummary` (see ``ecobrain import observations``)."""

    def __init__(
        self,
        *,
        fmt: str | None = None,
        resolution: str | None = None,
        device: str | None = None,
        dry_run: bool = False,
        create_stations: bool = False,
        batch_size: int = BATCH_SIZE,
        errors_writer: Any = None,
        progress_stream: TextIO | None = None,
    ) -> None:
        if fmt is not None and fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        if resolution is not None and resolution not in RESOLUTIONS:
            raise ValueError(f"unknown resolution {resolution!r}")
        self.fmt = fmt
        self.resolution = resolution
        self.device = device
        self.dry_run = dry_run
        self.create_stations = create_stations
        self.batch_size = max(1, batch_size)
        self.errors_writer = errors_writer
        self.progress_stream = progress_stream
        self.series = SeriesCache()

    def run(self, path: str | os.PathLike) -> FileSummary:
        path = Path(path)
        fmt = self.fmt or detect_format(path)
        summary = FileSummary(str(path), fmt, dry_run=self.dry_run)
        started = time.monotonic()
        progress = Progress(self.progress_stream, label=path.name, total_bytes=path.stat().st_size)
        with path.open("rb") as binary:
            try:
                if fmt == "hj212":
                    self._check_options_for_frames()
                    self._import_frames(binary, summary, progress)
                else:
                    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
                    self._import_records(fmt, text, summary, progress, binary)
            except DocumentError as exc:
                summary.failure = str(exc)
            finally:
                progress.finish(rows=summary.rows, errors=summary.error_count, position=binary.tell())
        summary.seconds = time.monotonic() - started
        return summary

    # --- csv, jsonl, beijing-prsa: records → validator → batches ----------------------------------------------

    def _import_records(self, fmt: str, text: TextIO, summary: FileSummary, progress: Progress, binary) -> None:
        assumed: set[str] = set()
        validator = Validator(default_mn=self.device, default_resolution=self.resolution, assume_mns=assumed)
        reader = None
        if fmt == "csv":
            records = read_csv(text, mn_given=self.device is not None, resolution_given=self.resolution is not None)
        elif fmt == "jsonl":
            records = _jsonl_records(text)
        else:
            if self.resolution not in (None, "hour", "2061"):
                raise DocumentError(
                    _("PRSA 文件是小时数据，不能用 --resolution %(value)s。") % {"value": self.resolution}
                )
            reader = prsa.PRSAReader(lambda site: self._prsa_site(site, validator, assumed, summary))
            records = reader.records(text)
        batch: list[Record] = []
        size = 0
        for record in records:
            summary.rows += 1
            batch.append(record)
            size += record.size
            if size >= self.batch_size:
                self._flush(batch, validator, summary)
                batch, size = [], 0
                progress.update(rows=summary.rows, errors=summary.error_count, position=binary.tell())
        self._flush(batch, validator, summary)
        if reader is not None:
            summary.missing = reader.missing
            summary.not_imported = {
                name: (count, prsa.NOT_IMPORTED.get(name, "no HJ 212 code mapped for this column"))
                for name, count in sorted(reader.not_imported.items())
            }

    def _prsa_site(self, site: str, validator: Validator, assumed: set[str], summary: FileSummary) -> str:
        """The MN a PRSA site's rows go to: ``--device``, or ``PRSA-<site>`` (registered with --create-stations)."""
        if self.device:
            return self.device
        mn = prsa.mn_for(site)
        if not self.create_stations or Device.objects.filter(mn=mn).exists():
            return mn
        if self.dry_run:
            assumed.add(mn)
            summary.stations_to_create.append(mn)
        else:
            prsa.register_prsa_site(site)
            validator.forget_device(mn)
            summary.stations_created.append(mn)
        return mn

    def _flush(self, batch: list[Record], validator: Validator, summary: FileSummary) -> None:
        if not batch:
            return
        validator.prefetch(batch)
        valid = []
        for record in batch:
            rows, errors, rejected = validator.validate(record)
            valid.extend(rows)
            summary.rejected += rejected
            for error in errors:
                self._error(summary, error)
        if self.dry_run:
            summary.valid += len(valid)
            return
        stored = write_rows(valid, series=self.series)
        summary.inserted += stored.inserted
        summary.updated += stored.updated

    def _error(self, summary: FileSummary, error: RowError) -> None:
        summary.error_count += 1
        if len(summary.first_errors) < ERRORS_KEPT:
            summary.first_errors.append(error)
        if self.errors_writer is not None:
            self.errors_writer.writerow(
                [summary.path, error.row if error.row is not None else "", error.field, error.message]
            )

    # --- hj212: one frame per line through ingest_packets (archived, like the gateway) ----------------------------

    def _check_options_for_frames(self) -> None:
        if self.device or self.resolution:
            raise DocumentError(_("hj212 格式的报文自带 MN 和 CN：不能用 --device 或 --resolution。"))

    def _import_frames(self, binary, summary: FileSummary, progress: Progress) -> None:
        peer = f"file:{Path(summary.path).name}"[:64]
        batch: list[tuple[int, bytes]] = []
        for line_number, line in enumerate(binary, start=1):
            raw = line.rstrip(b"\r\n")
            if not raw.strip():
                continue
            summary.rows += 1
            batch.append((line_number, raw + b"\r\n"))
            if len(batch) >= FRAME_BATCH:
                self._flush_frames(batch, peer, summary)
                batch = []
                progress.update(rows=summary.rows, errors=summary.error_count, position=binary.tell())
        self._flush_frames(batch, peer, summary)

    def _flush_frames(self, batch: list[tuple[int, bytes]], peer: str, summary: FileSummary) -> None:
        if not batch:
            return
        if self.dry_run:
            for line_number, raw in batch:
                problem, values = _check_frame(raw)
                if problem:
                    summary.rejected += 1
                    self._error(summary, RowError(line_number, "packet", problem))
                summary.valid += values
            return
        results = services.ingest_packets([(raw, peer, None) for _, raw in batch])
        for (line_number, _raw), result in zip(batch, results, strict=True):
            summary.inserted += result.inserted
            summary.updated += result.updated
            if result.outcome in (PacketOutcome.STORED, PacketOutcome.DUPLICATE, PacketOutcome.ACCEPTED):
                if result.skipped_codes:
                    summary.rejected += len(result.skipped_codes)
                    message = _("未知的因子编码，未入库（原始报文已存档）：%(codes)s") % {
                        "codes": ", ".join(result.skipped_codes)
                    }
                    self._error(summary, RowError(line_number, "factor", message))
                continue
            summary.rejected += 1
            self._error(summary, RowError(line_number, "packet", f"{result.outcome}: {result.detail}"))


def _jsonl_records(lines: Iterable[str]) -> Iterator[Record]:
    """One JSON document per line; a line that is not JSON becomes a record carrying its error."""
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = load_json(line)
        except DocumentError as exc:
            yield Record(line_number, errors=[RowError(line_number, "document", str(exc))])
            continue
        yield record_from_document(document, line_number)


def _check_frame(raw: bytes) -> tuple[str, int]:
    """Dry run of one frame, read-only: (problem or "", number of values it would store)."""
    try:
        packet = decode(raw)
    except HJ212Error as exc:
        return f"{PacketOutcome.DECODE_ERROR}: {exc.kind}: {exc.detail}", 0
    device = Device.objects.filter(mn=packet.mn).first()
    if device is None:
        return f"{PacketOutcome.UNKNOWN_MN}: MN {packet.mn} 未登记", 0
    if not device.check_access_password(packet.pw):
        return f"{PacketOutcome.AUTH_FAILED}: 访问密码错误", 0
    if packet.cn in services.ACCEPTED_CNS:
        return "", 0
    if packet.cn not in services.RESOLUTION_BY_CN or packet.is_split:
        return f"{PacketOutcome.UNSUPPORTED}: CN={packet.cn}", 0
    if packet.data_time is None:
        return f"{PacketOutcome.DECODE_ERROR}: CN={packet.cn} without DataTime", 0
    return "", len(packet.factors)
