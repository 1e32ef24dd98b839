"""Alarm API viewsets: alarms (read, filter like the alarm centre, act through the lifecycle services) and rules."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ecobrain.alarms.api import serializers
from ecobrain.alarms.filtersets import AlarmFilterSet, AlarmRuleFilterSet
from ecobrain.alarms.models import Alarm, AlarmEvent, AlarmRule
from ecobrain.alarms.services import lifecycle
from ecobrain.alarms.tables import ALARM_LIST_DEFER, KeysFirstPaginator
from ecobrain.alarms.views_rules import in_use_message
from ecobrain.core.api import Conflict, GatedViewSetMixin, StandardPagination, crud_schema

ALARM_ACTIONS = {"acknowledge", "comment", "dispatch_workorder", "resolve", "close", "mark_false", "acknowledge_many"}
_ERRORS = {
    400: OpenApiResponse(description="输入无效，或报警当前状态不允许此操作（消息说明原因）。"),
    401: OpenApiResponse(description="未认证。"),
    403: OpenApiResponse(description="角色无权处置报警，或报警不在您的管辖范围内。"),
    404: OpenApiResponse(description="报警不存在或不在您的管辖范围内。"),
}


def _action_schema(summary: str, request, description: str = ""):
    return extend_schema(
        summary=summary,
        description=description,
        tags=["报警"],
        request=request,
        responses={200: serializers.AlarmDetailSerializer, **_ERRORS},
    )


class AlarmPagination(StandardPagination):
    django_paginator_class = KeysFirstPaginator


@extend_schema_view(
    list=extend_schema(
        summary="报警列表",
        tags=["报警"],
        description="默认只列出未关闭的报警（待处理、已确认、已派单）；`status=all` 列出全部，`status` 可重复。",
    ),
    retrieve=extend_schema(
        summary="查看报警（含处置记录）", tags=["报警"], responses={200: serializers.AlarmDetailSerializer, **_ERRORS}
    ),
)
class AlarmViewSet(GatedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """报警：与报警中心相同的筛选；处置操作经报警处置服务（每步一条处置记录），状态不允许时返回 400 并说明原因。"""

    queryset = Alarm.objects.all()
    serializer_class = serializers.AlarmSerializer
    filterset_class = AlarmFilterSet
    pagination_class = AlarmPagination
    ordering_fields = ["id", "triggered_at", "last_triggered_at", "severity", "status", "kind", "trigger_count"]
    # Four joins and the rest apart, as the alarm centre does (see alarms.tables: planning cost, SQLite's plan).
    select_related = ("district", "enterprise", "outlet", "station")
    prefetch_related = ("rule", "factor", "workorder")

    @property
    def gate_action(self) -> str | None:
        return "change" if getattr(self, "action", None) in ALARM_ACTIONS else None

    def get_queryset(self):
        queryset = super().get_queryset().defer(*ALARM_LIST_DEFER)
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("events", queryset=AlarmEvent.objects.select_related("actor").order_by("at", "pk"))
            )
        return queryset

    def filter_queryset(self, queryset):
        # The filters (and their default, open alarms only) shape the list; one alarm is found in any state.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        return serializers.AlarmSerializer if self.action == "list" else serializers.AlarmDetailSerializer

    def _respond(self, alarm: Alarm) -> Response:
        fresh = self.get_queryset().get(pk=alarm.pk)
        return Response(serializers.AlarmDetailSerializer(fresh, context=self.get_serializer_context()).data)

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    @_action_schema("确认报警", serializers.NoteSerializer, "待处理 → 已确认。")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alarm = self.get_object()
        lifecycle.acknowledge_alarm(
            alarm, actor=request.user, note=self._input(serializers.NoteSerializer).get("note", "")
        )
        return self._respond(alarm)

    @_action_schema("添加备注", serializers.AlarmCommentSerializer, "任何状态均可添加。")
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        alarm = self.get_object()
        lifecycle.comment_alarm(alarm, actor=request.user, text=self._input(serializers.AlarmCommentSerializer)["text"])
        return self._respond(alarm)

    @_action_schema(
        "派发任务单",
        serializers.DispatchSerializer,
        "待处理/已确认 → 已派单：创建来源为报警的任务单（需要任务单新增权限），任务单办结后报警自动关闭。",
    )
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_workorder(self, request, pk=None):
        alarm = self.get_object()
        data = self._input(serializers.DispatchSerializer)
        lifecycle.dispatch_alarm(
            alarm,
            actor=request.user,
            title=data.get("title", ""),
            description=data.get("description", ""),
            deadline=data.get("deadline"),
            priority=data.get("priority"),
            assignee_org=data.get("assignee_org"),
        )
        return self._respond(alarm)

    @_action_schema("标记为已恢复", serializers.NoteSerializer, "待处理/已确认 → 已恢复（人工确认已处理）。")
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        alarm = self.get_object()
        lifecycle.resolve_alarm(alarm, actor=request.user, note=self._input(serializers.NoteSerializer).get("note", ""))
        return self._respond(alarm)

    @_action_schema(
        "关闭报警", serializers.NoteSerializer, "待处理/已确认/已恢复 → 已关闭。已派单的报警随任务单办结关闭。"
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        alarm = self.get_object()
        lifecycle.close_alarm(alarm, actor=request.user, note=self._input(serializers.NoteSerializer).get("note", ""))
        return self._respond(alarm)

    @_action_schema("标记误报", serializers.MarkFalseSerializer, "待处理/已确认/已恢复 → 误报，须填写原因。")
    @action(detail=True, methods=["post"], url_path="mark-false")
    def mark_false(self, request, pk=None):
        alarm = self.get_object()
        lifecycle.mark_false_alarm(
            alarm, actor=request.user, reason=self._input(serializers.MarkFalseSerializer)["reason"]
        )
        return self._respond(alarm)

    @extend_schema(
        summary="批量确认报警",
        operation_id="alarms_acknowledge_bulk",
        description="确认列表中仍为“待处理”的报警；其余（已处理、不存在或不在管辖范围内）跳过并说明原因。",
        tags=["报警"],
        request=serializers.BulkAcknowledgeSerializer,
        responses={200: serializers.BulkResultSerializer, 400: _ERRORS[400], 401: _ERRORS[401], 403: _ERRORS[403]},
    )
    @action(detail=False, methods=["post"], url_path="acknowledge")
    def acknowledge_many(self, request):
        data = self._input(serializers.BulkAcknowledgeSerializer)
        result = lifecycle.acknowledge_alarms(data["ids"], actor=request.user, note=data.get("note", ""))
        body = {
            "done": result.done,
            "skipped": [{"id": pk, "reason": reason} for pk, reason in result.skipped.items()],
            "done_count": result.done_count,
            "skipped_count": result.skipped_count,
        }
        return Response(serializers.BulkResultSerializer(body).data, status=status.HTTP_200_OK)


@crud_schema("报警规则")
class AlarmRuleViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """报警规则：参数按规则类型校验（与规则表单相同）；已产生报警的规则不能删除（409），请停用（enabled=false）。"""

    queryset = AlarmRule.objects.all()
    serializer_class = serializers.AlarmRuleSerializer
    filterset_class = AlarmRuleFilterSet
    ordering_fields = ["name", "kind", "severity", "enabled", "updated"]
    select_related = ("district",)
    prefetch_related = ("recipients",)

    def get_queryset(self):
        return super().get_queryset().defer("district__boundary")

    def perform_create(self, serializer) -> None:
        self.save_instance(serializer, AlarmRule(created_by=self.request.user))

    def perform_destroy(self, instance) -> None:
        count = Alarm.objects.filter(rule=instance).count()
        if count:
            raise Conflict(in_use_message(instance, count))
        super().perform_destroy(instance)
