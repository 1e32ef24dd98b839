"""Handling a complaint: confirm the triage, link duplicates, dispatch as a work order, reply, reject, see the phone.

Each step is one verb with a keyword-only ``actor``: it checks who may take it (``access``) before and again inside
its transaction (the complaint re-read and locked), checks the state, writes the change and exactly one timeline
row. ValidationError (a Chinese message per field) for bad input or a step the state does not allow;
PermissionDenied for a step the actor may not take.

A reply, a closing and a rejection also queue a text message to the complainant's phone, when they left one
(``services/texts.py``; docs/complaints.md, "Telling the complainant").
"""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.complaints.choices import ComplaintCategory, ComplaintEventKind, ComplaintStatus
from ecobrain.complaints.models import Complaint, ComplaintEvent
from ecobrain.complaints.services.access import STEP_NAMES, STEP_STATES, ensure_step_allowed
from ecobrain.complaints.services.personal import reveal
from ecobrain.complaints.services.texts import queue_complainant_text
from ecobrain.complaints.services.timeline import record_complaint_event
from ecobrain.core import gate
from ecobrain.core.models import Region, RegionLevel
from ecobrain.workorders.choices import OPEN_STATES as WORKORDER_OPEN_STATES
from ecobrain.workorders.choices import Priority, WorkOrderSource

TEXT_MAX = 2000
NOTE_MAX = 500
# Numbers a complainant may type into the text: they stay out of the work order sent to the branch.
_PHONE_IN_TEXT = re.compile(
    r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"
)
_ID_IN_TEXT = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])|(?<!\d)\d{15}(?!\d)")


def strip_contact_numbers(text: str) -> str:
    """``text`` with phone and ID-card numbers replaced by ``***`` (the place and the problem stay)."""
    return _ID_IN_TEXT.sub("***", _PHONE_IN_TEXT.sub("***", text or ""))


def _text(value, *, field: str, required: bool, missing: str = "", limit: int = TEXT_MAX) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise ValidationError({field: missing or _("请填写内容。")})
    if len(text) > limit:
        raise ValidationError(
            {field: _("内容过长：最多 %(max)d 个字，现为 %(count)d 个字。") % {"max": limit, "count": len(text)}}
        )
    return text


def begin_step(complaint: Complaint, actor, step: str) -> Complaint:
    """Inside the step's transaction: the complaint re-read and locked, the actor and the state checked."""
    locked = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
    ensure_step_allowed(actor, locked, step)
    if locked.status not in STEP_STATES[step]:
        raise ValidationError(
            _("投诉 %(number)s 当前状态为“%(status)s”，不能%(step)s。")
            % {"number": locked.tracking_number, "status": locked.get_status_display(), "step": STEP_NAMES[step]}
        )
    return locked


def save_step(
    complaint: Complaint,
    kind: str,
    *,
    actor,
    now: datetime,
    to_status: str | None = None,
    fields: tuple[str, ...] | list[str] = (),
    message: str = "",
    public: bool = False,
    **data,
) -> ComplaintEvent:
    """Save the changed fields (and the new status) and append the step's one timeline row."""
    previous = complaint.status
    if to_status is not None:
        complaint.status = to_status
    complaint.save(update_fields=["status", "updated", *fields])
    return record_complaint_event(
        complaint,
        kind,
        actor=actor,
        at=now,
        message=message,
        public=public,
        from_status=previous,
        to_status=complaint.status,
        **data,
    )


def _original_for(complaint: Complaint, candidate: Complaint | None, actor) -> Complaint | None:
    """The complaint to link to: the candidate, or the original it duplicates itself (no chains, no loops)."""
    if candidate is None:
        return None
    candidate = Complaint.objects.get(pk=candidate.pk)  # its own link as it is now, not as the caller read it
    if not gate.is_allowed(actor, "view", candidate):
        raise PermissionDenied(_("投诉 %(number)s 不在您的管辖范围内。") % {"number": candidate.tracking_number})
    if candidate.duplicate_of_id and candidate.duplicate_of_id != complaint.pk:
        candidate = Complaint.objects.get(pk=candidate.duplicate_of_id)
    if candidate.pk == complaint.pk or candidate.duplicate_of_id == complaint.pk:
        raise ValidationError({"duplicate_of": _("投诉不能与自身或以它为原件的投诉互为重复。")})
    return candidate


