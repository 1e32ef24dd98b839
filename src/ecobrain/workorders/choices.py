"""Work-order sources, priorities, states, timeline entries and deadline clocks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrderSource(models.TextChoices):
    ALARM = "alarm", _("报警")
    COMPLAINT = "complaint", _("投诉")
    INSPECTION = "inspection", _("检查")
    INSTRUCTION = "instruction", _("领导批示")
    MANUAL = "manual", _("手工创建")


class Priority(models.IntegerChoices):
    LOW = 1, _("一般")
    NORMAL = 2, _("较急")
    HIGH = 3, _("紧急")
    URGENT = 4, _("特急")


class WorkOrderStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("已派发")  # sent to a branch, not yet signed for
    ACCEPTED = "accepted", _("已签收")  # the branch signed for it; a handler may be assigned
    IN_PROGRESS = "in_progress", _("办理中")
    SUBMITTED = "submitted", _("待审核")  # result and evidence sent back for checking
    RETURNED = "returned", _("退回重办")
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
    CREATED = "created", _("创建")
    DISPATCHED = "dispatched", _("派发")
    ACCEPTED = "accepted", _("签收")
    ASSIGNED = "assigned", _("指派")
    STARTED = "started", _("开始办理")
    SUBMITTED = "submitted", _("提交结果")
    RETURNED = "returned", _("退回")
    VERIFIED = "verified", _("审核通过")
    CLOSED = "closed", _("办结")
    CANCELLED = "cancelled", _("撤销")
    TRANSFERRED = "transferred", _("转办")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("同意延期")
    EXTENSION_REJECTED = "extension_rejected", _("驳回延期")
    REMINDED = "reminded", _("到期提醒")
    ESCALATED = "escalated", _("超期督办")
    COMMENTED = "commented", _("备注")
    ATTACHED = "attached", _("上传附件")


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
