"""Counter-based random numbers: the n-th number of a named stream, with no state (plain Python).

Everything the simulator draws comes from here, so a value depends only on the seed, what it is for and a
time index, never on the order in which values are asked for.
"""

from __future__ import annotations

import hashlib
import math

_M64 = (1 << 64) - 1
_TO_UNIT = 1.0 / 2.0**64


_GOLDEN = 0x9E3779B97F4A7C15
_KNOTS: dict[tuple[int, int], float] = {}
_KNOTS_MAX = 400_000


def _mix(x: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit hash of a 64-bit integer."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def stream_key(seed: int, *parts: object) -> int:
    """A 64-bit key naming one independent stream of numbers (seed, device, factor, purpose)."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def uniform(key: int, index: int) -> float:
    """The ``index``-th number of stream ``key``, uniform in [0, 1) (splitmix64 started at ``key``)."""
    return _mix((key + (index + 1) * _GOLDEN) & _M64) * _TO_UNIT


def _knot(key: int, index: int) -> float:
    """``uniform`` mapped to [-1, 1], remembered: neighbouring samples share their knots."""
    value = _KNOTS.get((key, index))
    if value is None:
        if len(_KNOTS) >= _KNOTS_MAX:
            _KNOTS.clear()
        value = _KNOTS[key, index] = uniform(key, index) * 2.0 - 1.0
    return value


def smooth(key: int, t: float, scale: float) -> float:
    """Value noise in [-1, 1]: random knots every ``scale`` seconds, joined smoothly (smoothstep)."""
    x = t / scale
    k = math.floor(x)
    f = x - k
    a = _knot(key, k)
    b = _knot(key, k + 1)
    return a + (b - a) * f * f * (3.0 - 2.0 * f)
