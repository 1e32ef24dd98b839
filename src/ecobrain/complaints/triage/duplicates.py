"""Likely duplicates: the same problem reported again (same place and category, or same caller and category).

A new complaint is a likely duplicate of an earlier one of the same category, filed within
``COMPLAINT_DUPLICATE_DAYS`` and not rejected, that lies within ``COMPLAINT_DUPLICATE_METRES`` (great-circle
distance) or came from the same phone number (``phone_digest``, a keyed hash: no number is decrypted). The query
is bounded by the time window and a latitude/longitude box around the point, so its cost does not grow with the
table; the exact distance is computed on the few rows in the box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from ecobrain.complaints.choices import ComplaintStatus
from ecobrain.complaints.models import Complaint

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
METRES_PER_DEGREE_LAT = 111_320.0
CANDIDATE_LIMIT = 200  # rows read from the box: far above any real cluster of reports of one problem


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    """(min lon, max lon, min lat, max lat) of a box that contains every point within ``metres`` of (lon, lat)."""
    dlat = metres / METRES_PER_DEGREE_LAT
    dlon = metres / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lon + dlon, lat - dlat, lat + dlat


@dataclass(frozen=True)
class DuplicateMatch:
    original: Complaint  # the complaint to link to (the root of its own duplicate chain)
    reason: str  # "place" or "phone"
    distance_m: float | None


def find_duplicate(complaint: Complaint, *, now: datetime) -> DuplicateMatch | None:
    """The earliest likely original of ``complaint`` (see the module's rules), or None."""
    metres = settings.COMPLAINT_DUPLICATE_METRES
    since = now - timedelta(days=settings.COMPLAINT_DUPLICATE_DAYS)
    near = Q(pk__in=[])
    has_point = complaint.longitude is not None and complaint.latitude is not None
    if has_point:
        min_lon, max_lon, min_lat, max_lat = bounding_box(complaint.longitude, complaint.latitude, metres)
        near = Q(longitude__gte=min_lon, longitude__lte=max_lon, latitude__gte=min_lat, latitude__lte=max_lat)
    same_caller = Q(phone_digest=complaint.phone_digest) if complaint.phone_digest else Q(pk__in=[])
    candidates = (
        Complaint.objects.filter(near | same_caller, category=complaint.category, created__gte=since)
        .exclude(pk=complaint.pk)
        .exclude(status=ComplaintStatus.REJECTED)
        .only("pk", "tracking_number", "created", "longitude", "latitude", "phone_digest", "duplicate_of_id")
        .order_by("created", "pk")[:CANDIDATE_LIMIT]
    )
    for candidate in candidates:
        distance = None
        if has_point and candidate.longitude is not None and candidate.latitude is not None:
            distance = haversine_m(complaint.longitude, complaint.latitude, candidate.longitude, candidate.latitude)
        if distance is not None and distance <= metres:
            reason = "place"
        elif complaint.phone_digest and candidate.phone_digest == complaint.phone_digest:
            reason = "phone"
        else:
            continue  # in the box's corner, farther than the radius
        original = candidate
        if candidate.duplicate_of_id and candidate.duplicate_of_id != complaint.pk:
            original = Complaint.objects.only("pk", "tracking_number").get(pk=candidate.duplicate_of_id)
        return DuplicateMatch(original=original, reason=reason, distance_m=distance)
    return None
