"""The registry, one source one file (一源一档): factors, stations, enterprises, outlets, permits, devices."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.audit.changelog import ChangeLoggedModel
from ecobrain.core import geo
from ecobrain.core.crypto import constant_time_equals, decrypt_text, encrypt_text
from ecobrain.core.gate import GateScope
from ecobrain.core.models import BaseModel
from ecobrain.registry.choices import (
    WATER_STATION_KINDS,
    DeviceStatus,
    EnterpriseStatus,
    FactorMedium,
    Industry,
    KeyUnitCategory,
    LimitBasis,
    OutletKind,
    PermitCategory,
    ProtocolVersion,
    StationKind,
    StationStatus,
    Waterbody,
    WaterClass,
)
from ecobrain.standards.uscc import CreditCodeError, validate_credit_code

LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]
LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]


class RegistryModel(ChangeLoggedModel, BaseModel):
    """Abstract base of registry objects: change-logged, gated, with a detail URL."""

    url_name: str = ""

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        return reverse(f"registry:{self.url_name}_detail", args=[self.pk])


class LocatedModel(models.Model):
    """Abstract: a WGS84 point whose county-level district is derived from the city's boundaries."""

    longitude = models.FloatField(_("经度"), null=True, blank=True, validators=LONGITUDE)
    latitude = models.FloatField(_("纬度"), null=True, blank=True, validators=LATITUDE)
    district = models.ForeignKey(
        "core.Region", verbose_name=_("所属区县"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    location_required = True

    class Meta:
        abstract = True

    def derive_district(self) -> None:
        """Check the point and set the district from it (raises ValidationError naming the field)."""
        if self.longitude is None and self.latitude is None:
            if self.location_required:
                raise ValidationError({"longitude": "请填写经纬度（WGS84）。"})
            self.district_id = None  # no point, no derived district
            return
        geo.validate_coordinates(self.longitude, self.latitude)
        self.district_id = geo.locate_district_id(self.longitude, self.latitude)

    def clean(self) -> None:
        super().clean()
        self.derive_district()


class MonitoringFactor(RegistryModel):
    """A monitoring factor with its HJ 212-2017 code, HJ/T 212-2005 old code, name and units."""

    code = models.CharField(_("因子编码"), max_length=16, unique=True)
    old_code = models.CharField(_("2005版编码"), max_length=8, blank=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名"), max_length=64, blank=True)
    medium = models.CharField(_("类别"), max_length=8, choices=FactorMedium.choices)
    unit = models.CharField(_("浓度单位"), max_length=16, blank=True)
    ambient_unit = models.CharField(_("环境质量单位"), max_length=16, blank=True)
    emission_unit = models.CharField(_("排放量单位"), max_length=16, blank=True)
    data_type = models.CharField(_("数据类型"), max_length=8, blank=True)
    source = models.CharField(_("依据"), max_length=64, blank=True)

    gate = GateScope(district=None, enterprise=None)
    url_name = "factor"

    class Meta:
        ordering = ["medium", "code"]
        verbose_name = _("监测因子")
        verbose_name_plural = _("监测因子")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Station(LocatedModel, RegistryModel):
    """An environmental quality monitoring station or point (air, VOCs, water, soil, noise, radiation, camera)."""

    code = models.CharField(_("站点编码"), max_length=32, unique=True)
    name = models.CharField(_("站点名称"), max_length=128)
    kind = models.CharField(_("站点类型"), max_length=32, choices=StationKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=StationStatus.choices, default=StationStatus.ACTIVE)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    factors = models.ManyToManyField(MonitoringFactor, verbose_name=_("监测因子"), blank=True, related_name="stations")
    is_assessment = models.BooleanField(_("参与评价"), default=False, help_text=_("城市/区县评价点位 (HJ 663)"))
    waterbody = models.CharField(
        _("水体类型"), max_length=8, choices=Waterbody.choices, blank=True, help_text=_("地表水断面：河流或湖库")
    )
    water_target_class = models.CharField(
        _("水质目标"), max_length=4, choices=WaterClass.choices, blank=True, help_text=_("地表水断面的考核目标类别")
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    notes = models.TextField(_("备注"), blank=True)

    gate = GateScope(district=("district",), enterprise=())
    url_name = "station"

    class Meta:
        ordering = ["code"]
        verbose_name = _("监测站点")
        verbose_name_plural = _("监测站点")
        indexes = [models.Index(fields=["kind", "district"], name="station_kind_district")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_water_section(self) -> bool:
        return self.kind in WATER_STATION_KINDS

    def clean(self) -> None:
        errors = {}
        if not self.is_water_section():
            kind = self.get_kind_display()
            if self.waterbody:
                errors["waterbody"] = f"只有水质自动站和地表水断面可以填写水体类型（本站为{kind}）。"
            if self.water_target_class:
                errors["water_target_class"] = f"只有水质自动站和地表水断面可以填写水质目标（本站为{kind}）。"
        elif self.water_target_class == WaterClass.WORSE_THAN_V:
            errors["water_target_class"] = "水质目标应为Ⅰ–Ⅴ类之一：劣Ⅴ类不能作为考核目标。"
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)


class Enterprise(LocatedModel, RegistryModel):
    """A pollution-source enterprise: the centre of its one file (一源一档)."""

    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        error_messages={"unique": "该统一社会信用代码已登记。"},
    )
    industry = models.CharField(_("行业类别"), max_length=16, choices=Industry.choices)
    address = models.CharField(_("生产经营场所地址"), max_length=200, blank=True)
    key_unit_category = models.CharField(
        _("重点排污单位类别"), max_length=16, choices=KeyUnitCategory.choices, default=KeyUnitCategory.NONE
    )
    status = models.CharField(
        _("生产状态"), max_length=16, choices=EnterpriseStatus.choices, default=EnterpriseStatus.OPERATING
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=64, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    location_required = False
    gate = GateScope(district=("district",), enterprise=("pk",))
    url_name = "enterprise"

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        try:
            self.credit_code = validate_credit_code(self.credit_code)
        except CreditCodeError as exc:
            errors["credit_code"] = f"统一社会信用代码无效：{exc}"
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.district_id is None and not errors:
            errors["district"] = "请填写经纬度，或选择所属区县。"
        if errors:
            raise ValidationError(errors)

    def derive_district(self) -> None:
        # Without coordinates an enterprise keeps the district chosen by hand.
        if self.longitude is None and self.latitude is None:
            return
        super().derive_district()


class Contact(RegistryModel):
    """A contact person of an enterprise (environmental officer, legal representative, O&M provider)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=64)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)

    gate = GateScope(district=("enterprise__district",), enterprise=("enterprise",))
    url_name = "contact"

    class Meta:
        ordering = ["enterprise", "name"]
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self) -> str:
        return f"{self.name} ({self.enterprise})"

    def get_absolute_url(self) -> str:
        return self.enterprise.get_absolute_url()


OUTLET_CODE = re.compile(r"^D([AW])\d{3}$")


class Outlet(LocatedModel, RegistryModel):
    """A gas or water discharge outlet of an enterprise (排放口), DA001/DW001 style code."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="outlets")
    code = models.CharField(_("排放口编号"), max_length=8, help_text=_("废气 DA001，废水 DW001"))
    name = models.CharField(_("排放口名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=8, choices=OutletKind.choices)
    height_m = models.DecimalField(
        _("排气筒高度(m)"), max_digits=6, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    is_online_monitored = models.BooleanField(_("在线监测"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    gate = GateScope(district=("enterprise__district",), enterprise=("enterprise",))
    url_name = "outlet"

    class Meta:
        ordering = ["enterprise", "code"]
        verbose_name = _("排放口")
        verbose_name_plural = _("排放口")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "code"],
                name="outlet_code_per_enterprise",
                violation_error_message="该企业已有同编号的排放口。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise.name} {self.code} {self.name}"

    def clean(self) -> None:
        errors = {}
        self.code = (self.code or "").strip().upper()
        match = OUTLET_CODE.match(self.code)
        if not match:
            errors["code"] = f"排放口编号 {self.code!r} 格式应为 DA001（废气）或 DW001（废水）。"
        elif (match.group(1) == "A") != (self.kind == OutletKind.GAS):
            errors["code"] = f"排放口编号 {self.code} 与类型“{self.get_kind_display()}”不符（废气 DA，废水 DW）。"
        if self.kind == OutletKind.WATER and self.height_m is not None:
            errors["height_m"] = "废水排放口没有排气筒高度。"
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)

    location_required = False


class OutletFactor(RegistryModel):
    """A factor monitored at an outlet with its emission limit and the standard the limit comes from."""

    outlet = models.ForeignKey(Outlet, verbose_name=_("排放口"), on_delete=models.CASCADE, related_name="factor_limits")
    factor = models.ForeignKey(MonitoringFactor, verbose_name=_("监测因子"), on_delete=models.PROTECT, related_name="+")
    limit_min = models.DecimalField(
        _("限值下限"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("仅范围型限值填写，如 pH 6–9 的 6"),
    )
    limit_value = models.DecimalField(
        _("排放限值"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("上限；范围型限值（如 pH 6–9）填 9"),
    )
    limit_unit = models.CharField(_("限值单位"), max_length=16, blank=True)
    limit_basis = models.CharField(_("限值口径"), max_length=8, choices=LimitBasis.choices, default=LimitBasis.HOURLY)
    uses_converted_value = models.BooleanField(_("按折算浓度"), default=False)
    standard = models.CharField(_("执行标准"), max_length=128, blank=True, help_text=_("例如 GB 13223-2011 表1"))

    gate = GateScope(district=("outlet__enterprise__district",), enterprise=("outlet__enterprise",))
    url_name = "outletfactor"

    class Meta:
        ordering = ["outlet", "factor__code"]
        verbose_name = _("排放口监测因子")
        verbose_name_plural = _("排放口监测因子")
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "factor"], name="outlet_factor_unique", violation_error_message="该排放口已有此因子。"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outlet.code} {self.factor.name}"

    def get_absolute_url(self) -> str:
        return self.outlet.get_absolute_url()

    def clean(self) -> None:
        super().clean()
        if self.outlet_id and self.factor_id:
            expected = FactorMedium.GAS if self.outlet.kind == OutletKind.GAS else FactorMedium.WATER
            if self.factor.medium != expected:
                raise ValidationError(
                    {"factor": f"因子 {self.factor} 不是{self.outlet.get_kind_display()}的监测因子。"}
                )
        if self.limit_min is not None and self.limit_value is not None and self.limit_min > self.limit_value:
            raise ValidationError({"limit_min": f"限值下限 {self.limit_min} 大于上限 {self.limit_value}。"})
        if (self.limit_value is not None or self.limit_min is not None) and not self.standard:
            raise ValidationError({"standard": "填写排放限值时须注明执行标准。"})

    def limit_display(self) -> str:
        """``≤ 35 mg/m³``, ``6–9`` or ``≥ 6``; empty when no limit is set."""
        unit = f" {self.limit_unit}" if self.limit_unit else ""
        low = f"{self.limit_min.normalize():f}" if self.limit_min is not None else None
        high = f"{self.limit_value.normalize():f}" if self.limit_value is not None else None
        if low and high:
            return f"{low}–{high}{unit}"
        if high:
            return f"≤ {high}{unit}"
        if low:
            return f"≥ {low}{unit}"
        return ""


class Permit(RegistryModel):
    """A pollutant discharge permit (排污许可证) of an enterprise, with its validity period."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="permits")
    number = models.CharField(
        _("许可证编号"), max_length=32, unique=True, error_messages={"unique": "该许可证编号已登记。"}
    )
    category = models.CharField(_("管理类别"), max_length=16, choices=PermitCategory.choices)
    issued_by = models.CharField(_("发证机关"), max_length=128, blank=True)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"))

    gate = GateScope(district=("enterprise__district",), enterprise=("enterprise",))
    url_name = "permit"

    class Meta:
        ordering = ["enterprise", "-valid_to"]
        verbose_name = _("排污许可证")
        verbose_name_plural = _("排污许可证")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gt=models.F("valid_from")),
                name="permit_valid_range",
                violation_error_message="有效期止须晚于有效期起。",
            )
        ]

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day: date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.valid_from <= day <= self.valid_to

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": "有效期止须晚于有效期起。"})


class PermitPollutant(RegistryModel):
    """A pollutant permitted by a permit, with its annual emission cap (tonnes per year)."""

    permit = models.ForeignKey(Permit, verbose_name=_("许可证"), on_delete=models.CASCADE, related_name="pollutants")
    factor = models.ForeignKey(MonitoringFactor, verbose_name=_("污染物"), on_delete=models.PROTECT, related_name="+")
    annual_cap_t = models.DecimalField(
        _("年许可排放量(t/a)"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    gate = GateScope(district=("permit__enterprise__district",), enterprise=("permit__enterprise",))
    url_name = "permitpollutant"

    class Meta:
        ordering = ["permit", "factor__code"]
        verbose_name = _("许可污染物")
        verbose_name_plural = _("许可污染物")
        constraints = [
            models.UniqueConstraint(
                fields=["permit", "factor"],
                name="permit_factor_unique",
                violation_error_message="该许可证已有此污染物。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.permit.number} {self.factor.name}"

    def get_absolute_url(self) -> str:
        return self.permit.get_absolute_url()


MN_PATTERN = re.compile(r"^[0-9A-Za-z\-]{1,24}$")
PASSWORD_PATTERN = re.compile(r"^[^;,=&\s]{1,32}$")


class Device(RegistryModel):
    """A data logger (数采仪) by its HJ 212 MN, linked to exactly one station or outlet."""

    mn = models.CharField(
        _("设备编号 MN"), max_length=24, unique=True, error_messages={"unique": "该 MN 已被其他设备使用。"}
    )
    password_encrypted = models.CharField(_("访问密码（加密）"), max_length=200, editable=False)
    protocol_version = models.CharField(
        _("协议版本"), max_length=4, choices=ProtocolVersion.choices, default=ProtocolVersion.HJ212_2017
    )
    station = models.ForeignKey(
        Station, verbose_name=_("监测站点"), null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    outlet = models.ForeignKey(
        Outlet, verbose_name=_("排放口"), null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    status = models.CharField(_("状态"), max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE)
    manufacturer = models.CharField(_("生产厂家"), max_length=128, blank=True)
    model_name = models.CharField(_("型号"), max_length=64, blank=True)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    changelog_exclude = ("password_encrypted",)
    gate = GateScope(district=("station__district", "outlet__enterprise__district"), enterprise=("outlet__enterprise",))
    url_name = "device"

    class Meta:
        ordering = ["mn"]
        verbose_name = _("数采仪")
        verbose_name_plural = _("数采仪")
        constraints = [
            models.CheckConstraint(
                condition=(Q(station__isnull=False) & Q(outlet__isnull=True))
                | (Q(station__isnull=True) & Q(outlet__isnull=False)),
                name="device_one_target",
                violation_error_message="数采仪须关联且只关联一个站点或排放口。",
            )
        ]

    def __str__(self) -> str:
        return self.mn

    def set_access_password(self, raw: str) -> None:
        if not PASSWORD_PATTERN.match(raw or ""):
            raise ValidationError({"password": "访问密码须为1–32个字符，不含空格和 ; , = & 。"})
        self.password_encrypted = encrypt_text(raw)

    def check_access_password(self, raw: str) -> bool:
        stored = decrypt_text(self.password_encrypted) if self.password_encrypted else None
        return stored is not None and constant_time_equals(stored, raw or "")

    def access_password(self) -> str | None:
        """The clear password, for the gateway's host→device commands only (never shown in the UI)."""
        return decrypt_text(self.password_encrypted) if self.password_encrypted else None

    @property
    def target(self):
        return self.station or self.outlet

    def clean(self) -> None:
        super().clean()
        errors = {}
        self.mn = (self.mn or "").strip()
        if not MN_PATTERN.match(self.mn):
            errors["mn"] = f"MN {self.mn!r} 无效：应为1–24位字母、数字或连字符。"
        if bool(self.station_id) == bool(self.outlet_id):
            errors["station"] = "数采仪须关联且只关联一个站点或排放口。"
        if not self.password_encrypted:
            errors["password"] = "请设置访问密码。"
        if errors:
            raise ValidationError(errors)
