"""The data segment (HJ 212-2017 Table 3, standards.md §1.3) and the CP data area (§1.8) → ``Packet``."""

from __future__ import annotations

from datetime import datetime

from ecobrain.standards.factors import factor_table, new_code_for

from .errors import FieldError, VersionError
from .model import CHINA_TZ, CPGroup, CPItem, Packet
from .versions import FLAG_SPLIT, edition_for_flag, medium_for_st

HEADER_FIELDS = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")
REQUIRED_FIELDS = ("ST", "CN", "PW", "MN")
LOG_MARK = "//"  # -Info logs go between //…// and may contain ; , = (standards.md §1.8)


def _byte_offset(segment: str, index: int, base: int) -> int:
    """Byte offset in the frame of character ``index`` of the data segment (which starts at frame byte ``base``)."""
    return base + len(segment[:index].encode("utf-8"))


def _error(detail: str, segment: str, index: int, base: int, field: str) -> FieldError:
    offset = _byte_offset(segment, index, base)
    return FieldError(f"{detail} (field {field}, byte offset {offset})", offset=offset, field=field)


def parse_segment(segment: str, *, base: int = 6) -> Packet:
    """Parse a data segment (already length- and CRC-checked). ``base`` = frame offset of its first byte."""
    cp_at = segment.find("CP=&&")
    while cp_at > 0 and segment[cp_at - 1] != ";":
        cp_at = segment.find("CP=&&", cp_at + 1)
    if cp_at < 0:
        raise _error("no CP=&&…&& data area", segment, len(segment), base, "CP")
    if len(segment) < cp_at + 7 or not segment.endswith("&&"):
        raise _error("CP data area does not end with &&", segment, len(segment), base, "CP")
    values: dict[str, str] = {}
    extra: list[CPItem] = []
    if cp_at:
        position = 0
        for item in segment[: cp_at - 1].split(";"):
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise _error(f"data-segment item {item[:40]!r} is not NAME=value", segment, position, base, name or "?")
            if name in values or name == "CP":
                raise _error(f"field {name} appears twice", segment, position, base, name)
            if name in HEADER_FIELDS:
                values[name] = value
            else:
                extra.append((name, value))
            position += len(item) + 1
    for name in REQUIRED_FIELDS:
        if name not in values:
            raise _error(f"required field {name} is missing", segment, 0, base, name)
    st, cn = values["ST"], values["CN"]
    if not st or len(st) > 3 or not st.isascii() or not st.isalnum():
        raise _field_error(segment, base, "ST", st, "is not a system code (2 letters/digits)")
    if len(cn) != 4 or not cn.isdigit() or not cn.isascii():
        raise _field_error(segment, base, "CN", cn, "is not a 4-digit command code")
    qn = values.get("QN")
    if qn is not None and (not qn or len(qn) > 20 or not qn.isdigit() or not qn.isascii()):
        raise _field_error(segment, base, "QN", qn, "is not a YYYYMMDDhhmmsszzz request code")
    flag_text = values.get("Flag")
    flag = None
    if flag_text is not None:
        flag = _small_int(segment, base, "Flag", flag_text, 255)
    try:
        version = edition_for_flag(flag)
    except VersionError as exc:
        offset = _byte_offset(segment, max(segment.find("Flag="), 0), base)
        raise VersionError(f"{exc.detail} (byte offset {offset})", offset=offset, field="Flag") from None
    pnum = _small_int(segment, base, "PNUM", values["PNUM"], 9999) if "PNUM" in values else None
    pno = _small_int(segment, base, "PNO", values["PNO"], 9999) if "PNO" in values else None
    if (pnum is None) != (pno is None):
        missing = "PNO" if pno is None else "PNUM"
        raise _error(f"{missing} is missing (PNUM and PNO come together)", segment, 0, base, missing)
    if flag is not None and flag & FLAG_SPLIT and pnum is None:
        raise _error(f"Flag={flag} has D=1 but PNUM/PNO are missing", segment, 0, base, "PNUM")
    if pnum is not None and not 1 <= pno <= pnum:
        raise _field_error(segment, base, "PNO", values["PNO"], f"is outside 1..PNUM={pnum}")
    groups = parse_cp(segment, cp_at + 5, len(segment) - 2, base)
    medium = medium_for_st(st)
    return Packet(
        version=version,
        st=st,
        cn=cn,
        pw=values["PW"],
        mn=values["MN"],
        cp_groups=groups,
        qn=qn,
        flag=flag,
        pnum=pnum,
        pno=pno,
        extra=tuple(extra),
        medium=medium,
        factors=collect_factors(groups, medium),
        data_time=_data_time(groups, segment, base),
    )


def _field_error(segment: str, base: int, name: str, value: str, problem: str) -> FieldError:
    index = segment.find(f"{name}={value}")
    return _error(f"{name}={value[:40]!r} {problem}", segment, max(index, 0), base, name)


def _small_int(segment: str, base: int, name: str, text: str, maximum: int) -> int:
    if not text or len(text) > 5 or not text.isdigit() or not text.isascii() or int(text) > maximum:
        raise _field_error(segment, base, name, text, f"is not an integer 0–{maximum}")
    return int(text)


def parse_cp(segment: str, start: int, end: int, base: int = 6) -> tuple[CPGroup, ...]:
    """Split ``segment[start:end]`` into `;` groups of `,` items ``key=value``; values stay text."""
    body = segment[start:end]
    if not body:
        return ()
    if LOG_MARK in body:
        return _parse_cp_with_logs(segment, start, end, base)
    groups: list[CPGroup] = []
    for group in body.split(";"):
        if not group:
            continue  # tolerate empty groups (";;", a trailing ";")
        items: list[CPItem] = []
        for item in group.split(","):
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise _cp_error(segment, start, end, base, item)
            items.append((key, value))
        groups.append(tuple(items))
    return tuple(groups)


