"""Public portal pages (no login)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


@require_GET
def switch_language(request):
    """Set the language cookie and go back: a plain link, so public pages carry no CSRF token and can be cached."""
    language = request.GET.get("lang", "")
    target = request.GET.get("next", "") or "/public/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/public/"
    response = HttpResponseRedirect(target)
    if language in LANGUAGE_CODES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.HTTPS,
        )
    return response
