"""CSV importers of the registry: natural keys (credit code, outlet code, factor codes, district) → objects.

A row that names an existing object (by its unique key) updates it; otherwise a new object is created.
Choice columns accept the stored value or the Chinese label (``air_national`` or ``空气国控站``).
"""

from __future__ import annotations

import re

from ecobrain.core.imports import ImportColumn, Importer
from ecobrain.core.models import Region, RegionLevel
from ecobrain.registry import forms
from ecobrain.registry.choices import (
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
)
from ecobrain.registry.models import (
    Contact,
    Device,
    Enterprise,
    MonitoringFactor,
    Outlet,
    OutletFactor,
    Permit,
    PermitPollutant,
    Station,
)

TRUE = {"1", "true", "yes", "y", "是", "√", "t"}
FALSE = {"0", "false", "no", "n", "否", "", "f"}


def choice_value(choices, raw: str, column: str, errors: list[str]) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    for value, label in choices.choices:
        if raw.lower() == str(value).lower() or raw == str(label):
            return value
    allowed = "、".join(f"{value}（{label}）" for value, label in choices.choices)
    errors.append(f"{column}: “{raw}”不是有效选项，可选：{allowed}")
    return raw


def bool_value(raw: str, column: str, errors: list[str]) -> str:
    lowered = (raw or "").strip().lower()
    if lowered in TRUE:
        return "on"
    if lowered in FALSE:
        return ""
    errors.append(f"{column}: “{raw}”应为 是/否 或 1/0")
    return ""


ROMAN_CLASSES = {
    "Ⅰ": "I",
    "Ⅱ": "II",
    "Ⅲ": "III",
    "Ⅳ": "IV",
    "Ⅴ": "V",
    "1": "I",
    "2": "II",
    "3": "III",
    "4": "IV",
    "5": "V",
}


def water_class_value(raw: str, column: str, errors: list[str]) -> str:
    """A GB 3838 class as I–V, from ``III``, ``Ⅲ``, ``Ⅲ类``, ``3`` or ``iii``; blank stays blank."""
    text = (raw or "").strip().removesuffix("类").strip()
    if not text:
        return ""
    value = ROMAN_CLASSES.get(text, text.upper())
    if value in {"I", "II", "III", "IV", "V"}:
        return value
    errors.append(f"{column}: “{raw}”不是有效的水质类别，应为 Ⅰ–Ⅴ（可写作 I–V、Ⅲ类 或 1–5）")
    return raw


def split_codes(raw: str) -> list[str]:
    return [code for code in re.split(r"[;；,，\s]+", raw or "") if code]


def factor_pks(raw: str, column: str, errors: list[str], medium: str | None = None) -> list[int]:
    codes = split_codes(raw)
    found = dict(MonitoringFactor.objects.filter(code__in=codes).values_list("code", "pk"))
    unknown = [code for code in codes if code not in found]
    if unknown:
        errors.append(f"{column}: 未知的监测因子编码 {', '.join(unknown)}（见“监测因子”表）")
    return [found[code] for code in codes if code in found]


def factor_pk(raw: str, column: str, errors: list[str]) -> int | None:
    pks = factor_pks(raw, column, errors)
    if len(split_codes(raw)) > 1:
        errors.append(f"{column}: 只能填一个因子编码")
    return pks[0] if pks else None


def district_pk(raw: str, column: str, errors: list[str]) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    region = (
        Region.objects.filter(level=RegionLevel.COUNTY).filter(adcode=raw).first()
        or Region.objects.filter(level=RegionLevel.COUNTY, name=raw).first()
    )
    if region is None:
        errors.append(f"{column}: 未知的区县“{raw}”（填写名称或6位行政区划代码）")
        return None
    return region.pk


class EnterpriseKeyMixin:
    def enterprise_for(self, raw: str, column: str, errors: list[str]) -> Enterprise | None:
        code = (raw or "").strip().upper()
        enterprise = Enterprise.objects.restrict(self.user, "view").filter(credit_code=code).first()
        if enterprise is None:
            errors.append(f"{column}: 未找到统一社会信用代码为 {code} 的企业（或不在您的权限范围内）")
        return enterprise


