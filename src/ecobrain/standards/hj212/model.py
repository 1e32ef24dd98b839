"""The decoded packet: plain frozen dataclasses; values stay exact decimal text, never float."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property

from .versions import FLAG_ACK, FLAG_SPLIT

try:
    from zoneinfo import ZoneInfo

    CHINA_TZ = ZoneInfo("Asia/Shanghai")
except Exception:  # no tz database: China has had a fixed UTC+8 without DST since 1991
    CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

# What DataTime means per CN (standards.md §1.8): the period start for history data, the instant otherwise.
PERIOD_BY_CN: dict[str, str] = {"2051": "minute", "2061": "hour", "2031": "day", "2041": "day"}
INSTANT_CNS = frozenset({"2011", "2021"})

CPItem = tuple[str, str]  # (key, value text) exactly as sent
CPGroup = tuple[CPItem, ...]  # the items of one `;`-separated group, joined by `,`


@dataclass(frozen=True)
class Packet:
    """One HJ 212 packet (or a reassembled split message): header fields, CP groups and the derived views."""

    version: str
    st: str
    cn: str
    pw: str
    mn: str
    cp_groups: tuple[CPGroup, ...] = ()
    qn: str | None = None
    flag: int | None = None
    pnum: int | None = None
    pno: int | None = None
    extra: tuple[CPItem, ...] = ()  # unknown data-segment fields before CP, kept in order
    medium: str | None = None  # factor medium from ST ("water", "gas", "noise") or None
    factors: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, hash=False)
    data_time: datetime | None = None
    parts: int = 1  # > 1 when reassembled from split packets

    @property
    def ack_required(self) -> bool:
        return bool(self.flag is not None and self.flag & FLAG_ACK)

    @property
    def is_split(self) -> bool:
        return self.pnum is not None or bool(self.flag is not None and self.flag & FLAG_SPLIT)

    @cached_property
    def cp(self) -> dict[str, str]:
        """CP key → value text; a key sent twice keeps its first value (all items stay in ``cp_groups``)."""
        result: dict[str, str] = {}
        for group in self.cp_groups:
            for key, value in group:
                result.setdefault(key, value)
        return result

    @property
    def period(self) -> str | None:
        """ "minute" / "hour" / "day" when DataTime is the start of that period (2051/2061/2031/2041), else None."""
        return PERIOD_BY_CN.get(self.cn)

    @property
    def data_time_role(self) -> str | None:
        """How to read DataTime for this CN: "period_start", "instant", or None when the CN defines neither."""
        if self.cn in PERIOD_BY_CN:
            return "period_start"
        if self.cn in INSTANT_CNS:
            return "instant"
        return None

    def as_json(self) -> dict:
        """The shape printed by ``ecobrain hj212 decode`` (issue 3)."""
        return {
            "ok": True,
            "version": self.version,
            "qn": self.qn,
            "st": self.st,
            "cn": self.cn,
            "pw": self.pw,
            "mn": self.mn,
            "flag": self.flag,
            "ack_required": self.ack_required,
            "pnum": self.pnum,
            "pno": self.pno,
            "data_time": self.data_time.isoformat() if self.data_time else None,
            "cp": dict(self.cp),
            "factors": {code: dict(values) for code, values in self.factors.items()},
        }
