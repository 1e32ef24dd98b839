"""Registry serializers: foreign keys written as ids (factors as their HJ 212 codes), readable names alongside.

They only shape data; the models validate it (``full_clean`` in the viewset) and the gate scopes it.
"""

from __future__ import annotations

from rest_framework import serializers

from ecobrain.core.api import GatedModelSerializer
from ecobrain.core.models import Region, RegionLevel
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

TIMESTAMPS = ["created", "updated"]


class FactorCodeField(serializers.SlugRelatedField):
    """A monitoring factor written and read as its HJ 212 code (``a21026``), not its id."""

    default_error_messages = {
        "does_not_exist": "未知的监测因子编码“{value}”。",
        "invalid": "监测因子编码无效。",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", MonitoringFactor.objects.all())
        super().__init__(**kwargs)


def display(source: str) -> serializers.CharField:
    """The label of a choice field (``get_<field>_display``)."""
    return serializers.CharField(source=f"get_{source}_display", read_only=True)


def related_text(source: str) -> serializers.CharField:
    """A readable value of a related object; null when the relation is empty."""
    return serializers.CharField(source=source, read_only=True, allow_null=True)


class MonitoringFactorSerializer(GatedModelSerializer):
    medium_display = display("medium")

    class Meta:
        model = MonitoringFactor
        fields = [
            "id",
            "code",
            "old_code",
            "name",
            "name_en",
            "medium",
            "medium_display",
            "unit",
            "ambient_unit",
            "emission_unit",
            "data_type",
            "source",
            *TIMESTAMPS,
        ]


class StationSerializer(GatedModelSerializer):
    kind_display = display("kind")
    status_display = display("status")
    waterbody_display = display("waterbody")
    water_target_class_display = display("water_target_class")
    district_name = related_text("district.name")
    factors = FactorCodeField(many=True, required=False, help_text="监测因子编码列表（HJ 212-2017），例如 a34004。")

    class Meta:
        model = Station
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "longitude",
            "latitude",
            "district",
            "district_name",
            "address",
            "factors",
            "is_assessment",
            "waterbody",
            "waterbody_display",
            "water_target_class",
            "water_target_class_display",
            "is_demo",
            "notes",
            *TIMESTAMPS,
        ]
        read_only_fields = ["district"]
        extra_kwargs = {
            "longitude": {"required": True},
            "latitude": {"required": True},
            "district": {"help_text": "由经纬度推算的所属区县（只读）。"},
            "waterbody": {"help_text": "水体类型 river（河流）或 lake（湖库）；仅水质站。"},
            "water_target_class": {"help_text": "水质目标 I–V；仅水质站。"},
        }


class EnterpriseSerializer(GatedModelSerializer):
    industry_display = display("industry")
    key_unit_category_display = display("key_unit_category")
    status_display = display("status")
    district = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(level=RegionLevel.COUNTY),
        required=False,
        allow_null=True,
        help_text="所属区县：无经纬度时必填；填写了经纬度时由坐标推算，此值被忽略。",
    )
    district_name = related_text("district.name")

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "industry",
            "industry_display",
            "address",
            "key_unit_category",
            "key_unit_category_display",
            "status",
            "status_display",
            "legal_representative",
            "longitude",
            "latitude",
            "district",
            "district_name",
            "is_demo",
            *TIMESTAMPS,
        ]


class ContactSerializer(GatedModelSerializer):
    enterprise_name = related_text("enterprise.name")

    class Meta:
        model = Contact
        fields = ["id", "enterprise", "enterprise_name", "name", "title", "phone", "email", *TIMESTAMPS]


