"""The caller's notifications: list (``?unread=true``), one, mark read. Nobody reads another person's inbox here."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecobrain.notifications import services
from ecobrain.notifications.api import serializers
from ecobrain.notifications.filtersets import NotificationFilterSet
from ecobrain.notifications.models import Notification


class IsActiveUser(permissions.BasePermission):
    """A signed-in, active account: the inbox belongs to every role (no role grant is involved)."""

    message = "请先登录。"

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


@extend_schema_view(
    list=extend_schema(summary="我的通知列表", tags=["消息通知"]),
    retrieve=extend_schema(
        summary="查看我的通知",
        tags=["消息通知"],
        responses={
            200: serializers.NotificationSerializer,
            404: OpenApiResponse(description="通知不存在或不是您的。"),
        },
    ),
    read=extend_schema(
        summary="将一条通知标为已读",
        tags=["消息通知"],
        request=None,
        responses={200: serializers.NotificationSerializer, 404: OpenApiResponse(description="通知不存在或不是您的。")},
    ),
    read_all=extend_schema(
        summary="将通知标为已读（指定编号或全部）",
        tags=["消息通知"],
        request=serializers.MarkReadSerializer,
        responses={200: serializers.MarkReadResultSerializer},
    ),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """当前用户自己的站内通知，最新在前。`?unread=true` 只列未读；`kind`、`severity`（不低于）、`q` 筛选。

    任何角色都只能看到发给自己的通知（管理员也不例外）。
    """

    queryset = Notification.objects.all()
    serializer_class = serializers.NotificationSerializer
    filterset_class = NotificationFilterSet
    permission_classes = [IsActiveUser]
    ordering_fields = ["created", "severity", "id"]
    ordering = ["-created", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.restrict(self.request.user, "view")

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.mark_notifications_read(actor=request.user, ids=[notification.pk])
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @action(detail=False, methods=["post"], url_path="read-all", serializer_class=serializers.MarkReadSerializer)
    def read_all(self, request):
        payload = serializers.MarkReadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        marked = services.mark_notifications_read(actor=request.user, ids=payload.validated_data.get("ids"))
        unread = Notification.objects.restrict(request.user, "view").unread().count()
        return Response({"marked": marked, "unread": unread})
