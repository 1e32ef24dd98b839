"""The work-order API: list (the pages' filters), detail with timeline, creation, and one POST per step."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ecobrain.core.api import GatedViewSetMixin
from ecobrain.workorders import services
from ecobrain.workorders.api import serializers as s
from ecobrain.workorders.choices import ExtensionStatus
from ecobrain.workorders.filtersets import WorkOrderFilterSet
from ecobrain.workorders.models import ExtensionRequest, WorkOrder, WorkOrderAttachment
from ecobrain.workorders.tables import HEAVY_FIELDS
from ecobrain.workorders.views.detail import attachment_response

TAG = "任务督办"
ERRORS = {
    400: OpenApiResponse(description="输入无效，或该操作在任务当前状态下不允许（错误信息为中文）。"),
    403: OpenApiResponse(description="角色无此权限，或您不在执行该操作的一方（承办单位 / 派发单位）。"),
    404: OpenApiResponse(description="任务不存在或不在您的管辖范围内。"),
}


def step_schema(summary: str, request):
    return extend_schema(
        summary=summary, tags=[TAG], request=request, responses={200: s.WorkOrderDetailSerializer, **ERRORS}
    )


@extend_schema_view(
    list=extend_schema(summary="任务列表", tags=[TAG]),
    retrieve=extend_schema(summary="查看任务（含办理记录、附件、延期申请、当前可执行的操作）", tags=[TAG]),
    create=extend_schema(
        summary="派发任务",
        tags=[TAG],
        request=s.WorkOrderCreateSerializer,
        responses={201: s.WorkOrderDetailSerializer, **ERRORS},
    ),
)
class WorkOrderViewSet(
    GatedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """任务单（督办任务）。市局派发至区县分局，分局签收、指派、办理、提交，派发单位审核办结或退回；按区县范围限定可见任务。
    各操作由服务层校验执行人所属的一方和任务状态。"""

    queryset = WorkOrder.objects.all()
    serializer_class = s.WorkOrderSerializer
    filterset_class = WorkOrderFilterSet
    ordering_fields = ["number", "dispatched_at", "deadline", "priority", "status", "closed_at"]
    ordering = ["-dispatched_at", "-id"]
    select_related = ("district", "assignee_org", "assignee", "enterprise")
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def gate_action(self) -> str:
        if self.action == "create":
            return "add"
        if self.action in {"list", "retrieve", "attachment"} or self.request.method in {"GET", "HEAD", "OPTIONS"}:
            return "view"
        return "change"  # the steps; the services check which side the user is on

    def get_queryset(self):
        return super().get_queryset().defer(*HEAVY_FIELDS)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.WorkOrderDetailSerializer
        return super().get_serializer_class()

    def detail_response(self, workorder, status_code=status.HTTP_200_OK):
        visible = WorkOrder.objects.restrict(self.request.user, "view").select_related(*self.select_related)
        visible = visible.defer(*HEAVY_FIELDS)
        fresh = visible.filter(pk=workorder.pk).first() or workorder
        return Response(
            s.WorkOrderDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code
        )

    def read(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def create(self, request, *args, **kwargs):
        data = self.read(s.WorkOrderCreateSerializer)
        workorder = services.create_workorder(actor=request.user, **data)
        return self.detail_response(workorder, status.HTTP_201_CREATED)

    def get_object_for_step(self) -> WorkOrder:
        # Found among the orders the user may *view*: one outside the scope is a 404, a wrong side a 403.
        try:
            return WorkOrder.objects.restrict(self.request.user, "view").get(pk=self.kwargs["pk"])
        except (WorkOrder.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404("任务不存在或不在您的管辖范围内。") from None

    @step_schema("签收", s.MessageSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = self.read(s.MessageSerializer)
        return self.detail_response(services.accept_workorder(self.get_object_for_step(), actor=request.user, **data))

    @step_schema("指派承办人（本单位人员）", s.AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = self.read(s.AssignSerializer)
        return self.detail_response(services.assign_workorder(self.get_object_for_step(), actor=request.user, **data))

    @step_schema("开始办理", s.MessageSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        data = self.read(s.MessageSerializer)
        return self.detail_response(services.start_workorder(self.get_object_for_step(), actor=request.user, **data))

    @step_schema("提交办理结果（文字与佐证材料至少一项）", s.SubmitSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = self.read(s.SubmitSerializer)
        return self.detail_response(services.submit_workorder(self.get_object_for_step(), actor=request.user, **data))

    @step_schema("申请延期", s.ExtensionRequestInputSerializer)
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        data = self.read(s.ExtensionRequestInputSerializer)
        workorder = self.get_object_for_step()
        services.request_extension(workorder, actor=request.user, **data)
        return self.detail_response(workorder)

    @step_schema("审批延期申请（同意则期限改为申请的期限）", s.ExtensionDecisionSerializer)
    @action(detail=True, methods=["post"], url_path="decide-extension")
    def decide_extension(self, request, pk=None):
        data = self.read(s.ExtensionDecisionSerializer)
        workorder = self.get_object_for_step()
        extension = (
            ExtensionRequest.objects.restrict(request.user, "view")
            .filter(workorder=workorder, pk=data["extension"], status=ExtensionStatus.PENDING)
            .first()
        )
        if extension is None:
            raise Http404("该任务没有此待审批的延期申请。")
        services.decide_extension(extension, actor=request.user, approve=data["approve"], note=data["note"])
        return self.detail_response(workorder)

    @step_schema("退回重办", s.ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_rework(self, request, pk=None):
        data = self.read(s.ReasonSerializer)
        return self.detail_response(services.return_workorder(self.get_object_for_step(), actor=request.user, **data))

    @step_schema("审核通过并办结", s.CloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = self.read(s.CloseSerializer)
        workorder = services.verify_and_close_workorder(self.get_object_for_step(), actor=request.user, **data)
        return self.detail_response(workorder)

    @step_schema("撤销", s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = self.read(s.ReasonSerializer)
        return self.detail_response(services.cancel_workorder(self.get_object_for_step(), actor=request.user, **data))

    @step_schema("转办至其他承办单位（期限不变）", s.TransferSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        data = self.read(s.TransferSerializer)
        workorder = services.transfer_workorder(self.get_object_for_step(), actor=request.user, **data)
        return self.detail_response(workorder)

    @step_schema("备注（可附文件）", s.WorkOrderCommentSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        data = self.read(s.WorkOrderCommentSerializer)
        workorder = self.get_object_for_step()
        services.comment_workorder(workorder, actor=request.user, **data)
        return self.detail_response(workorder)

    @extend_schema(
        summary="下载附件",
        tags=[TAG],
        responses={(200, "application/octet-stream"): OpenApiResponse(description="附件文件"), 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)", url_name="attachment")
    def attachment(self, request, pk=None, attachment_id=None):
        attachment = (
            WorkOrderAttachment.objects.restrict(request.user, "view").filter(workorder_id=pk, pk=attachment_id).first()
        )
        if attachment is None:
            raise Http404("附件不存在或不在您的管辖范围内。")
        return attachment_response(attachment, download=True)
