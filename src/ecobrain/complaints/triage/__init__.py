"""Triage of a new complaint: district from its location (point in polygon), a category suggested from its text
(``classifier``), a likely duplicate linked (``duplicates``); staff confirm or correct each of them.

``triage_complaint`` runs inside the submission's transaction and writes the TRIAGED timeline row (and a
DUPLICATE_LINKED row when it links a duplicate).
"""

from __future__ import annotations

from datetime import datetime

from ecobrain.complaints.choices import ComplaintEventKind
from ecobrain.complaints.models import Complaint
from ecobrain.core import geo


def triage_complaint(complaint: Complaint, *, now: datetime) -> Complaint:
    """Fill in what can be worked out from the complaint itself; never overrides what staff confirmed."""
    from ecobrain.complaints.services.timeline import record_complaint_event
    from ecobrain.complaints.triage.classifier import suggest_category
    from ecobrain.complaints.triage.duplicates import find_duplicate

    if complaint.triage_confirmed:
        return complaint
    found: dict = {}
    if complaint.district_id is None and complaint.longitude is not None and complaint.latitude is not None:
        complaint.district_id = geo.locate_district_id(complaint.longitude, complaint.latitude)
        if complaint.district_id is not None:
            found["district_id"] = complaint.district_id
    category, score = suggest_category(complaint.description)
    complaint.suggested_category = category
    complaint.suggestion_score = round(score, 4)
    found.update(suggested_category=category, suggestion_score=complaint.suggestion_score)
    fields = ["district", "suggested_category", "suggestion_score", "updated"]
    match = find_duplicate(complaint, now=now) if complaint.duplicate_of_id is None else None
    if match is not None:
        complaint.duplicate_of = match.original
        fields.append("duplicate_of")
    complaint.save(update_fields=fields)
    record_complaint_event(complaint, ComplaintEventKind.TRIAGED, actor=None, at=now, **found)
    if match is not None:
        record_complaint_event(
            complaint,
            ComplaintEventKind.DUPLICATE_LINKED,
            actor=None,
            at=now,
            message=match.original.tracking_number,
            duplicate_of=match.original.pk,
            reason=match.reason,
            distance_m=round(match.distance_m) if match.distance_m is not None else None,
        )
    return complaint
