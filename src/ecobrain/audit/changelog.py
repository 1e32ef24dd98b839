"""Automatic change log: every create/update/delete of a ChangeLoggedModel records who, when, before/after.

The actor comes from a context variable set by the middleware (web and API), by management commands
and by services (``with change_actor(user, source="import")``).
"""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models


@dataclass(frozen=True)
class Actor:
    user: object | None
    source: str
    request_id: str


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("ecobrain_change_actor", default=None)


@contextmanager
def change_actor(user, *, source: str, request_id: str | None = None):
    token = _actor.set(Actor(user, source, request_id or str(uuid.uuid4())))
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> Actor | None:
    return _actor.get()


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def snapshot(instance: models.Model) -> dict:
    """Field values of an instance as JSON, secrets left out (fields named in ``changelog_exclude``)."""
    exclude = set(getattr(instance, "changelog_exclude", ())) | {"created", "updated"}
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.name] = _jsonable(getattr(instance, field.attname))
    for field in instance._meta.many_to_many:
        if field.name in exclude or instance.pk is None:
            continue
        related = getattr(instance, field.name)
        data[field.name] = sorted(str(obj) for obj in related.all())
    for name in set(getattr(instance, "changelog_exclude", ())):
        data[name] = "••••••"  # a secret: the log says it exists, never what it is
    return data


def record(instance: models.Model, action: str, before: dict | None, after: dict | None) -> None:
    from ecobrain.audit.models import ObjectChange

    if action == "update" and before == after:
        return
    actor = current_actor()
    user = None
    if actor is not None and actor.user is not None:
        resolved = actor.user.resolve() if hasattr(actor.user, "resolve") else actor.user
        user = resolved if getattr(resolved, "is_authenticated", False) else None
    ObjectChange.objects.create(
        user=user,
        user_name=(user.get_username() if user else (actor.source if actor else "system")),
        source=actor.source if actor else "system",
        request_id=actor.request_id if actor else "",
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
    )


def history_for(instance: models.Model):
    from ecobrain.audit.models import ObjectChange

    return ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)), object_id=str(instance.pk)
    ).select_related("user")


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if instance.pk is not None:
        old = sender._default_manager.filter(pk=instance.pk).first()
        instance._changelog_before = snapshot(old) if old is not None else None
        # The raw secrets stay in memory only, to tell in _post_save whether one changed.
        instance._changelog_secrets = {name: getattr(old, name) for name in instance.changelog_exclude} if old else {}
    else:
        instance._changelog_before = None
        instance._changelog_secrets = {}


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "_changelog_before", None)
    after = snapshot(instance)
    for name, old_value in getattr(instance, "_changelog_secrets", {}).items():
        if before is not None and getattr(instance, name) != old_value:
            after[name] = "••••••（已更改）"  # a new secret is a change to log, still without its value
    record(instance, "create" if created or before is None else "update", before, after)
    instance._changelog_before = None
    instance._changelog_secrets = {}


def _pre_delete(sender, instance, **kwargs):
    instance._changelog_before = snapshot(instance)


def _post_delete(sender, instance, **kwargs):
    record(instance, "delete", getattr(instance, "_changelog_before", None), None)


def _m2m_changed(sender, instance, action, reverse, **kwargs):
    if reverse or not isinstance(instance, ChangeLoggedModel):
        return
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        instance._changelog_m2m_before = snapshot(instance)
    elif action in {"post_add", "post_remove", "post_clear"}:
        before = getattr(instance, "_changelog_m2m_before", None)
        if before is not None:
            record(instance, "update", before, snapshot(instance))
            instance._changelog_m2m_before = None


class ChangeLoggedModel(models.Model):
    """Abstract: instances of subclasses are change-logged automatically."""

    changelog_exclude: tuple[str, ...] = ()

    class Meta:
        abstract = True


def connect() -> None:
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

    for model in apps.get_models():
        if issubclass(model, ChangeLoggedModel):
            uid = f"changelog.{model._meta.label_lower}"
            pre_save.connect(_pre_save, sender=model, dispatch_uid=f"{uid}.pre_save")
            post_save.connect(_post_save, sender=model, dispatch_uid=f"{uid}.post_save")
            pre_delete.connect(_pre_delete, sender=model, dispatch_uid=f"{uid}.pre_delete")
            post_delete.connect(_post_delete, sender=model, dispatch_uid=f"{uid}.post_delete")
            for field in model._meta.many_to_many:
                m2m_changed.connect(_m2m_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}.{field.name}")
