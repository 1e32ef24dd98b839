"""Template filters of the monitoring pages: packet outcomes as badges, command names (standards.md §1.6)."""

from django import template

from ecobrain.monitoring.choices import PacketOutcome
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
    return command_name(cn or "", edition or "2017") or ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
