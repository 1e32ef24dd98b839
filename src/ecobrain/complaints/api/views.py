"""The staff complaint API: list (the page's filters), detail with timeline and photos, one POST per step."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ecobrain.complaints import services
from ecobrain.complaints.api import serializers as s
from ecobrain.complaints.filtersets import ComplaintFilterSet
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services.submission import normalise_tracking_number
from ecobrain.complaints.tables import HEAVY_FIELDS
from ecobrain.core.api import GatedViewSetMixin

TAG = "环境投诉"
ERRORS = {
    400: OpenApiResponse(description="输入无效，或该操作在投诉当前状态下不允许（错误信息为中文）。"),
    403: OpenApiResponse(description="角色无此权限，或投诉不在您的管辖范围内可执行该操作。"),
    404: OpenApiResponse(description="投诉不存在或不在您的管辖范围内。"),
}


def step_schema(summary: str, request):
    return extend_schema(
        summary=summary, tags=[TAG], request=request, responses={200: s.ComplaintDetailSerializer, **ERRORS}
    )


@extend_schema_view(
    list=extend_schema(summary="投诉列表", tags=[TAG]),
    retrieve=extend_schema(summary="查看投诉（含办理记录、照片、当前可执行的操作）", tags=[TAG]),
)
class ComplaintViewSet(GatedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """环境投诉（工作人员）。市局投诉受理确认分拣、派发、不予受理、公开；区县分局在其辖区内答复。
    不含投诉人姓名和电话（仅脱敏号码）。"""

    queryset = Complaint.objects.all()
    serializer_class = s.ComplaintSerializer
    filterset_class = ComplaintFilterSet
    ordering_fields = ["created", "tracking_number", "status", "category"]
    ordering = ["-created", "-id"]
    select_related = ("district", "duplicate_of", "workorder")

    @property
    def gate_action(self) -> str:
        if self.action in {"list", "retrieve"} or self.request.method in {"GET", "HEAD", "OPTIONS"}:
            return "view"
        return "change"  # the steps; the services check the role and the scope

    def get_queryset(self):
        return super().get_queryset().defer(*HEAVY_FIELDS[:2], "district__boundary")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.ComplaintDetailSerializer
        return super().get_serializer_class()

    def read(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def complaint(self) -> Complaint:
        # Found among those the user may *view*: one outside the scope is a 404, a step not theirs a 403.
        try:
            return Complaint.objects.restrict(self.request.user, "view").get(pk=self.kwargs["pk"])
        except (Complaint.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404("投诉不存在或不在您的管辖范围内。") from None

    def other(self, number: str) -> Complaint | None:
        number = normalise_tracking_number(number)
        if not number:
            return None
        found = Complaint.objects.restrict(self.request.user, "view").filter(tracking_number=number).first()
        if found is None:
            raise ValidationError({"duplicate_of": [f"没有查询码为 {number} 的投诉（或不在您的权限范围内）。"]})
        return found

    def detail_response(self, complaint: Complaint) -> Response:
        fresh = Complaint.objects.select_related(*self.select_related).get(pk=complaint.pk)
        return Response(s.ComplaintDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @step_schema("确认分拣（类别、区县、是否重复）", s.ComplaintConfirmSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        data = self.read(s.ComplaintConfirmSerializer)
        complaint = self.complaint()
        done = services.confirm_triage(
            complaint,
            actor=request.user,
            category=data["category"],
            district=data["district"],
            duplicate_of=self.other(data["duplicate_of"]),
            note=data["note"],
        )
        return self.detail_response(done)

    @step_schema("关联重复投诉", s.ComplaintLinkSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        data = self.read(s.ComplaintLinkSerializer)
        complaint = self.complaint()
        original = self.other(data["duplicate_of"])
        return self.detail_response(
            services.link_duplicate(complaint, actor=request.user, original=original, note=data["note"])
        )

    @step_schema("取消重复关联", s.ComplaintNoteSerializer)
    @action(detail=True, methods=["post"])
    def unlink(self, request, pk=None):
        data = self.read(s.ComplaintNoteSerializer)
        return self.detail_response(services.unlink_duplicate(self.complaint(), actor=request.user, **data))

    @step_schema("派发办理（生成任务单；重复投诉并入原投诉未办结的任务单）", s.ComplaintDispatchSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_step(self, request, pk=None):  # not ``dispatch``: that name is the view's request entry point
        data = self.read(s.ComplaintDispatchSerializer)
        return self.detail_response(services.dispatch_complaint(self.complaint(), actor=request.user, **data))

    @step_schema("答复投诉人", s.ComplaintReplySerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        data = self.read(s.ComplaintReplySerializer)
        return self.detail_response(services.reply_complaint(self.complaint(), actor=request.user, **data))

    @step_schema("不予受理（原因对投诉人可见）", s.ComplaintReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = self.read(s.ComplaintReasonSerializer)
        return self.detail_response(services.reject_complaint(self.complaint(), actor=request.user, **data))

    @step_schema("公开已办结的投诉（去除个人信息后的内容与答复）", s.ComplaintPublishSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        data = self.read(s.ComplaintPublishSerializer)
        return self.detail_response(services.publish_complaint(self.complaint(), actor=request.user, **data))

    @step_schema("取消公开", s.ComplaintOptionalReasonSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        data = self.read(s.ComplaintOptionalReasonSerializer)
        return self.detail_response(services.unpublish_complaint(self.complaint(), actor=request.user, **data))
