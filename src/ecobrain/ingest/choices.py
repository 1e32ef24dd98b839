"""Choices of the ingest app: how a device session learned its expected interval."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IntervalSource(models.TextChoices):
    DEFAULT = "default", _("默认值")
    LEARNED = "learned", _("按上传规律推断")
    COMMAND = "command", _("由命令设置或提取")


class CommandKind(models.TextChoices):
    """Host → device commands the platform sends; the value is the HJ 212 CN (standards.md §1.6)."""

    GET_TIME = "1011", _("提取现场机时间（1011）")
    SET_TIME = "1012", _("设置现场机时间（1012）")
    GET_RTD_INTERVAL = "1061", _("提取实时数据间隔（1061）")
    SET_RTD_INTERVAL = "1062", _("设置实时数据间隔（1062）")
    GET_MIN_INTERVAL = "1063", _("提取分钟数据间隔（1063）")
    SET_MIN_INTERVAL = "1064", _("设置分钟数据间隔（1064）")
    DAY_HISTORY = "2031", _("补传日数据（2031）")
    MINUTE_HISTORY = "2051", _("补传分钟数据（2051）")
    HOUR_HISTORY = "2061", _("补传小时数据（2061）")
    CALIBRATE = "3011", _("零点/量程校准（3011）")
    SAMPLE = "3012", _("即时采样（3012）")


class CommandState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    SENT = "sent", _("已下发")
    ACKNOWLEDGED = "acknowledged", _("已应答")
    SUCCEEDED = "succeeded", _("执行成功")
    REJECTED = "rejected", _("被拒绝")
    FAILED = "failed", _("执行失败")
    TIMED_OUT = "timed_out", _("超时")
    CANCELLED = "cancelled", _("已取消")
    EXPIRED = "expired", _("已过期")


OPEN_COMMAND_STATES = (CommandState.QUEUED, CommandState.SENT, CommandState.ACKNOWLEDGED)
IN_FLIGHT_COMMAND_STATES = (CommandState.SENT, CommandState.ACKNOWLEDGED)

# standards.md §1.7, HJ 212-2017 Table 7: the request answer of a 9011 reply.
QN_RTN_REASONS: dict[int, str] = {
    1: "准备执行请求",
    2: "请求被拒绝",
    3: "PW 错误",
    4: "MN 错误",
    5: "ST 错误",
    6: "Flag 错误",
    7: "QN 错误",
    8: "CN 错误",
    9: "CRC 校验错误",
    100: "未知错误",
}
# standards.md §1.7, HJ 212-2017 Table 6: the execution result of a 9012 reply.
EXE_RTN_REASONS: dict[int, str] = {
    1: "执行成功",
    2: "执行失败，原因不明",
    3: "命令请求条件错误",
    4: "通讯超时",
    5: "系统繁忙",
    6: "系统故障",
    100: "没有数据",
}
