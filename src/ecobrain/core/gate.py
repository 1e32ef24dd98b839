"""The one permission gate: role decides what a user may do, district scope decides which rows.

Every model declares a :class:`GateScope` naming the ORM paths to its district(s) and enterprise(s).
``Model.objects.restrict(user, action)`` filters reads; :func:`ensure_allowed` checks one object before a write.
Users carry the grants (``user.has_grant(model, action)``) and the scope (``user.scope_district_ids()``,
``user.enterprise_id``, ``user.is_city_wide``): see ``ecobrain.accounts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy

ACTIONS = ("view", "add", "change", "delete", "import", "export")


@dataclass(frozen=True)
class GateScope:
    """Where a model's rows sit in the scope: ORM paths to a Region (district) and to an Enterprise.

    ``district=None`` means the model is reference data, not scoped by district (factors, for instance).
    ``enterprise=()`` means enterprise users see none of its rows; ``enterprise=None`` means all of them.
    ``unscoped_when_null`` lets rows without a district (city-level organisations) be seen by every scope.
    """

    district: tuple[str, ...] | None = None
    enterprise: tuple[str, ...] | None = ()
    unscoped_when_null: bool = False


def model_label(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def _gate_of(model: type[models.Model]) -> GateScope:
    return getattr(model, "gate", None) or GateScope()


def scope_filter(model: type[models.Model], user: Any) -> Q | None:
    """The row filter for ``user`` on ``model``; ``None`` means every row."""
    gate = _gate_of(model)
    if user.is_superuser:
        return None
    if user.is_enterprise_user:
        if gate.enterprise is None:
            return None
        if not gate.enterprise or user.enterprise_id is None:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{path: user.enterprise_id}) for path in gate.enterprise))
    if gate.district is None or user.is_city_wide:
        return None
    ids = user.scope_district_ids()
    clauses = [Q(**{f"{path}__in": ids}) for path in gate.district]
    if gate.unscoped_when_null:
        clauses += [Q(**{f"{path}__isnull": True}) for path in gate.district]
    return reduce(or_, clauses)


def restrict(queryset: models.QuerySet, user: Any, action: str = "view") -> models.QuerySet:
    """Rows of ``queryset`` that ``user`` may ``action``; nothing for anonymous or inactive users."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if not user.has_grant(queryset.model, action):
        return queryset.none()
    condition = scope_filter(queryset.model, user)
    return queryset if condition is None else queryset.filter(condition)


def _resolve(obj: models.Model, path: str) -> Any:
    """Follow an ORM path (``outlet__enterprise``) on an instance; returns the final pk or None."""
    if path == "pk":
        return obj.pk
    current: Any = obj
    parts = path.split("__")
    for index, part in enumerate(parts):
        if current is None:
            return None
        field = current._meta.get_field(part)
        last = index == len(parts) - 1
        if field.is_relation and last:
            return getattr(current, field.attname)
        current = getattr(current, part)
    return current.pk if isinstance(current, models.Model) else current


def object_in_scope(user: Any, obj: models.Model) -> bool:
    """Whether an instance (saved or not) lies in ``user``'s scope, evaluated on the instance itself."""
    gate = _gate_of(type(obj))
    if user.is_superuser:
        return True
    if user.is_enterprise_user:
        if gate.enterprise is None:
            return True
        return bool(gate.enterprise) and any(
            _resolve(obj, path) == user.enterprise_id for path in gate.enterprise if user.enterprise_id
        )
    if gate.district is None or user.is_city_wide:
        return True
    ids = set(user.scope_district_ids())
    values = [_resolve(obj, path) for path in gate.district]
    if gate.unscoped_when_null and all(value is None for value in values):
        return True
    return any(value in ids for value in values if value is not None)


def is_allowed(user: Any, action: str, obj: models.Model | type[models.Model]) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    model = obj if isinstance(obj, type) else type(obj)
    if not user.has_grant(model, action):
        return False
    return isinstance(obj, type) or object_in_scope(user, obj)


def ensure_allowed(user: Any, action: str, obj: models.Model | type[models.Model]) -> None:
    """Raise PermissionDenied (HTTP 403) unless ``user`` may ``action`` ``obj`` (a model class: any row)."""
    if not is_allowed(user, action, obj):
        model = obj if isinstance(obj, type) else type(obj)
        raise PermissionDenied(
            gettext("无权对%(model)s执行“%(action)s”操作。")
            % {"model": model._meta.verbose_name, "action": ACTION_NAMES.get(action, action)}
        )


ACTION_NAMES = {
    "view": pgettext_lazy("action", "查看"),
    "add": pgettext_lazy("action", "新增"),
    "change": pgettext_lazy("action", "修改"),
    "delete": pgettext_lazy("action", "删除"),
    "import": pgettext_lazy("action", "导入"),
    "export": pgettext_lazy("action", "导出"),
}


class RestrictedQuerySet(models.QuerySet):
    """A queryset with ``restrict(user, action)``: the gate, chainable with domain methods."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        return restrict(self, user, action)
