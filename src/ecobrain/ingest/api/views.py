"""Ingest API views: device sessions (read-only), through the gate like every other endpoint."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from ecobrain.core.api import GatedViewSetMixin
from ecobrain.ingest.api import serializers
from ecobrain.ingest.filtersets import DeviceSessionFilterSet
from ecobrain.ingest.models import DeviceSession


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
