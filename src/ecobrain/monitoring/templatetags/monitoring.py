"""Template filters of the monitoring pages: packet outcomes as badges, command names (standards.md §1.6) in the
reader's language."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.packets import translated
from ecobrain.standards.hj212.codes import command_name

register = template.Library()

OUTCOME_BADGES = {
    PacketOutcome.STORED: "text-bg-success",
    PacketOutcome.DUPLICATE: "text-bg-secondary",
    PacketOutcome.ACCEPTED: "text-bg-info",
    PacketOutcome.AUTH_FAILED: "text-bg-danger",
    PacketOutcome.UNKNOWN_MN: "text-bg-danger",
    PacketOutcome.DECODE_ERROR: "text-bg-warning",
    PacketOutcome.UNSUPPORTED: "text-bg-light border",
}


@register.filter
def outcome_badge(outcome: str) -> str:
    return OUTCOME_BADGES.get(outcome, "text-bg-light border")


@register.filter
def cn_name(cn: str, edition: str = "2017") -> str:
    return translated(command_name(cn or "", edition or "2017"))


@register.filter
def percent(fraction) -> str:
    """A rate held as a fraction (0.9714) as a percentage with two decimals ("97.14%"); "—" for None."""
    return "—" if fraction is None else f"{fraction * 100:.2f}%"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def reading(r, show_meaning: bool = False):
    """A stored value as the pages show it: the exact text, the logger's flag (when abnormal, or always with
    ``show_meaning``) and the platform's QC labels. A tag, not an include: an overview page renders hundreds."""
    if r is None:
        return format_html('<span class="text-muted">{}</span>', "—")
    parts = [format_html('<span class="font-monospace">{}</span>', r.value_text or "—")]
    if r.device_flag and (show_meaning or not r.flag_normal):
        parts.append(
            format_html(
                ' <span class="badge {}" title="{}">{}{}</span>',
                "text-bg-light border" if r.flag_normal else "text-bg-warning",
                _("数据标记 %(flag)s：%(meaning)s") % {"flag": r.device_flag, "meaning": r.flag_meaning},
                r.device_flag,
                f" {r.flag_meaning}" if show_meaning else "",
            )
        )
    for label in r.qc_labels:
        parts.append(format_html(' <span class="badge text-bg-danger" title="{}">{}</span>', _("平台质控标记"), label))
    return mark_safe("".join(parts))  # every part is built by format_html
