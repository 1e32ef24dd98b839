"""Triage of a new complaint: district from its location (point in polygon); staff confirm.

``triage_complaint`` runs inside the submission's transaction and writes the TRIAGED timeline row.
"""

from __future__ import annotations

from datetime import datetime

from ecobrain.complaints.choices import ComplaintEventKind
from ecobrain.complaints.models import Complaint
from ecobrain.core import geo


def triage_complaint(complaint: Complaint, *, now: datetime) -> Complaint:
    """Fill in what can be worked out from the complaint itself; never overrides what staff confirmed."""
    from ecobrain.complaints.services.timeline import record_complaint_event

    if complaint.triage_confirmed:
        return complaint
    found: dict = {}
    if complaint.district_id is None and complaint.longitude is not None and complaint.latitude is not None:
        complaint.district_id = geo.locate_district_id(complaint.longitude, complaint.latitude)
        if complaint.district_id is not None:
            found["district_id"] = complaint.district_id
    complaint.save(update_fields=["district", "updated"])
    record_complaint_event(complaint, ComplaintEventKind.TRIAGED, actor=None, at=now, **found)
    return complaint
