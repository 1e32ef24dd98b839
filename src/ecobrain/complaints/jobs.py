"""Periodic complaint jobs: the text messages to complainants (services/texts.py)."""

from __future__ import annotations

from datetime import datetime

from ecobrain.complaints.services.texts import send_complainant_texts
from ecobrain.core.jobs import periodic


@periodic("complaints.texts", every=30, description="send the queued text messages to complainants")
def send_texts(now: datetime) -> str:
    counts = send_complainant_texts(now)
    return ", ".join(f"{key} {value}" for key, value in counts.items() if value) or "nothing due"
