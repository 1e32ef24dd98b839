"""Template filters of the work-order pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from ecobrain.workorders.deadlines import format_deadline
from ecobrain.workorders.display import STATUS_CLASSES, clock

register = template.Library()


@register.filter
def deadline(value) -> str:
    return format_deadline(value) if value else ""


@register.simple_tag
def deadline_clock(workorder, now=None) -> str:
    text, css = clock(workorder, now)
    return format_html('<span class="{}">{}</span>', css, text)


@register.simple_tag
def status_badge(workorder) -> str:
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_CLASSES.get(workorder.status, "text-bg-light"),
        workorder.get_status_display(),
    )


@register.filter
def filesize(size) -> str:
    size = int(size or 0)
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"
