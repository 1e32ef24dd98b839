"""Publishing closed complaints (投诉公开): the staff edit an anonymised text, prefilled by :func:`anonymise_text`.

``anonymise_text`` removes what identifies a person: phone numbers, ID-card numbers, a name after 我叫/名叫/
姓名/姓, house numbers (门牌、号楼、栋、单元、层、室、号). It is a first pass, not a guarantee: the published text is
the one the staff read and confirm, and :func:`publish_complaint` refuses one that still holds a phone or ID number.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.complaints.choices import ComplaintEventKind
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services.access import ensure_step_allowed
from ecobrain.complaints.services.handling import _ID_IN_TEXT, _PHONE_IN_TEXT, _text, begin_step, save_step

MASK = "***"
_HAN = r"[\u4e00-\u9fff·]"
_NUMERAL = r"[0-9０-９一二三四五六七八九十百零〇两]+"
_NAME_SHORT = re.compile(rf"(我叫|名叫|叫做|姓名[:：]?\s*)({_HAN}{{2,3}})")
_SURNAME = re.compile(rf"(?<![百贵同])姓(?!名)({_HAN})")
_DOOR_PLATE = re.compile(r"(门牌号?[:：]?\s*)[0-9A-Za-z０-９\-－—]+")
_HOUSE = re.compile(rf"{_NUMERAL}\s*(号楼|号院|栋|幢|单元|层|楼|室|号|户)")


def anonymise_text(text: str) -> str:
    """``text`` without phone numbers, ID-card numbers, names after 我叫/姓 and house numbers (a draft to check)."""
    text = text or ""
    text = _ID_IN_TEXT.sub(MASK, text)
    text = _PHONE_IN_TEXT.sub(MASK, text)
    text = _NAME_SHORT.sub(lambda m: m.group(1) + "某某", text)
    text = _SURNAME.sub("姓某", text)
    text = _DOOR_PLATE.sub(lambda m: m.group(1) + MASK, text)
    text = _HOUSE.sub(lambda m: MASK + m.group(1), text)
    return text


def publish_complaint(
    complaint: Complaint, *, actor, public_text: str, public_reply: str, now: datetime | None = None
) -> Complaint:
    """公开: a closed complaint shown on the public site with the staff's anonymised text and reply.

    Publishing again replaces the published texts. A text that still holds a phone or ID-card number is refused.
    """
    now = now or timezone.now()
    ensure_step_allowed(actor, complaint, "publish")
    public_text = _text(public_text, field="public_text", required=True, missing=_("请填写公开的投诉内容。"))
    public_reply = _text(public_reply, field="public_reply", required=True, missing=_("请填写公开的答复。"))
    errors = {}
    for field, value in (("public_text", public_text), ("public_reply", public_reply)):
        if _PHONE_IN_TEXT.search(value) or _ID_IN_TEXT.search(value):
            errors[field] = _("公开的内容中仍有电话号码或身份证号，请删除后再公开。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = begin_step(complaint, actor, "publish")
        again = locked.published
        locked.published = True
        locked.published_at = now
        locked.public_text = public_text
        locked.public_reply = public_reply
        save_step(
            locked,
            ComplaintEventKind.PUBLISHED,
            actor=actor,
            now=now,
            fields=["published", "published_at", "public_text", "public_reply"],
            message=_("更新公开内容") if again else "",
        )
    return locked


def unpublish_complaint(complaint: Complaint, *, actor, reason: str = "", now: datetime | None = None) -> Complaint:
    """取消公开: the complaint leaves the public site (its texts are kept for a later publication)."""
    now = now or timezone.now()
    ensure_step_allowed(actor, complaint, "unpublish")
    reason = _text(reason, field="reason", required=False, limit=500)
    with transaction.atomic():
        locked = begin_step(complaint, actor, "unpublish")
        if not locked.published:
            raise ValidationError(_("投诉 %(number)s 未公开。") % {"number": locked.tracking_number})
        locked.published = False
        save_step(locked, ComplaintEventKind.UNPUBLISHED, actor=actor, now=now, fields=["published"], message=reason)
    return locked
