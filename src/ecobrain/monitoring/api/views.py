"""Monitoring API: series (gated list), observation windows streamed as JSON, the raw packet archive."""

from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from ecobrain.core.api import GatedViewSetMixin
from ecobrain.monitoring.api.serializers import PacketSerializer, SeriesSerializer
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.completeness import device_rates_for
from ecobrain.monitoring.filtersets import PacketFilterSet, SeriesFilterSet
from ecobrain.monitoring.forms import CompletenessFilterForm
from ecobrain.monitoring.models import OBSERVATION_MODELS, ArchivedPacket, DailyCompleteness, Series
from ecobrain.monitoring.windows import WindowError, make_window
from ecobrain.standards.hj212 import CHINA_TZ

MAX_SERIES = 100  # series per observation request
_ERRORS = {
    401: OpenApiResponse(description="未认证：缺少、无效、已过期或已吊销的 API 令牌。"),
    403: OpenApiResponse(description="角色无此权限。"),
    404: OpenApiResponse(description="对象不存在或不在您的管辖范围内。"),
}


@extend_schema_view(
    list=extend_schema(summary="监测序列列表", tags=["监测数据"]),
    retrieve=extend_schema(summary="查看监测序列", tags=["监测数据"], responses={200: SeriesSerializer, **_ERRORS}),
)
class SeriesViewSet(GatedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """监测序列：一台数采仪的一个监测因子（各分辨率共用）。按数采仪所属区县或企业限定可见范围。"""

    queryset = Series.objects.all()
    serializer_class = SeriesSerializer
    filterset_class = SeriesFilterSet
    ordering_fields = ["id", "created"]
    select_related = ("device", "factor")

    def get_queryset(self):
        return super().get_queryset().order_by("pk")


# --- observation windows, streamed --------------------------------------------------------------------------

ROW_FIELDS = ("series_id", "period_start", "value_text", "device_flag", "qc_flags", "stats")
ROWS_PER_CHUNK = 500

OBSERVATION_ROW_FIELDS = {
    "series": serializers.IntegerField(),
    "period_start": serializers.DateTimeField(help_text="时段起始（实时数据为采集时刻），北京时间 +08:00。"),
    "value": serializers.CharField(allow_null=True, help_text="数值，按上传原文（精确小数文本）；缺失为 null。"),
    "flag": serializers.CharField(help_text="数采仪数据标记（HJ 212 -Flag），如 N、M、D。"),
    "qc_flags": serializers.IntegerField(
        help_text="平台质控标记位：1 超出量程、2 负值、4 恒值、8 突变、16 卡滞、32 校准/维护。"
    ),
    "stats": serializers.DictField(child=serializers.CharField(), help_text="其他后缀（Min、Max、ZsAvg、Cou…）。"),
}


class ObservationViewSet(viewsets.ViewSet):
    """监测数据窗口：若干序列在一个时段内的数据，流式输出 JSON。"""

    @extend_schema(
        summary="监测数据（时间窗口）",
        tags=["监测数据"],
        parameters=[
            OpenApiParameter(
                "series",
                OpenApiTypes.INT,
                many=True,
                required=True,
                description=f"序列 ID，可重复或逗号分隔，最多 {MAX_SERIES} 个。",
            ),
            OpenApiParameter("resolution", OpenApiTypes.STR, enum=Resolution.values, description="默认 hour。"),
            OpenApiParameter(
                "start",
                OpenApiTypes.STR,
                description=(
                    "开始：日期 2026-03-01 或 ISO 8601 时间（无时区按北京时间）；"
                    "默认为结束前一段（实时/分钟 1 天、小时 7 天、日 30 天）。"
                ),
            ),
            OpenApiParameter("end", OpenApiTypes.STR, description="结束（不含）；日期表示含当天。默认为现在。"),
        ],
        responses={
            200: inline_serializer(
                "ObservationWindow",
                {
                    "resolution": serializers.ChoiceField(choices=Resolution.choices),
                    "start": serializers.DateTimeField(),
                    "end": serializers.DateTimeField(),
                    "series": serializers.ListField(child=serializers.IntegerField()),
                    "results": inline_serializer("ObservationRow", OBSERVATION_ROW_FIELDS, many=True),
                },
            ),
            400: OpenApiResponse(
                description=(
                    "参数无效：未知的数据类型、时间格式错误、结束早于开始，"
                    "或时段超出上限（实时 2 天、分钟 7 天、小时 366 天、日 10 年）。"
                )
            ),
            **_ERRORS,
        },
    )
    def list(self, request):
        params = request.query_params
        try:
            window = make_window(
                params.get("resolution") or Resolution.HOUR,
                start=params.get("start") or None,
                end=params.get("end") or None,
            )
        except WindowError as exc:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from None
        model = OBSERVATION_MODELS[window.resolution]
        if not request.user.has_grant(model, "view"):
            raise exceptions.PermissionDenied(f"您的角色无权查看{model._meta.verbose_name}。")
        ids = _series_ids(params.getlist("series"))
        visible = set(Series.objects.restrict(request.user, "view").filter(pk__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in ids if pk not in visible]
        if missing:
            raise exceptions.NotFound(f"监测序列 {missing[0]} 不存在或不在您的权限范围内。")
        rows = (
            model.objects.for_series(ids)
            .between(window.start, window.end)
            .order_by("series_id", "period_start")
            .values_list(*ROW_FIELDS)
        )
        head = {
            "resolution": window.resolution,
            "start": window.start.astimezone(CHINA_TZ).isoformat(),
            "end": window.end.astimezone(CHINA_TZ).isoformat(),
            "series": ids,
        }
        response = StreamingHttpResponse(_stream(head, rows), content_type="application/json")
        response["Cache-Control"] = "no-store"
        return response


def _series_ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 0 < int(part) < 2**63:
                raise exceptions.ValidationError({"series": [f"“{part[:40]}”不是有效的序列 ID。"]})
            if int(part) not in ids:
                ids.append(int(part))
    if not ids:
        raise exceptions.ValidationError({"series": ["请至少给出一个序列 ID（series=…）。"]})
    if len(ids) > MAX_SERIES:
        raise exceptions.ValidationError({"series": [f"每次最多查询 {MAX_SERIES} 个序列，本次 {len(ids)} 个。"]})
    return ids


def _stream(head: dict, rows):
    """The JSON document in pieces: the head, then the rows in chunks, read from the database as they go."""
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    yield opening + ', "results": ['
    chunk: list[str] = []
    first = True
    for series_id, period_start, text, flag, qc, stats in rows.iterator(chunk_size=2000):
        row = {
            "series": series_id,
            "period_start": period_start.astimezone(CHINA_TZ).isoformat(),
            "value": text or None,
            "flag": flag,
            "qc_flags": qc,
            "stats": stats,
        }
        chunk.append(json.dumps(row, ensure_ascii=False))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield ("" if first else ",") + ",".join(chunk)
            first = False
            chunk = []
    if chunk:
        yield ("" if first else ",") + ",".join(chunk)
    yield "]}"


# --- the raw packet archive ---------------------------------------------------------------------------------


class PacketCursorPagination(CursorPagination):
    """Newest first, by cursor: no COUNT(*) and no OFFSET over a multi-million-row archive."""

    ordering = ("-received_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


@extend_schema_view(
    list=extend_schema(summary="原始报文列表", tags=["监测数据"]),
    retrieve=extend_schema(summary="查看原始报文", tags=["监测数据"], responses={200: PacketSerializer, **_ERRORS}),
)
class PacketViewSet(GatedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """网关收到的每一帧原始报文（含无效报文）及处理结果，按接收时间倒序，游标分页。"""

    queryset = ArchivedPacket.objects.all()
    serializer_class = PacketSerializer
    filterset_class = PacketFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = PacketCursorPagination


class CompletenessViewSet(viewsets.ViewSet):
    """数据完整率：各数采仪在日期范围内的应传、实传、有效个数与有效传输率（最差的在前）。"""

    @extend_schema(
        summary="数据完整率（按数采仪）",
        tags=["监测数据"],
        parameters=[
            OpenApiParameter("first", OpenApiTypes.DATE, description="开始日期（北京时间自然日），默认结束前 6 天。"),
            OpenApiParameter("last", OpenApiTypes.DATE, description="结束日期（含），默认今天。范围最多 366 天。"),
            OpenApiParameter("resolution", OpenApiTypes.STR, enum=["minute", "hour", "day"], description="默认 hour。"),
            OpenApiParameter("district", OpenApiTypes.STR, description="区县行政区划代码。"),
            OpenApiParameter("target", OpenApiTypes.STR, enum=["station", "outlet"], description="对象类型。"),
            OpenApiParameter("q", OpenApiTypes.STR, description="搜索 MN、站点名称或编码、企业名称。"),
            OpenApiParameter("below", OpenApiTypes.BOOL, description="仅返回有效传输率低于 90% 的数采仪。"),
        ],
        responses={
            200: inline_serializer(
                "CompletenessList",
                {
                    "first": serializers.DateField(),
                    "last": serializers.DateField(),
                    "resolution": serializers.CharField(),
                    "results": inline_serializer(
                        "DeviceCompleteness",
                        {
                            "device": serializers.IntegerField(),
                            "mn": serializers.CharField(),
                            "station": serializers.IntegerField(allow_null=True),
                            "outlet": serializers.IntegerField(allow_null=True),
                            "expected": serializers.IntegerField(),
                            "received": serializers.IntegerField(),
                            "valid": serializers.IntegerField(),
                            "transmission_rate": serializers.FloatField(allow_null=True),
                            "validity_rate": serializers.FloatField(allow_null=True),
                            "effective_rate": serializers.FloatField(allow_null=True),
                            "below_target": serializers.BooleanField(),
                        },
                        many=True,
                    ),
                },
            ),
            400: OpenApiResponse(description="参数无效：日期格式错误、开始晚于结束、范围超过 366 天或未知的区县。"),
            **_ERRORS,
        },
    )
    def list(self, request):
        if not request.user.has_grant(DailyCompleteness, "view"):
            raise exceptions.PermissionDenied("您的角色无权查看数据完整率。")
        form = CompletenessFilterForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        data = form.cleaned_data
        rates = device_rates_for(request.user, data)
        if data.get("below"):
            rates = [r for r in rates if r.below_target]
        results = [
            {
                "device": r.device.pk,
                "mn": r.device.mn,
                "station": r.device.station_id,
                "outlet": r.device.outlet_id,
                "expected": r.rate.expected,
                "received": r.rate.received,
                "valid": r.rate.valid,
                "transmission_rate": r.rate.transmission_rate,
                "validity_rate": r.rate.validity_rate,
                "effective_rate": r.rate.effective_rate,
                "below_target": r.below_target,
            }
            for r in rates
        ]
        return Response(
            {"first": data["first"], "last": data["last"], "resolution": data["resolution"], "results": results}
        )
