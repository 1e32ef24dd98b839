"""Columns of the registry list pages and their exports."""

from ecobrain.core.tables import Column, Table

factor_table = Table(
    [
        Column("code", "因子编码", sort="code", link=True),
        Column("old_code", "2005版编码", sort="old_code"),
        Column("name", "名称", sort="name"),
        Column("name_en", "英文名"),
        Column("medium", "类别", sort="medium"),
        Column("unit", "浓度单位"),
        Column("ambient_unit", "环境质量单位"),
        Column("emission_unit", "排放量单位"),
        Column("data_type", "数据类型"),
        Column("source", "依据"),
    ],
    default_sort="code",
)

station_table = Table(
    [
        Column("code", "站点编码", sort="code", link=True),
        Column("name", "站点名称", sort="name"),
        Column("kind", "站点类型", sort="kind"),
        Column("district", "所属区县", accessor="district.name", sort="district__adcode"),
        Column("status", "状态", sort="status"),
        Column("longitude", "经度", sort="longitude"),
        Column("latitude", "纬度", sort="latitude"),
        Column("factors", "监测因子", accessor=lambda s: "; ".join(f.code for f in s.factors.all()), html=False),
        Column("is_assessment", "参与评价", sort="is_assessment"),
        Column("is_demo", "演示数据", html=False),
    ],
    default_sort="code",
    select_related=("district",),
    prefetch_related=("factors",),
)

enterprise_table = Table(
    [
        Column("name", "企业名称", sort="name", link=True),
        Column("credit_code", "统一社会信用代码", sort="credit_code"),
        Column("industry", "行业类别", sort="industry"),
        Column("district", "所属区县", accessor="district.name", sort="district__adcode"),
        Column("key_unit_category", "重点排污单位类别", sort="key_unit_category"),
        Column("status", "生产状态", sort="status"),
        Column("address", "地址", html=False),
        Column("longitude", "经度", html=False),
        Column("latitude", "纬度", html=False),
        Column("legal_representative", "法定代表人", html=False),
        Column("updated", "更新时间", sort="updated", html=False),
    ],
    default_sort="name",
    select_related=("district",),
)

contact_table = Table(
    [
        Column("name", "姓名", sort="name", link=True),
        Column("enterprise", "企业", accessor="enterprise.name", sort="enterprise__name"),
        Column("title", "职务"),
        Column("phone", "电话"),
        Column("email", "邮箱"),
    ],
    default_sort="enterprise__name",
    select_related=("enterprise",),
)

outlet_table = Table(
    [
        Column("code", "排放口编号", sort="code", link=True),
        Column("name", "排放口名称", sort="name"),
        Column("enterprise", "企业", accessor="enterprise.name", sort="enterprise__name"),
        Column("enterprise_code", "统一社会信用代码", accessor="enterprise.credit_code", html=False),
        Column("district", "所属区县", accessor="enterprise.district.name", sort="enterprise__district__adcode"),
        Column("kind", "类型", sort="kind"),
        Column("height_m", "高度(m)", sort="height_m"),
        Column("is_online_monitored", "在线监测", sort="is_online_monitored"),
        Column("longitude", "经度", html=False),
        Column("latitude", "纬度", html=False),
    ],
    default_sort="enterprise__name",
    select_related=("enterprise", "enterprise__district"),
)

outlet_factor_table = Table(
    [
        Column(
            "outlet",
            "排放口",
            accessor=lambda o: f"{o.outlet.enterprise.name} {o.outlet.code}",
            link=True,
            sort="outlet__enterprise__name",
        ),
        Column("factor", "监测因子", accessor=lambda o: str(o.factor), sort="factor__code"),
        Column("limit_value", "排放限值", sort="limit_value"),
        Column("limit_unit", "单位"),
        Column("limit_basis", "口径"),
        Column("uses_converted_value", "按折算浓度"),
        Column("standard", "执行标准", sort="standard"),
    ],
    default_sort="outlet__enterprise__name",
    select_related=("outlet", "outlet__enterprise", "factor"),
)

permit_table = Table(
    [
        Column("number", "许可证编号", sort="number", link=True),
        Column("enterprise", "企业", accessor="enterprise.name", sort="enterprise__name"),
        Column("district", "所属区县", accessor="enterprise.district.name", sort="enterprise__district__adcode"),
        Column("category", "管理类别", sort="category"),
        Column("issued_by", "发证机关", html=False),
        Column("valid_from", "有效期起", sort="valid_from"),
        Column("valid_to", "有效期止", sort="valid_to"),
        Column("is_valid", "当前有效", accessor=lambda p: p.is_valid_on()),
    ],
    default_sort="enterprise__name",
    select_related=("enterprise", "enterprise__district"),
)

permit_pollutant_table = Table(
    [
        Column("permit", "许可证", accessor="permit.number", sort="permit__number", link=True),
        Column("factor", "污染物", accessor=lambda p: str(p.factor), sort="factor__code"),
        Column("annual_cap_t", "年许可排放量(t/a)", sort="annual_cap_t"),
    ],
    default_sort="permit__number",
    select_related=("permit", "factor"),
)


def _device_target(device) -> str:
    if device.station_id:
        return str(device.station)
    return f"{device.outlet.enterprise.name} {device.outlet.code}" if device.outlet_id else ""


device_table = Table(
    [
        Column("mn", "设备编号 MN", sort="mn", link=True),
        Column("target", "关联对象", accessor=_device_target),
        Column("protocol_version", "协议版本", sort="protocol_version"),
        Column("status", "状态", sort="status"),
        Column("manufacturer", "生产厂家", sort="manufacturer"),
        Column("model_name", "型号", html=False),
        Column("installed_on", "安装日期", sort="installed_on", html=False),
    ],
    default_sort="mn",
    select_related=("station", "outlet", "outlet__enterprise"),
)
