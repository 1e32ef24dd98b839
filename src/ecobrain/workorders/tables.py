"""The work-order list's columns: sort keys for the pages and the columns of the CSV/Excel export."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecobrain.core.tables import Column, Table
from ecobrain.workorders.deadlines import format_deadline
from ecobrain.workorders.display import clock


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


# Loaded with the rows' districts but never shown in a list: each county's boundary is a large GeoJSON document.
HEAVY_FIELDS = ("district__boundary",)

workorder_table = Table(
    columns=[
        Column("number", _("任务编号"), sort="number", link=True),
        Column("title", _("标题"), sort="title"),
        Column("source", _("来源"), "source", sort="source"),
        Column("priority", _("紧急程度"), "priority", sort="priority"),
        Column("status", _("状态"), "status", sort="status"),
        Column("district", _("区县"), "district.name", sort="district__adcode"),
        Column("assignee_org", _("承办单位"), "assignee_org.name", sort="assignee_org__code"),
        Column("assignee", _("承办人"), lambda wo: _person(wo.assignee)),
        Column("enterprise", _("企业"), "enterprise.name", html=False),
        Column("dispatched_at", _("派发时间"), sort="dispatched_at"),
        Column("deadline", _("办理期限"), lambda wo: format_deadline(wo.deadline), sort="deadline"),
        Column("clock", _("期限状态"), lambda wo: clock(wo)[0]),
        Column("supervised", _("督办"), lambda wo: wo.escalated_at is not None, sort="escalated_at"),
        Column("submitted_at", _("提交时间"), html=False),
        Column("closed_at", _("办结时间"), html=False, sort="closed_at"),
        Column("closed_on_time", _("按期办结"), html=False),
        Column("rework_count", _("退回次数"), html=False),
        Column("source_ref", _("来源记录"), html=False),
    ],
    default_sort="-dispatched_at",
    select_related=("district", "assignee_org", "assignee", "enterprise"),
)
