"""Committed observations, published to whoever listens in this process (the alarm engine's live path).

``monitoring.services._store`` (where every write path ends: gateway batches, MQTT, the HTTP and file imports,
re-derivation) hands each upsert's rows to :func:`publish_on_commit`. When nothing is subscribed that is one list
check; otherwise one ``transaction.on_commit`` callback per upsert, which calls the subscribers with a
:class:`CommittedRows` once the rows are durable, or never if the transaction rolls back.

The rows are the upsert's own parameter tuples, passed by reference (no copy on the writer's hot path), in
(series id, period start) order; read them by the ``ROW_*`` positions. Subscribers are called in the committing
thread, so they must be quick: hand the batch to a queue, never touch the database there.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)

# Positions in a published row (monitoring.services._row_values): the value is a Decimal or None, ``stats`` the
# other suffixes as text (``{"ZsAvg": "31.2", "Min": …}``), ``qc_flags`` the point QC bits of the stored version.
ROW_SERIES = 0
ROW_PERIOD = 1
ROW_VALUE = 2
ROW_TEXT = 3
ROW_STATS = 4
ROW_DEVICE_FLAG = 5
ROW_QC_FLAGS = 6
ROW_RECEIVED = 8


@dataclass(frozen=True, slots=True)
class CommittedRows:
    """One upsert's rows of one resolution, committed. ``rows`` must be treated as read-only."""

    resolution: str
    rows: Sequence[tuple]


Subscriber = Callable[[CommittedRows], None]

_subscribers: list[Subscriber] = []


def subscribe(callback: Subscriber) -> None:
    """Call ``callback(CommittedRows)`` after every commit that stored observations (idempotent per function)."""
    if all(existing.__qualname__ != callback.__qualname__ for existing in _subscribers):  # ready() may run twice
        _subscribers.append(callback)


def unsubscribe(callback: Subscriber) -> None:
    _subscribers[:] = [s for s in _subscribers if s.__qualname__ != callback.__qualname__]


def has_subscribers() -> bool:
    return bool(_subscribers)


def publish_on_commit(resolution: str, rows: Sequence[tuple]) -> None:
    """Hand ``rows`` to the subscribers once the current transaction commits (nothing when none listens)."""
    if _subscribers and rows:
        transaction.on_commit(functools.partial(_publish, CommittedRows(resolution, rows)))


def _publish(batch: CommittedRows) -> None:
    for callback in list(_subscribers):
        try:
            callback(batch)
        except Exception:  # a listener's failure must not fail the writer whose data is already committed
            logger.exception("observation feed subscriber %s failed", getattr(callback, "__qualname__", callback))
