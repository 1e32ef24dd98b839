"""Users with a role and a district scope, API tokens, login throttles."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.accounts.choices import Role
from ecobrain.accounts.roles import role_allows
from ecobrain.core.gate import GateScope, RestrictedQuerySet, model_label


class GatedUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    pass


class User(AbstractUser):
    """A person or system account: one role, a district scope (some districts or city-wide), maybe an enterprise."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.DATA_CONSUMER)
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("所属机构"), null=True, blank=True, on_delete=models.SET_NULL
    )
    city_wide = models.BooleanField(_("全市范围"), default=False, help_text=_("可查看全市所有区县的数据"))
    districts = models.ManyToManyField(
        "core.Region", verbose_name=_("负责区县"), blank=True, related_name="scoped_users"
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    objects = GatedUserManager()
    gate = GateScope(district=("districts",), enterprise=("enterprise",))

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.ENTERPRISE_USER) | Q(city_wide=False),
                name="enterprise_user_not_city_wide",
                violation_error_message="企业用户不能拥有全市范围。",
            )
        ]

    @property
    def is_enterprise_user(self) -> bool:
        return self.role == Role.ENTERPRISE_USER and not self.is_superuser

    @property
    def is_city_wide(self) -> bool:
        return self.is_superuser or self.role == Role.SYSTEM_ADMIN or self.city_wide

    def scope_district_ids(self) -> list[int]:
        """Ids of the districts this user covers (a chosen region includes its children)."""
        cached = getattr(self, "_scope_ids", None)
        if cached is None:
            from ecobrain.core.models import Region

            chosen = list(self.districts.values_list("id", flat=True)) if self.pk else []
            children = list(Region.objects.filter(parent_id__in=chosen).values_list("id", flat=True))
            cached = sorted(set(chosen) | set(children))
            self._scope_ids = cached
        return cached

    def has_grant(self, model, action: str) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return role_allows(self.role, model_label(model), action)

    def scope_label(self) -> str:
        if self.is_enterprise_user:
            return str(self.enterprise) if self.enterprise_id else str(_("未关联企业"))
        if self.is_city_wide:
            return str(_("全市"))
        return "、".join(self.districts.values_list("name", flat=True)) or str(_("无"))


TOKEN_PREFIX = "ebk"  # a public prefix, not a secret


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class APIToken(models.Model):
    """A revocable API key: shown once at creation, stored only as a SHA-256 digest."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64, blank=True)
    key_id = models.CharField(_("令牌编号"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{TOKEN_PREFIX}_{self.key_id} ({self.user})"

    @classmethod
    def issue(cls, user: User, *, name: str = "", expires=None) -> tuple[APIToken, str]:
        """Create a token; returns it and the full key (the only time the key exists in clear)."""
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_id=key_id, digest=_hash_key(secret), expires=expires)
        return token, f"{TOKEN_PREFIX}_{key_id}_{secret}"

    def matches(self, secret: str) -> bool:
        return secrets.compare_digest(self.digest, _hash_key(secret))

    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked is None and (self.expires is None or self.expires > now) and self.user.is_active


class LoginThrottle(models.Model):
    """Failed-login counter for one key (``user:<name>`` or ``ip:<address>``), with a lock that backs off."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")

    def __str__(self) -> str:
        return self.key
