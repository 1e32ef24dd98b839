"""HJ 212 codec (HJ/T 212-2005, HJ 212-2017, HJ 212-2025): frames ↔ ``Packet``. Plain Python, no Django.

See docs/hj212.md and standards.md §1. Typical use::

    packet = decode(frame_bytes)            # or raises an HJ212Error with .kind and .detail
    frame = encode(packet)
"""

from .crc import hj212_crc16
from .encode import build_frame, encode, encode_segment, packet_from_json
from .errors import ERROR_KINDS, CRCError, FieldError, FramingError, HJ212Error, LengthError, VersionError
from .fields import parse_data_time
from .frame import MAX_DATA_LENGTH, decode, try_decode
from .model import CHINA_TZ, Packet
from .reassembly import Reassembler

__all__ = [
    "CHINA_TZ",
    "ERROR_KINDS",
    "MAX_DATA_LENGTH",
    "CRCError",
    "FieldError",
    "FramingError",
    "HJ212Error",
    "LengthError",
    "Packet",
    "Reassembler",
    "VersionError",
    "build_frame",
    "decode",
    "encode",
    "encode_segment",
    "hj212_crc16",
    "packet_from_json",
    "parse_data_time",
    "try_decode",
]