class MonitoringFactorImporter(Importer):
    model = MonitoringFactor
    form_class = forms.MonitoringFactorForm
    columns = [
        ImportColumn("code", "因子编码", True, "HJ 212-2017 编码", "a21026"),
        ImportColumn("name", "名称", True, "", "二氧化硫"),
        ImportColumn("medium", "类别", True, "gas / water / noise / other", "gas"),
        ImportColumn("old_code", "2005版编码", example="02"),
        ImportColumn("name_en", "英文名", example="SO2"),
        ImportColumn("unit", "浓度单位", example="mg/m³"),
        ImportColumn("ambient_unit", "环境质量单位", example="µg/m³"),
        ImportColumn("emission_unit", "排放量单位", example="kg"),
        ImportColumn("data_type", "数据类型", example="N5.2"),
        ImportColumn("source", "依据", example="HJ 212-2017 附录B"),
    ]

    def natural_key(self, row):
        return (row.get("code", "").strip(),)

    def lookup(self, row):
        return MonitoringFactor.objects.filter(code=row.get("code", "").strip()).first()

    def form_data(self, row, errors):
        data = {c.name: row.get(c.name, "") for c in self.columns}
        data["medium"] = choice_value(FactorMedium, row.get("medium"), "medium", errors)
        return data


class StationImporter(Importer):
    model = Station
    form_class = forms.StationForm
    columns = [
        ImportColumn("code", "站点编码", True, "唯一", "1919A"),
        ImportColumn("name", "站点名称", True, "", "实验中学"),
        ImportColumn("kind", "站点类型", True, "air_national 等或中文名称", "空气国控站"),
        ImportColumn("longitude", "经度", True, "WGS84", "108.673"),
        ImportColumn("latitude", "纬度", True, "WGS84", "34.3155"),
        ImportColumn("status", "状态", help="默认 运行", example="运行"),
        ImportColumn("address", "地址", example=""),
        ImportColumn(
            "factors", "监测因子", help="因子编码，以分号分隔", example="a34004;a34002;a21026;a21004;a21005;a05024"
        ),
        ImportColumn("is_assessment", "参与评价", help="是/否", example="是"),
        ImportColumn("waterbody", "水体类型", help="仅水质站：河流 / 湖库", example=""),
        ImportColumn("water_target_class", "水质目标", help="仅水质站：Ⅰ–Ⅴ（或 I–V、Ⅲ类、3）", example=""),
        ImportColumn("notes", "备注"),
    ]

    def natural_key(self, row):
        return (row.get("code", "").strip(),)

    def lookup(self, row):
        return Station.objects.filter(code=row.get("code", "").strip()).first()

    def form_data(self, row, errors):
        data = {c.name: row.get(c.name, "") for c in self.columns}
        data["kind"] = choice_value(StationKind, row.get("kind"), "kind", errors)
        data["status"] = choice_value(StationStatus, row.get("status"), "status", errors) or StationStatus.ACTIVE
        data["factors"] = factor_pks(row.get("factors", ""), "factors", errors)
        data["is_assessment"] = bool_value(row.get("is_assessment", ""), "is_assessment", errors)
        data["waterbody"] = choice_value(Waterbody, row.get("waterbody"), "waterbody", errors)
        data["water_target_class"] = water_class_value(row.get("water_target_class"), "water_target_class", errors)
        return data


