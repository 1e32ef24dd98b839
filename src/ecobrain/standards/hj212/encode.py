"""Build frames: data segment text → ``##LLLL…CRC\\r\\n`` with the length in UTF-8 bytes and the HJ 212 CRC16."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .crc import hj212_crc16
from .errors import FieldError, LengthError
from .frame import MAX_DATA_LENGTH
from .model import CPGroup, Packet
from .versions import EDITION_WITHOUT_FLAG, edition_for_flag, make_flag

_FORBIDDEN_IN_VALUE = (";", ",", "&&")


def build_frame(segment: str, *, max_length: int = MAX_DATA_LENGTH) -> bytes:
    """Wrap a data segment: header, 4-digit UTF-8 byte length, segment, CRC (upper-case hex), CR LF."""
    body = segment.encode("utf-8")
    if len(body) > max_length:
        raise LengthError(f"data segment is {len(body)} bytes, over the maximum {max_length}")
    return b"##%04d%s%04X\r\n" % (len(body), body, hj212_crc16(body))


def encode_cp(groups: Iterable[CPGroup]) -> str:
    return ";".join(",".join(f"{key}={value}" for key, value in group) for group in groups)


def encode_segment(packet: Packet) -> str:
    """The data segment in the standard's field order: QN;ST;CN;PW;MN;Flag;[PNUM;PNO;]CP=&&…&&."""
    parts = []
    if packet.qn is not None:
        parts.append(f"QN={packet.qn}")
    parts += [f"ST={packet.st}", f"CN={packet.cn}", f"PW={packet.pw}", f"MN={packet.mn}"]
    if packet.flag is not None:
        parts.append(f"Flag={packet.flag}")
    if packet.pnum is not None:
        parts += [f"PNUM={packet.pnum}", f"PNO={packet.pno}"]
    parts += [f"{name}={value}" for name, value in packet.extra]
    parts.append(f"CP=&&{encode_cp(packet.cp_groups)}&&")
    return ";".join(parts)


def encode(packet: Packet, *, max_length: int = MAX_DATA_LENGTH) -> bytes:
    """The complete frame for ``packet``."""
    return build_frame(encode_segment(packet), max_length=max_length)


def group_cp(cp: Mapping[str, Any]) -> tuple[CPGroup, ...]:
    """CP key → value into groups: consecutive keys of one factor (``code-suffix``) share a `;` group."""
    groups: list[list[tuple[str, str]]] = []
    last_code = None
    for key, raw in cp.items():
        value = _value_text(key, raw)
        code, sep, _ = key.rpartition("-")
        code = code if sep and code else None
        if groups and code is not None and code == last_code:
            groups[-1].append((key, value))
        else:
            groups.append([(key, value)])
        last_code = code
    return tuple(tuple(group) for group in groups)


def _value_text(key: str, raw: Any) -> str:
    if not isinstance(key, str) or not key or "=" in key or any(mark in key for mark in _FORBIDDEN_IN_VALUE):
        raise FieldError(f"CP key {key!r} is not a valid name", field="CP")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise FieldError(f"CP value of {key} must be text or an integer (exact decimals as text)", field=key)
    value = str(raw)
    if value.startswith("//"):  # a log: separators allowed inside //…//, but it must close and hold no //
        if len(value) < 4 or not value.endswith("//") or "//" in value[2:-2] or "&&" in value:
            raise FieldError(f"CP log value of {key} must be //text// without // or && inside", field=key)
    elif any(mark in value for mark in _FORBIDDEN_IN_VALUE):
        raise FieldError(f"CP value of {key} contains a separator (; , &&)", field=key)
    return value


def packet_from_json(document: Mapping[str, Any]) -> Packet:
    """A Packet from the JSON that ``ecobrain hj212 decode`` prints (or a hand-written subset of it).

    Needs st, cn, pw, mn and cp (or factors + data_time). ``flag`` wins over ``version``/``ack_required``;
    without ``flag``, version 2005 sends none, other versions get their version bits with A and D set.
    """
    if not isinstance(document, Mapping):
        raise FieldError("the packet JSON must be an object")
    header = {}
    for name in ("st", "cn", "pw", "mn"):
        value = document.get(name)
        if not isinstance(value, str) or not value:
            raise FieldError(f"field {name} is required (text)", field=name.upper())
        if ";" in value or "&&" in value:
            raise FieldError(f"field {name} may not contain ; or &&", field=name.upper())
        header[name] = value
    qn = document.get("qn")
    if qn is not None and not isinstance(qn, str):
        raise FieldError("qn must be text", field="QN")
    pnum, pno = _optional_int(document, "pnum"), _optional_int(document, "pno")
    if (pnum is None) != (pno is None):
        raise FieldError("pnum and pno come together", field="PNUM")
    flag = _optional_int(document, "flag")
    version = document.get("version")
    if flag is None:
        version = version or ("2017" if qn else EDITION_WITHOUT_FLAG)
        if version != EDITION_WITHOUT_FLAG or document.get("ack_required") or pnum is not None:
            flag = make_flag(str(version), ack=bool(document.get("ack_required")), split=pnum is not None)
    version = edition_for_flag(flag)
    cp = document.get("cp")
    if cp is None:
        cp = _cp_from_factors(document)
    if not isinstance(cp, Mapping):
        raise FieldError("cp must be an object of key → value text", field="CP")
    return Packet(version=version, qn=qn, flag=flag, pnum=pnum, pno=pno, cp_groups=group_cp(cp), **header)


def _optional_int(document: Mapping[str, Any], name: str) -> int | None:
    value = document.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9999:
        raise FieldError(f"{name} must be an integer 0–9999", field=name.upper())
    return value


def _cp_from_factors(document: Mapping[str, Any]) -> dict[str, Any]:
    factors = document.get("factors") or {}
    if not isinstance(factors, Mapping) or not all(isinstance(v, Mapping) for v in factors.values()):
        raise FieldError("factors must be an object of code → {suffix → value}", field="CP")
    cp: dict[str, Any] = {}
    data_time = document.get("data_time")
    if data_time:
        cp["DataTime"] = _compact_time(data_time)
    for code, values in factors.items():
        for suffix, value in values.items():
            cp[f"{code}-{suffix}"] = value
    return cp


def _compact_time(value: Any) -> str:
    """ISO 8601 (as printed by decode) → YYYYMMDDhhmmss in UTC+8."""
    from datetime import datetime

    from .model import CHINA_TZ

    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise FieldError(f"data_time {value!r} is not ISO 8601", field="DataTime") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA_TZ)
    return moment.strftime("%Y%m%d%H%M%S")
