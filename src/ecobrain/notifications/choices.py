"""Channels, delivery states and the kinds of events people are told about."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")  # retries exhausted
    SKIPPED = "skipped", _("未发送")  # no address, or the channel is off


class NotificationKind(models.TextChoices):
    ALARM = "alarm", _("报警")
    WORKORDER = "workorder", _("任务")
    REMINDER = "reminder", _("到期提醒")
    ESCALATION = "escalation", _("超期督办")
    SYSTEM = "system", _("系统")
