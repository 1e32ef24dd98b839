"""Cutting a TCP byte stream into HJ 212 frames (``##`` + 4-digit length + data segment + CRC + CR LF).

Django-free, like the codec: the gateway feeds each connection's reads into its own :class:`FrameBuffer`.
"""

from __future__ import annotations

import logging

from ecobrain.standards.hj212 import MAX_DATA_LENGTH

logger = logging.getLogger(__name__)

HEADER = b"##"
_PREFIX = 6  # ## + LLLL
_SUFFIX = 6  # CRC (4 hex) + CR LF
_UTF8_MAX = 3  # loggers that count characters, not bytes: a CJK character is 3 UTF-8 bytes


class FrameBuffer:
    """Per-connection reassembly of frames from TCP reads (several per read, or split over many).

    ``feed(data)`` returns the complete frames found so far, each with its terminator. Bytes before ``##``
    are skipped and counted in ``garbage_bytes``; a header declaring more than ``max_length`` is dropped
    (``oversize`` counts it) and the search resumes after it. A frame is normally found by its declared
    length; when the CR LF is not where the length says (a length mismatch, or a logger counting
    characters), the frame ends at the first CR LF instead and the codec archives what is wrong with it.
    """

    def __init__(self, *, max_length: int = MAX_DATA_LENGTH) -> None:
        self.max_length = max_length
        self.garbage_bytes = 0
        self.oversize = 0
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame held back."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        frames: list[bytes] = []
        buf = self._buf
        while buf:
            start = buf.find(HEADER)
            if start < 0:
                keep = 1 if buf.endswith(b"#") else 0  # may be the first half of a header
                self.garbage_bytes += len(buf) - keep
                del buf[: len(buf) - keep]
                break
            if start:
                self.garbage_bytes += start
                del buf[:start]
            if len(buf) < _PREFIX:
                break
            length_text = bytes(buf[2:_PREFIX])
            if not length_text.isdigit():  # not a header ("##" inside garbage, or "###0100")
                self.garbage_bytes += 1
                del buf[:1]
                continue
            declared = int(length_text)
            if declared > self.max_length:
                logger.warning("HJ 212 frame declares %d bytes, over the maximum %d", declared, self.max_length)
                self.oversize += 1
                self.garbage_bytes += 2
                del buf[:2]
                continue
            end = self._frame_end(declared)
            if end is None:
                break  # wait for more bytes
            if end < 0:  # no terminator where one could be: not a frame, resync after this header
                self.garbage_bytes += 2
                del buf[:2]
                continue
            frames.append(bytes(buf[:end]))
            del buf[:end]
        return frames

    def _frame_end(self, declared: int) -> int | None:
        """End offset of the frame at the buffer start; None: incomplete; -1: no frame here."""
        buf = self._buf
        total = _PREFIX + declared + _SUFFIX
        if len(buf) >= total and buf[total - 2 : total] == b"\r\n":
            return total
        if len(buf) >= total - 1 and buf[total - 2 : total - 1] == b"\n":  # LF-only terminator
            return total - 1
        # Where else the frame may end: a declared length that is wrong (archived as a length error) or counts
        # characters; never further than the largest frame allowed, so the buffer stays bounded.
        limit = _PREFIX + self.max_length * _UTF8_MAX + _SUFFIX
        lf = buf.find(b"\n", _PREFIX, limit)
        if lf >= 0:
            next_header = buf.find(HEADER, 2, lf)
            return -1 if next_header >= 0 else lf + 1
        if len(buf) >= total and buf.find(HEADER, 2) >= 0:
            return -1  # a new header began where this frame should have ended
        return -1 if len(buf) >= limit else None
