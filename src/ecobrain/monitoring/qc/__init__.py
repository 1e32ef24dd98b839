"""Platform QC (docs/monitoring.md "QC rules"): point checks as rows are stored, window checks by a periodic job.

Flags only ever mark a value (``qc_flags`` bits, ``monitoring.choices.QCFlag``); no check deletes or changes
a value.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from ecobrain.monitoring.qc.checks import POINT_FLAGS, WINDOW_FLAGS, point_flags, window_flags
from ecobrain.monitoring.qc.rules import AMBIENT, EMISSION, FactorRule, rule_for

__all__ = ["POINT_FLAGS", "WINDOW_FLAGS", "forget_series", "point_flags", "series_rules", "window_flags"]

# series id → (factor code, context). A series never changes factor; its device's station/outlet rarely
# changes, so entries are dropped every CACHE_SECONDS, and on creation (ids can be reused after a rollback).
CACHE_SECONDS = 300.0
CACHE_MAX = 200_000
_series_keys: dict[int, tuple[str, str]] = {}
_cache_started = time.monotonic()


def series_rules(series_ids: Iterable[int]) -> dict[int, FactorRule | None]:
    """The QC rule of each series; at most one query (none when every series was seen recently)."""
    global _cache_started
    ids = set(series_ids)
    if time.monotonic() - _cache_started > CACHE_SECONDS or len(_series_keys) > CACHE_MAX:
        _series_keys.clear()
        _cache_started = time.monotonic()
    missing = [pk for pk in ids if pk not in _series_keys]
    if missing:
        from ecobrain.monitoring.models import Series

        rows = Series.objects.filter(pk__in=missing).order_by().values_list("pk", "factor__code", "device__station_id")
        for pk, code, station_id in rows:
            _series_keys[pk] = (code, AMBIENT if station_id is not None else EMISSION)
    # One look-up per id (.get): another thread (a web request's, the MQTT subscriber's) may clear the cache meanwhile.
    return {pk: rule_for(*key) if (key := _series_keys.get(pk)) is not None else None for pk in ids}


def forget_series(series_ids: Iterable[int]) -> None:
    """Drop cached entries (a series was created or deleted)."""
    for pk in series_ids:
        _series_keys.pop(pk, None)
