"""Ingest serializers: device sessions (read-only; the gateway writes them) and host → device commands."""

from __future__ import annotations

from rest_framework import serializers

from ecobrain.ingest.choices import CommandKind
from ecobrain.ingest.models import DeviceCommand, DeviceSession, DeviceStatusChange


class DeviceSessionSerializer(serializers.ModelSerializer):
    mn = serializers.CharField(source="device.mn", read_only=True)
    status = serializers.CharField(read_only=True, help_text="online / offline / never（从未收到有效报文）")
    interval_source_display = serializers.CharField(source="get_interval_source_display", read_only=True)

    class Meta:
        model = DeviceSession
        fields = [
            "id",
            "device",
            "mn",
            "status",
            "connected",
            "online",
            "peer",
            "gateway",
            "st",
            "edition",
            "connected_at",
            "disconnected_at",
            "last_seen_at",
            "last_data_at",
            "offline_after",
            "packets",
            "data_packets",
            "errors",
            "auth_failures",
            "expected_interval",
            "interval_source",
            "interval_source_display",
            "updated",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = instance.status()
        return data


class DeviceCommandSerializer(serializers.ModelSerializer):
    mn = serializers.CharField(source="device.mn", read_only=True)
    cn_display = serializers.CharField(source="get_cn_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = DeviceCommand
        fields = [
            "id",
            "device",
            "mn",
            "cn",
            "cn_display",
            "params",
            "state",
            "state_display",
            "qn",
            "attempts",
            "created_by",
            "note",
            "created",
            "expires_at",
            "sent_at",
            "acknowledged_at",
            "finished_at",
            "gateway",
            "sent_cp",
            "qn_rtn",
            "exe_rtn",
            "result",
            "detail",
        ]
        read_only_fields = fields


class DeviceCommandCreateSerializer(serializers.Serializer):
    """Input of ``POST /api/v1/device-commands/``; the service checks the parameters per kind."""

    device = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="数采仪 ID")
    cn = serializers.ChoiceField(choices=CommandKind.choices, help_text="命令编码（HJ 212 CN）")
    params = serializers.DictField(
        required=False,
        default=dict,
        help_text='CP 参数，如 {"RtdInterval": 60}、{"BeginTime": "20260301000000", "EndTime": …}',
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class DeviceStatusChangeSerializer(serializers.ModelSerializer):
    mn = serializers.CharField(source="device.mn", read_only=True)

    class Meta:
        model = DeviceStatusChange
        fields = [
            "id",
            "device",
            "mn",
            "online",
            "at",
            "last_seen_at",
            "peer",
            "gateway",
            "expected_interval",
            "recorded_at",
        ]
        read_only_fields = fields
