"""The envelope (HJ 212-2017 Table 2, standards.md §1.1): ``##`` + LLLL + data segment + CRC16 + CRLF."""

from __future__ import annotations

from .crc import hj212_crc16, modbus_crc16
from .errors import CRCError, FieldError, FramingError, HJ212Error, LengthError
from .fields import parse_segment
from .model import Packet

HEADER = b"##"
TERMINATOR = b"\r\n"
# Table 2: the data segment is 0–1024 characters. The 4-digit length field could say up to 9999; a caller
# that must accept oversized frames from known devices passes max_length (at most 9999).
MAX_DATA_LENGTH = 1024
LENGTH_FIELD_MAX = 9999
_HEX = frozenset(b"0123456789abcdefABCDEF")


def split_frame(data: bytes, *, max_length: int = MAX_DATA_LENGTH, require_terminator: bool = False) -> bytes:
    """Check header, length and CRC; return the data segment bytes. Raises a typed HJ212Error."""
    if data.endswith(TERMINATOR):
        data = data[:-2]
    elif data.endswith(b"\n"):  # LF-only terminators are seen in the field
        if require_terminator:
            raise FramingError("frame ends with LF but not CR LF", offset=len(data) - 1)
        data = data[:-1]
    elif require_terminator:
        raise FramingError(f"frame does not end with CR LF (byte offset {len(data)})", offset=len(data))
    if not data.startswith(HEADER):
        raise FramingError(f"frame does not start with ## (byte offset 0: {data[:2]!r})", offset=0)
    if len(data) < 10:
        raise FramingError(f"frame is {len(data)} bytes, shorter than ##LLLL + CRC (10 bytes)", offset=len(data))
    length_text = data[2:6]
    if not length_text.isdigit():
        raise LengthError(f"length field {length_text!r} at byte offset 2 is not 4 decimal digits", offset=2)
    declared = int(length_text)
    limit = min(max_length, LENGTH_FIELD_MAX)
    if declared > limit:
        raise LengthError(f"declared data-segment length {declared} exceeds the maximum {limit}", offset=2)
    segment = data[6:-4]
    if len(segment) > limit:
        raise LengthError(f"data segment is {len(segment)} bytes, over the maximum {limit}", offset=6)
    if len(segment) != declared and not _char_count_matches(segment, declared):
        raise LengthError(
            f"declared length {length_text.decode()} but the data segment (byte offsets 6–{6 + len(segment)}) "
            f"has {len(segment)} bytes",
            offset=2,
        )
    crc_text = data[-4:]
    crc_at = len(data) - 4
    if not _HEX.issuperset(crc_text):
        raise CRCError(f"CRC field {crc_text!r} at byte offset {crc_at} is not 4 hex digits", offset=crc_at)
    sent = int(crc_text, 16)
    computed = hj212_crc16(segment)
    if sent != computed:
        hint = ""
        modbus = modbus_crc16(segment)
        if sent in (modbus, ((modbus & 0xFF) << 8) | (modbus >> 8)):
            hint = " (it is the Modbus CRC16 — not the HJ 212 CRC)"
        raise CRCError(
            f"CRC mismatch at byte offset {crc_at}: packet says {crc_text.decode()}, "
            f"the data segment (bytes 6–{crc_at}) gives {computed:04X}{hint}",
            offset=crc_at,
        )
    return segment


def _char_count_matches(segment: bytes, declared: int) -> bool:
    """Some loggers count characters, not UTF-8 bytes, when the segment has Chinese text (standards.md §1.1)."""
    if segment.isascii():
        return False
    try:
        return len(segment.decode("utf-8")) == declared
    except UnicodeDecodeError:
        return False


def decode(data: bytes | str, *, max_length: int = MAX_DATA_LENGTH, require_terminator: bool = False) -> Packet:
    """Decode one frame (with or without its CR LF) into a Packet, or raise an HJ212Error subclass."""
    if isinstance(data, str):
        data = encode_text(data)
    segment = split_frame(data, max_length=max_length, require_terminator=require_terminator)
    try:
        text = segment.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = 6 + exc.start
        raise FieldError(f"data segment is not valid UTF-8 at byte offset {offset}", offset=offset) from None
    return parse_segment(text)


def encode_text(text: str) -> bytes:
    """UTF-8 bytes of ``text``; undecodable bytes smuggled in as surrogates (argv, stdin) become bytes again."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")  # other lone surrogates: let the UTF-8 check reject them


def try_decode(data: bytes | str, **options) -> Packet | HJ212Error:
    """Decode, returning the error instead of raising it (for batch use)."""
    try:
        return decode(data, **options)
    except HJ212Error as exc:
        return exc
