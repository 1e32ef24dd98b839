"""Device sessions (what the gateways know about each data logger's link) and host → device commands."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.core.gate import GateScope, RestrictedQuerySet
from ecobrain.ingest.choices import (
    IN_FLIGHT_COMMAND_STATES,
    OPEN_COMMAND_STATES,
    CommandKind,
    CommandState,
    IntervalSource,
)
from ecobrain.registry.models import Device

# Sessions sit in their data logger's scope: the Device gate's paths, one relation further out.
DEVICE_DISTRICT = tuple(f"device__{path}" for path in Device.gate.district)
DEVICE_ENTERPRISE = tuple(f"device__{path}" for path in Device.gate.enterprise)


class DeviceSession(models.Model):
    """One data logger's link as the gateways see it: connection, last traffic, counts, expected interval."""

    device = models.OneToOneField(
        "registry.Device", verbose_name=_("数采仪"), on_delete=models.CASCADE, related_name="session"
    )
    connected = models.BooleanField(_("已连接"), default=False, help_text=_("现在有一条活动的 TCP 连接。"))
    online = models.BooleanField(_("在线"), default=False, help_text=_("在预期间隔内收到过数据或心跳。"))
    peer = models.CharField(_("来源地址"), max_length=64, blank=True)
    gateway = models.CharField(_("网关实例"), max_length=128, blank=True, help_text=_("主机名:进程号"))
    st = models.CharField(_("系统编码 ST"), max_length=8, blank=True)
    edition = models.CharField(_("协议版本"), max_length=4, blank=True)
    connected_at = models.DateTimeField(_("连接时间"), null=True, blank=True)
    disconnected_at = models.DateTimeField(_("断开时间"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("最后通信"), null=True, blank=True)
    last_data_at = models.DateTimeField(_("最后数据"), null=True, blank=True)
    offline_after = models.DateTimeField(
        _("离线判定时间"), null=True, blank=True, help_text=_("此时仍无通信即判为离线（最后通信 + 间隔 × 次数）。")
    )
    packets = models.PositiveBigIntegerField(_("报文数"), default=0)
    data_packets = models.PositiveBigIntegerField(_("数据报文数"), default=0)
    errors = models.PositiveBigIntegerField(_("错误数"), default=0, help_text=_("解析错误、认证失败、入库失败。"))
    auth_failures = models.PositiveBigIntegerField(_("认证失败数"), default=0)
    expected_interval = models.PositiveIntegerField(_("预期间隔（秒）"), default=3600)
    interval_source = models.CharField(
        _("间隔来源"), max_length=16, choices=IntervalSource.choices, default=IntervalSource.DEFAULT
    )
    intervals = models.JSONField(
        _("各命令编码的上传规律"),
        default=dict,
        blank=True,
        help_text=_('CN → {"last": 最近 DataTime, "spacing": 最近间隔秒, "interval": 认定间隔秒, "source": 来源}'),
    )
    updated = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=DEVICE_DISTRICT, enterprise=DEVICE_ENTERPRISE)

    class Meta:
        ordering = ["device_id"]
        verbose_name = _("设备在线状态")
        verbose_name_plural = _("设备在线状态")
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_interval__gte=1),
                name="session_interval_positive",
                violation_error_message="预期间隔须至少为 1 秒。",
            ),
            models.CheckConstraint(
                condition=Q(data_packets__lte=F("packets")),
                name="session_data_within_packets",
                violation_error_message="数据报文数不能多于报文数。",
            ),
            models.CheckConstraint(
                condition=Q(auth_failures__lte=F("errors")),
                name="session_auth_within_errors",
                violation_error_message="认证失败数不能多于错误数（认证失败也计入错误）。",
            ),
        ]
        indexes = [models.Index(fields=["online", "offline_after"], name="session_offline_due")]

    def __str__(self) -> str:
        return f"{self.device_id} {'online' if self.online else 'offline'}"

    def status(self) -> str:
        """One of ``online``, ``offline`` or ``never`` (no authenticated packet yet)."""
        if self.last_seen_at is None:
            return "never"
        return "online" if self.online else "offline"


