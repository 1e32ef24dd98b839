"""Time series as narrow rows (ARCHITECTURE.md decision 3) and the raw packet archive (decision 4)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Least
from django.utils.translation import gettext_lazy as _

from ecobrain.core.gate import GateScope, RestrictedQuerySet
from ecobrain.monitoring.choices import QC_FLAG_LABELS, PacketOutcome, QCFlag, Resolution
from ecobrain.registry.models import Device

# Monitoring rows sit in their data logger's scope: the Device gate's paths, one relation further out.
DEVICE_DISTRICT = tuple(f"device__{path}" for path in Device.gate.district)
DEVICE_ENTERPRISE = tuple(f"device__{path}" for path in Device.gate.enterprise)

# HJ 212 numbers are at most N14.x; 14 integer digits and 6 decimals hold every value a logger sends.
VALUE_MAX_DIGITS = 20
VALUE_DECIMAL_PLACES = 6
VALUE_TEXT_MAX = 32


class Series(models.Model):
    """One time series: a device's readings of one factor, at every resolution."""

    device = models.ForeignKey(
        "registry.Device", verbose_name=_("数采仪"), on_delete=models.PROTECT, related_name="series"
    )
    factor = models.ForeignKey(
        "registry.MonitoringFactor", verbose_name=_("监测因子"), on_delete=models.PROTECT, related_name="series"
    )
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=DEVICE_DISTRICT, enterprise=DEVICE_ENTERPRISE)

    class Meta:
        ordering = ["device_id", "factor_id"]
        verbose_name = _("监测序列")
        verbose_name_plural = _("监测序列")
        constraints = [
            models.UniqueConstraint(
                fields=["device", "factor"],
                name="series_device_factor",
                violation_error_message="该设备已有此因子序列。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.device_id}/{self.factor_id}"


class ObservationQuerySet(RestrictedQuerySet):
    """Reads of one resolution table; always narrow them by series and time."""

    def for_series(self, series: Series | int | list) -> ObservationQuerySet:
        if isinstance(series, list | tuple | set | frozenset):
            return self.filter(series_id__in=[getattr(s, "pk", s) for s in series])
        return self.filter(series_id=getattr(series, "pk", series))

    def between(self, start: datetime, end: datetime) -> ObservationQuerySet:
        """Rows with ``start <= period_start < end`` (aware datetimes)."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("between() needs aware datetimes")
        return self.filter(period_start__gte=start, period_start__lt=end)


class Observation(models.Model):
    """Abstract: one value of a series for one period (or instant), as sent, with flags and its revision."""

    # No index of its own: the unique (series, period_start) index serves every look-up by series (its leading
    # column), and one index fewer to update per stored value is measurable on the gateway's write path.
    series = models.ForeignKey(
        Series, verbose_name=_("序列"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period_start = models.DateTimeField(_("时段起始"))
    value = models.DecimalField(
        _("数值"), max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, null=True, blank=True
    )
    value_text = models.CharField(_("原始数值"), max_length=VALUE_TEXT_MAX, blank=True)
    stats = models.JSONField(_("其他统计"), default=dict, blank=True)
    device_flag = models.CharField(_("数据标记"), max_length=8, blank=True)
    qc_flags = models.PositiveSmallIntegerField(_("质控标记"), default=0)
    revision = models.PositiveIntegerField(_("修订次数"), default=1)
    received_at = models.DateTimeField(_("接收时间"))

    objects = ObservationQuerySet.as_manager()
    gate = GateScope(
        district=tuple(f"series__{path}" for path in DEVICE_DISTRICT),
        enterprise=tuple(f"series__{path}" for path in DEVICE_ENTERPRISE),
    )
    resolution: str = ""

    class Meta:
        abstract = True
        ordering = ["series_id", "period_start"]

    def __str__(self) -> str:
        return f"{self.series_id}@{self.period_start.isoformat()}={self.value_text}"

    def qc_flag_labels(self) -> list[str]:
        return [str(label) for flag, label in QC_FLAG_LABELS.items() if self.qc_flags & flag]

    def has_qc_flag(self, flag: QCFlag) -> bool:
        return bool(self.qc_flags & flag)


def _unique(table: str) -> list[models.UniqueConstraint]:
    return [models.UniqueConstraint(fields=["series", "period_start"], name=f"{table}_series_period")]


def _received(table: str) -> list[models.Index]:
    # The window QC job finds the rows written since its watermark (monitoring.qc.windows). received_at grows
    # with time, so inserts land at the right edge of this index and stay cheap.
    return [models.Index(fields=["received_at"], name=f"{table}_received")]


class RealtimeObservation(Observation):
    """A real-time value (CN 2011): period_start is the sampling instant."""

    resolution = Resolution.REALTIME

    class Meta(Observation.Meta):
        verbose_name = _("实时数据")
        verbose_name_plural = _("实时数据")
        constraints = _unique("obs_realtime")
        indexes = _received("obs_realtime")


class MinuteObservation(Observation):
    """A minute value (CN 2051), keyed by the start of its interval."""

    resolution = Resolution.MINUTE

    class Meta(Observation.Meta):
        verbose_name = _("分钟数据")
        verbose_name_plural = _("分钟数据")
        constraints = _unique("obs_minute")
        indexes = _received("obs_minute")


class HourObservation(Observation):
    """An hourly value (CN 2061), keyed by the start of its hour."""

    resolution = Resolution.HOUR

    class Meta(Observation.Meta):
        verbose_name = _("小时数据")
        verbose_name_plural = _("小时数据")
        constraints = _unique("obs_hour")
        indexes = _received("obs_hour")


class DayObservation(Observation):
    """A daily value (CN 2031), keyed by the start of its day (00:00 China time, stored in UTC)."""

    resolution = Resolution.DAY

    class Meta(Observation.Meta):
        verbose_name = _("日数据")
        verbose_name_plural = _("日数据")
        constraints = _unique("obs_day")
        indexes = _received("obs_day")


OBSERVATION_MODELS: dict[str, type[Observation]] = {
    Resolution.REALTIME: RealtimeObservation,
    Resolution.MINUTE: MinuteObservation,
    Resolution.HOUR: HourObservation,
    Resolution.DAY: DayObservation,
}


class QCWatermark(models.Model):
    """How far the window QC job has evaluated one resolution's rows, by the time they were received."""

    resolution = models.CharField(_("分辨率"), max_length=16, choices=Resolution.choices, unique=True)
    received_until = models.DateTimeField(_("已评估至（接收时间）"), null=True, blank=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["resolution"]
        verbose_name = _("质控进度")
        verbose_name_plural = _("质控进度")

    def __str__(self) -> str:
        return f"{self.resolution}: {self.received_until}"


@dataclass(frozen=True)
class CompletenessRate:
    """Counts summed over days and series, each day's received and valid counts capped at its expected count.

    standards.md §8: 传输率 = received ÷ expected; 有效率 = valid ÷ received; 有效传输率 = 传输率 × 有效率,
    which is valid ÷ expected. The rates are fractions (0.9714 for 97.14 %), None when there is nothing to
    divide by.
    """

    expected: int = 0
    received: int = 0
    valid: int = 0

    @property
    def transmission_rate(self) -> float | None:
        return self.received / self.expected if self.expected else None

    @property
    def validity_rate(self) -> float | None:
        return self.valid / self.received if self.received else None

    @property
    def effective_rate(self) -> float | None:
        return self.valid / self.expected if self.expected else None


class CompletenessQuerySet(RestrictedQuerySet):
    """Reads of the completeness table, narrowed by device, station, outlet, district and days."""

    def for_device(self, device) -> CompletenessQuerySet:
        return self.filter(series__device=device)

    def for_station(self, station) -> CompletenessQuerySet:
        return self.filter(series__device__station=station)

    def for_outlet(self, outlet) -> CompletenessQuerySet:
        return self.filter(series__device__outlet=outlet)

    def for_enterprise(self, enterprise) -> CompletenessQuerySet:
        return self.filter(series__device__outlet__enterprise=enterprise)

    def for_district(self, district) -> CompletenessQuerySet:
        return self.filter(
            Q(series__device__station__district=district) | Q(series__device__outlet__enterprise__district=district)
        )

    def for_resolution(self, resolution: str) -> CompletenessQuerySet:
        return self.filter(resolution=resolution)

    def between(self, first: date, last: date) -> CompletenessQuerySet:
        """Days ``first`` … ``last``, both included."""
        return self.filter(day__gte=first, day__lte=last)

    def in_month(self, year: int, month: int) -> CompletenessQuerySet:
        return self.between(date(year, month, 1), date(year, month, monthrange(year, month)[1]))

    def rates(self) -> CompletenessRate:
        """The rates over every row of the queryset."""
        totals = self.order_by().aggregate(**_CAPPED_SUMS)
        return CompletenessRate(*(totals[key] or 0 for key in _CAPPED_SUMS))

    def rates_by(self, *fields: str) -> dict:
        """Rates per value of ``fields`` (e.g. ``"series__device"``, ``"day"``); a tuple key for several fields."""
        rows = self.order_by().values(*fields).annotate(**_CAPPED_SUMS)
        return {
            (row[fields[0]] if len(fields) == 1 else tuple(row[f] for f in fields)): CompletenessRate(
                *(row[key] or 0 for key in _CAPPED_SUMS)
            )
            for row in rows
        }


_CAPPED_SUMS = {
    "n_expected": Sum("expected"),
    "n_received": Sum(Least(F("received"), F("expected"))),
    "n_valid": Sum(Least(F("valid"), F("received"), F("expected"))),
}


class DailyCompleteness(models.Model):
    """Expected (应传), received (实传) and valid counts of one series at one resolution on one China day."""

    series = models.ForeignKey(Series, verbose_name=_("序列"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"), help_text=_("自然日（北京时间）"))
    resolution = models.CharField(_("分辨率"), max_length=16, choices=Resolution.choices)
    interval_seconds = models.PositiveIntegerField(_("数据间隔(秒)"))
    expected = models.PositiveIntegerField(_("应传个数"))
    received = models.PositiveIntegerField(_("实传个数"))
    valid = models.PositiveIntegerField(_("有效个数"))
    flagged = models.PositiveIntegerField(_("质控标记个数"), default=0)
    computed_at = models.DateTimeField(_("计算时间"))

    objects = CompletenessQuerySet.as_manager()
    gate = GateScope(
        district=tuple(f"series__{path}" for path in DEVICE_DISTRICT),
        enterprise=tuple(f"series__{path}" for path in DEVICE_ENTERPRISE),
    )

    class Meta:
        ordering = ["day", "series_id", "resolution"]
        verbose_name = _("数据完整率")
        verbose_name_plural = _("数据完整率")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "day", "resolution"],
                name="completeness_series_day",
                violation_error_message="该序列当日已有此分辨率的完整率记录。",
            ),
            models.CheckConstraint(
                condition=Q(valid__lte=F("received")),
                name="completeness_valid_le_received",
                violation_error_message="有效个数不能大于实传个数。",
            ),
            models.CheckConstraint(
                condition=Q(interval_seconds__gt=0),
                name="completeness_interval_positive",
                violation_error_message="数据间隔须大于0秒。",
            ),
        ]
        indexes = [models.Index(fields=["day", "resolution"], name="completeness_day")]

    def __str__(self) -> str:
        return f"{self.series_id} {self.day} {self.resolution}: {self.valid}/{self.received}/{self.expected}"

    def rate(self) -> CompletenessRate:
        received = min(self.received, self.expected)
        return CompletenessRate(self.expected, received, min(self.valid, received))


class ArchivedPacket(models.Model):
    """A raw frame as received, valid or not, with what became of it (data can be re-derived from here)."""

    raw = models.BinaryField(_("原始报文"))
    received_at = models.DateTimeField(_("接收时间"))
    peer = models.CharField(_("来源地址"), max_length=64, blank=True)
    mn = models.CharField(_("MN"), max_length=64, blank=True)
    cn = models.CharField(_("命令编码"), max_length=8, blank=True)
    qn = models.CharField(_("请求编码"), max_length=20, blank=True)
    device = models.ForeignKey(
        "registry.Device",
        verbose_name=_("数采仪"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="archived_packets",
    )
    outcome = models.CharField(_("处理结果"), max_length=16, choices=PacketOutcome.choices)
    detail = models.TextField(_("说明"), blank=True)
    values_stored = models.PositiveIntegerField(_("入库数值数"), default=0)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=DEVICE_DISTRICT, enterprise=DEVICE_ENTERPRISE)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("原始报文")
        verbose_name_plural = _("原始报文")
        indexes = [
            models.Index(fields=["mn", "received_at"], name="archive_mn_received"),
            models.Index(fields=["received_at"], name="archive_received"),  # retention sweeps
        ]

    def __str__(self) -> str:
        return f"{self.mn or '?'} {self.cn or '?'} {self.outcome}"

    def raw_text(self) -> str:
        return bytes(self.raw).decode("utf-8", "replace")
