"""Work orders (督办任务) between the city bureau and its district branches, their timeline and deadlines."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.core.gate import GateScope, RestrictedQuerySet
from ecobrain.core.models import BaseModel
from ecobrain.workorders.choices import (
    ACTIVE_STATES,
    OPEN_STATES,
    DayKind,
    ExtensionStatus,
    HolidayKind,
    Priority,
    WorkOrderEventKind,
    WorkOrderSource,
    WorkOrderStatus,
)


class WorkOrderQuerySet(RestrictedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATES)

    def overdue(self, now=None):
        return self.filter(status__in=ACTIVE_STATES, deadline__lt=now or timezone.now())


class WorkOrder(BaseModel):
    """A task with a source, an object, a district, an assignee organisation (and person) and a deadline.

    The city dispatches to a district branch (``assignee_org``); the branch assigns its staff (``assignee``);
    the result goes back to the dispatching organisation (``dispatcher_org``) for checking.
    """

    number = models.CharField(_("任务编号"), max_length=32, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("任务内容"), blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=WorkOrderSource.choices)
    source_ref = models.CharField(
        _("来源记录"), max_length=64, blank=True, help_text=_("来源对象，如 alarm:123、complaint:45")
    )
    priority = models.PositiveSmallIntegerField(_("紧急程度"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(
        _("状态"), max_length=16, choices=WorkOrderStatus.choices, default=WorkOrderStatus.DISPATCHED
    )
    district = models.ForeignKey("core.Region", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    station = models.ForeignKey(
        "registry.Station", verbose_name=_("站点"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outlet = models.ForeignKey(
        "registry.Outlet", verbose_name=_("排放口"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.CharField(_("地点"), max_length=200, blank=True)
    longitude = models.FloatField(
        _("经度"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    latitude = models.FloatField(
        _("纬度"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    dispatcher_org = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("派发单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee_org = models.ForeignKey(
        "core.Organisation", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateTimeField(_("办理期限"))
    day_kind = models.CharField(_("期限计算"), max_length=8, choices=DayKind.choices, default=DayKind.CALENDAR)
    dispatched_at = models.DateTimeField(_("派发时间"))
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True, help_text=_("超期后列为督办的时间"))
    closed_on_time = models.BooleanField(_("按期办结"), null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)

    objects = WorkOrderQuerySet.as_manager()
    # A branch sees the orders of its districts; enterprises see none.
    gate = GateScope(district=("district",), enterprise=())

    class Meta:
        ordering = ["-dispatched_at", "-id"]
        verbose_name = _("任务单")
        verbose_name_plural = _("任务单")
        indexes = [
            models.Index(fields=["status", "deadline"], name="workorder_status_deadline"),
            models.Index(fields=["district", "-dispatched_at"], name="workorder_district_time"),
            models.Index(fields=["assignee", "status"], name="workorder_assignee_status"),
            models.Index(fields=["-dispatched_at"], name="workorder_time"),
            models.Index(fields=["source", "source_ref"], name="workorder_source_ref"),
            # Statistics of a period (workorders/statistics.py): both cover their query, so a year's 20,000 orders
            # are counted from the index alone instead of fetching every row.
            models.Index(
                fields=["status", "closed_at", "district", "dispatched_at", "closed_on_time"],
                name="workorder_closed_stats",
            ),
            models.Index(fields=["dispatched_at", "source"], name="workorder_dispatched_source"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("workorders:workorder_detail", args=[self.pk])

    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def is_overdue(self, now=None) -> bool:
        """Past its deadline and not yet submitted (a submitted order waits on the city, not the branch)."""
        return self.status in ACTIVE_STATES and self.deadline < (now or timezone.now())


class WorkOrderEvent(models.Model):
    """One step of a work order's timeline: what, when, who, the state change and the step's data."""

    workorder = models.ForeignKey(WorkOrder, verbose_name=_("任务单"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=24, choices=WorkOrderEventKind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_org = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("操作单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=WorkOrderStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=WorkOrderStatus.choices, blank=True)
    message = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=("workorder__district",), enterprise=())

    class Meta:
        ordering = ["workorder_id", "at", "id"]
        verbose_name = _("任务记录")
        verbose_name_plural = _("任务记录")

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.kind} {self.at.isoformat()}"


def attachment_path(instance: WorkOrderAttachment, filename: str) -> str:
    # The stored name is not the uploaded one (which is kept in ``name``): no user text reaches the file system.
    return f"workorders/{instance.workorder_id}/{instance.sha256[:16]}{instance.extension}"


class WorkOrderAttachment(models.Model):
    """A photo or document attached to a work order (evidence with a result, or material with the order)."""

    workorder = models.ForeignKey(
        WorkOrder, verbose_name=_("任务单"), on_delete=models.CASCADE, related_name="attachments"
    )
    event = models.ForeignKey(
        WorkOrderEvent,
        verbose_name=_("所属记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    extension = models.CharField(_("扩展名"), max_length=8)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=("workorder__district",), enterprise=())

    class Meta:
        ordering = ["workorder_id", "uploaded_at", "id"]
        verbose_name = _("任务附件")
        verbose_name_plural = _("任务附件")

    def __str__(self) -> str:
        return self.name


class ExtensionRequest(models.Model):
    """A branch's request to move a deadline, approved or rejected by the dispatching side."""

    workorder = models.ForeignKey(
        WorkOrder, verbose_name=_("任务单"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    current_deadline = models.DateTimeField(_("原期限"))
    requested_deadline = models.DateTimeField(_("申请期限"))
    reason = models.TextField(_("申请理由"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=("workorder__district",), enterprise=())

    class Meta:
        ordering = ["workorder_id", "-requested_at"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["workorder"],
                condition=Q(status=ExtensionStatus.PENDING),
                name="extension_one_pending",
                violation_error_message="该任务已有待审批的延期申请。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id} → {self.requested_deadline.isoformat()}"


class DeadlinePolicy(BaseModel):
    """The deadline clock for one source type: so many calendar or working days, and when to remind."""

    source = models.CharField(_("来源"), max_length=16, choices=WorkOrderSource.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("办理时限(天)"), validators=[MinValueValidator(1)])
    day_kind = models.CharField(_("计算方式"), max_length=8, choices=DayKind.choices, default=DayKind.WORKING)
    remind_before_hours = models.PositiveSmallIntegerField(_("提前提醒(小时)"), default=24)

    gate = GateScope(district=None, enterprise=())

    class Meta:
        ordering = ["source"]
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.days} {self.get_day_kind_display()}"


class Holiday(models.Model):
    """A day that breaks the Monday–Friday rule for working-day deadlines: a weekday off or a weekend worked."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=HolidayKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=None, enterprise=())

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