class EnterpriseImporter(Importer):
    model = Enterprise
    form_class = forms.EnterpriseForm
    columns = [
        ImportColumn("name", "企业名称", True, "", "咸阳某某热电有限公司"),
        ImportColumn("credit_code", "统一社会信用代码", True, "18位，校验位按 GB 32100", "91610400MA0000001T"),
        ImportColumn("industry", "行业类别", True, "GB/T 4754 代码（如 D4411）或中文名称", "D4411"),
        ImportColumn("key_unit_category", "重点排污单位类别", help="默认 非重点排污单位", example="air"),
        ImportColumn("status", "生产状态", help="默认 正常生产", example="operating"),
        ImportColumn("legal_representative", "法定代表人", example="张三"),
        ImportColumn("address", "生产经营场所地址", example="咸阳市秦都区…"),
        ImportColumn("longitude", "经度", help="WGS84；与纬度同时填写", example="108.70"),
        ImportColumn("latitude", "纬度", example="34.34"),
        ImportColumn("district", "所属区县", help="无坐标时必填：名称或行政区划代码", example=""),
    ]

    def natural_key(self, row):
        return (row.get("credit_code", "").strip().upper(),)

    def lookup(self, row):
        return Enterprise.objects.filter(credit_code=row.get("credit_code", "").strip().upper()).first()

    def form_data(self, row, errors):
        data = {c.name: row.get(c.name, "") for c in self.columns}
        data["industry"] = choice_value(Industry, row.get("industry"), "industry", errors)
        data["key_unit_category"] = (
            choice_value(KeyUnitCategory, row.get("key_unit_category"), "key_unit_category", errors)
            or KeyUnitCategory.NONE
        )
        data["status"] = (
            choice_value(EnterpriseStatus, row.get("status"), "status", errors) or EnterpriseStatus.OPERATING
        )
        data["district"] = district_pk(row.get("district", ""), "district", errors) or ""
        return data


class ContactImporter(EnterpriseKeyMixin, Importer):
    model = Contact
    form_class = forms.ContactForm
    columns = [
        ImportColumn("enterprise_credit_code", "企业统一社会信用代码", True, "", "91610400MA0000001T"),
        ImportColumn("name", "姓名", True, "", "李四"),
        ImportColumn("title", "职务", example="环保负责人"),
        ImportColumn("phone", "电话", example="029-33000000"),
        ImportColumn("email", "邮箱", example=""),
    ]

    def natural_key(self, row):
        return (row.get("enterprise_credit_code", "").strip().upper(), row.get("name", "").strip())

    def lookup(self, row):
        return Contact.objects.filter(
            enterprise__credit_code=row.get("enterprise_credit_code", "").strip().upper(),
            name=row.get("name", "").strip(),
        ).first()

    def form_data(self, row, errors):
        data = {c.name: row.get(c.name, "") for c in self.columns}
        enterprise = self.enterprise_for(row.get("enterprise_credit_code"), "enterprise_credit_code", errors)
        data["enterprise"] = enterprise.pk if enterprise else ""
        return data


class OutletImporter(EnterpriseKeyMixin, Importer):
    model = Outlet
    form_class = forms.OutletForm
    columns = [
        ImportColumn("enterprise_credit_code", "企业统一社会信用代码", True, "", "91610400MA0000001T"),
        ImportColumn("code", "排放口编号", True, "DA001 / DW001", "DA001"),
        ImportColumn("name", "排放口名称", True, "", "1#锅炉排气筒"),
        ImportColumn("kind", "类型", True, "gas（废气）/ water（废水）", "gas"),
        ImportColumn("longitude", "经度", example=""),
        ImportColumn("latitude", "纬度", example=""),
        ImportColumn("height_m", "排气筒高度(m)", example="80"),
        ImportColumn("is_online_monitored", "在线监测", help="是/否，默认 是", example="是"),
    ]

    def natural_key(self, row):
        return (row.get("enterprise_credit_code", "").strip().upper(), row.get("code", "").strip().upper())

    def lookup(self, row):
        return Outlet.objects.filter(
            enterprise__credit_code=row.get("enterprise_credit_code", "").strip().upper(),
            code=row.get("code", "").strip().upper(),
        ).first()

    def form_data(self, row, errors):
        data = {c.name: row.get(c.name, "") for c in self.columns}
        enterprise = self.enterprise_for(row.get("enterprise_credit_code"), "enterprise_credit_code", errors)
        data["enterprise"] = enterprise.pk if enterprise else ""
        data["kind"] = choice_value(OutletKind, row.get("kind"), "kind", errors)
        monitored = row.get("is_online_monitored", "")
        data["is_online_monitored"] = bool_value(monitored, "is_online_monitored", errors) if monitored else "on"
        return data


