"""Registry API viewsets: one per model, all through the gate (see ``GatedViewSetMixin``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import viewsets

from ecobrain.core.api import GatedViewSetMixin, crud_schema
from ecobrain.registry.api import serializers
from ecobrain.registry.filtersets import (
    ContactFilterSet,
    DeviceFilterSet,
    EnterpriseFilterSet,
    MonitoringFactorFilterSet,
    OutletFactorFilterSet,
    OutletFilterSet,
    PermitFilterSet,
    PermitPollutantFilterSet,
    StationFilterSet,
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

# DeviceFilterSet's ``district`` filters through a method over two paths, so drf-spectacular cannot infer its
# type from Device and warns. Declared here until filtersets.py carries it (a ``value: Region`` hint or
# ``@extend_schema_field`` on ``filter_district``); this only annotates the filter, it changes no behaviour.
extend_schema_field(OpenApiTypes.INT)(DeviceFilterSet.base_filters["district"])


@crud_schema("监测因子")
class MonitoringFactorViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """HJ 212 监测因子编码表：参考数据，所有角色可查看，监测人员可维护。"""

    queryset = MonitoringFactor.objects.all()
    serializer_class = serializers.MonitoringFactorSerializer
    filterset_class = MonitoringFactorFilterSet
    ordering_fields = ["code", "old_code", "name", "medium"]


@crud_schema("监测站点")
class StationViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """环境质量监测站点。所属区县由经纬度推算；`factors` 为监测因子编码列表。按区县范围限定可见站点。"""

    queryset = Station.objects.all()
    serializer_class = serializers.StationSerializer
    filterset_class = StationFilterSet
    ordering_fields = ["code", "name", "kind", "status", "district", "updated"]
    select_related = ("district",)
    prefetch_related = ("factors",)


@crud_schema("企业")
class EnterpriseViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """污染源企业（一源一档）。统一社会信用代码须通过 GB 32100 校验；有经纬度时所属区县由坐标推算。"""

    queryset = Enterprise.objects.all()
    serializer_class = serializers.EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    ordering_fields = ["name", "credit_code", "industry", "key_unit_category", "status", "district", "updated"]
    select_related = ("district",)


@crud_schema("联系人")
class ContactViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """企业联系人。只能关联您管辖范围内的企业。"""

    queryset = Contact.objects.all()
    serializer_class = serializers.ContactSerializer
    filterset_class = ContactFilterSet
    ordering_fields = ["name", "enterprise__name", "updated"]
    select_related = ("enterprise",)


@crud_schema("排放口")
class OutletViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """企业排放口：编号废气 DA001、废水 DW001，须与类型一致。"""

    queryset = Outlet.objects.all()
    serializer_class = serializers.OutletSerializer
    filterset_class = OutletFilterSet
    ordering_fields = ["code", "name", "kind", "enterprise__name", "updated"]
    select_related = ("enterprise", "district")


@crud_schema("排放口监测因子")
class OutletFactorViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """排放口的监测因子及排放限值：因子须与排放口类型（气/水）相符，填写限值须注明执行标准。"""

    queryset = OutletFactor.objects.all()
    serializer_class = serializers.OutletFactorSerializer
    filterset_class = OutletFactorFilterSet
    ordering_fields = ["outlet__code", "factor__code", "limit_value", "limit_basis", "updated"]
    select_related = ("outlet__enterprise", "factor")


@crud_schema("排污许可证")
class PermitViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """排污许可证及有效期（有效期止须晚于有效期起）。"""

    queryset = Permit.objects.all()
    serializer_class = serializers.PermitSerializer
    filterset_class = PermitFilterSet
    ordering_fields = ["number", "category", "valid_from", "valid_to", "enterprise__name", "updated"]
    select_related = ("enterprise",)


@crud_schema("许可污染物")
class PermitPollutantViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """许可证许可的污染物及年许可排放量（t/a）。"""

    queryset = PermitPollutant.objects.all()
    serializer_class = serializers.PermitPollutantSerializer
    filterset_class = PermitPollutantFilterSet
    ordering_fields = ["permit__number", "factor__code", "annual_cap_t", "updated"]
    select_related = ("permit__enterprise", "factor")


@crud_schema("数采仪")
class DeviceViewSet(GatedViewSetMixin, viewsets.ModelViewSet):
    """数采仪（按 HJ 212 MN），关联且只关联一个站点或排放口。访问密码只写，加密保存，从不返回。"""

    queryset = Device.objects.all()
    serializer_class = serializers.DeviceSerializer
    filterset_class = DeviceFilterSet
    ordering_fields = ["mn", "protocol_version", "status", "installed_on", "updated"]
    select_related = ("station", "outlet__enterprise")

    def set_extra_fields(self, instance: Device, values: dict) -> None:
        password = values.pop("password", None)
        if password is not None:
            instance.set_access_password(password)
        super().set_extra_fields(instance, values)
