"""Ingest serializers: device sessions (read-only; the gateway writes them)."""

from __future__ import annotations

from rest_framework import serializers

from ecobrain.ingest.models import DeviceSession


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