class OutletFactorImporter(Importer):
    model = OutletFactor
    form_class = forms.OutletFactorForm
    columns = [
        ImportColumn("enterprise_credit_code", "企业统一社会信用代码", True, "", "91610400MA0000001T"),
        ImportColumn("outlet_code", "排放口编号", True, "", "DA001"),
        ImportColumn("factor_code", "因子编码", True, "", "a21026"),
        ImportColumn("limit_min", "限值下限", help="仅范围型限值（如 pH 的 6）", example=""),
        ImportColumn("limit_value", "排放限值", help="上限", example="35"),
        ImportColumn("limit_unit", "限值单位", example="mg/m³"),
        ImportColumn("limit_basis", "限值口径", help="hourly / daily / instant", example="hourly"),
        ImportColumn("uses_converted_value", "按折算浓度", help="是/否", example="是"),
        ImportColumn("standard", "执行标准", help="填写限值时必填", example="GB 13223-2011 表1"),
    ]

    def outlet_for(self, row, errors):
        outlet = (
            Outlet.objects.restrict(self.user, "view")
            .filter(
                enterprise__credit_code=row.get("enterprise_credit_code", "").strip().upper(),
                code=row.get("outlet_code", "").strip().upper(),
            )
            .first()
        )
        if outlet is None:
            errors.append(
                f"outlet_code: 未找到企业 {row.get('enterprise_credit_code')} 的排放口 {row.get('outlet_code')}"
            )
        return outlet

    def natural_key(self, row):
        return (
            row.get("enterprise_credit_code", "").strip().upper(),
            row.get("outlet_code", "").strip().upper(),
            row.get("factor_code", "").strip(),
        )

    def lookup(self, row):
        return OutletFactor.objects.filter(
            outlet__enterprise__credit_code=row.get("enterprise_credit_code", "").strip().upper(),
            outlet__code=row.get("outlet_code", "").strip().upper(),
            factor__code=row.get("factor_code", "").strip(),
        ).first()

    def form_data(self, row, errors):
        data = {c.name: row.get(c.name, "") for c in self.columns}
        outlet = self.outlet_for(row, errors)
        data["outlet"] = outlet.pk if outlet else ""
        data["factor"] = factor_pk(row.get("factor_code", ""), "factor_code", errors) or ""
        data["limit_basis"] = (
            choice_value(LimitBasis, row.get("limit_basis"), "limit_basis", errors) or LimitBasis.HOURLY
        )
        data["uses_converted_value"] = bool_value(row.get("uses_converted_value", ""), "uses_converted_value", errors)
        return data


class PermitImporter(EnterpriseKeyMixin, Importer):
    model = Permit
    form_class = forms.PermitForm
    columns = [
        ImportColumn("enterprise_credit_code", "企业统一社会信用代码", True, "", "91610400MA0000001T"),
        ImportColumn("number", "许可证编号", True, "", "91610400MA0000001T001P"),
        ImportColumn(
            "category", "管理类别", True, "key（重点管理）/ simplified（简化管理）/ registration（登记管理）", "key"
        ),
        ImportColumn("issued_by", "发证机关", example="咸阳市生态环境局"),
        ImportColumn("valid_from", "有效期起", True, "YYYY-MM-DD", "2024-01-01"),
        ImportColumn("valid_to", "有效期止", True, "YYYY-MM-DD", "2029-01-01"),
    ]

    def natural_key(self, row):
        return (row.get("number", "").strip(),)

    def lookup(self, row):
        return Permit.objects.filter(number=row.get("number", "").strip()).first()

    def form_data(self, row, errors):
        data = {c.name: row.get(c.name, "") for c in self.columns}
        enterprise = self.enterprise_for(row.get("enterprise_credit_code"), "enterprise_credit_code", errors)
        data["enterprise"] = enterprise.pk if enterprise else ""
        data["category"] = choice_value(PermitCategory, row.get("category"), "category", errors)
        return data


