"""Rule kinds, severities, alarm states and the kinds of timeline entries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RuleKind(models.TextChoices):
    EMISSION_EXCEEDANCE = "emission_exceedance", _("排放超标")
    AMBIENT_THRESHOLD = "ambient_threshold", _("空气质量超阈值")
    AMBIENT_RISE = "ambient_rise", _("空气质量快速上升")
    DEVICE_OFFLINE = "device_offline", _("设备离线")
    SUSPICIOUS_DATA = "suspicious_data", _("数据异常")
    WATER_CLASS = "water_class", _("水质未达目标")
    LOW_COMPLETENESS = "low_completeness", _("有效传输率偏低")


class Severity(models.IntegerChoices):
    INFO = 1, _("提示")
    WARNING = 2, _("一般")
    SEVERE = 3, _("严重")
    CRITICAL = 4, _("紧急")


class AlarmStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    DISPATCHED = "dispatched", _("已派单")
    RESOLVED = "resolved", _("已恢复")
    CLOSED = "closed", _("已关闭")
    FALSE_ALARM = "false_alarm", _("误报")


# An alarm in one of these states is "open": at most one per (rule, object) (the alarm_one_open constraint).
# A dispatched alarm stays open until its work order is closed, even when the condition clears meanwhile.
OPEN_ALARM_STATES = (AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED, AlarmStatus.DISPATCHED)


class AlarmEventKind(models.TextChoices):
    # A context: 确认, 派单, 关闭 … also name the steps and buttons, which English words differently.
    TRIGGERED = "triggered", pgettext_lazy("alarm event", "触发")
    REPEATED = "repeated", pgettext_lazy("alarm event", "再次触发")
    ESCALATED = "escalated", pgettext_lazy("alarm event", "级别升高")
    CLEARED = "cleared", pgettext_lazy("alarm event", "恢复正常")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alarm event", "确认")
    COMMENTED = "commented", pgettext_lazy("alarm event", "备注")
    DISPATCHED = "dispatched", pgettext_lazy("alarm event", "派单")
    RESOLVED = "resolved", pgettext_lazy("alarm event", "恢复")
    CLOSED = "closed", pgettext_lazy("alarm event", "关闭")
    MARKED_FALSE = "marked_false", pgettext_lazy("alarm event", "标记误报")
    NOTIFIED = "notified", pgettext_lazy("alarm event", "已通知")
