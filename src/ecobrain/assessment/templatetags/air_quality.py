"""Template helpers of the air quality pages: level badges in the standard's colours, values, changes."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ecobrain.assessment.queries import level_display

register = template.Library()


@register.simple_tag
def aqi_badge(level: int | None, edition: str = "", text: str = "") -> str:
    """A badge in the level's colour (HJ 633 Table 1 / standards.md §2.5) with its category, or NA."""
    shown = level_display(level, edition or "")
    if shown is None:
        return format_html('<span class="badge text-bg-light border" title="{}">NA</span>', _("数据不足，不发布"))
    return format_html(
        '<span class="badge eb-aqi-badge" style="background:{};color:{}" title="{} {}">{}</span>',
        shown.colour,
        shown.text_colour,
        shown.roman,
        shown.colour_name,
        text or shown.category,
    )


@register.filter
def concentration(value) -> str:
    """A concentration as published: integers, CO with one decimal; — for none."""
    if value is None:
        return "—"
    return f"{value:.1f}" if abs(value) < 10 and value != int(value) else f"{value:.0f}"


@register.filter
def percent(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.{int(digits)}f}%"


@register.simple_tag
def change(value) -> str:
    """A 同比/环比 change: a rise (worse) in red with ↑, a fall (better) in green with ↓; — without a base."""
    if value is None:
        return format_html('<span class="text-muted" title="{}">—</span>', _("无可比数据"))
    if value > 0:
        return format_html('<span class="text-danger">↑{}%</span>', f"{value * 100:.1f}")
    if value < 0:
        return format_html('<span class="text-success">↓{}%</span>', f"{-value * 100:.1f}")
    return mark_safe("<span>0.0%</span>")


@register.filter
def index_of(values, position):
    try:
        return values[int(position)]
    except (IndexError, TypeError, ValueError):
        return None


@register.filter
def pollutant_label(key: str) -> str:
    """``pm2_5`` → PM₂.₅ (comma-separated keys are joined with 、)."""
    from ecobrain.assessment.queries import POLLUTANT_LABELS

    return "、".join(POLLUTANT_LABELS.get(k, k) for k in (key or "").split(",") if k)


@register.filter
def concentration_of(row, key: str):
    return row.concentration(key)


@register.filter
def single_index(row, key: str):
    return row.single_indices().get(key)