class PermitPollutantImporter(Importer):
    model = PermitPollutant
    form_class = forms.PermitPollutantForm
    columns = [
        ImportColumn("permit_number", "许可证编号", True, "", "91610400MA0000001T001P"),
        ImportColumn("factor_code", "因子编码", True, "", "a21026"),
        ImportColumn("annual_cap_t", "年许可排放量(t/a)", example="120.5"),
    ]

    def natural_key(self, row):
        return (row.get("permit_number", "").strip(), row.get("factor_code", "").strip())

    def lookup(self, row):
        return PermitPollutant.objects.filter(
            permit__number=row.get("permit_number", "").strip(), factor__code=row.get("factor_code", "").strip()
        ).first()

    def form_data(self, row, errors):
        data = {c.name: row.get(c.name, "") for c in self.columns}
        permit = Permit.objects.restrict(self.user, "view").filter(number=row.get("permit_number", "").strip()).first()
        if permit is None:
            errors.append(f"permit_number: 未找到许可证 {row.get('permit_number')}（或不在您的权限范围内）")
        data["permit"] = permit.pk if permit else ""
        data["factor"] = factor_pk(row.get("factor_code", ""), "factor_code", errors) or ""
        return data


class DeviceImporter(Importer):
    model = Device
    form_class = forms.DeviceForm
    columns = [
        ImportColumn("mn", "设备编号 MN", True, "唯一，1–24位", "88888880000001"),
        ImportColumn("password", "访问密码 PW", help="新设备必填；更新时留空表示不变", example="123456"),
        ImportColumn("protocol_version", "协议版本", help="2005 / 2017 / 2025，默认 2017", example="2017"),
        ImportColumn("station_code", "站点编码", help="关联站点时填写", example=""),
        ImportColumn(
            "enterprise_credit_code", "企业统一社会信用代码", help="关联排放口时填写", example="91610400MA0000001T"
        ),
        ImportColumn("outlet_code", "排放口编号", help="关联排放口时填写", example="DA001"),
        ImportColumn("status", "状态", example="active"),
        ImportColumn("manufacturer", "生产厂家", example=""),
        ImportColumn("model_name", "型号", example=""),
        ImportColumn("installed_on", "安装日期", help="YYYY-MM-DD", example=""),
    ]

    def natural_key(self, row):
        return (row.get("mn", "").strip(),)

    def lookup(self, row):
        return Device.objects.filter(mn=row.get("mn", "").strip()).first()

    def form_data(self, row, errors):
        data = {c.name: row.get(c.name, "") for c in self.columns}
        data["protocol_version"] = (
            choice_value(ProtocolVersion, row.get("protocol_version"), "protocol_version", errors)
            or ProtocolVersion.HJ212_2017
        )
        data["status"] = choice_value(DeviceStatus, row.get("status"), "status", errors) or DeviceStatus.ACTIVE
        station_code = row.get("station_code", "").strip()
        outlet_code = row.get("outlet_code", "").strip().upper()
        data["station"] = data["outlet"] = ""
        if station_code and outlet_code:
            errors.append("station_code/outlet_code: 只能关联站点或排放口之一")
        elif station_code:
            station = Station.objects.restrict(self.user, "view").filter(code=station_code).first()
            if station is None:
                errors.append(f"station_code: 未找到站点 {station_code}（或不在您的权限范围内）")
            data["station"] = station.pk if station else ""
        elif outlet_code:
            outlet = (
                Outlet.objects.restrict(self.user, "view")
                .filter(enterprise__credit_code=row.get("enterprise_credit_code", "").strip().upper(), code=outlet_code)
                .first()
            )
            if outlet is None:
                errors.append(f"outlet_code: 未找到企业 {row.get('enterprise_credit_code')} 的排放口 {outlet_code}")
            data["outlet"] = outlet.pk if outlet else ""
        else:
            errors.append("station_code/outlet_code: 须填写关联的站点编码，或企业信用代码加排放口编号")
        return data