def _cp_error(segment: str, start: int, end: int, base: int, item: str) -> FieldError:
    index = segment.find(item, start, end) if item else start
    return _error(f"CP item {item[:40]!r} is not key=value", segment, max(index, start), base, "CP")


def _parse_cp_with_logs(segment: str, start: int, end: int, base: int) -> tuple[CPGroup, ...]:
    """The slow path: a value that starts with // runs to the closing //, whatever it contains."""
    groups: list[CPGroup] = []
    items: list[CPItem] = []
    i = start
    while i < end:
        eq = segment.find("=", i, end)
        stop = _next_separator(segment, i, end)
        if eq < 0 or (stop < eq):
            if stop == i:  # empty item
                if segment[stop] == ";" and items:
                    groups.append(tuple(items))
                    items = []
                i = stop + 1
                continue
            raise _cp_error(segment, start, end, base, segment[i:stop])
        key = segment[i:eq]
        if not key:
            raise _cp_error(segment, start, end, base, segment[i:stop])
        j = eq + 1
        if segment.startswith(LOG_MARK, j, end):
            close = segment.find(LOG_MARK, j + 2, end)
            if close < 0:
                raise _error(f"log value of {key} has no closing //", segment, j, base, "CP")
            j = close + 2
            if j < end and segment[j] not in ",;":
                raise _error(f"text after the closing // of {key}", segment, j, base, "CP")
        else:
            j = _next_separator(segment, j, end)
        items.append((key, segment[eq + 1 : j]))
        if j >= end or segment[j] == ";":
            groups.append(tuple(items))
            items = []
        i = j + 1
    if items:
        groups.append(tuple(items))
    return tuple(groups)


def _next_separator(segment: str, i: int, end: int) -> int:
    comma = segment.find(",", i, end)
    semi = segment.find(";", i, end)
    candidates = [p for p in (comma, semi) if p >= 0]
    return min(candidates) if candidates else end


_CODE_CACHE: dict[tuple[str, str | None], str] = {}


def normalise_code(code: str, medium: str | None) -> str:
    """The 2017 factor code for ``code``: itself when known or unknown, the 2017 code for a 2005 old code."""
    key = (code, medium)
    found = _CODE_CACHE.get(key)
    if found is None:
        found = code if code in factor_table() else (new_code_for(code, medium) or code)
        if len(_CODE_CACHE) < 65536:  # device-supplied codes: keep the cache bounded
            _CODE_CACHE[key] = found
    return found


# Per medium: CP key → (normalised factor code, suffix), or None for a key that is not ``code-suffix``. Keys
# repeat in every packet, so each is split and normalised once. Bounded (device-supplied keys).
_KEY_CACHE: dict[str | None, dict[str, tuple[str, str] | None]] = {}
_KEY_CACHE_MAX = 65536


def _factor_key(key: str, medium: str | None) -> tuple[str, str] | None:
    code, sep, suffix = key.rpartition("-")
    found = (normalise_code(code, medium), suffix) if sep and code and suffix else None
    cache = _KEY_CACHE.setdefault(medium, {})
    if len(cache) < _KEY_CACHE_MAX:
        cache[key] = found
    return found


def collect_factors(groups: tuple[CPGroup, ...], medium: str | None) -> dict[str, dict[str, str]]:
    """Normalised factor code → {suffix → value text}; keys without ``code-suffix`` form are not factors."""
    factors: dict[str, dict[str, str]] = {}
    known = _KEY_CACHE.get(medium) or {}
    missing = object()
    for group in groups:
        for key, value in group:
            found = known.get(key, missing)
            if found is missing:
                found = _factor_key(key, medium)
            if found is None:
                continue
            code, suffix = found
            target = factors.get(code)
            if target is None:
                factors[code] = {suffix: value}
            elif suffix not in target:
                target[suffix] = value
    return factors


# DataTime text → datetime: the loggers of a city send the same hour (minute) at about the same time.
_DATA_TIMES: dict[str, datetime] = {}
_DATA_TIMES_MAX = 4096


def parse_data_time(text: str) -> datetime:
    """N14 ``YYYYMMDDhhmmss`` (17 digits with milliseconds are accepted, as 2005 loggers send) in UTC+8."""
    found = _DATA_TIMES.get(text)
    if found is not None:
        return found
    moment = _parse_data_time(text)
    if len(_DATA_TIMES) >= _DATA_TIMES_MAX:
        _DATA_TIMES.clear()
    _DATA_TIMES[text] = moment
    return moment


def _parse_data_time(text: str) -> datetime:
    if len(text) not in (14, 17) or not text.isdigit() or not text.isascii():
        raise ValueError("not YYYYMMDDhhmmss")
    micro = int(text[14:17]) * 1000 if len(text) == 17 else 0
    return datetime(
        int(text[0:4]),
        int(text[4:6]),
        int(text[6:8]),
        int(text[8:10]),
        int(text[10:12]),
        int(text[12:14]),
        micro,
        tzinfo=CHINA_TZ,
    )


def _data_time(groups: tuple[CPGroup, ...], segment: str, base: int) -> datetime | None:
    for group in groups:
        for key, value in group:
            if key == "DataTime":
                try:
                    return parse_data_time(value)
                except ValueError as exc:
                    index = segment.find("DataTime=")
                    raise _error(
                        f"DataTime={value[:40]!r} is not a valid YYYYMMDDhhmmss time ({exc})",
                        segment,
                        max(index, 0),
                        base,
                        "DataTime",
                    ) from None
    return None
