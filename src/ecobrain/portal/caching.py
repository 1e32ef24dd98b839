"""The public pages' cache: a rendered page is kept per language and URL for ``PORTAL_CACHE_SECONDS``.

A public page reads no session, carries no CSRF token and shows nothing about who is asking, so one rendered copy
serves every visitor of that language, signed in or not. What is stored is the body and its content type only
(a page that set a cookie is never stored).

Only canonical URLs are stored, so that made-up query strings cannot fill the cache: a request with a parameter the
page does not read (``params``), or one whose view marks it not canonical (:func:`not_canonical`: a search, an
unknown district, a page number that is not the page shown), is rendered and served but never stored.

Publishing, editing or withdrawing a notice starts a new cache generation (:func:`bump_generation`): the next
request of every page renders afresh. Quality data changes at most hourly; a page is at most
``PORTAL_CACHE_SECONDS`` old.
"""

from __future__ import annotations

import hashlib
import threading
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

GENERATION_KEY = "portal:generation"
HIT_HEADER = "X-Portal-Cache"  # "hit" or "miss": what the load tool and the tests read
# When a page expires under load, the threads of a process that miss it at once render it once: a miss takes the
# lock of its key (one of a fixed pool, so the memory stays bounded) and looks again before rendering.
_RENDER_LOCKS = tuple(threading.Lock() for _ in range(64))


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = 1
        cache.add(GENERATION_KEY, value, timeout=None)
    return value


def bump_generation() -> None:
    """Every cached public page is stale from now on (a notice was published, changed or withdrawn)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or evicted): any new one differs from what pages were stored under
        cache.set(GENERATION_KEY, 2, timeout=None)


def page_key(request) -> str:
    path = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    return f"portal:page:{generation()}:{get_language() or settings.LANGUAGE_CODE}:{path}"


def public_headers(response, seconds: int) -> None:
    response["Cache-Control"] = f"public, max-age={seconds}" if seconds > 0 else "no-cache"
    # The language comes from the cookie or the Accept-Language header: a shared cache must keep them apart.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))


def render_and_store(view, request, args, kwargs, key: str, seconds: int):
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and callable(response.render):
        response.render()
    canonical = getattr(request, "portal_canonical", True)
    if canonical and response.status_code == 200 and not response.streaming and not response.cookies:
        cache.set(key, (response.content, response["Content-Type"]), seconds)
    response[HIT_HEADER] = "miss"
    return response


def not_canonical(request) -> None:
    """The view's answer to this request is not to be stored (a search, a parameter it corrected)."""
    request.portal_canonical = False


def cached_public_page(view=None, *, params: tuple[str, ...] = ()):
    """Serve a GET or HEAD of a public page from the cache; render, store and serve it on a miss.

    ``params`` are the query parameters the page reads; a request with any other is never stored.
    """
    if view is None:
        return lambda view: cached_public_page(view, params=params)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.PORTAL_CACHE_SECONDS
        if request.method not in ("GET", "HEAD") or seconds <= 0:
            response = view(request, *args, **kwargs)
            public_headers(response, 0)
            return response
        if not set(request.GET) <= set(params):  # made up: served as rendered, never looked up nor stored
            not_canonical(request)
            response = render_and_store(view, request, args, kwargs, "", seconds)
            public_headers(response, seconds if response.status_code == 200 else 0)
            return response
        key = page_key(request)
        stored = cache.get(key)
        if stored is None:
            with _RENDER_LOCKS[hash(key) % len(_RENDER_LOCKS)]:
                stored = cache.get(key)  # another thread may have rendered it while this one waited
                if stored is None:
                    response = render_and_store(view, request, args, kwargs, key, seconds)
        if stored is not None:
            content, content_type = stored
            response = HttpResponse(content, content_type=content_type)
            response[HIT_HEADER] = "hit"
        public_headers(response, seconds if response.status_code == 200 else 0)
        return response

    return wrapped
