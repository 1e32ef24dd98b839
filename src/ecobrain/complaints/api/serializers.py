"""Complaint serializers: what the staff API shows of a complaint (never the name or the phone number: the masked
phone only), and the input of each step. They shape data; the services decide what is allowed."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from ecobrain.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto
from ecobrain.complaints.services import available_steps
from ecobrain.complaints.services.handling import NOTE_MAX, TEXT_MAX, strip_contact_numbers
from ecobrain.core.api import GatedPrimaryKeyRelatedField
from ecobrain.core.models import Region, RegionLevel
from ecobrain.workorders.choices import Priority


def display(source: str) -> serializers.CharField:
    return serializers.CharField(source=f"get_{source}_display", read_only=True)


def code(help_text: str) -> serializers.CharField:
    # A plain string, not an enum: "status" and "category" name other sets elsewhere in the schema.
    return serializers.CharField(read_only=True, help_text=help_text)


class ComplaintSerializer(serializers.ModelSerializer):
    channel = code("来源渠道：web、mobile、phone、open311。")
    category = code("投诉类别：air、water、noise、solid_waste、radiation、ecology、other。")
    suggested_category = code("系统建议的类别（同上），未分拣时为空。")
    status = code("状态：received、dispatched、replied、closed、rejected。")
    channel_display = display("channel")
    category_display = display("category")
    suggested_category_display = display("suggested_category")
    status_display = display("status")
    district_name = serializers.CharField(source="district.name", read_only=True, allow_null=True)
    duplicate_of_number = serializers.CharField(source="duplicate_of.tracking_number", read_only=True, allow_null=True)
    workorder_number = serializers.CharField(source="workorder.number", read_only=True, allow_null=True)
    description = serializers.SerializerMethodField(help_text="投诉内容（其中的电话号码、身份证号已去除）。")
    url = serializers.SerializerMethodField(help_text="投诉详情页面。")

    class Meta:
        model = Complaint
        fields = [
            "id",
            "tracking_number",
            "channel",
            "channel_display",
            "category",
            "category_display",
            "suggested_category",
            "suggested_category_display",
            "suggestion_score",
            "triage_confirmed",
            "description",
            "address",
            "longitude",
            "latitude",
            "district",
            "district_name",
            "is_anonymous",
            "phone_masked",
            "status",
            "status_display",
            "duplicate_of",
            "duplicate_of_number",
            "workorder",
            "workorder_number",
            "replied_at",
            "closed_at",
            "satisfaction",
            "published",
            "published_at",
            "created",
            "updated",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, complaint) -> str:
        return reverse("complaints:complaint_detail", args=[complaint.pk])

    def get_description(self, complaint) -> str:
        return strip_contact_numbers(complaint.description)


class ComplaintEventSerializer(serializers.ModelSerializer):
    kind_display = display("kind")
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintEvent
        fields = ["id", "kind", "kind_display", "at", "actor_name", "from_status", "to_status", "message", "public"]
        read_only_fields = fields

    def get_actor_name(self, event) -> str | None:
        return (event.actor.get_full_name() or event.actor.username) if event.actor_id else None


class ComplaintPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="照片（需登录，按权限提供）。")

    class Meta:
        model = ComplaintPhoto
        fields = ["id", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, photo) -> str:
        return reverse("complaints:photo", args=[photo.pk])


class ComplaintDetailSerializer(ComplaintSerializer):
    reply = serializers.CharField(read_only=True)
    reject_reason = serializers.CharField(read_only=True)
    public_text = serializers.CharField(read_only=True)
    public_reply = serializers.CharField(read_only=True)
    events = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField(help_text="当前用户此刻可执行的操作。")

    class Meta(ComplaintSerializer.Meta):
        fields = [
            *ComplaintSerializer.Meta.fields,
            "reply",
            "reject_reason",
            "public_text",
            "public_reply",
            "events",
            "photos",
            "steps",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def get_events(self, complaint) -> list[dict]:
        rows = ComplaintEvent.objects.restrict(self._user(), "view").filter(complaint=complaint).select_related("actor")
        return ComplaintEventSerializer(rows.order_by("at", "pk"), many=True).data

    def get_photos(self, complaint) -> list[dict]:
        rows = ComplaintPhoto.objects.restrict(self._user(), "view").filter(complaint=complaint)
        return ComplaintPhotoSerializer(rows, many=True).data

    def get_steps(self, complaint) -> list[str]:
        return sorted(available_steps(self._user(), complaint))


class ComplaintConfirmSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="投诉类别：air、water、noise、solid_waste、radiation、ecology、other。")
    district = GatedPrimaryKeyRelatedField(queryset=Region.objects.filter(level=RegionLevel.COUNTY).defer("boundary"))
    duplicate_of = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="原投诉查询码；留空表示不是重复投诉。"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class ComplaintLinkSerializer(serializers.Serializer):
    duplicate_of = serializers.CharField(help_text="原投诉查询码。")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class ComplaintNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class ComplaintDispatchSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class ComplaintReplySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX)


class ComplaintReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX)


class ComplaintOptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class ComplaintPublishSerializer(serializers.Serializer):
    public_text = serializers.CharField(max_length=TEXT_MAX)
    public_reply = serializers.CharField(max_length=TEXT_MAX)
