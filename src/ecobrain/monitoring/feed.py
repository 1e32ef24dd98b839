"""Committed observations, published to whoever listens in this process (the alarm engine's live path).

``monitoring.services._store`` (where every write path ends: gateway batches, MQTT, the HTTP and file imports,
re-derivation) hands each upsert's rows to :func:`publish_on_commit`. When no subscriber is active that is one list
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

# Positions in a published row (monitoring.services.value_row): the value is a Decimal or None, ``stats`` the
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

# (callback, active): ``active()`` says whether the subscriber wants batches now; while none does, nothing is
# registered and no row is held until the commit.
_subscribers: list[tuple[Subscriber, Callable[[], bool]]] = []


def _always() -> bool:
    return True


def subscribe(callback: Subscriber, *, active: Callable[[], bool] = _always) -> None:
    """Call ``callback(CommittedRows)`` after every commit that stored observations, while ``active()`` is true
    (idempotent per function: ``AppConfig.ready`` may run twice)."""
    if all(existing.__qualname__ != callback.__qualname__ for existing, _ in _subscribers):
        _subscribers.append((callback, active))


def unsubscribe(callback: Subscriber) -> None:
    _subscribers[:] = [(s, a) for s, a in _subscribers if s.__qualname__ != callback.__qualname__]


def has_subscribers() -> bool:
    """Whether a subscriber wants batches now."""
    return any(active() for _, active in _subscribers)


def publish_on_commit(resolution: str, rows: Sequence[tuple]) -> None:
    """Hand ``rows`` to the subscribers once the current transaction commits (nothing when none listens).

    The rows are held until the commit: a single transaction that stores a whole large file holds all of its rows
    (the imports commit per batch)."""
    if rows and _subscribers and has_subscribers():
        transaction.on_commit(functools.partial(_publish, CommittedRows(resolution, rows)))


def _publish(batch: CommittedRows) -> None:
    for callback, active in list(_subscribers):
        if not active():
            continue
        try:
            callback(batch)
        except Exception:  # a listener's failure must not fail the writer whose data is already committed
            logger.exception("observation feed subscriber %s failed", getattr(callback, "__qualname__", callback))
