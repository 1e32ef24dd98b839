"""Writes of disclosure notices: save (create or edit), publish, withdraw.

Each is one transaction that checks the gate on the notice (``portal.notice``: monitoring staff, enforcement
officers, admin) and its state; the change log records every save (``Notice`` is change-logged). After commit, the
public pages' cache starts a new generation so the change shows at once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.core.gate import ensure_allowed
from ecobrain.portal.caching import bump_generation
from ecobrain.portal.choices import NoticeStatus
from ecobrain.portal.models import Notice


class NoticeStateError(ValueError):
    """The notice is not in a state that allows the step; the message says why, in Chinese."""


def save_notice(notice: Notice, *, actor) -> Notice:
    """Create or update ``notice`` (a form's unsaved instance); a new notice is a draft written by ``actor``."""
    with transaction.atomic():
        if notice.pk is None:
            ensure_allowed(actor, "add", Notice)
            notice.status = NoticeStatus.DRAFT
            notice.published_at = None
            notice.author = actor
        else:
            current = Notice.objects.select_for_update().get(pk=notice.pk)
            ensure_allowed(actor, "change", current)
            notice.status, notice.published_at, notice.author_id = (
                current.status,
                current.published_at,
                current.author_id,
            )
        notice.full_clean()
        notice.save()
        if notice.status == NoticeStatus.PUBLISHED:
            transaction.on_commit(bump_generation)
    return notice


def publish_notice(notice: Notice, *, actor, now: datetime | None = None) -> Notice:
    """Make a draft or withdrawn notice public; its publication time is now (a re-published notice keeps its
    first one, so the disclosure record stays in its place)."""
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        ensure_allowed(actor, "change", locked)
        if locked.status == NoticeStatus.PUBLISHED:
            raise NoticeStateError(_("“%(title)s”已发布。") % {"title": locked.title})
        if not locked.body.strip():
            raise NoticeStateError(_("正文为空，不能发布。"))
        locked.status = NoticeStatus.PUBLISHED
        locked.published_at = locked.published_at or now or timezone.now()
        locked.save()
        transaction.on_commit(bump_generation)
    return locked


def withdraw_notice(notice: Notice, *, actor) -> Notice:
    """Take a published notice off the public pages (撤回); it stays in the editor and can be published again."""
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        ensure_allowed(actor, "change", locked)
        if locked.status != NoticeStatus.PUBLISHED:
            raise NoticeStateError(_("“%(title)s”未发布，无需撤回。") % {"title": locked.title})
        locked.status = NoticeStatus.WITHDRAWN
        locked.save()
        transaction.on_commit(bump_generation)
    return locked
