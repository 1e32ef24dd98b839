"""Complaint services: every write with rules goes through one of these (one transaction, one timeline row).

``submission`` files complaints (every channel); ``handling`` confirms triage, links duplicates, dispatches,
replies, rejects and reveals the phone; ``publication`` anonymises and publishes; ``closing`` is the work-order
hook; ``access`` says who may take which step.
"""

from ecobrain.complaints.services.access import available_steps, is_complaint_desk, may_take
from ecobrain.complaints.services.closing import close_complaints_of_workorder
from ecobrain.complaints.services.handling import (
    confirm_triage,
    dispatch_complaint,
    link_duplicate,
    reject_complaint,
    reply_complaint,
    reveal_contact,
    strip_contact_numbers,
    unlink_duplicate,
)
from ecobrain.complaints.services.personal import mask_phone, normalise_phone, phone_digest, reveal
from ecobrain.complaints.services.publication import anonymise_text, publish_complaint, unpublish_complaint
from ecobrain.complaints.services.submission import normalise_tracking_number, submit_complaint
from ecobrain.complaints.services.timeline import record_complaint_event

__all__ = [
    "anonymise_text",
    "available_steps",
    "close_complaints_of_workorder",
    "confirm_triage",
    "dispatch_complaint",
    "is_complaint_desk",
    "link_duplicate",
    "mask_phone",
    "may_take",
    "normalise_phone",
    "normalise_tracking_number",
    "phone_digest",
    "publish_complaint",
    "record_complaint_event",
    "reject_complaint",
    "reply_complaint",
    "reveal",
    "reveal_contact",
    "strip_contact_numbers",
    "submit_complaint",
    "unlink_duplicate",
    "unpublish_complaint",
]
