"""The installable app: the web app manifest, the service worker's configuration and its version.

The service worker (template ``portal/mobile/sw.js``) is served from ``/sw.js`` so that its scope is the whole
site. Its version is a digest of everything it precaches (the shell's static files and the templates of the
offline page) and of the app version: any change to them gives a new worker, which replaces the old caches.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecobrain import __version__

THEME_COLOUR = "#146c43"
BACKGROUND_COLOUR = "#ffffff"
# The app shell: what the /m/ pages need to draw the offline page with no network.
SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "ecobrain/mobile.css",
    "ecobrain/mobile.js",
    "ecobrain/mobile-register.js",
    "ecobrain/pwa/icon.svg",
    "ecobrain/pwa/icon-192.png",
)
SHELL_TEMPLATES = ("portal/mobile/base.html", "portal/mobile/offline.html", "portal/mobile/sw.js")
# Public pages the worker may keep a copy of, to show when offline: the same for everyone, no personal data.
CACHED_PAGES = ("mobile:home",)
ICONS = (
    ("ecobrain/pwa/icon-192.png", "192x192", "image/png", "any"),
    ("ecobrain/pwa/icon-512.png", "512x512", "image/png", "any"),
    ("ecobrain/pwa/icon-maskable-192.png", "192x192", "image/png", "maskable"),
    ("ecobrain/pwa/icon-maskable-512.png", "512x512", "image/png", "maskable"),
    ("ecobrain/pwa/icon.svg", "any", "image/svg+xml", "any"),
)


def language_tag(code: str) -> str:
    """Django's language code as a BCP 47 tag, as the manifest's ``lang`` wants it: ``zh-hans`` → ``zh-Hans``."""
    parts = code.split("-")
    return "-".join(
        [parts[0].lower()]
        + [part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part for part in parts[1:]]
    )


def manifest() -> dict:
    """The web app manifest (W3C Web Application Manifest): name, start URL, scope, display, colours, icons."""
    name = settings.PUBLIC_SITE_NAME
    return {
        "id": reverse("mobile:home"),
        "name": name,
        "short_name": name[:12],
        "description": _("%(bureau)s的公众服务：身边空气质量、环境投诉与办理进度；工作人员处理任务与报警。")
        % {"bureau": settings.BUREAU_NAME},
        "lang": language_tag(get_language() or settings.LANGUAGE_CODE),
        "dir": "ltr",
        "start_url": reverse("mobile:home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["government", "utilities", "weather"],
        "icons": [
            {"src": static(path), "sizes": sizes, "type": kind, "purpose": purpose}
            for path, sizes, kind, purpose in ICONS
        ],
        "shortcuts": [
            {"name": _("身边空气"), "url": reverse("mobile:home")},
            {"name": _("我要投诉"), "url": "/public/complaints/new/?app=1"},
            {"name": _("我的任务"), "url": reverse("mobile:staff_home")},
        ],
    }


def _file_bytes(path: str | None) -> bytes:
    if not path:
        return b""
    return Path(path).read_bytes()


@lru_cache(maxsize=1)
def worker_version() -> str:
    """A digest of the app version and every precached file (static files and templates); computed once per
    process (a deploy restarts the processes)."""
    digest = hashlib.sha256(__version__.encode())
    for name in SHELL_STATIC:
        digest.update(name.encode())
        digest.update(_file_bytes(finders.find(name)))
    for name in SHELL_TEMPLATES:
        digest.update(name.encode())
        origin = get_template(name).origin.name
        digest.update(_file_bytes(origin))
    return f"{__version__}-{digest.hexdigest()[:12]}"


def worker_config() -> str:
    """The JSON the worker starts from (our own constants: no user input)."""
    return json.dumps(
        {
            "version": worker_version(),
            "offline": reverse("mobile:offline"),
            "shell": [reverse("mobile:offline"), *(static(name) for name in SHELL_STATIC)],
            "pages": [reverse(name) for name in CACHED_PAGES],
            "static": settings.STATIC_URL,
        },
        ensure_ascii=False,
    )
