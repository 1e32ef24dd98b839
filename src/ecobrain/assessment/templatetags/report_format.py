"""Number formats of the reports: percentages, signed change rates, concentrations as bulletins print them."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(ratio) -> str:
    """0.931 → "93.1%"; None → "—"."""
    return "—" if ratio is None else f"{ratio * 100:.1f}%"


@register.filter
def change(rate) -> str:
    """A change rate 0.123 → "+12.3%", −0.05 → "-5.0%"; None → "—"."""
    return "—" if rate is None else f"{rate * 100:+.1f}%"


@register.filter
def points(value) -> str:
    """A change in percentage points: 2.14 → "+2.1个百分点"."""
    return "—" if value is None else f"{value:+.1f}个百分点"


@register.filter
def conc(value, key: str = "") -> str:
    """A concentration: CO with one decimal (mg/m³), the others as integers (µg/m³), as reports publish them."""
    if value is None:
        return "—"
    return f"{value:.1f}" if key == "co" else f"{value:.0f}"


@register.filter
def index2(value) -> str:
    return "—" if value is None else f"{value:.2f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
