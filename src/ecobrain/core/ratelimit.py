"""Per-client rate limits on the shared cache: fixed windows, counted with one atomic add/incr per hit.

Used by the public pages that accept input from anyone (complaints, tracking lookups, Open311). The key is
built from the client address and never logged; with ``ECOBRAIN_CACHE=db`` every web process counts together.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``seconds`` for one scope (e.g. ``complaint-submit``) and one client."""

    scope: str
    count: int
    seconds: int


def _key(limit: Limit, client: str, now: float) -> str:
    window = int(now // limit.seconds)
    # Hashed so that cache keys (and any cache dump) carry no address.
    digest = hashlib.sha256(f"{limit.scope}|{client}".encode()).hexdigest()[:32]
    return f"rl:{limit.scope}:{limit.seconds}:{window}:{digest}"


def hit(limit: Limit, client: str | None, *, now: float | None = None) -> bool:
    """Count one hit; True while the client is within the limit, False once it is over."""
    now = time.time() if now is None else now
    key = _key(limit, client or "-", now)
    if cache.add(key, 1, timeout=limit.seconds + 1):
        return limit.count >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.seconds + 1)
        count = 1
    return count <= limit.count


def hit_all(limits: list[Limit], client: str | None, *, now: float | None = None) -> Limit | None:
    """Count one hit against each limit; the first limit that is exceeded, or None."""
    exceeded = None
    for limit in limits:
        if not hit(limit, client, now=now) and exceeded is None:
            exceeded = limit
    return exceeded


def retry_after(limit: Limit, *, now: float | None = None) -> int:
    """Seconds until the limit's current window ends (for a Retry-After header)."""
    now = time.time() if now is None else now
    return max(1, int(limit.seconds - (now % limit.seconds)))
