"""The raw packet archive for people: keyset pages over millions of frames, and a frame explained field by field.

Pages: a COUNT(*) over a multi-million-row archive costs seconds, an OFFSET deep in it too. The list walks the
``received_at`` index (or ``(mn, received_at)`` with an MN filter) from a cursor, newest first, and counts at
most ``COUNT_CAP`` rows (bench/packet_pages.py measures both).

Explanation: :func:`explain_packet` decodes the archived bytes again with the codec and names every part
from standards.md §1 (ST §1.5, CN §1.6, Flag §1.4, data flags §1.9) and the factor table in the registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.monitoring.models import ArchivedPacket
from ecobrain.registry.models import MonitoringFactor
from ecobrain.standards.hj212 import CHINA_TZ, HJ212Error, Packet, try_decode
from ecobrain.standards.hj212.codes import (
    DATA_TIME_ROLES,
    EDITION_TITLES,
    command_name,
    data_flag_meaning,
    explain_flag,
    is_normal_flag,
    system_name,
)
from ecobrain.standards.hj212.fields import normalise_code

COUNT_CAP = 10_000
PAGE_SIZES = (25, 50, 100, 200)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def translated(name: str | None) -> str:
    """A name from the HJ 212 code tables (kept Chinese there) in the reader's language; "" for none.

    The guard matters: ``gettext("")`` returns the catalogue's header, not "".
    """
    return _(name) if name else ""


# --- keyset pages -------------------------------------------------------------------------------------------


class CursorError(ValueError):
    """A page cursor that is not ``<microseconds>_<id>`` (edited by hand, or cut short)."""


def encode_cursor(packet: ArchivedPacket) -> str:
    stamp = packet.received_at.astimezone(UTC)
    micros = (stamp - EPOCH) // timedelta(microseconds=1)
    return f"{micros}_{packet.pk}"


def decode_cursor(text: str) -> tuple[datetime, int]:
    micros, sep, pk = text.partition("_")
    try:
        if not sep or len(text) > 40:
            raise ValueError
        moment = EPOCH + timedelta(microseconds=int(micros))
        pk_value = int(pk)
        if not 0 < pk_value < 2**63:
            raise ValueError
        return moment, pk_value
    except (ValueError, OverflowError):
        raise CursorError(text) from None


@dataclass
class KeysetPage:
    """One page of packets, newest first, with cursors to the older (next) and newer (previous) pages."""

    rows: list[ArchivedPacket]
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    count_capped: bool


def keyset_page(
    queryset: QuerySet, *, per_page: int, after: str | None = None, before: str | None = None
) -> KeysetPage:
    """The page after cursor ``after`` (older rows) or before cursor ``before`` (newer rows), else the first.

    The boundary is a range on ``received_at`` (which the index serves) plus a tie-break on the id.
    """
    ordered = queryset.order_by("-received_at", "-pk")
    count = queryset.order_by()[: COUNT_CAP + 1].count()
    if before:
        moment, pk = decode_cursor(before)
        newer = (
            queryset.filter(received_at__gte=moment)
            .filter(Q(received_at__gt=moment) | Q(pk__gt=pk))
            .order_by("received_at", "pk")
        )
        rows = list(newer[: per_page + 1])
        has_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        return KeysetPage(
            rows=rows,
            next_cursor=encode_cursor(rows[-1]) if rows else None,
            previous_cursor=encode_cursor(rows[0]) if rows and has_newer else None,
            count=min(count, COUNT_CAP),
            count_capped=count > COUNT_CAP,
        )
    if after:
        moment, pk = decode_cursor(after)
        ordered = ordered.filter(received_at__lte=moment).filter(Q(received_at__lt=moment) | Q(pk__lt=pk))
    rows = list(ordered[: per_page + 1])
    has_older = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(
        rows=rows,
        next_cursor=encode_cursor(rows[-1]) if rows and has_older else None,
        previous_cursor=encode_cursor(rows[0]) if rows and after else None,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
    )


# --- the access password stays hidden ----------------------------------------------------------------------

# PW (and a 1072 command's NewPW) as it appears in a frame; the value runs to the next separator.
_PASSWORD = re.compile(r"((?:^|[;,&#\d])(?:New)?PW=)([^;,&\r\n]*)")
# "pw" of a JSON observation document (MQTT, docs/ingest.md): a JSON string, escapes included.
_JSON_PASSWORD = re.compile(r'("pw"\s*:\s*")((?:[^"\\]|\\.)*)(")')


def mask_password(text: str) -> str:
    """The frame (or JSON document) with each access password replaced by as many ``*``: byte offsets (error
    positions) still point at the same characters. The archive keeps the exact bytes; pages, exports and the
    API show this."""
    if text.lstrip()[:1] in ("{", "["):
        return _JSON_PASSWORD.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    return _PASSWORD.sub(lambda m: m.group(1) + "*" * len(m.group(2)), text)


def is_json_document(raw: bytes) -> bool:
    """An archived JSON observation document (MQTT) rather than an HJ 212 frame."""
    return bytes(raw).lstrip()[:1] in (b"{", b"[")


# --- a frame explained --------------------------------------------------------------------------------------

# Value suffixes in the order a reader expects them (standards.md §1.8); others follow as sent.
SUFFIX_ORDER = ("Rtd", "Avg", "Min", "Max", "Cou", "ZsRtd", "ZsAvg", "ZsMin", "ZsMax")
FLAG_SUFFIXES = ("Flag", "EFlag")
QUALITY_SYSTEMS = frozenset({"21", "22", "23", "24", "25", "26", "27"})  # ambient units (§1.10 note)


@dataclass
class HeaderLine:
    name: str
    value: str
    meaning: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class FactorLine:
    code: str
    sent_as: str  # the code in the frame when it differs (a 2005 old code), else ""
    name: str
    unit: str
    values: dict[str, str]
    flag: str
    flag_meaning: str
    flag_normal: bool
    eflag: str


@dataclass
class PacketExplanation:
    """What the archive page shows of one frame: the decoded packet, or the decode error and where it is."""

    packet: Packet | None
    error: HJ212Error | None
    header: list[HeaderLine] = field(default_factory=list)
    data_time: datetime | None = None
    data_time_role: str = ""
    factors: list[FactorLine] = field(default_factory=list)
    suffixes: list[str] = field(default_factory=list)
    other_cp: list[tuple[str, str]] = field(default_factory=list)
    error_excerpt: tuple[str, str, str] | None = None  # raw text before / at / after the error offset


def explain_packet(raw: bytes) -> PacketExplanation:
    decoded = try_decode(raw)
    if isinstance(decoded, HJ212Error):
        return PacketExplanation(packet=None, error=decoded, error_excerpt=_excerpt(raw, decoded))
    packet = decoded
    return PacketExplanation(
        packet=packet,
        error=None,
        header=_header(packet),
        data_time=packet.data_time,
        data_time_role=translated(DATA_TIME_ROLES.get(packet.data_time_role or "")),
        **_factors(packet),
    )


def _excerpt(raw: bytes, error: HJ212Error) -> tuple[str, str, str] | None:
    if error.offset is None or error.offset < 0:
        return None
    offset = min(error.offset, len(raw))
    width = 4 if error.kind == "crc" else 1
    return (
        mask_password(raw[:offset].decode("utf-8", "replace")),
        raw[offset : offset + width].decode("utf-8", "replace"),
        mask_password(raw[offset + width :].decode("utf-8", "replace")),
    )


def _qn_time(qn: str) -> str:
    if len(qn) == 17 and qn.isdigit():
        return f"{qn[0:4]}-{qn[4:6]}-{qn[6:8]} {qn[8:10]}:{qn[10:12]}:{qn[12:14]}.{qn[14:17]}"
    return ""


def _header(packet: Packet) -> list[HeaderLine]:
    edition = packet.version
    lines = [
        HeaderLine(_("协议版本"), edition, EDITION_TITLES.get(edition, "")),
        HeaderLine(
            "QN", packet.qn or "—", _qn_time(packet.qn or "") or (_("无（2005 版常见）") if not packet.qn else "")
        ),
        HeaderLine("ST", packet.st, translated(system_name(packet.st)) or _("非标准系统编码")),
        HeaderLine("CN", packet.cn, translated(command_name(packet.cn, edition)) or _("保留或未知的命令编码")),
        HeaderLine("PW", "••••••", _("访问密码不予显示")),
        HeaderLine("MN", packet.mn),
        HeaderLine(
            "Flag", "—" if packet.flag is None else str(packet.flag), notes=explain_flag(packet.flag, translate=_)
        ),
    ]
    if packet.pnum is not None:
        lines.append(HeaderLine("PNUM / PNO", f"{packet.pnum} / {packet.pno}", _("拆分包：总包数 / 包号")))
    for key, value in packet.extra:
        lines.append(HeaderLine(key, value, _("非标准字段（按原样保存）")))
    return lines


def _factors(packet: Packet) -> dict:
    sent_as: dict[str, str] = {}
    other: list[tuple[str, str]] = []
    for group in packet.cp_groups:
        for key, value in group:
            code, sep, suffix = key.rpartition("-")
            if sep and code and suffix:
                target = normalise_code(code, packet.medium)
                if target != code:
                    sent_as.setdefault(target, code)
            else:
                other.append((key, value))
    registry = {f.code: f for f in MonitoringFactor.objects.filter(code__in=list(packet.factors))}
    ambient = packet.st in QUALITY_SYSTEMS
    suffixes = sorted(
        {s for values in packet.factors.values() for s in values if s not in FLAG_SUFFIXES},
        key=lambda s: (SUFFIX_ORDER.index(s) if s in SUFFIX_ORDER else len(SUFFIX_ORDER), s),
    )
    lines = []
    for code, values in packet.factors.items():
        factor = registry.get(code)
        flag = values.get("Flag", "")
        lines.append(
            FactorLine(
                code=code,
                sent_as=sent_as.get(code, ""),
                name=factor.name if factor else _("（登记表中无此因子，未入库）"),
                unit=((factor.ambient_unit or factor.unit) if ambient else factor.unit) if factor else "",
                values={s: values[s] for s in suffixes if s in values},
                flag=flag,
                flag_meaning=(translated(data_flag_meaning(flag, packet.version)) or _("本地扩展标记")) if flag else "",
                flag_normal=is_normal_flag(flag, packet.version),
                eflag=values.get("EFlag", ""),
            )
        )
    return {"factors": lines, "suffixes": suffixes, "other_cp": [(k, v) for k, v in other if k != "DataTime"]}


def china_time(moment: datetime | None) -> str:
    return timezone.localtime(moment, CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else ""
