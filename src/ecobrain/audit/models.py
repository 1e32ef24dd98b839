"""The automatic change log of registry objects, and security events."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.core.gate import GateScope, RestrictedQuerySet


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")


class ObjectChange(models.Model):
    """One create/update/delete of a logged object: who, when, and the object before and after."""

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    user_name = models.CharField(_("操作人"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=32, blank=True, help_text=_("web, api, import, cli, system"))
    request_id = models.CharField(max_length=36, blank=True)
    action = models.CharField(_("操作"), max_length=8, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=None, enterprise=())

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-time"], name="objectchange_object")]
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("audit:objectchange_detail", args=[self.pk])

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


class SecurityEvent(models.Model):
    """A security-relevant event: logins, lockouts, token changes, denied access, device auth failures."""

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("类型"), max_length=32, choices=SecurityEventKind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=None, enterprise=())

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = _("安全事件")
        verbose_name_plural = _("安全事件")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username}"
