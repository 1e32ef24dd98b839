"""Filing a complaint: checks, personal data protected, photos stored, tracking number, triage — one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintEventKind, ComplaintStatus
from ecobrain.complaints.models import Complaint, ComplaintPhoto
from ecobrain.complaints.services.personal import protect_phone
from ecobrain.complaints.services.timeline import record_complaint_event
from ecobrain.complaints.triage import triage_complaint
from ecobrain.core import geo
from ecobrain.core.crypto import encrypt_text
from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.attachments import check_uploads, removed_on_error, write_checked_file

TRACKING_PREFIX = "TS"
# No 0/O, 1/I/L: the number is read out over the phone and typed on a small keyboard.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_RANDOM = 6
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000
ADDRESS_MAX, NAME_MAX = 200, 50


def new_tracking_number(now: datetime) -> str:
    """TS + China date + 6 random characters (31⁶ ≈ 890 million a day): not guessable, easy to read out."""
    day = now.astimezone(CHINA_TZ).strftime("%Y%m%d")
    tail = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_RANDOM))
    return f"{TRACKING_PREFIX}{day}{tail}"


def normalise_tracking_number(text: str) -> str:
    """What a person typed, upper-cased and without spaces or dashes (a lookup key, not validated here)."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:20]


def _clean(
    *, category: str, description: str, address: str, longitude, latitude, contact_name: str, phone: str, anonymous
) -> dict:
    errors: dict[str, list[str]] = {}
    if category not in ComplaintCategory.values:
        errors.setdefault("category", []).append(_("请选择投诉类别。"))
    description = (description or "").strip()
    if len(description) < DESCRIPTION_MIN:
        errors.setdefault("description", []).append(
            _("请描述投诉的问题（至少 %(min)d 个字）。") % {"min": DESCRIPTION_MIN}
        )
    elif len(description) > DESCRIPTION_MAX:
        errors.setdefault("description", []).append(
            _("投诉内容最多 %(max)d 个字，现为 %(count)d 个字。") % {"max": DESCRIPTION_MAX, "count": len(description)}
        )
    address = (address or "").strip()
    if len(address) > ADDRESS_MAX:
        errors.setdefault("address", []).append(_("地点描述最多 %(max)d 个字。") % {"max": ADDRESS_MAX})
    if longitude is None and latitude is None and not address:
        errors.setdefault("address", []).append(_("请在地图上选择位置，或填写地点描述。"))
    try:
        geo.validate_coordinates(longitude, latitude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    contact_name = (contact_name or "").strip()
    if len(contact_name) > NAME_MAX:
        errors.setdefault("contact_name", []).append(_("联系人姓名最多 %(max)d 个字。") % {"max": NAME_MAX})
    protected = ("", "", "")
    if phone and phone.strip():
        try:
            protected = protect_phone(phone)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.message_dict["phone"])
    elif not anonymous:
        errors.setdefault("phone", []).append(_("请填写联系电话，或选择匿名投诉（匿名投诉无法接到电话回访）。"))
    if errors:
        raise ValidationError(errors)
    return {
        "description": description,
        "address": address,
        "contact_name": contact_name,
        "phone": protected,
    }


def submit_complaint(
    *,
    channel: str,
    category: str,
    description: str,
    address: str = "",
    longitude: float | None = None,
    latitude: float | None = None,
    contact_name: str = "",
    phone: str = "",
    anonymous: bool = False,
    photos: Iterable = (),
    actor=None,
    now: datetime | None = None,
) -> Complaint:
    """File a complaint and triage it; returns the saved complaint with its tracking number.

    ``actor`` is None for the public (web, phone app, Open311) and the staff member for a hotline call taken down
    by hand. Raises ValidationError naming each field at fault (nothing is stored then). The phone number is
    encrypted before it reaches the database and never appears in a message or a log line.
    """
    now = now or timezone.now()
    if channel not in ComplaintChannel.values:
        raise ValidationError({"channel": _("未知的来源渠道。")})
    cleaned = _clean(
        category=category,
        description=description,
        address=address,
        longitude=longitude,
        latitude=latitude,
        contact_name=contact_name,
        phone=phone,
        anonymous=anonymous,
    )
    checked = check_uploads(
        photos,
        field="photos",
        images_only=True,
        max_files=settings.COMPLAINT_MAX_PHOTOS,
        max_mb=settings.COMPLAINT_PHOTO_MAX_MB,
    )
    encrypted_phone, masked, digest = cleaned["phone"]
    with removed_on_error() as written, transaction.atomic():
        complaint = Complaint.objects.create(
            tracking_number=_unused_tracking_number(now),
            channel=channel,
            category=category,
            description=cleaned["description"],
            address=cleaned["address"],
            longitude=longitude,
            latitude=latitude,
            is_anonymous=bool(anonymous),
            contact_name_encrypted=encrypt_text(cleaned["contact_name"]) if cleaned["contact_name"] else "",
            phone_encrypted=encrypted_phone,
            phone_masked=masked,
            phone_digest=digest,
            status=ComplaintStatus.RECEIVED,
        )
        record_complaint_event(
            complaint,
            ComplaintEventKind.SUBMITTED,
            actor=actor,
            at=now,
            public=True,
            to_status=ComplaintStatus.RECEIVED,
            channel=channel,
            photos=len(checked),
        )
        _store_photos(complaint, checked, now=now, written=written)
        triage_complaint(complaint, now=now)
    return complaint


def _unused_tracking_number(now: datetime) -> str:
    # A collision is about one in 10⁸ per pair on a busy day; the unique constraint still guards the rare race.
    for _attempt in range(10):
        number = new_tracking_number(now)
        if not Complaint.objects.filter(tracking_number=number).exists():
            return number
    raise RuntimeError("no unused tracking number after 10 draws")


def _store_photos(complaint: Complaint, checked, *, now: datetime, written: list[str]) -> list[ComplaintPhoto]:
    saved = []
    for item in checked:
        photo = ComplaintPhoto(
            complaint=complaint,
            name=item.name,
            content_type=item.content_type,
            extension=item.extension,
            size=item.size,
            sha256=item.sha256,
            uploaded_at=now,
        )
        write_checked_file(photo, item, written=written)
        photo.save()
        saved.append(photo)
    return saved
