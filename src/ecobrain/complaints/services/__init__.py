"""Complaint services: every write with rules goes through one of these (one transaction, one timeline row)."""

from ecobrain.complaints.services.personal import mask_phone, normalise_phone, phone_digest, reveal
from ecobrain.complaints.services.submission import normalise_tracking_number, submit_complaint
from ecobrain.complaints.services.timeline import record_complaint_event

__all__ = [
    "mask_phone",
    "normalise_phone",
    "normalise_tracking_number",
    "phone_digest",
    "record_complaint_event",
    "reveal",
    "submit_complaint",
]
