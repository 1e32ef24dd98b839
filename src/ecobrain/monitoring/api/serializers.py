"""Serializers of the monitoring API (series and archived packets; observations are streamed without one)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ecobrain.monitoring.models import ArchivedPacket, Series
from ecobrain.monitoring.packets import mask_password, translated
from ecobrain.monitoring.readings import series_unit
from ecobrain.standards.hj212 import HJ212Error, try_decode
from ecobrain.standards.hj212.codes import command_name


class SeriesSerializer(serializers.ModelSerializer):
    device_mn = serializers.CharField(source="device.mn", read_only=True)
    station = serializers.IntegerField(source="device.station_id", read_only=True, allow_null=True)
    outlet = serializers.IntegerField(source="device.outlet_id", read_only=True, allow_null=True)
    factor = serializers.CharField(source="factor.code", read_only=True, help_text="监测因子编码（HJ 212-2017）。")
    factor_name = serializers.CharField(source="factor.name", read_only=True)
    unit = serializers.SerializerMethodField(help_text="站点为环境质量单位，排放口为浓度单位。")

    class Meta:
        model = Series
        fields = ["id", "device", "device_mn", "station", "outlet", "factor", "factor_name", "unit", "created"]

    def get_unit(self, obj: Series) -> str:
        return series_unit(obj)


class PacketSerializer(serializers.ModelSerializer):
    """An archived frame; the access password (PW, NewPW) is replaced by ``*`` in ``raw`` and ``decoded``."""

    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    cn_name = serializers.SerializerMethodField(
        help_text="命令名称（HJ 212-2017 表 9），随请求语言（Accept-Language）显示，与 outcome_display 相同。"
    )
    raw = serializers.SerializerMethodField(help_text="原始报文文本（访问密码以 * 代替）。")
    decoded = serializers.SerializerMethodField(
        help_text="解析结果：与 `ecobrain hj212 decode` 相同的 JSON（ok=true），或 ok=false 及 error、detail、offset。"
    )

    class Meta:
        model = ArchivedPacket
        fields = [
            "id",
            "received_at",
            "peer",
            "mn",
            "cn",
            "cn_name",
            "qn",
            "device",
            "outcome",
            "outcome_display",
            "detail",
            "values_stored",
            "raw",
            "decoded",
        ]

    def get_cn_name(self, obj: ArchivedPacket) -> str:
        return translated(command_name(obj.cn))

    def get_raw(self, obj: ArchivedPacket) -> str:
        return mask_password(obj.raw_text())

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_decoded(self, obj: ArchivedPacket) -> dict:
        decoded = try_decode(bytes(obj.raw))
        if isinstance(decoded, HJ212Error):
            return {"ok": False, "error": decoded.kind, "detail": decoded.detail, "offset": decoded.offset}
        document = decoded.as_json()
        document["pw"] = "*" * len(document["pw"] or "")
        document["cp"] = {
            key: ("*" * len(value) if key in {"PW", "NewPW"} else value) for key, value in document["cp"].items()
        }
        return document
