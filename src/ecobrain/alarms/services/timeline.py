"""The typed timeline of an alarm: every service step appends exactly one row here."""

from __future__ import annotations

from datetime import datetime

from ecobrain.alarms.models import Alarm, AlarmEvent


def record_alarm_event(alarm: Alarm, kind: str, *, actor, at: datetime, message: str = "", **data) -> AlarmEvent:
    """Append one timeline row; ``actor`` None is the system (the rule engine)."""
    return AlarmEvent.objects.create(
        alarm=alarm,
        kind=kind,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        message=message,
        data=data,
    )
