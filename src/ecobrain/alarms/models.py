"""Alarm rules (configured in the UI), alarms (one open per rule and object) and their typed timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecobrain.alarms.choices import OPEN_ALARM_STATES, AlarmEventKind, AlarmStatus, RuleKind, Severity
from ecobrain.core.gate import GateScope, RestrictedQuerySet
from ecobrain.core.models import BaseModel
from ecobrain.monitoring.choices import Resolution


class AlarmRule(BaseModel):
    """A rule on live data: kind, scope, thresholds (``params``, by kind), persistence, severity, recipients.

    Scope narrows the objects a rule watches; empty scope fields mean every object of the kind in the city.
    ``consecutive`` periods must meet the condition before an alarm opens; ``clear_after`` periods must be
    normal (below the threshold by the hysteresis in ``params``) before it resolves itself.
    """

    name = models.CharField(_("规则名称"), max_length=128)
    kind = models.CharField(_("规则类型"), max_length=32, choices=RuleKind.choices)
    enabled = models.BooleanField(_("启用"), default=True)
    severity = models.PositiveSmallIntegerField(_("报警级别"), choices=Severity.choices, default=Severity.WARNING)
    district = models.ForeignKey(
        "core.Region", verbose_name=_("区县"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise", verbose_name=_("企业"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    outlet = models.ForeignKey(
        "registry.Outlet", verbose_name=_("排放口"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    station = models.ForeignKey(
        "registry.Station", verbose_name=_("站点"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    factor = models.ForeignKey(
        "registry.MonitoringFactor",
        verbose_name=_("监测因子"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution = models.CharField(_("数据类型"), max_length=16, choices=Resolution.choices, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    consecutive = models.PositiveSmallIntegerField(_("连续次数"), default=1, help_text=_("连续满足条件的次数"))
    clear_after = models.PositiveSmallIntegerField(_("恢复次数"), default=1, help_text=_("连续正常多少次后自动恢复"))
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("通知人员"), blank=True, related_name="alarm_rules"
    )
    notify_district = models.BooleanField(
        _("通知属地分局"), default=True, help_text=_("同时通知报警对象所在区县的办理人员")
    )
    description = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # A rule without a district is city-wide: only city-wide users see it. Enterprises see no rules.
    gate = GateScope(district=("district",), enterprise=())

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("报警规则")
        verbose_name_plural = _("报警规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(consecutive__gte=1) & Q(clear_after__gte=1),
                name="alarmrule_counts_positive",
                violation_error_message="连续次数和恢复次数至少为 1。",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alarms:rule_detail", args=[self.pk])


class AlarmQuerySet(RestrictedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_ALARM_STATES)


class Alarm(BaseModel):
    """One alarm: a rule's condition on one object (outlet factor, station, district, device, section).

    ``object_key`` names the object within the rule (``outlet:12/factor:5``); at most one open alarm exists per
    (rule, object_key), enforced by a partial unique index, so concurrent evaluators cannot duplicate one.
    """

    rule = models.ForeignKey(AlarmRule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="alarms")
    kind = models.CharField(_("报警类型"), max_length=32, choices=RuleKind.choices)
    severity = models.PositiveSmallIntegerField(_("报警级别"), choices=Severity.choices, default=Severity.WARNING)
    status = models.CharField(_("状态"), max_length=16, choices=AlarmStatus.choices, default=AlarmStatus.OPEN)
    object_key = models.CharField(_("报警对象键"), max_length=128)
    title = models.CharField(_("标题"), max_length=200)
    message = models.TextField(_("报警内容"), blank=True)
    district = models.ForeignKey(
        "core.Region", verbose_name=_("区县"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outlet = models.ForeignKey(
        "registry.Outlet", verbose_name=_("排放口"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    station = models.ForeignKey(
        "registry.Station", verbose_name=_("站点"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey(
        "registry.Device", verbose_name=_("数采仪"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    factor = models.ForeignKey(
        "registry.MonitoringFactor",
        verbose_name=_("监测因子"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    series = models.ForeignKey(
        "monitoring.Series", verbose_name=_("序列"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(_("数据类型"), max_length=16, choices=Resolution.choices, blank=True)
    threshold = models.FloatField(_("阈值"), null=True, blank=True)
    first_value = models.FloatField(_("首次触发值"), null=True, blank=True)
    last_value = models.FloatField(_("最近触发值"), null=True, blank=True)
    peak_value = models.FloatField(_("峰值"), null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    first_period = models.DateTimeField(_("首次超限时段"), null=True, blank=True)
    last_period = models.DateTimeField(_("最近超限时段"), null=True, blank=True)
    triggered_at = models.DateTimeField(_("报警时间"))
    last_triggered_at = models.DateTimeField(_("最近触发时间"))
    trigger_count = models.PositiveIntegerField(_("触发次数"), default=1)
    cleared_at = models.DateTimeField(_("恢复正常时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    false_reason = models.TextField(_("误报原因"), blank=True)
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("任务单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alarms",
    )

    objects = AlarmQuerySet.as_manager()
    # A city-level alarm (no district: the city's AQI) is seen by city-wide users only.
    gate = GateScope(district=("district",), enterprise=("enterprise",))

    class Meta:
        ordering = ["-triggered_at", "-id"]
        verbose_name = _("报警")
        verbose_name_plural = _("报警")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "object_key"],
                condition=Q(status__in=OPEN_ALARM_STATES),
                name="alarm_one_open_per_rule_object",
                violation_error_message="该规则对此对象已有未关闭的报警。",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-triggered_at"], name="alarm_status_time"),
            models.Index(fields=["district", "-triggered_at"], name="alarm_district_time"),
            models.Index(fields=["-triggered_at"], name="alarm_time"),
            # Counts per rule and state (the rule list's open alarms): index-only, where the rule index alone
            # reads every alarm of the rule.
            models.Index(fields=["rule", "status"], name="alarm_rule_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("alarms:alarm_detail", args=[self.pk])

    def is_open(self) -> bool:
        return self.status in OPEN_ALARM_STATES


class AlarmEvent(models.Model):
    """One entry of an alarm's timeline: what happened, when, by whom (None: the system), with its data."""

    alarm = models.ForeignKey(Alarm, verbose_name=_("报警"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=16, choices=AlarmEventKind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=("alarm__district",), enterprise=("alarm__enterprise",))

    class Meta:
        ordering = ["alarm_id", "at", "id"]
        verbose_name = _("报警记录")
        verbose_name_plural = _("报警记录")

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.kind} {self.at.isoformat()}"


class EvaluationWatermark(models.Model):
    """How far the scheduled sweep has evaluated a source (a resolution's observations by received time, …)."""

    source = models.CharField(_("数据源"), max_length=32, unique=True)
    until = models.DateTimeField(_("已评估至"), null=True, blank=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["source"]
        verbose_name = _("报警评估进度")
        verbose_name_plural = _("报警评估进度")

    def __str__(self) -> str:
        return f"{self.source}: {self.until}"
