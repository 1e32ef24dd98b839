"""The complainant's satisfaction rating: once, after the reply, in one transaction with its public timeline row."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.complaints.choices import ComplaintEventKind, ComplaintStatus, Satisfaction
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services.timeline import record_complaint_event

COMMENT_MAX = 500


def rate_complaint(complaint: Complaint, *, satisfaction, comment: str = "", now: datetime | None = None) -> Complaint:
    """Record the complainant's rating (满意/基本满意/不满意) and an optional comment; a RATED public timeline row.

    Allowed once, and only after the reply (REPLIED or CLOSED). The complaint row is locked, so two rating
    requests at once store one rating. Raises ValidationError naming the field at fault; nothing is stored then.
    """
    now = now or timezone.now()
    try:
        value = int(satisfaction)
    except (TypeError, ValueError):
        value = None
    if value not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择满意、基本满意或不满意。")})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            {
                "comment": _("评价意见最多 %(max)d 个字，现为 %(count)d 个字。")
                % {"max": COMMENT_MAX, "count": len(comment)}
            }
        )
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.satisfaction is not None:
            raise ValidationError({"satisfaction": _("这件投诉已经评价过，每件投诉只能评价一次。")})
        if locked.status not in (ComplaintStatus.REPLIED, ComplaintStatus.CLOSED):
            raise ValidationError(
                {
                    "satisfaction": _("投诉答复后才能评价，当前状态为“%(status)s”。")
                    % {"status": locked.get_status_display()}
                }
            )
        locked.satisfaction = value
        locked.satisfaction_comment = comment
        locked.rated_at = now
        locked.save(update_fields=["satisfaction", "satisfaction_comment", "rated_at", "updated"])
        record_complaint_event(
            locked,
            ComplaintEventKind.RATED,
            actor=None,
            at=now,
            public=True,
            satisfaction=value,
        )
    complaint.satisfaction, complaint.satisfaction_comment, complaint.rated_at = value, comment, now
    return locked
