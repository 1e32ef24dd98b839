"""What other apps do when a work order they started is closed or cancelled.

An app registers a callback for its source type once (in its AppConfig.ready)::

    register_closed_hook(WorkOrderSource.ALARM, close_alarms_of_workorder)

The work-order service calls :func:`run_closed_hooks` inside the transaction that closes (or cancels) the
order, so the source's own state and timeline change in the same commit. A callback receives the work order,
the actor and the time, and reads ``workorder.status`` to tell closed from cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

ClosedHook = Callable[..., None]  # (workorder, *, actor, now) -> None

_CLOSED_HOOKS: dict[str, list[ClosedHook]] = {}


def register_closed_hook(source: str, hook: ClosedHook) -> None:
    hooks = _CLOSED_HOOKS.setdefault(source, [])
    if all(existing.__qualname__ != hook.__qualname__ for existing in hooks):  # ready() may run twice in tests
        hooks.append(hook)


def run_closed_hooks(workorder, *, actor, now: datetime) -> None:
    for hook in _CLOSED_HOOKS.get(workorder.source, []):
        hook(workorder, actor=actor, now=now)
