"""Editions of HJ 212 and how a packet says which one it follows (standards.md §1.4), plus ST → medium (§1.5).

Kept as data: the 2025 edition's version bits come from one implementation, not from the text
(standards.md marks them [I]); a new edition or a correction is one row here.
"""

from __future__ import annotations

from .errors import VersionError

# Flag bits, high to low: V5..V0 D A. version = flag >> 2.
FLAG_ACK = 0b01  # A: the receiver must reply
FLAG_SPLIT = 0b10  # D: the packet carries PNUM/PNO

# version bits → edition label. 0 = HJ/T 212-2005 [P], 1 = HJ 212-2017 [P], 2 = HJ 212-2025 [I: S17].
EDITION_BY_VERSION_BITS: dict[int, str] = {0: "2005", 1: "2017", 2: "2025"}
VERSION_BITS_BY_EDITION: dict[str, int] = {label: bits for bits, label in EDITION_BY_VERSION_BITS.items()}
# A packet without Flag follows HJ/T 212-2005 (which had no QN/Flag in common use).
EDITION_WITHOUT_FLAG = "2005"


def edition_for_flag(flag: int | None) -> str:
    """The edition label for a Flag value (None: no Flag field). Unknown version bits raise VersionError."""
    if flag is None:
        return EDITION_WITHOUT_FLAG
    bits = flag >> 2
    try:
        return EDITION_BY_VERSION_BITS[bits]
    except KeyError:
        known = ", ".join(f"{b}={label}" for b, label in EDITION_BY_VERSION_BITS.items())
        raise VersionError(
            f"Flag={flag}: version bits {bits} name no known edition (known: {known})", field="Flag"
        ) from None


def make_flag(edition: str, *, ack: bool = False, split: bool = False) -> int:
    """The Flag value for an edition with the A and D bits set as asked."""
    try:
        bits = VERSION_BITS_BY_EDITION[edition]
    except KeyError:
        raise VersionError(f"unknown edition {edition!r} (known: {', '.join(VERSION_BITS_BY_EDITION)})") from None
    return (bits << 2) | (FLAG_SPLIT if split else 0) | (FLAG_ACK if ack else 0)


# ST (system code) → medium of its factors, as used by factors.new_code_for (HJ 212-2017 Table 5, §1.5).
# 21 = surface water and 22 = air quality (not the other way round). Codes with no factor medium map to None.
MEDIUM_BY_ST: dict[str, str | None] = {
    "21": "water",  # 地表水质量监测
    "22": "gas",  # 空气质量监测
    "23": "noise",  # 声环境质量监测
    "24": "water",  # 地下水质量监测
    "25": None,  # 土壤质量监测
    "26": "water",  # 海水质量监测
    "27": "gas",  # 挥发性有机物监测
    "31": "gas",  # 大气环境污染源 (flue gas, CEMS)
    "32": "water",  # 地表水体环境污染源 (wastewater)
    "33": "water",  # 地下水体环境污染源
    "34": "water",  # 海洋环境污染源
    "35": None,  # 土壤环境污染源
    "36": "noise",  # 声环境污染源
    "37": None,  # 振动环境污染源
    "38": None,  # 放射性环境污染源
    "39": "gas",  # 工地扬尘污染源
    "41": None,  # 电磁环境污染源
    "51": "gas",  # 烟气排放过程监控
    "52": "water",  # 污水排放过程监控
    "91": None,  # 系统交互
}


def medium_for_st(st: str) -> str | None:
    return MEDIUM_BY_ST.get(st)
