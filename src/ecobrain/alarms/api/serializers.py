"""Alarm serializers: alarms read with their names and labels, the actions' inputs, rules with typed parameters.

Rule parameters are checked by ``alarms.params.parse_params`` (the same check as the rule form) and stored in
their full form (every parameter, defaults included).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ecobrain.alarms.forms import rule_scope_errors
from ecobrain.alarms.models import Alarm, AlarmEvent, AlarmRule
from ecobrain.alarms.params import params_json, parse_params
from ecobrain.alarms.services.lifecycle import BULK_MAX, COMMENT_MAX
from ecobrain.core.api import GatedModelSerializer
from ecobrain.core.models import Organisation, OrganisationKind
from ecobrain.workorders.choices import Priority


def display(source: str) -> serializers.CharField:
    return serializers.CharField(source=f"get_{source}_display", read_only=True)


def related_text(source: str) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True, allow_null=True)


ALARM_FIELDS = [
    "id",
    "rule",
    "rule_name",
    "kind",
    "kind_display",
    "severity",
    "severity_display",
    "status",
    "status_display",
    "object_key",
    "title",
    "message",
    "district",
    "district_name",
    "enterprise",
    "enterprise_name",
    "outlet",
    "outlet_code",
    "station",
    "station_name",
    "device",
    "factor",
    "factor_code",
    "series",
    "resolution",
    "threshold",
    "first_value",
    "last_value",
    "peak_value",
    "unit",
    "first_period",
    "last_period",
    "triggered_at",
    "last_triggered_at",
    "trigger_count",
    "cleared_at",
    "acknowledged_at",
    "acknowledged_by",
    "closed_at",
    "false_reason",
    "workorder",
    "workorder_number",
    "updated",
]


class AlarmSerializer(serializers.ModelSerializer):
    """An alarm as the alarm centre lists it (read-only: alarms change through the actions)."""

    rule_name = related_text("rule.name")
    kind_display = display("kind")
    severity_display = display("severity")
    status_display = display("status")
    district_name = related_text("district.name")
    enterprise_name = related_text("enterprise.name")
    outlet_code = related_text("outlet.code")
    station_name = related_text("station.name")
    factor_code = related_text("factor.code")
    workorder_number = related_text("workorder.number")

    class Meta:
        model = Alarm
        fields = ALARM_FIELDS
        read_only_fields = ALARM_FIELDS


class AlarmEventSerializer(serializers.ModelSerializer):
    kind_display = display("kind")
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = AlarmEvent
        fields = ["id", "kind", "kind_display", "at", "actor", "actor_name", "message", "data"]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        """The person's name, or 系统 for the rule engine."""
        if event.actor is None:
            return str(_("系统"))
        return event.actor.get_full_name() or event.actor.username


class AlarmDetailSerializer(AlarmSerializer):
    """An alarm with its timeline, oldest first."""

    events = AlarmEventSerializer(many=True, read_only=True)

    class Meta(AlarmSerializer.Meta):
        fields = [*ALARM_FIELDS, "events"]
        read_only_fields = fields


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX, help_text=_("说明（可选）"))


class AlarmCommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX, help_text=_("备注内容"))


class MarkFalseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=COMMENT_MAX, help_text=_("误报原因（必填）"))


class DispatchSerializer(serializers.Serializer):
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text=_("任务标题；留空为“报警处置：报警标题”")
    )
    description = serializers.CharField(required=False, allow_blank=True, help_text=_("任务内容；留空为报警内容"))
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, help_text=_("紧急程度；留空按报警级别")
    )
    deadline = serializers.DateTimeField(required=False, allow_null=True, help_text=_("办理期限；留空按办理时限计算"))
    assignee_org = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=OrganisationKind.BRANCH),
        required=False,
        allow_null=True,
        help_text=_("承办单位（区县分局）ID；留空为报警所在区县的分局"),
    )


class BulkAcknowledgeSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=BULK_MAX, help_text=_("报警 ID 列表")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX)


class SkippedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField(), help_text=_("已确认的报警 ID"))
    skipped = SkippedSerializer(many=True, help_text=_("跳过的报警及原因"))
    done_count = serializers.IntegerField()
    skipped_count = serializers.IntegerField()


class AlarmRuleSerializer(GatedModelSerializer):
    """A rule: scope fields relevant to its kind, typed parameters (``params``), persistence and recipients."""

    kind_display = display("kind")
    severity_display = display("severity")
    district_name = related_text("district.name")
    recipients = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=get_user_model().objects.filter(is_active=True),
        help_text=_("通知人员（用户 ID 列表，须为启用的账号）"),
    )
    params = serializers.JSONField(
        required=False, help_text=_("该类型的参数（JSON 对象）；缺省的参数取默认值，保存后返回全部参数")
    )

    class Meta:
        model = AlarmRule
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "enabled",
            "severity",
            "severity_display",
            "district",
            "district_name",
            "enterprise",
            "outlet",
            "station",
            "factor",
            "resolution",
            "params",
            "consecutive",
            "clear_after",
            "recipients",
            "notify_district",
            "description",
            "created_by",
            "created",
            "updated",
        ]
        read_only_fields = ["created_by", "created", "updated"]

    def validate(self, attrs):
        instance = self.instance
        kind = attrs.get("kind", getattr(instance, "kind", None))
        raw = attrs.get("params", getattr(instance, "params", None) if instance else None)
        if "kind" in attrs and instance is not None and attrs["kind"] != instance.kind and "params" not in attrs:
            raw = {}  # a new kind does not inherit the old kind's parameters
        try:
            params = params_json(parse_params(kind, raw))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        attrs["params"] = params
        scope = {
            name: attrs.get(name, getattr(instance, name, None) if instance else None)
            for name in ("district", "enterprise", "outlet", "station", "factor", "resolution")
        }
        errors: dict[str, list[str]] = {}
        for field, message in rule_scope_errors(kind, scope, params):
            errors.setdefault(field or "non_field_errors", []).append(str(message))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
