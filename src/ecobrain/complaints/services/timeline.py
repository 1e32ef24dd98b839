"""The complaint timeline: every service step writes exactly one row."""

from __future__ import annotations

from datetime import datetime

from ecobrain.complaints.models import Complaint, ComplaintEvent


def record_complaint_event(
    complaint: Complaint,
    kind: str,
    *,
    actor,
    at: datetime,
    message: str = "",
    public: bool = False,
    from_status: str = "",
    to_status: str = "",
    **data,
) -> ComplaintEvent:
    """Append one timeline row; ``public`` rows are shown on the tracking page (never with the actor's name)."""
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=from_status,
        to_status=to_status,
        message=message,
        public=public,
        data=data,
    )