class OutletSerializer(GatedModelSerializer):
    enterprise_name = related_text("enterprise.name")
    kind_display = display("kind")
    district_name = related_text("district.name")

    class Meta:
        model = Outlet
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "code",
            "name",
            "kind",
            "kind_display",
            "height_m",
            "longitude",
            "latitude",
            "district",
            "district_name",
            "is_online_monitored",
            "is_demo",
            *TIMESTAMPS,
        ]
        read_only_fields = ["district"]
        extra_kwargs = {"district": {"help_text": "由排放口经纬度推算的所属区县（只读）。"}}


class OutletFactorSerializer(GatedModelSerializer):
    outlet_code = related_text("outlet.code")
    enterprise = serializers.IntegerField(source="outlet.enterprise_id", read_only=True)
    enterprise_name = related_text("outlet.enterprise.name")
    factor = FactorCodeField(help_text="监测因子编码（HJ 212-2017），例如 a21026。")
    factor_name = related_text("factor.name")
    limit_basis_display = display("limit_basis")
    limit_display = serializers.CharField(read_only=True, help_text="限值的可读形式，如 ≤ 35 mg/m³ 或 6–9。")

    class Meta:
        model = OutletFactor
        fields = [
            "id",
            "outlet",
            "outlet_code",
            "enterprise",
            "enterprise_name",
            "factor",
            "factor_name",
            "limit_min",
            "limit_value",
            "limit_display",
            "limit_unit",
            "limit_basis",
            "limit_basis_display",
            "uses_converted_value",
            "standard",
            *TIMESTAMPS,
        ]


class PermitSerializer(GatedModelSerializer):
    enterprise_name = related_text("enterprise.name")
    category_display = display("category")
    is_valid_today = serializers.SerializerMethodField(help_text="今天是否在有效期内。")

    class Meta:
        model = Permit
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "number",
            "category",
            "category_display",
            "issued_by",
            "valid_from",
            "valid_to",
            "is_valid_today",
            *TIMESTAMPS,
        ]

    def get_is_valid_today(self, obj: Permit) -> bool:
        return obj.is_valid_on()


class PermitPollutantSerializer(GatedModelSerializer):
    permit_number = related_text("permit.number")
    enterprise = serializers.IntegerField(source="permit.enterprise_id", read_only=True)
    enterprise_name = related_text("permit.enterprise.name")
    factor = FactorCodeField(help_text="污染物的监测因子编码（HJ 212-2017），例如 a21026。")
    factor_name = related_text("factor.name")

    class Meta:
        model = PermitPollutant
        fields = [
            "id",
            "permit",
            "permit_number",
            "enterprise",
            "enterprise_name",
            "factor",
            "factor_name",
            "annual_cap_t",
            *TIMESTAMPS,
        ]


class DeviceSerializer(GatedModelSerializer):
    """数采仪。访问密码只写：新增时必填，修改时可选，任何响应都不返回。"""

    password = serializers.CharField(
        write_only=True,
        required=False,
        max_length=32,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="HJ 212 访问密码（PW）：新增时必填，修改时不传则不变；任何响应都不返回。",
    )
    protocol_version_display = display("protocol_version")
    status_display = display("status")
    station_name = related_text("station.name")
    outlet_code = related_text("outlet.code")
    enterprise = serializers.IntegerField(source="outlet.enterprise_id", read_only=True, allow_null=True)
    enterprise_name = related_text("outlet.enterprise.name")

    class Meta:
        model = Device
        fields = [
            "id",
            "mn",
            "password",
            "protocol_version",
            "protocol_version_display",
            "station",
            "station_name",
            "outlet",
            "outlet_code",
            "enterprise",
            "enterprise_name",
            "status",
            "status_display",
            "manufacturer",
            "model_name",
            "installed_on",
            "is_demo",
            *TIMESTAMPS,
        ]
        extra_kwargs = {
            "station": {"help_text": "关联的监测站点ID（与 outlet 二选一）。"},
            "outlet": {"help_text": "关联的排放口ID（与 station 二选一）。"},
        }

    def get_fields(self):
        fields = super().get_fields()
        fields["password"].required = self.instance is None
        return fields
