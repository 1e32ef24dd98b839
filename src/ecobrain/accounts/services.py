"""Login throttling, security events and API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.accounts.models import APIToken, LoginThrottle, User


def record_security_event(kind: str, *, user=None, username: str = "", ip: str | None = None, **detail) -> None:
    from ecobrain.audit.models import SecurityEvent

    SecurityEvent.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        username=username or (user.get_username() if getattr(user, "pk", None) else ""),
        ip=ip or None,
        detail=detail,
    )


def _keys(username: str, ip: str | None) -> list[str]:
    keys = [f"user:{username.strip().lower()[:150]}"]
    if ip:
        keys.append(f"ip:{ip}")
    return keys


def locked_until(username: str, ip: str | None):
    """When the lock on this username or address ends, or None if login may be tried now."""
    now = timezone.now()
    ends = [
        t.locked_until
        for t in LoginThrottle.objects.filter(key__in=_keys(username, ip), locked_until__gt=now)
        if t.locked_until
    ]
    return max(ends) if ends else None


@transaction.atomic
def register_login_failure(username: str, ip: str | None) -> None:
    """Count a failure; from the Nth on, lock for a time that doubles each time (capped)."""
    now = timezone.now()
    for key in _keys(username, ip):
        throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(key=key)
        # Failures older than the longest lock are forgotten.
        if throttle.last_failure and now - throttle.last_failure > timedelta(seconds=settings.LOGIN_LOCK_MAX_SECONDS):
            throttle.failures = 0
        throttle.failures += 1
        throttle.last_failure = now
        # An address gets more room than an account: several users share an office NAT.
        limit = settings.LOGIN_MAX_FAILURES * (1 if key.startswith("user:") else 4)
        over = throttle.failures - limit
        if over >= 0:
            seconds = min(settings.LOGIN_LOCK_SECONDS * (2**over), settings.LOGIN_LOCK_MAX_SECONDS)
            throttle.locked_until = now + timedelta(seconds=seconds)
        throttle.save()


def clear_login_failures(username: str) -> None:
    LoginThrottle.objects.filter(key__in=_keys(username, None)).delete()


def create_token(user: User, *, actor=None, name: str = "", days: int | None = None) -> tuple[APIToken, str]:
    expires = timezone.now() + timedelta(days=days) if days else None
    token, key = APIToken.issue(user, name=name, expires=expires)
    record_security_event(
        SecurityEventKind.TOKEN_CREATED, user=user, key_id=token.key_id, by=str(actor) if actor else "cli"
    )
    return token, key


def revoke_token(token: APIToken, *, actor=None) -> None:
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
        record_security_event(
            SecurityEventKind.TOKEN_REVOKED, user=token.user, key_id=token.key_id, by=str(actor) if actor else "cli"
        )


def client_ip(request) -> str | None:
    """The client address; X-Forwarded-For is trusted only when ECOBRAIN_HTTPS says a proxy is in front."""
    if settings.HTTPS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")
