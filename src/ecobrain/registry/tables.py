"""Columns of the registry list pages and their exports."""

from django.utils.translation import gettext_lazy as _

from ecobrain.core.tables import Column, Table

factor_table = Table(
    [
        Column("code", _("因子编码"), sort="code", link=True),
        Column("old_code", _("2005版编码"), sort="old_code"),
        Column("name", _("名称"), sort="name"),
        Column("name_en", _("英文名")),
        Column("medium", _("类别"), sort="medium"),
        Column("unit", _("浓度单位")),
        Column("ambient_unit", _("环境质量单位")),
        Column("emission_unit", _("排放量单位")),
        Column("data_type", _("数据类型")),
        Column("source", _("依据")),
    ],
    default_sort="code",
)

station_table = Table(
    [
        Column("code", _("站点编码"), sort="code", link=True),
        Column("name", _("站点名称"), sort="name"),
        Column("kind", _("站点类型"), sort="kind"),
        Column("district", _("所属区县"), accessor="district.name", sort="district__adcode"),
        Column("status", _("状态"), sort="status"),
        Column("longitude", _("经度"), sort="longitude"),
        Column("latitude", _("纬度"), sort="latitude"),
        Column("factors", _("监测因子"), accessor=lambda s: "; ".join(f.code for f in s.factors.all()), html=False),
        Column("is_assessment", _("参与评价"), sort="is_assessment"),
        Column("is_demo", _("演示数据"), html=False),
    ],
    default_sort="code",
    select_related=("district",),
    prefetch_related=("factors",),
)

enterprise_table = Table(
    [
        Column("name", _("企业名称"), sort="name", link=True),
        Column("credit_code", _("统一社会信用代码"), sort="credit_code"),
        Column("industry", _("行业类别"), sort="industry"),
        Column("district", _("所属区县"), accessor="district.name", sort="district__adcode"),
        Column("key_unit_category", _("重点排污单位类别"), sort="key_unit_category"),
        Column("status", _("生产状态"), sort="status"),
        Column("address", _("地址"), html=False),
        Column("longitude", _("经度"), html=False),
        Column("latitude", _("纬度"), html=False),
        Column("legal_representative", _("法定代表人"), html=False),
        Column("updated", _("更新时间"), sort="updated", html=False),
    ],
    default_sort="name",
    select_related=("district",),
)

contact_table = Table(
    [
        Column("name", _("姓名"), sort="name", link=True),
        Column("enterprise", _("企业"), accessor="enterprise.name", sort="enterprise__name"),
        Column("title", _("职务")),
        Column("phone", _("电话")),
        Column("email", _("邮箱")),
    ],
    default_sort="enterprise__name",
    select_related=("enterprise",),
)

outlet_table = Table(
    [
        Column("code", _("排放口编号"), sort="code", link=True),
        Column("name", _("排放口名称"), sort="name"),
        Column("enterprise", _("企业"), accessor="enterprise.name", sort="enterprise__name"),
        Column("enterprise_code", _("统一社会信用代码"), accessor="enterprise.credit_code", html=False),
        Column("district", _("所属区县"), accessor="enterprise.district.name", sort="enterprise__district__adcode"),
        Column("kind", _("类型"), sort="kind"),
        Column("height_m", _("高度(m)"), sort="height_m"),
        Column("is_online_monitored", _("在线监测"), sort="is_online_monitored"),
        Column("longitude", _("经度"), html=False),
        Column("latitude", _("纬度"), html=False),
    ],
    default_sort="enterprise__name",
    select_related=("enterprise", "enterprise__district"),
)

outlet_factor_table = Table(
    [
        Column(
            "outlet",
            _("排放口"),
            accessor=lambda o: f"{o.outlet.enterprise.name} {o.outlet.code}",
            link=True,
            sort="outlet__enterprise__name",
        ),
        Column("factor", _("监测因子"), accessor=lambda o: str(o.factor), sort="factor__code"),
        Column("limit", _("排放限值"), accessor=lambda o: o.limit_display(), html=True, export=False),
        Column("limit_min", _("限值下限"), html=False),
        Column("limit_value", _("限值上限"), sort="limit_value", html=False),
        Column("limit_unit", _("单位")),
        Column("limit_basis", _("口径")),
        Column("uses_converted_value", _("按折算浓度")),
        Column("standard", _("执行标准"), sort="standard"),
    ],
    default_sort="outlet__enterprise__name",
    select_related=("outlet", "outlet__enterprise", "factor"),
)

permit_table = Table(
    [
        Column("number", _("许可证编号"), sort="number", link=True),
        Column("enterprise", _("企业"), accessor="enterprise.name", sort="enterprise__name"),
        Column("district", _("所属区县"), accessor="enterprise.district.name", sort="enterprise__district__adcode"),
        Column("category", _("管理类别"), sort="category"),
        Column("issued_by", _("发证机关"), html=False),
        Column("valid_from", _("有效期起"), sort="valid_from"),
        Column("valid_to", _("有效期止"), sort="valid_to"),
        Column("is_valid", _("当前有效"), accessor=lambda p: p.is_valid_on()),
    ],
    default_sort="enterprise__name",
    select_related=("enterprise", "enterprise__district"),
)

permit_pollutant_table = Table(
    [
        Column("permit", _("许可证"), accessor="permit.number", sort="permit__number", link=True),
        Column("factor", _("污染物"), accessor=lambda p: str(p.factor), sort="factor__code"),
        Column("annual_cap_t", _("年许可排放量(t/a)"), sort="annual_cap_t"),
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
        Column("mn", _("设备编号 MN"), sort="mn", link=True),
        Column("target", _("关联对象"), accessor=_device_target),
        Column("protocol_version", _("协议版本"), sort="protocol_version"),
        Column("status", _("状态"), sort="status"),
        Column("manufacturer", _("生产厂家"), sort="manufacturer"),
        Column("model_name", _("型号"), html=False),
        Column("installed_on", _("安装日期"), sort="installed_on", html=False),
    ],
    default_sort="mn",
    select_related=("station", "outlet", "outlet__enterprise"),
)
