"""Work-order sources, priorities, states, timeline entries and deadline clocks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WorkOrderSource(models.TextChoices):
    ALARM = "alarm", _("报警")
    COMPLAINT = "complaint", _("投诉")
    INSPECTION = "inspection", _("检查")
    INSTRUCTION = "instruction", _("领导批示")
    MANUAL = "manual", _("手工创建")


class Priority(models.IntegerChoices):
    # A context: 一般 and 紧急 are also alarm severities, which English names differently.
    LOW = 1, pgettext_lazy("priority", "一般")
    NORMAL = 2, pgettext_lazy("priority", "较急")
    HIGH = 3, pgettext_lazy("priority", "紧急")
    URGENT = 4, pgettext_lazy("priority", "特急")


class WorkOrderStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("已派发")  # sent to a branch, not yet signed for
    ACCEPTED = "accepted", _("已签收")  # the branch signed for it; a handler may be assigned
    IN_PROGRESS = "in_progress", _("办理中")
    SUBMITTED = "submitted", _("待审核")  # result and evidence sent back for checking
    RETURNED = "returned", pgettext_lazy("work order status", "退回重办")  # the step is named the same
    CLOSED = "closed", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


# States in which the deadline clock runs and the order counts as pending.
ACTIVE_STATES = (
    WorkOrderStatus.DISPATCHED,
    WorkOrderStatus.ACCEPTED,
    WorkOrderStatus.IN_PROGRESS,
    WorkOrderStatus.RETURNED,
)
# Not finished: active, or submitted and waiting for the city's check.
OPEN_STATES = (*ACTIVE_STATES, WorkOrderStatus.SUBMITTED)


class WorkOrderEventKind(models.TextChoices):
    # A context: most of these words also name the buttons (签收 "accept" there, "accepted" in the timeline).
    CREATED = "created", pgettext_lazy("work order event", "创建")
    DISPATCHED = "dispatched", pgettext_lazy("work order event", "派发")
    ACCEPTED = "accepted", pgettext_lazy("work order event", "签收")
    ASSIGNED = "assigned", pgettext_lazy("work order event", "指派")
    STARTED = "started", pgettext_lazy("work order event", "开始办理")
    SUBMITTED = "submitted", pgettext_lazy("work order event", "提交结果")
    RETURNED = "returned", pgettext_lazy("work order event", "退回")
    VERIFIED = "verified", pgettext_lazy("work order event", "审核通过")
    CLOSED = "closed", pgettext_lazy("work order event", "办结")
    CANCELLED = "cancelled", pgettext_lazy("work order event", "撤销")
    TRANSFERRED = "transferred", pgettext_lazy("work order event", "转办")
    EXTENSION_REQUESTED = "extension_requested", pgettext_lazy("work order event", "申请延期")
    EXTENSION_APPROVED = "extension_approved", pgettext_lazy("work order event", "同意延期")
    EXTENSION_REJECTED = "extension_rejected", pgettext_lazy("work order event", "驳回延期")
    REMINDED = "reminded", pgettext_lazy("work order event", "到期提醒")
    ESCALATED = "escalated", pgettext_lazy("work order event", "超期督办")
    COMMENTED = "commented", pgettext_lazy("work order event", "备注")
    ATTACHED = "attached", pgettext_lazy("work order event", "上传附件")


class DayKind(models.TextChoices):
    CALENDAR = "calendar", _("自然日")
    WORKING = "working", _("工作日")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已驳回")


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("节假日")  # a weekday off
    WORKDAY = "workday", _("调休上班")  # a weekend day worked
