"""Template helpers of the public portal."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import linebreaks_filter, urlize
from django.utils.safestring import SafeString

register = template.Library()


@register.filter(needs_autoescape=True)
def notice_body(text: str, autoescape: bool = True) -> SafeString:
    """A notice's plain-text body as HTML: escaped, web addresses made links (rel="nofollow"), blank lines start
    paragraphs and single line breaks stay. The editor's text never reaches the page as HTML."""
    return linebreaks_filter(urlize(text or "", autoescape=True), autoescape=autoescape)
