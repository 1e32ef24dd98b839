"""What a complaint does when its work order ends: the work-order closed hook (registered in ``apps.py``)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from ecobrain.complaints.choices import ComplaintEventKind, ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services.texts import queue_complainant_text
from ecobrain.complaints.services.timeline import record_complaint_event
from ecobrain.workorders.choices import WorkOrderStatus


def close_complaints_of_workorder(workorder, *, actor, now: datetime) -> None:
    """A closed order closes its complaints; a cancelled one hands them back to the desk.

    Runs inside the work-order service's transaction. On close, a complaint nobody replied to gets the order's
    submitted handling result as its reply (the complainant reads it on the tracking page); on cancel, a complaint
    in hand goes back to 待受理 with a note (an answered one keeps its reply and state). One timeline row each.
    """
    complaints = list(
        Complaint.objects.select_for_update(of=("self",))
        .filter(workorder=workorder, status__in=(ComplaintStatus.DISPATCHED, ComplaintStatus.REPLIED))
        .order_by("pk")
    )
    if workorder.status == WorkOrderStatus.CLOSED:
        result = (workorder.result or "").strip()
        for complaint in complaints:
            previous = complaint.status
            fields = ["status", "closed_at", "updated"]
            used_result = False
            if not complaint.reply and result:
                complaint.reply = result
                complaint.replied_at = now
                complaint.replied_by_id = workorder.assignee_id or getattr(actor, "pk", None)
                fields += ["reply", "replied_at", "replied_by"]
                used_result = True
            complaint.status = ComplaintStatus.CLOSED
            complaint.closed_at = now
            complaint.save(update_fields=fields)
            event = record_complaint_event(
                complaint,
                ComplaintEventKind.CLOSED,
                actor=actor,
                at=now,
                public=True,
                from_status=previous,
                to_status=ComplaintStatus.CLOSED,
                message=complaint.reply if used_result else _("投诉已办结。"),
                workorder=workorder.pk,
                workorder_number=workorder.number,
                reply_from_result=used_result,
            )
            queue_complainant_text(complaint, event, now=now)
    elif workorder.status == WorkOrderStatus.CANCELLED:
        for complaint in complaints:
            previous = complaint.status
            complaint.workorder = None
            if previous == ComplaintStatus.DISPATCHED:
                complaint.status = ComplaintStatus.RECEIVED
            complaint.save(update_fields=["status", "workorder", "updated"])
            record_complaint_event(
                complaint,
                ComplaintEventKind.NOTE,
                actor=actor,
                at=now,
                from_status=previous,
                to_status=complaint.status,
                message=_("任务单 %(number)s 已撤销，投诉退回待受理，可重新派发或不予受理。")
                % {"number": workorder.number},
                workorder=workorder.pk,
                workorder_number=workorder.number,
                cancelled=True,
            )
