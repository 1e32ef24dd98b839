"""Ingest API views: device sessions (read-only) and device commands, through the gate like every endpoint."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ecobrain.core.api import GatedViewSetMixin
from ecobrain.ingest import services
from ecobrain.ingest.api import serializers
from ecobrain.ingest.filtersets import DeviceCommandFilterSet, DeviceSessionFilterSet, DeviceStatusChangeFilterSet
from ecobrain.ingest.models import DeviceCommand, DeviceSession, DeviceStatusChange
from ecobrain.registry.models import Device


@extend_schema_view(
    list=extend_schema(summary="设备在线状态列表", tags=["设备在线状态"]),
    retrieve=extend_schema(summary="查看设备在线状态", tags=["设备在线状态"]),
)
class DeviceSessionViewSet(GatedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """数采仪的连接与通信状态（由网关维护，只读）：是否连接、是否在线、最后通信、报文与错误计数、预期间隔。"""

    queryset = DeviceSession.objects.all()
    serializer_class = serializers.DeviceSessionSerializer
    filterset_class = DeviceSessionFilterSet
    ordering_fields = ["device__mn", "last_seen_at", "last_data_at", "packets", "errors"]
    select_related = ("device",)


@extend_schema_view(
    list=extend_schema(summary="设备上下线记录列表", tags=["设备在线状态"]),
    retrieve=extend_schema(summary="查看设备上下线记录", tags=["设备在线状态"]),
)
class DeviceStatusChangeViewSet(GatedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """数采仪上线与离线的历史（网关与离线判定任务写入，只读），最新在前。"""

    queryset = DeviceStatusChange.objects.all()
    serializer_class = serializers.DeviceStatusChangeSerializer
    filterset_class = DeviceStatusChangeFilterSet
    ordering_fields = ["at", "recorded_at"]
    select_related = ("device",)


@extend_schema_view(
    list=extend_schema(summary="设备命令列表", tags=["设备命令"]),
    retrieve=extend_schema(summary="查看设备命令", tags=["设备命令"]),
    create=extend_schema(
        summary="下发设备命令",
        tags=["设备命令"],
        request=serializers.DeviceCommandCreateSerializer,
        responses={
            201: serializers.DeviceCommandSerializer,
            400: OpenApiResponse(description="参数无效：键为字段名（params 列出每个有误的参数）。"),
            403: OpenApiResponse(description="角色无下发命令的权限。"),
            404: OpenApiResponse(description="数采仪不存在或不在您的管辖范围内。"),
        },
    ),
    cancel=extend_schema(summary="取消排队中的设备命令", tags=["设备命令"], request=None),
)
class DeviceCommandViewSet(
    GatedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """向数采仪下发的 HJ 212 命令（校时、间隔、补传、校准、采样）及其状态。

    POST 只是排队：持有该设备连接的网关约每秒取走并下发，按 QN 跟踪 9011/9012 应答。
    """

    queryset = DeviceCommand.objects.all()
    serializer_class = serializers.DeviceCommandSerializer
    filterset_class = DeviceCommandFilterSet
    ordering_fields = ["created", "finished_at", "state"]
    select_related = ("device", "created_by")

    def get_queryset(self):
        if self.action == "cancel":  # found among the visible ones; the service checks the change grant
            self.gate_action = "view"
        return super().get_queryset()

    def create(self, request, *args, **kwargs):
        data = serializers.DeviceCommandCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        device = Device.objects.restrict(request.user, "view").filter(pk=values["device"]).first()
        if device is None:
            raise NotFound("数采仪不存在或不在您的管辖范围内。")
        command = services.queue_device_command(
            device, values["cn"], params=values["params"], actor=request.user, note=values["note"]
        )
        return Response(self.get_serializer(command).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        command = services.cancel_device_command(self.get_object(), actor=request.user)
        return Response(self.get_serializer(command).data)
