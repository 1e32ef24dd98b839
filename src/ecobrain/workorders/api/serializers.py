"""Work-order serializers: what the API shows of an order, and the input of creation and of each step.

They only read and shape data; the services decide what is allowed (who, which state) and validate the rest.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ecobrain.core.api import GatedPrimaryKeyRelatedField
from ecobrain.core.models import Organisation, Region, RegionLevel
from ecobrain.registry.models import Enterprise, Outlet, Station
from ecobrain.workorders.choices import Priority, WorkOrderSource
from ecobrain.workorders.models import ExtensionRequest, WorkOrder, WorkOrderAttachment, WorkOrderEvent
from ecobrain.workorders.services import available_steps


def display(source: str) -> serializers.CharField:
    return serializers.CharField(source=f"get_{source}_display", read_only=True)


def name_of(source: str) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True, allow_null=True)


@extend_schema_field(OpenApiTypes.STR)
class PersonField(serializers.Field):
    """A user's display name (read only)."""

    def to_representation(self, user):
        return user.get_full_name() or user.username


class WorkOrderSerializer(serializers.ModelSerializer):
    source_display = display("source")
    priority_display = display("priority")
    status_display = display("status")
    day_kind_display = display("day_kind")
    district_name = name_of("district.name")
    assignee_org_name = name_of("assignee_org.name")
    assignee_name = PersonField(source="assignee", read_only=True, allow_null=True)
    enterprise_name = name_of("enterprise.name")
    overdue = serializers.SerializerMethodField(help_text="已超过办理期限且未提交。")
    supervised = serializers.SerializerMethodField(help_text="超期后已列为督办。")
    url = serializers.SerializerMethodField(help_text="任务详情页面。")

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "title",
            "source",
            "source_display",
            "source_ref",
            "priority",
            "priority_display",
            "status",
            "status_display",
            "district",
            "district_name",
            "assignee_org",
            "assignee_org_name",
            "assignee",
            "assignee_name",
            "enterprise",
            "enterprise_name",
            "station",
            "outlet",
            "deadline",
            "day_kind",
            "day_kind_display",
            "dispatched_at",
            "accepted_at",
            "submitted_at",
            "closed_at",
            "closed_on_time",
            "escalated_at",
            "rework_count",
            "overdue",
            "supervised",
            "url",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(self.context.get("now") or timezone.now())

    def get_supervised(self, obj) -> bool:
        return obj.escalated_at is not None

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class WorkOrderEventSerializer(serializers.ModelSerializer):
    kind_display = display("kind")
    actor_name = PersonField(source="actor", read_only=True, allow_null=True)
    actor_org_name = name_of("actor_org.name")

    class Meta:
        model = WorkOrderEvent
        fields = [
            "id",
            "kind",
            "kind_display",
            "at",
            "actor",
            "actor_name",
            "actor_org_name",
            "from_status",
            "to_status",
            "message",
            "data",
        ]


class WorkOrderAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="下载地址（API，同样经过权限检查）。")

    class Meta:
        model = WorkOrderAttachment
        fields = ["id", "event", "name", "content_type", "size", "sha256", "uploaded_at", "uploaded_by", "url"]

    def get_url(self, obj) -> str:
        return reverse("workorder-attachment", args=[obj.workorder_id, obj.pk])


class ExtensionRequestSerializer(serializers.ModelSerializer):
    status_display = display("status")

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "status",
            "status_display",
            "requested_by",
            "requested_at",
            "current_deadline",
            "requested_deadline",
            "reason",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class WorkOrderDetailSerializer(WorkOrderSerializer):
    events = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    extension_requests = serializers.SerializerMethodField()
    allowed_steps = serializers.SerializerMethodField(help_text="当前用户此刻可执行的操作。")

    class Meta(WorkOrderSerializer.Meta):
        fields = [
            *WorkOrderSerializer.Meta.fields,
            "description",
            "location",
            "longitude",
            "latitude",
            "result",
            "dispatcher_org",
            "created_by",
            "reminded_at",
            "events",
            "attachments",
            "extension_requests",
            "allowed_steps",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def get_events(self, obj) -> list[dict]:
        rows = WorkOrderEvent.objects.restrict(self._user(), "view").filter(workorder=obj)
        return WorkOrderEventSerializer(rows.select_related("actor", "actor_org"), many=True).data

    def get_attachments(self, obj) -> list[dict]:
        rows = WorkOrderAttachment.objects.restrict(self._user(), "view").filter(workorder=obj)
        return WorkOrderAttachmentSerializer(rows, many=True).data

    def get_extension_requests(self, obj) -> list[dict]:
        rows = ExtensionRequest.objects.restrict(self._user(), "view").filter(workorder=obj)
        return ExtensionRequestSerializer(rows, many=True).data

    def get_allowed_steps(self, obj) -> list[str]:
        return sorted(available_steps(self._user(), obj))


def files_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="附件（multipart，可多个）。"
    )


class WorkOrderCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=WorkOrderSource.choices, default=WorkOrderSource.MANUAL)
    source_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    district = serializers.PrimaryKeyRelatedField(queryset=Region.objects.filter(level=RegionLevel.COUNTY))
    assignee_org = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, default=None
    )
    enterprise = GatedPrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), required=False, allow_null=True, default=None
    )
    station = GatedPrimaryKeyRelatedField(queryset=Station.objects.all(), required=False, allow_null=True, default=None)
    outlet = GatedPrimaryKeyRelatedField(queryset=Outlet.objects.all(), required=False, allow_null=True, default=None)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    deadline = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="不填时按来源的办理时限计算。"
    )
    attachments = files_field()


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(MessageSerializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))


class SubmitSerializer(serializers.Serializer):
    result = serializers.CharField(required=False, allow_blank=True, default="")
    attachments = files_field()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TransferSerializer(ReasonSerializer):
    assignee_org = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())


class ExtensionRequestInputSerializer(ReasonSerializer):
    requested_deadline = serializers.DateTimeField()


class ExtensionDecisionSerializer(serializers.Serializer):
    extension = serializers.IntegerField(help_text="待审批的延期申请 id。")
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WorkOrderCommentSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="")
    attachments = files_field()
