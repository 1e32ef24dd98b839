"""``POST /api/v1/ingest/observations``: observation documents (JSON) or rows (CSV) into the time-series store."""

from __future__ import annotations

import io

from django.conf import settings
from django.urls import re_path
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ecobrain.core.imports import ImportFileError, decode_csv
from ecobrain.ingest.documents import DocumentError, UserScope, ingest_records, read_csv, read_json
from ecobrain.ingest.documents.store import ERRORS_LISTED, MAX_ROWS_PER_CALL
from ecobrain.monitoring.models import OBSERVATION_MODELS

JSON_TYPES = frozenset({"application/json"})
CSV_TYPES = frozenset({"text/csv", "application/csv"})


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text="JSON：文档在批次中的序号（从 0 起）；CSV：行号（表头为第 1 行）；整体错误为 null"
    )
    field = serializers.CharField(
        help_text="出错的字段：mn、resolution、time、values.<因子>、factor、value、flag、rows…"
    )
    message = serializers.CharField()


class IngestResultSerializer(serializers.Serializer):
    inserted = serializers.IntegerField(help_text="新写入的数据行数")
    updated = serializers.IntegerField(help_text="已存在、被更新（修订次数 +1）的数据行数")
    rejected = serializers.IntegerField(help_text="被拒绝的数据行数，原因见 errors")
    errors = RowErrorSerializer(many=True, help_text=f"逐行错误，最多列出 {ERRORS_LISTED} 条")
    errors_omitted = serializers.IntegerField(help_text="未列出的错误条数")


_VALUE = {
    "oneOf": [
        {"type": "string", "description": "主数值（十进制文本，原样保存）"},
        {
            "type": "object",
            "description": 'HJ 212 后缀 → 值，如 {"Avg": "12.5", "Min": "10.1", "Flag": "N"}',
            "additionalProperties": {"type": "string"},
        },
    ]
}
_DOCUMENT = {
    "type": "object",
    "required": ["time", "values"],
    "properties": {
        "mn": {"type": "string", "description": "数采仪 MN"},
        "resolution": {
            "type": "string",
            "enum": ["realtime", "minute", "hour", "day", "2011", "2051", "2061", "2031"],
            "description": "数据类型，或 HJ 212 的 CN",
        },
        "time": {
            "type": "string",
            "description": "带时区的 ISO 8601，或 HJ 212 的 YYYYMMDDhhmmss（北京时间）；分钟/小时/日数据为时段起始",
        },
        "values": {
            "type": "object",
            "additionalProperties": _VALUE,
            "description": "因子编码（2017 版或 2005 版）→ 值",
        },
    },
}
_JSON_BODY = {
    "oneOf": [
        _DOCUMENT,
        {"type": "array", "items": _DOCUMENT},
        {
            "type": "object",
            "required": ["rows"],
            "properties": {
                "rows": {"type": "array", "items": _DOCUMENT},
                "mn": {"type": "string"},
                "resolution": {"type": "string"},
            },
        },
    ]
}
_CSV_BODY = {
    "type": "string",
    "description": "表头 mn,resolution,time,factor,value[,flag]，其后可加 HJ 212 后缀列（Min、Max…）",
}


def _read_body(request) -> bytes:
    """The request body, refused with 413 before it is read when it is larger than ECOBRAIN_MAX_UPLOAD_BYTES."""
    limit = settings.MAX_UPLOAD_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise exceptions.ParseError("Content-Length 无效。") from None
    if length > limit:
        raise PayloadTooLarge(f"正文 {length} 字节，超过上限 {limit} 字节（ECOBRAIN_MAX_UPLOAD_BYTES）。")
    return request._request.read(limit + 1)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "正文过大。"
    default_code = "payload_too_large"


class ObservationIngestView(APIView):
    """导入监测数据：JSON 文档或 CSV 行写入时序库（幂等：重复提交更新同一行并计修订次数）。"""

    parser_classes = ()  # the body is read here, as bytes, so numbers keep their text

    @extend_schema(
        operation_id="ingest_observations",
        summary="导入监测数据",
        tags=["数据接入"],
        description=(
            "需要监测数据的“导入”权限，且每行的数采仪在您的管辖范围内。合法的行写入（同一设备、因子、时段"
            "重复提交则更新并计修订次数），不合法的行逐行报告，不会被静默丢弃。"
            f"每次最多 {MAX_ROWS_PER_CALL} 行。格式见 docs/ingest.md。"
        ),
        request={"application/json": _JSON_BODY, "text/csv": _CSV_BODY},
        responses={
            200: IngestResultSerializer,
            400: OpenApiResponse(description="正文无法读取：不是 JSON，或 CSV 表头不对。"),
            401: OpenApiResponse(description="未认证。"),
            403: OpenApiResponse(description="角色无导入监测数据的权限。"),
            413: OpenApiResponse(description="正文超过 ECOBRAIN_MAX_UPLOAD_BYTES。"),
            415: OpenApiResponse(description="Content-Type 不是 application/json 或 text/csv。"),
        },
        examples=[
            OpenApiExample(
                "一个小时数据文档",
                value={
                    "mn": "MN610402000000000001",
                    "resolution": "hour",
                    "time": "2026-03-01T09:00:00+08:00",
                    "values": {"a34004": "35", "a21026": {"Avg": "12.5", "Flag": "N"}},
                },
                request_only=True,
                media_type="application/json",
            )
        ],
    )
    def post(self, request):
        user = request.user
        if not any(user.has_grant(model, "import") for model in OBSERVATION_MODELS.values()):
            raise exceptions.PermissionDenied("您的角色无权导入监测数据。")
        media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
        if media_type not in JSON_TYPES | CSV_TYPES:
            raise exceptions.UnsupportedMediaType(media_type or "(none)")
        body = _read_body(request)
        if len(body) > settings.MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(f"正文超过上限 {settings.MAX_UPLOAD_BYTES} 字节（ECOBRAIN_MAX_UPLOAD_BYTES）。")
        try:
            if media_type in JSON_TYPES:
                records = read_json(body)
            else:  # UTF-8 or GBK, as the registry's CSV imports take it
                records = list(read_csv(io.StringIO(decode_csv(body), newline="")))
        except (DocumentError, ImportFileError) as exc:
            raise exceptions.ParseError(str(exc)) from None
        report = ingest_records(records, scope=UserScope(user))
        return Response(report.as_json())


urlpatterns = [
    # With and without the trailing slash: device firmware and scripts post to the path as documented.
    re_path(r"^ingest/observations/?$", ObservationIngestView.as_view(), name="api-ingest-observations"),
]
