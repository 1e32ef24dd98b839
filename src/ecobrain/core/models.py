"""Regions (adcode, boundary), organisations and the base model every domain model builds on."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ecobrain.core.gate import GateScope, RestrictedQuerySet


class BaseModel(models.Model):
    """Abstract base: created/updated timestamps (aware UTC) and the gated manager."""

    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    gate = GateScope()

    class Meta:
        abstract = True


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("区县")


class Region(models.Model):
    """An administrative region (GB/T 2260 adcode) with its WGS84 boundary as GeoJSON."""

    adcode = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    center_lon = models.FloatField(_("中心经度"), null=True, blank=True)
    center_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    area_km2 = models.FloatField(_("面积(km²)"), null=True, blank=True)
    boundary = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=None, enterprise=None)

    class Meta:
        ordering = ["adcode"]
        verbose_name = _("行政区")
        verbose_name_plural = _("行政区")

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.level == RegionLevel.CITY


class OrganisationKind(models.TextChoices):
    BUREAU = "bureau", _("市局")
    DEPARTMENT = "department", _("局内处室")
    BRANCH = "branch", _("区县分局")
    CENTRE = "centre", _("直属单位")
    EXTERNAL = "external", _("外部门")


class Organisation(BaseModel):
    """The city bureau, its departments and one branch per district/county (or an external department)."""

    code = models.CharField(_("机构代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    district = models.ForeignKey(
        Region, verbose_name=_("辖区"), null=True, blank=True, on_delete=models.PROTECT, related_name="organisations"
    )

    gate = GateScope(district=("district",), enterprise=None, unscoped_when_null=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """The schedule and last outcome of one periodic job (``ecobrain.core.jobs``); claimed by compare-and-set."""

    name = models.CharField(_("任务名"), max_length=100, unique=True)
    next_run_at = models.DateTimeField(_("下次运行"))
    last_started_at = models.DateTimeField(_("上次开始"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("上次结束"), null=True, blank=True)
    last_ok = models.BooleanField(_("上次成功"), null=True)
    last_result = models.TextField(_("上次结果"), blank=True)
    last_seconds = models.FloatField(_("上次耗时(秒)"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return self.name
