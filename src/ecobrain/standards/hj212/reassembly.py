"""Split packets (Flag D=1, PNUM/PNO; standards.md §1.3–1.4) put back together into one Packet."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .errors import FieldError
from .fields import collect_factors
from .model import CPGroup, Packet
from .versions import FLAG_SPLIT

Key = tuple[str, str | None, str]


@dataclass
class _Pending:
    first_seen: float
    pnum: int
    parts: dict[int, Packet] = field(default_factory=dict)


class Reassembler:
    """Collects the parts of split messages keyed by (MN, QN, CN); bounded in count and in time.

    ``add`` returns the whole message when its last part arrives (a packet that is not split comes straight
    back), else None. A part sent twice (a re-send) is ignored. Incomplete messages are dropped, oldest
    first, when more than ``max_pending`` are open or when older than ``timeout`` seconds; ``dropped``
    counts them. Without QN (2005 loggers) the key falls back to (MN, None, CN).
    """

    def __init__(
        self, *, max_pending: int = 1024, timeout: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_pending < 1 or timeout <= 0:
            raise ValueError("max_pending must be ≥ 1 and timeout > 0")
        self.max_pending = max_pending
        self.timeout = timeout
        self.clock = clock
        self.dropped = 0
        self._pending: OrderedDict[Key, _Pending] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, packet: Packet) -> Packet | None:
        if packet.pnum is None or packet.pno is None:
            return packet
        now = self.clock()
        self.expire(now)
        key = (packet.mn, packet.qn, packet.cn)
        pending = self._pending.get(key)
        if pending is None:
            while len(self._pending) >= self.max_pending:
                self._pending.popitem(last=False)
                self.dropped += 1
            pending = self._pending[key] = _Pending(first_seen=now, pnum=packet.pnum)
        elif packet.pnum != pending.pnum:
            raise FieldError(
                f"PNUM={packet.pnum} but earlier parts of MN={packet.mn} QN={packet.qn} said PNUM={pending.pnum}",
                field="PNUM",
            )
        pending.parts.setdefault(packet.pno, packet)
        if len(pending.parts) < pending.pnum:
            return None
        del self._pending[key]
        return merge_parts([pending.parts[n] for n in range(1, pending.pnum + 1)])

    def expire(self, now: float | None = None) -> int:
        """Drop incomplete messages older than the timeout; returns how many were dropped."""
        now = self.clock() if now is None else now
        count = 0
        while self._pending:
            key, oldest = next(iter(self._pending.items()))
            if now - oldest.first_seen < self.timeout:
                break
            del self._pending[key]
            count += 1
        self.dropped += count
        return count


def merge_parts(parts: list[Packet]) -> Packet:
    """One Packet from parts in PNO order: the first part's header, every part's CP groups (a group that
    repeats one already seen, such as the DataTime each part carries, is kept once)."""
    first = parts[0]
    groups: list[CPGroup] = []
    seen: set[CPGroup] = set()
    for part in parts:
        for group in part.cp_groups:
            if group not in seen:
                seen.add(group)
                groups.append(group)
    merged = tuple(groups)
    flag = None if first.flag is None else first.flag & ~FLAG_SPLIT
    return replace(
        first,
        flag=flag,
        pnum=None,
        pno=None,
        cp_groups=merged,
        factors=collect_factors(merged, first.medium),
        parts=len(parts),
    )
