"""API plumbing shared by every app: the gate as a DRF permission, pagination, error format."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings

from ecobrain.core import gate

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class GatePermission(permissions.BasePermission):
    """Role grants for the view's model by HTTP method; rows are scoped by the viewset's queryset."""

    message = "您的角色无权执行此操作。"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            return True
        action = getattr(view, "gate_action", None) or METHOD_ACTIONS.get(request.method, "view")
        return user.has_grant(queryset.model, action)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


def exception_handler(exc, context):
    """Django's ValidationError and PermissionDenied become 400 and 403 with field messages, never 500."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


# --- The gated model viewset every app's API builds on ----------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "该操作与现有数据冲突。"
    default_code = "conflict"


class APITokenScheme(OpenApiAuthenticationExtension):
    """Documents ``APITokenAuthentication`` in the OpenAPI schema (the Swagger UI "Authorize" button)."""

    target_class = "ecobrain.accounts.authentication.APITokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "API 令牌：`Authorization: Token <key>`（或 `Bearer <key>`），由 `ecobrain token create USER` 签发。"
            ),
        }


class GatedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key written as a primary key, limited to the rows the requesting user may view.

    An id outside the user's scope reads as "does not exist", as the detail endpoints answer 404 for it.
    """

    def get_queryset(self):
        request = self.context.get("request")
        return gate.restrict(super().get_queryset(), getattr(request, "user", None), "view")


class GatedModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated foreign keys only accept rows the user may view."""

    serializer_related_field = GatedPrimaryKeyRelatedField


def _message_dict(exc: DjangoValidationError) -> dict[str, list[str]]:
    messages = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key: value for key, value in messages.items()
    }


class GatedViewSetMixin:
    """CRUD on one model through the gate; combine with DRF's ``ModelViewSet`` (this class first).

    Reads: ``Model.objects.restrict(user, action)`` with the relations the serializer reads (set
    ``select_related`` / ``prefetch_related`` so a list costs a fixed number of queries); a row outside the
    scope is a 404. Writes: the instance is built from the validated data, validated by the model
    (``full_clean``: models own their rules), checked to lie in the user's scope (403 otherwise) and saved
    in one transaction; many-to-many values are set after the save. A delete blocked by a protected
    reference is a 409.

    A mixin rather than a ``ModelViewSet`` subclass: DRF's views module reads ``GatePermission`` from this
    module while it is itself being imported, so this module must not import ``rest_framework.viewsets``.
    """

    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def gate_action_name(self) -> str:
        return getattr(self, "gate_action", None) or METHOD_ACTIONS.get(self.request.method, "view")

    def get_queryset(self):
        model = self.queryset.model
        if getattr(self, "swagger_fake_view", False):
            return model.objects.none()
        queryset = model.objects.restrict(self.request.user, self.gate_action_name())
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def perform_create(self, serializer) -> None:
        self.save_instance(serializer, self.queryset.model())

    def perform_update(self, serializer) -> None:
        self.save_instance(serializer, serializer.instance)

    def perform_destroy(self, instance) -> None:
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            blocking = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            counts = Counter(str(obj._meta.verbose_name) for obj in blocking)
            listing = "、".join(f"{name} {count} 条" for name, count in sorted(counts.items()))
            raise Conflict(
                f"不能删除{instance._meta.verbose_name}“{instance}”：仍被其他记录引用（{listing}），请先处理这些记录。"
            ) from exc

    def set_extra_fields(self, instance, values: dict) -> None:
        """Apply validated values that are not model fields (a device's password, say).

        Raise Django's ValidationError naming the field when a value is refused.
        """
        if values:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: serializer fields {sorted(values)} are not fields of "
                f"{self.queryset.model.__name__}; handle them in set_extra_fields()."
            )

    def save_instance(self, serializer, instance) -> None:
        opts = instance._meta
        many_to_many: dict[str, object] = {}
        extra: dict[str, object] = {}
        for name, value in serializer.validated_data.items():
            try:
                field = opts.get_field(name)
            except FieldDoesNotExist:  # a serializer-only field
                field = None
            if field is not None and field.many_to_many and not field.auto_created:
                many_to_many[name] = value
            elif field is not None and field.concrete:
                setattr(instance, name, value)
            else:
                extra[name] = value
        self.validate_instance(instance, extra)
        if not gate.object_in_scope(self.request.user, instance):
            raise exceptions.PermissionDenied(f"该{opts.verbose_name}所在的区县或企业不在您的管辖范围内，不能保存。")
        try:
            with transaction.atomic():
                instance.save()
                for name, value in many_to_many.items():
                    getattr(instance, name).set(value)
        except IntegrityError as exc:  # a concurrent write won the race past full_clean()
            raise Conflict("保存失败：数据与已有记录冲突，请刷新后重试。") from exc
        serializer.instance = instance

    def validate_instance(self, instance, extra: dict) -> None:
        """The model's own validation (and the extra fields'), as one 400 naming every field at fault."""
        errors: dict[str, list[str]] = {}
        try:
            self.set_extra_fields(instance, extra)
        except DjangoValidationError as exc:
            errors = _message_dict(exc)
        # Non-editable fields are maintained by the system; the model's clean() guards their invariants.
        exclude = [field.name for field in instance._meta.concrete_fields if not field.editable]
        try:
            instance.full_clean(exclude=exclude)
        except DjangoValidationError as exc:
            for field, messages in _message_dict(exc).items():
                errors.setdefault(field, messages)
        if errors:
            raise exceptions.ValidationError(errors)


_ERRORS = {
    400: OpenApiResponse(description="输入无效：键为字段名（或 non_field_errors），值为错误消息列表。"),
    401: OpenApiResponse(description="未认证：缺少、无效、已过期或已吊销的 API 令牌。"),
    403: OpenApiResponse(description="角色无此权限，或对象不在您的管辖范围内。"),
    404: OpenApiResponse(description="对象不存在或不在您的管辖范围内。"),
    409: OpenApiResponse(description="冲突：对象仍被其他记录引用，或与已有记录冲突。"),
}


def crud_schema(noun: str):
    """Class decorator: Chinese summaries and error responses for the six actions of a model viewset."""

    def decorate(viewset):
        out = viewset.serializer_class

        def errors(*codes):
            return {code: _ERRORS[code] for code in codes}

        return extend_schema_view(
            list=extend_schema(summary=f"{noun}列表", tags=[noun]),
            retrieve=extend_schema(summary=f"查看{noun}", tags=[noun], responses={200: out, **errors(401, 403, 404)}),
            create=extend_schema(
                summary=f"新增{noun}", tags=[noun], responses={201: out, **errors(400, 401, 403, 409)}
            ),
            update=extend_schema(
                summary=f"修改{noun}", tags=[noun], responses={200: out, **errors(400, 401, 403, 404, 409)}
            ),
            partial_update=extend_schema(
                summary=f"部分修改{noun}", tags=[noun], responses={200: out, **errors(400, 401, 403, 404, 409)}
            ),
            destroy=extend_schema(
                summary=f"删除{noun}", tags=[noun], responses={204: None, **errors(401, 403, 404, 409)}
            ),
        )(viewset)

    return decorate
