"""Typed decode errors: every failure is an ``HJ212Error`` whose ``kind`` says which layer failed."""

from __future__ import annotations


class HJ212Error(ValueError):
    """A packet that cannot be decoded; ``detail`` says what is wrong and where (field, byte offset)."""

    kind = "error"

    def __init__(self, detail: str, *, offset: int | None = None, field: str | None = None) -> None:
        self.detail = detail
        self.offset = offset
        self.field = field
        super().__init__(detail)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.detail!r})"


class FramingError(HJ212Error):
    """The envelope is wrong: no ``##`` header, too short, no CRLF where one is required."""

    kind = "framing"


class LengthError(HJ212Error):
    """The 4-digit length is not digits, exceeds the maximum, or does not match the data segment."""

    kind = "length"


class CRCError(HJ212Error):
    """The CRC is not 4 hex digits or does not match the data segment (the host answers QnRtn=9)."""

    kind = "crc"


class FieldError(HJ212Error):
    """A data-segment field (QN, ST, CN, PW, MN, Flag, PNUM, PNO, CP, DataTime) is missing or malformed."""

    kind = "field"


class VersionError(HJ212Error):
    """The Flag's version bits name no known edition of the standard."""

    kind = "version"


ERROR_KINDS = ("framing", "length", "crc", "field", "version")