def confirm_triage(
    complaint: Complaint,
    *,
    actor,
    category: str,
    district: Region | None,
    duplicate_of: Complaint | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    """确认分拣: the desk settles category, district and duplicate link (``duplicate_of=None``: not a duplicate).

    The complaint must have a county-level district in the actor's scope before it can be dispatched.
    """
    now = now or timezone.now()
    ensure_step_allowed(actor, complaint, "confirm")
    errors = {}
    if category not in ComplaintCategory.values:
        errors["category"] = _("请选择投诉类别。")
    if district is None or district.level != RegionLevel.COUNTY:
        errors["district"] = _("请选择投诉所在的区县。")
    if errors:
        raise ValidationError(errors)
    note = _text(note, field="note", required=False, limit=NOTE_MAX)
    with transaction.atomic():
        locked = begin_step(complaint, actor, "confirm")
        original = _original_for(locked, duplicate_of, actor)
        before = {"category": locked.category, "district": locked.district_id, "duplicate_of": locked.duplicate_of_id}
        after = {"category": category, "district": district.pk, "duplicate_of": original.pk if original else None}
        locked.category = category
        locked.district = district
        locked.duplicate_of = original
        locked.triage_confirmed = True
        if not gate.object_in_scope(actor, locked):
            raise PermissionDenied(_("%(district)s不在您的管辖范围内。") % {"district": district.name})
        save_step(
            locked,
            ComplaintEventKind.CONFIRMED,
            actor=actor,
            now=now,
            fields=["category", "district", "duplicate_of", "triage_confirmed"],
            message=note,
            category=category,
            district=district.pk,
            district_name=district.name,
            duplicate_of=original.pk if original else None,
            duplicate_of_number=original.tracking_number if original else "",
            suggestion_accepted=bool(locked.suggested_category) and locked.suggested_category == category,
            changed=sorted(key for key in before if before[key] != after[key]),
        )
    return locked


def link_duplicate(
    complaint: Complaint, *, actor, original: Complaint, note: str = "", now: datetime | None = None
) -> Complaint:
    """关联重复投诉: the desk marks a waiting complaint as a repeat of ``original`` (or of the one it repeats)."""
    now = now or timezone.now()
    ensure_step_allowed(actor, complaint, "link")
    if original is None:
        raise ValidationError({"duplicate_of": _("请填写原投诉的查询码。")})
    note = _text(note, field="note", required=False, limit=NOTE_MAX)
    with transaction.atomic():
        locked = begin_step(complaint, actor, "link")
        root = _original_for(locked, original, actor)
        locked.duplicate_of = root
        save_step(
            locked,
            ComplaintEventKind.DUPLICATE_LINKED,
            actor=actor,
            now=now,
            fields=["duplicate_of"],
            message=note or root.tracking_number,
            duplicate_of=root.pk,
            reason="staff",
        )
    return locked


def unlink_duplicate(complaint: Complaint, *, actor, note: str = "", now: datetime | None = None) -> Complaint:
    """取消重复关联: not a repeat after all (a work order it joined stays with it)."""
    now = now or timezone.now()
    ensure_step_allowed(actor, complaint, "unlink")
    note = _text(note, field="note", required=False, limit=NOTE_MAX)
    with transaction.atomic():
        locked = begin_step(complaint, actor, "unlink")
        if locked.duplicate_of_id is None:
            raise ValidationError(_("投诉 %(number)s 没有关联重复投诉。") % {"number": locked.tracking_number})
        previous = locked.duplicate_of
        locked.duplicate_of = None
        save_step(
            locked,
            ComplaintEventKind.DUPLICATE_UNLINKED,
            actor=actor,
            now=now,
            fields=["duplicate_of"],
            message=note or previous.tracking_number,
            was_duplicate_of=previous.pk,
        )
    return locked


def _workorder_title(complaint: Complaint) -> str:
    place = complaint.address or (complaint.district.name if complaint.district_id else "") or complaint.tracking_number
    return _("%(category)s投诉：%(place)s") % {"category": complaint.get_category_display(), "place": place[:150]}


def dispatch_complaint(
    complaint: Complaint,
    *,
    actor,
    deadline: datetime | None = None,
    priority: int = Priority.NORMAL,
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    """派发办理: a work order to the district's branch (source COMPLAINT), or, for a confirmed repeat of a complaint
    whose order is still open, the original's order (合并办理: one order answers both; no second order).

    The order carries the complaint's text without phone or ID numbers, its place and point; never the name or
    phone of the complainant. The deadline is the complaint policy's (15 working days by default) unless given.
    """
    from ecobrain.workorders.services import create_workorder

    now = now or timezone.now()
    ensure_step_allowed(actor, complaint, "dispatch")
    note = _text(note, field="note", required=False, limit=NOTE_MAX)
    with transaction.atomic():
        locked = begin_step(complaint, actor, "dispatch")
        if not locked.triage_confirmed or locked.district_id is None:
            raise ValidationError(_("请先确认分拣（类别、区县），再派发办理。"))
        original = locked.duplicate_of
        merged = None
        if original is not None and original.workorder_id is not None:
            order = original.workorder
            if order.status in WORKORDER_OPEN_STATES:
                merged = original
        if merged is not None:
            workorder = merged.workorder
        else:
            description = strip_contact_numbers(locked.description)
            description += "\n\n" + _("投诉查询码：%(number)s") % {"number": locked.tracking_number}
            if note:
                description += "\n" + _("派发说明：%(note)s") % {"note": note}
            workorder = create_workorder(
                actor=actor,
                title=_workorder_title(locked),
                source=WorkOrderSource.COMPLAINT,
                source_ref=f"complaint:{locked.pk}",
                district=locked.district,
                description=description,
                location=locked.address,
                longitude=locked.longitude,
                latitude=locked.latitude,
                deadline=deadline,
                priority=priority,
                now=now,
            )
        locked.workorder = workorder
        message = _("已派发至%(org)s办理。") % {"org": workorder.assignee_org.name}
        if merged is not None:
            message = _("与投诉 %(number)s 合并办理，由%(org)s办理。") % {
                "number": merged.tracking_number,
                "org": workorder.assignee_org.name,
            }
        save_step(
            locked,
            ComplaintEventKind.DISPATCHED,
            actor=actor,
            now=now,
            to_status=ComplaintStatus.DISPATCHED,
            fields=["workorder"],
            message=message,
            public=True,
            workorder=workorder.pk,
            workorder_number=workorder.number,
            merged_with=merged.pk if merged else None,
            note=note,
        )
    return locked


def reply_complaint(complaint: Complaint, *, actor, text: str, now: datetime | None = None) -> Complaint:
    """答复: the handler (of the complaint's district) or the desk answers; the complainant sees it when tracking.

    A later reply replaces the earlier one (both stay in the timeline).
    """
    now = now or timezone.now()
    ensure_step_allowed(actor, complaint, "reply")
    text = _text(text, field="reply", required=True, missing=_("请填写答复内容。"))
    with transaction.atomic():
        locked = begin_step(complaint, actor, "reply")
        locked.reply = text
        locked.replied_at = now
        locked.replied_by = actor
        event = save_step(
            locked,
            ComplaintEventKind.REPLIED,
            actor=actor,
            now=now,
            to_status=ComplaintStatus.REPLIED,
            fields=["reply", "replied_at", "replied_by"],
            message=text,
            public=True,
        )
        queue_complainant_text(locked, event, now=now)
    return locked


def reject_complaint(complaint: Complaint, *, actor, reason: str, now: datetime | None = None) -> Complaint:
    """不予受理: not an environmental matter, not the bureau's, or a repeat already in hand; the reason is public."""
    now = now or timezone.now()
    ensure_step_allowed(actor, complaint, "reject")
    reason = _text(reason, field="reason", required=True, missing=_("请填写不予受理的原因。"), limit=NOTE_MAX)
    with transaction.atomic():
        locked = begin_step(complaint, actor, "reject")
        locked.reject_reason = reason
        event = save_step(
            locked,
            ComplaintEventKind.REJECTED,
            actor=actor,
            now=now,
            to_status=ComplaintStatus.REJECTED,
            fields=["reject_reason"],
            message=reason,
            public=True,
        )
        queue_complainant_text(locked, event, now=now)
    return locked


def reveal_contact(complaint: Complaint, *, actor, now: datetime | None = None) -> dict[str, str]:
    """查看联系电话: the complainant's phone (and name) in clear, for a call back; the timeline records who looked.

    The record says that the number was shown, never the number itself.
    """
    now = now or timezone.now()
    ensure_step_allowed(actor, complaint, "reveal")
    with transaction.atomic():
        record_complaint_event(
            complaint, ComplaintEventKind.NOTE, actor=actor, at=now, message=_("查看联系电话"), revealed="phone"
        )
    return {"phone": reveal(complaint.phone_encrypted), "name": reveal(complaint.contact_name_encrypted)}
