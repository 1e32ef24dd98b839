"""The unread badge in the navigation bar of every page."""

from __future__ import annotations

import logging
from functools import cached_property

from django.db import DatabaseError

logger = logging.getLogger(__name__)


class InboxBadge:
    """``notification_badge.count`` / ``.label`` in a template. The count is one indexed query, run only when a
    template reads it, and capped (``99+``), so it costs the same with ten unread notifications or ten thousand."""

    def __init__(self, user) -> None:
        self.user = user

    @cached_property
    def count(self) -> int:
        from ecobrain.notifications.stream import unread_count

        if not (self.user.is_authenticated and self.user.is_active):
            return 0
        try:
            return unread_count(self.user.pk)
        except DatabaseError:  # the error pages render without a database too
            logger.warning("unread badge: the database did not answer")
            return 0

    @property
    def label(self) -> str:
        return "99+" if self.count > 99 else str(self.count)


def inbox(request) -> dict:
    user = getattr(request, "user", None)
    return {"notification_badge": InboxBadge(user) if user is not None else None}
