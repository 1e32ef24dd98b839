"""How a work order's clock and state read on the pages and in the exports (China time, Chinese text)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.workorders.choices import ACTIVE_STATES, WorkOrderStatus

AT_RISK = timedelta(hours=24)  # an active order this close to its deadline is "at risk" (临期)

STATUS_CLASSES = {
    WorkOrderStatus.DISPATCHED: "text-bg-primary",
    WorkOrderStatus.ACCEPTED: "text-bg-info",
    WorkOrderStatus.IN_PROGRESS: "text-bg-info",
    WorkOrderStatus.SUBMITTED: "text-bg-warning",
    WorkOrderStatus.RETURNED: "text-bg-danger",
    WorkOrderStatus.CLOSED: "text-bg-success",
    WorkOrderStatus.CANCELLED: "text-bg-secondary",
}


def span_text(delta: timedelta) -> str:
    """A duration as days and hours (or hours and minutes under a day)."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d天%(hours)d小时") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d小时%(minutes)d分") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d分钟") % {"minutes": minutes}


def clock(workorder, now: datetime | None = None) -> tuple[str, str]:
    """(text, Bootstrap text class) of the order's deadline clock: time left, overdue by, or why it stopped."""
    now = now or timezone.now()
    if workorder.status == WorkOrderStatus.CLOSED:
        if workorder.closed_on_time is False:
            return _("逾期办结"), "text-danger"
        return _("按期办结"), "text-success"
    if workorder.status == WorkOrderStatus.CANCELLED:
        return _("已撤销"), "text-muted"
    if workorder.status not in ACTIVE_STATES:
        return _("待审核（计时暂停）"), "text-muted"
    left = workorder.deadline - now
    if left < timedelta(0):
        return _("超期 %(span)s") % {"span": span_text(left)}, "text-danger fw-semibold"
    return _("剩余 %(span)s") % {"span": span_text(left)}, "text-warning-emphasis" if left < AT_RISK else ""
