"""Assessment results: hourly and daily AQI per station, district and city, period statistics, water classes.

Every row is derived from the monitoring tables and can be recomputed at any time (late data, a rule change):
the recomputation replaces the rows of the objects and periods it covers. Each row records the edition of the
standard that produced it (ARCHITECTURE.md decision 5). Air and water quality are published information, so
the rows are not scoped by district: every user who may view them sees all of them.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecobrain.assessment.choices import PeriodKind, Scope
from ecobrain.core.gate import GateScope, RestrictedQuerySet
from ecobrain.registry.choices import WaterClass

PUBLISHED = GateScope(district=None, enterprise=None)


def _scope_checks(table: str) -> list[models.BaseConstraint]:
    """A station row names its station and no region; a district or city row names its region and no station."""
    return [
        models.CheckConstraint(
            condition=(Q(scope=Scope.STATION, station__isnull=False, region__isnull=True))
            | (Q(scope__in=[Scope.DISTRICT, Scope.CITY], station__isnull=True, region__isnull=False)),
            name=f"{table}_scope_object",
            violation_error_message="站点结果须关联站点，区县/城市结果须关联行政区。",
        )
    ]


def _unique_per_object(table: str, time_field: str, *extra: str) -> list[models.UniqueConstraint]:
    """One row per (station | region, period): two partial unique constraints, because NULLs never collide."""
    return [
        models.UniqueConstraint(
            fields=["station", *extra, time_field],
            condition=Q(scope=Scope.STATION),
            name=f"{table}_station_period",
        ),
        models.UniqueConstraint(
            fields=["scope", "region", *extra, time_field],
            condition=Q(scope__in=[Scope.DISTRICT, Scope.CITY]),
            name=f"{table}_region_period",
        ),
    ]


class AssessmentQuerySet(RestrictedQuerySet):
    """Reads of an assessment table, narrowed by the object they are about and by time."""

    def for_station(self, station) -> AssessmentQuerySet:
        return self.filter(scope=Scope.STATION, station=station)

    def for_region(self, region) -> AssessmentQuerySet:
        """A district's rows, or the city's (the scope follows from the region's level)."""
        return self.filter(scope__in=[Scope.DISTRICT, Scope.CITY], region=region)

    def stations(self) -> AssessmentQuerySet:
        return self.filter(scope=Scope.STATION)

    def districts(self) -> AssessmentQuerySet:
        return self.filter(scope=Scope.DISTRICT)

    def city(self) -> AssessmentQuerySet:
        return self.filter(scope=Scope.CITY)


class HourQuerySet(AssessmentQuerySet):
    def between(self, start: datetime, end: datetime) -> HourQuerySet:
        """Hours with ``start <= period_start < end`` (aware datetimes)."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("between() needs aware datetimes")
        return self.filter(period_start__gte=start, period_start__lt=end)


class DayQuerySet(AssessmentQuerySet):
    def between(self, first: date, last: date) -> DayQuerySet:
        """Days ``first`` … ``last``, both included."""
        return self.filter(day__gte=first, day__lte=last)


class AirQualityRecord(models.Model):
    """Abstract: the AQI of one object (station, district, city) for one period, with its inputs.

    Concentrations are µg/m³ (CO mg/m³) as assessed: NULL means no valid value. ``iaqi`` maps a pollutant key
    (``standards.aqi``) to its IAQI, including reported-only indices; ``primary_pollutants`` is a comma-separated
    list of keys in the standard's order. ``aqi`` NULL means NA (not enough data to publish).
    """

    scope = models.CharField(_("评价对象"), max_length=8, choices=Scope.choices)
    station = models.ForeignKey(
        "registry.Station", verbose_name=_("站点"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("行政区"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    so2 = models.FloatField(_("SO₂"), null=True, blank=True)
    no2 = models.FloatField(_("NO₂"), null=True, blank=True)
    co = models.FloatField(_("CO"), null=True, blank=True)
    o3 = models.FloatField(_("O₃"), null=True, blank=True)
    o3_8h = models.FloatField(_("O₃-8h"), null=True, blank=True)
    pm10 = models.FloatField(_("PM₁₀"), null=True, blank=True)
    pm2_5 = models.FloatField(_("PM₂.₅"), null=True, blank=True)
    aqi = models.PositiveSmallIntegerField(_("AQI"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("级别"), null=True, blank=True)
    primary_pollutants = models.CharField(_("首要污染物"), max_length=64, blank=True)
    iaqi = models.JSONField(_("分指数"), default=dict, blank=True)
    edition = models.CharField(_("评价标准"), max_length=16, help_text=_("例如 HJ 633-2026"))
    station_count = models.PositiveSmallIntegerField(_("参与站点数"), default=1)
    computed_at = models.DateTimeField(_("计算时间"))

    gate = PUBLISHED

    class Meta:
        abstract = True

    def primary_pollutant_keys(self) -> list[str]:
        return [key for key in self.primary_pollutants.split(",") if key]


class AirQualityHour(AirQualityRecord):
    """The real-time (hourly) AQI of a station, district or city for one hour, keyed by the hour's start.

    ``o3`` is the 1-h mean; ``o3_8h``, ``pm10_24h`` and ``pm2_5_24h`` are the moving means ending with this hour.
    """

    period_start = models.DateTimeField(_("时段起始"))
    pm10_24h = models.FloatField(_("PM₁₀-24h"), null=True, blank=True)
    pm2_5_24h = models.FloatField(_("PM₂.₅-24h"), null=True, blank=True)

    objects = HourQuerySet.as_manager()

    class Meta:
        ordering = ["period_start", "scope", "station_id", "region_id"]
        verbose_name = _("小时空气质量")
        verbose_name_plural = _("小时空气质量")
        constraints = [*_scope_checks("aq_hour"), *_unique_per_object("aq_hour", "period_start")]
        indexes = [models.Index(fields=["period_start", "scope"], name="aq_hour_period_scope")]

    def __str__(self) -> str:
        return f"{self.station_id or self.region_id} {self.period_start.isoformat()} AQI {self.aqi}"


class AirQualityDay(AirQualityRecord):
    """The daily AQI of a station, district or city for one China day.

    ``o3`` is the daily maximum 1-h mean, ``o3_8h`` the daily maximum 8-h mean (MDA8); the others are daily
    means. ``hours`` maps a pollutant key to its number of valid hourly values that day.
    """

    day = models.DateField(_("日期"), help_text=_("自然日（北京时间）"))
    hours = models.JSONField(_("有效小时数"), default=dict, blank=True)

    objects = DayQuerySet.as_manager()

    class Meta:
        ordering = ["day", "scope", "station_id", "region_id"]
        verbose_name = _("日空气质量")
        verbose_name_plural = _("日空气质量")
        constraints = [*_scope_checks("aq_day"), *_unique_per_object("aq_day", "day")]
        indexes = [models.Index(fields=["day", "scope"], name="aq_day_day_scope")]

    def __str__(self) -> str:
        return f"{self.station_id or self.region_id} {self.day} AQI {self.aqi}"


class AirQualityPeriod(models.Model):
    """HJ 663 statistics of a station, district or city for a month or a year, from its daily rows.

    ``stats`` holds, per pollutant, the days with data, mean, percentile, assessment concentration and
    validity (``standards.hj663.PeriodStats.as_dict()``). ``days_per_level`` maps "1"…"6" to a count of days.
    """

    scope = models.CharField(_("评价对象"), max_length=8, choices=Scope.choices)
    station = models.ForeignKey(
        "registry.Station", verbose_name=_("站点"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("行政区"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("周期起始"), help_text=_("月或年的第一天"))
    stats = models.JSONField(_("统计量"), default=dict, blank=True)
    comprehensive_index = models.FloatField(_("综合指数"), null=True, blank=True)
    index_primary = models.CharField(_("最大分指数污染物"), max_length=8, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("有效天数"), default=0)
    good_days = models.PositiveSmallIntegerField(_("优良天数"), default=0)
    good_ratio = models.FloatField(_("优良天数比例"), null=True, blank=True, help_text=_("0–1 的比例"))
    days_per_level = models.JSONField(_("各级别天数"), default=dict, blank=True)
    edition = models.CharField(_("评价标准"), max_length=16, help_text=_("例如 HJ 663-2026"))
    computed_at = models.DateTimeField(_("计算时间"))

    objects = AssessmentQuerySet.as_manager()
    gate = PUBLISHED

    class Meta:
        ordering = ["period_start", "kind", "scope", "station_id", "region_id"]
        verbose_name = _("空气质量统计")
        verbose_name_plural = _("空气质量统计")
        constraints = [*_scope_checks("aq_period"), *_unique_per_object("aq_period", "period_start", "kind")]
        indexes = [models.Index(fields=["kind", "period_start", "scope"], name="aq_period_kind_start")]

    def __str__(self) -> str:
        return f"{self.station_id or self.region_id} {self.kind} {self.period_start}"


class WaterMonthQuerySet(RestrictedQuerySet):
    def for_station(self, station) -> WaterMonthQuerySet:
        return self.filter(station=station)

    def between(self, first: date, last: date) -> WaterMonthQuerySet:
        """Months whose first day lies in ``first`` … ``last``, both included."""
        return self.filter(month__gte=first, month__lte=last)


class WaterQualityMonth(models.Model):
    """The GB 3838-2002 class of a water section for one month, from the month's mean of each factor.

    ``means`` maps a `standards.water` factor key to its monthly mean (text, exact); ``factor_classes`` the key to
    its class; ``exceedances`` the key to its multiple over the target class limit (环办〔2011〕22号).
    """

    station = models.ForeignKey("registry.Station", verbose_name=_("断面"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"), help_text=_("月的第一天"))
    means = models.JSONField(_("月均值"), default=dict, blank=True)
    samples = models.PositiveIntegerField(_("样本数"), default=0)
    water_class = models.CharField(_("水质类别"), max_length=4, choices=WaterClass.choices, blank=True)
    worst_factors = models.JSONField(_("定类因子"), default=list, blank=True)
    factor_classes = models.JSONField(_("各因子类别"), default=dict, blank=True)
    target_class = models.CharField(_("水质目标"), max_length=4, choices=WaterClass.choices, blank=True)
    attained = models.BooleanField(_("达标"), null=True, blank=True)
    exceedances = models.JSONField(_("超标倍数"), default=dict, blank=True)
    edition = models.CharField(_("评价标准"), max_length=32, help_text=_("例如 GB 3838-2002"))
    computed_at = models.DateTimeField(_("计算时间"))

    objects = WaterMonthQuerySet.as_manager()
    gate = PUBLISHED

    class Meta:
        ordering = ["month", "station_id"]
        verbose_name = _("断面月水质")
        verbose_name_plural = _("断面月水质")
        constraints = [models.UniqueConstraint(fields=["station", "month"], name="water_month_station")]
        indexes = [models.Index(fields=["month"], name="water_month_month")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m} {self.water_class}"


class RecomputeWatermark(models.Model):
    """How far the assessment job has taken in new monitoring rows, by the time they were received."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    received_until = models.DateTimeField(_("已处理至（接收时间）"), null=True, blank=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("评价重算进度")
        verbose_name_plural = _("评价重算进度")

    def __str__(self) -> str:
        return f"{self.name}: {self.received_until}"
