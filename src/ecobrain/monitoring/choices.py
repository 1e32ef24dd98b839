"""Resolutions of the time-series store, platform QC flags and the outcomes of an archived packet."""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Resolution(models.TextChoices):
    REALTIME = "realtime", _("实时")
    MINUTE = "minute", _("分钟")
    HOUR = "hour", _("小时")
    DAY = "day", _("日")


class QCFlag(enum.IntFlag):
    """Platform QC flags, a bitmask next to the device's own flag; a flag never deletes a value."""

    OUT_OF_RANGE = 1  # outside the factor's plausible range
    NEGATIVE = 2
    FLAT_LINE = 4  # no variation over a window
    SPIKE = 8
    STUCK = 16  # the same value repeated beyond the allowed count
    MAINTENANCE = 32  # inside a calibration or maintenance period


QC_FLAG_LABELS: dict[QCFlag, str] = {
    QCFlag.OUT_OF_RANGE: _("超出量程"),
    QCFlag.NEGATIVE: _("负值"),
    QCFlag.FLAT_LINE: _("恒值"),
    QCFlag.SPIKE: _("突变"),
    QCFlag.STUCK: _("数据卡滞"),
    QCFlag.MAINTENANCE: _("校准/维护"),
}


class PacketOutcome(models.TextChoices):
    STORED = "stored", _("已入库")
    DUPLICATE = "duplicate", _("重复上传")
    ACCEPTED = "accepted", _("已接收（非数据）")
    AUTH_FAILED = "auth_failed", _("密码错误")
    UNKNOWN_MN = "unknown_mn", _("未登记MN")
    DECODE_ERROR = "decode_error", _("解析失败")
    UNSUPPORTED = "unsupported", _("暂不支持")