class DeviceStatusChange(models.Model):
    """A data logger went online (first traffic after being offline) or offline (missed intervals): its history."""

    device = models.ForeignKey(
        "registry.Device", verbose_name=_("数采仪"), on_delete=models.CASCADE, related_name="status_changes"
    )
    online = models.BooleanField(_("上线"), help_text=_("是：恢复在线；否：判为离线。"))
    at = models.DateTimeField(
        _("发生时间"), help_text=_("上线：恢复后的第一次通信；离线：离线判定时间（最后通信 + 间隔 × 次数）。")
    )
    last_seen_at = models.DateTimeField(_("此前最后通信"), null=True, blank=True)
    peer = models.CharField(_("来源地址"), max_length=64, blank=True)
    gateway = models.CharField(_("网关实例"), max_length=128, blank=True)
    expected_interval = models.PositiveIntegerField(_("预期间隔（秒）"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=DEVICE_DISTRICT, enterprise=DEVICE_ENTERPRISE)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("设备上下线记录")
        verbose_name_plural = _("设备上下线记录")
        indexes = [
            models.Index(fields=["device", "at"], name="status_change_device_at"),
            models.Index(fields=["at"], name="status_change_at"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {'online' if self.online else 'offline'} {self.at.isoformat()}"

    def offline_duration(self):
        """For an 'online' change: how long the device had been silent (None when it was never seen)."""
        if not self.online or self.last_seen_at is None:
            return None
        return self.at - self.last_seen_at


class DeviceCommand(models.Model):
    """A host → device HJ 212 command (get/set time or intervals, history re-upload, calibration…) and its fate."""

    device = models.ForeignKey(
        "registry.Device", verbose_name=_("数采仪"), on_delete=models.CASCADE, related_name="commands"
    )
    cn = models.CharField(_("命令"), max_length=4, choices=CommandKind.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True, help_text=_("CP 参数，数值为 HJ 212 文本。"))
    qn = models.CharField(_("请求编码 QN"), max_length=20, blank=True, help_text=_("首次下发时生成，重发沿用。"))
    state = models.CharField(_("状态"), max_length=16, choices=CommandState.choices, default=CommandState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("下发次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("为空表示系统自动下发。"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"), help_text=_("到此仍未下发（设备未连接）即过期。"))
    sent_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("应答时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    gateway = models.CharField(_("网关实例"), max_length=128, blank=True)
    sent_cp = models.JSONField(_("下发的 CP"), default=dict, blank=True)
    qn_rtn = models.PositiveSmallIntegerField(_("请求应答 QnRtn"), null=True, blank=True)
    exe_rtn = models.PositiveSmallIntegerField(_("执行结果 ExeRtn"), null=True, blank=True)
    result = models.JSONField(_("返回数据"), default=dict, blank=True)
    detail = models.TextField(_("说明"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=DEVICE_DISTRICT, enterprise=DEVICE_ENTERPRISE)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("设备命令")
        verbose_name_plural = _("设备命令")
        constraints = [
            models.UniqueConstraint(
                fields=["qn"],
                condition=~Q(qn=""),
                name="devicecommand_qn_unique",
                violation_error_message="该 QN 已被其他命令使用。",
            ),
            models.CheckConstraint(
                condition=Q(state__in=CommandState.values),
                name="devicecommand_state_valid",
                violation_error_message="命令状态无效。",
            ),
            models.CheckConstraint(
                condition=Q(cn__in=CommandKind.values),
                name="devicecommand_cn_valid",
                violation_error_message="不支持的命令编码。",
            ),
            models.CheckConstraint(
                condition=Q(state__in=OPEN_COMMAND_STATES, finished_at__isnull=True)
                | (~Q(state__in=OPEN_COMMAND_STATES) & Q(finished_at__isnull=False)),
                name="devicecommand_finished_when_closed",
                violation_error_message="命令结束时须记录结束时间，未结束时不能有结束时间。",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=IN_FLIGHT_COMMAND_STATES) | (Q(sent_at__isnull=False) & ~Q(qn="")),
                name="devicecommand_sent_has_qn",
                violation_error_message="已下发的命令须有 QN 和下发时间。",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "id"], name="devicecommand_state"),
            models.Index(fields=["device", "-created"], name="devicecommand_device"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} CN={self.cn} {self.state}"

    def is_open(self) -> bool:
        return self.state in OPEN_COMMAND_STATES
