"""Disclosure notices (信息公开) written by staff and shown on the public portal once published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecobrain.audit.changelog import ChangeLoggedModel
from ecobrain.core.gate import GateScope, RestrictedQuerySet
from ecobrain.core.models import BaseModel
from ecobrain.portal.choices import NoticeCategory, NoticeStatus


class NoticeQuerySet(RestrictedQuerySet):
    def published(self):
        return self.filter(status=NoticeStatus.PUBLISHED)


class Notice(ChangeLoggedModel, BaseModel):
    """A notice in one disclosure category; the public sees it only while it is published.

    ``body`` is plain text with blank lines between paragraphs (rendered escaped, links made clickable); no HTML
    from the editor ever reaches a page.
    """

    category = models.CharField(_("栏目"), max_length=16, choices=NoticeCategory.choices)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"))
    document_number = models.CharField(_("文号"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撰稿人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = NoticeQuerySet.as_manager()
    gate = GateScope(district=None, enterprise=None)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("公开信息")
        verbose_name_plural = _("公开信息")
        indexes = [models.Index(fields=["status", "category", "published_at"], name="notice_public_list")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=NoticeStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="notice_published_has_time",
                violation_error_message=_("已发布的信息必须有发布时间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal_staff:notice_detail", args=[self.pk])

    def public_url(self) -> str:
        return reverse("portal:notice_detail", args=[self.pk])

    def is_public(self) -> bool:
        return self.status == NoticeStatus.PUBLISHED
