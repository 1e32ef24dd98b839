"""Template helpers of the staff complaint pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from ecobrain.complaints.choices import ComplaintStatus

register = template.Library()

STATUS_CLASSES = {
    ComplaintStatus.RECEIVED: "text-bg-warning",
    ComplaintStatus.DISPATCHED: "text-bg-primary",
    ComplaintStatus.REPLIED: "text-bg-info",
    ComplaintStatus.CLOSED: "text-bg-success",
    ComplaintStatus.REJECTED: "text-bg-secondary",
}


@register.simple_tag
def complaint_status_badge(complaint) -> str:
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_CLASSES.get(complaint.status, "text-bg-light"),
        complaint.get_status_display(),
    )


@register.filter
def percent(score) -> str:
    return "" if score is None else f"{float(score) * 100:.0f}%"
