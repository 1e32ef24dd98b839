"""Notification serializers (read-only: the platform writes notifications; the owner only marks them read)."""

from __future__ import annotations

from rest_framework import serializers

from ecobrain.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    unread = serializers.SerializerMethodField(help_text="尚未阅读")

    class Meta:
        model = Notification
        fields = [
            "id",
            "event_key",
            "kind",
            "kind_display",
            "severity",
            "severity_display",
            "title",
            "body",
            "link",
            "created",
            "read_at",
            "unread",
        ]
        read_only_fields = fields

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=1000,
        help_text="要标为已读的通知编号；省略时标记全部未读通知",
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数")
    unread = serializers.IntegerField(help_text="剩余未读条数")
