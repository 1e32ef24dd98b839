"""Air quality API: hourly, daily and period rows (bounded by time), the latest hour, and rankings."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response

from ecobrain.assessment import queries, ranking
from ecobrain.assessment.api.serializers import (
    AirQualityDaySerializer,
    AirQualityHourSerializer,
    AirQualityPeriodSerializer,
    RankedSerializer,
)
from ecobrain.assessment.choices import PeriodKind, Scope
from ecobrain.assessment.filtersets import AirQualityDayFilterSet, AirQualityHourFilterSet, AirQualityPeriodFilterSet
from ecobrain.assessment.models import AirQualityDay, AirQualityHour, AirQualityPeriod
from ecobrain.assessment.queries import QueryError
from ecobrain.core.api import GatedViewSetMixin
from ecobrain.standards.aqi import BEIJING

TAG = "空气质量"
_ERRORS = {
    400: OpenApiResponse(description="参数无效：时间格式错误、结束早于开始，或时段超出上限（小时 31 天、日 366 天）。"),
    401: OpenApiResponse(description="未认证：缺少、无效、已过期或已吊销的 API 令牌。"),
    403: OpenApiResponse(description="角色无此权限。"),
}


def _bad(exc: QueryError):
    return exceptions.ValidationError({exc.field: [str(exc)]})


class _AirRowsViewSet(GatedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Rows through the gate as dicts (``values``) with the station's and region's names joined in."""

    ordering_fields: list[str] = []  # rows come in time order (bounded() orders them)

    def bounded(self, queryset):
        return queryset

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        if self.action == "list":
            queryset = self.bounded(queryset)
        return queryset.values(*self.serializer_class.value_fields)


_OBJECT_PARAMETERS = [
    OpenApiParameter("scope", OpenApiTypes.STR, enum=Scope.values, description="评价对象：station / district / city。"),
    OpenApiParameter("station", OpenApiTypes.STR, description="站点编码或站点 ID。"),
    OpenApiParameter("region", OpenApiTypes.STR, description="区县或城市的行政区划代码（区县、城市行）。"),
]


@extend_schema_view(
    list=extend_schema(
        summary="小时空气质量（实时 AQI）",
        tags=[TAG],
        parameters=[
            *_OBJECT_PARAMETERS,
            OpenApiParameter(
                "start", OpenApiTypes.STR, description="开始：日期或 ISO 时间（无时区按北京时间），默认结束前 24 小时。"
            ),
            OpenApiParameter(
                "end", OpenApiTypes.STR, description="结束（不含）；日期表示含当天。默认当前小时之后；最多 31 天。"
            ),
        ],
        responses={200: AirQualityHourSerializer(many=True), **_ERRORS},
    ),
    retrieve=extend_schema(summary="查看小时空气质量", tags=[TAG]),
)
class AirQualityHourViewSet(_AirRowsViewSet):
    """站点、区县、城市的小时 AQI，按时段起始排序；每次最多 31 天。"""

    queryset = AirQualityHour.objects.all()
    serializer_class = AirQualityHourSerializer
    filterset_class = AirQualityHourFilterSet

    def bounded(self, queryset):
        params = self.request.query_params
        try:
            start, end = queries.hour_window(params.get("start"), params.get("end"))
        except QueryError as exc:
            raise _bad(exc) from None
        return queryset.between(start, end).order_by("period_start", "scope", "station_id", "region_id")


@extend_schema_view(
    list=extend_schema(
        summary="日空气质量（日 AQI）",
        tags=[TAG],
        parameters=[
            *_OBJECT_PARAMETERS,
            OpenApiParameter("start", OpenApiTypes.DATE, description="第一天，默认结束日前 29 天。"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="最后一天（含），默认今天；最多 366 天。"),
        ],
        responses={200: AirQualityDaySerializer(many=True), **_ERRORS},
    ),
    retrieve=extend_schema(summary="查看日空气质量", tags=[TAG]),
)
class AirQualityDayViewSet(_AirRowsViewSet):
    """站点、区县、城市的日 AQI（北京时间自然日），按日期排序；每次最多 366 天。"""

    queryset = AirQualityDay.objects.all()
    serializer_class = AirQualityDaySerializer
    filterset_class = AirQualityDayFilterSet

    def bounded(self, queryset):
        params = self.request.query_params
        try:
            first, last = queries.day_window(params.get("start"), params.get("end"))
        except QueryError as exc:
            raise _bad(exc) from None
        return queryset.between(first, last).order_by("day", "scope", "station_id", "region_id")


@extend_schema_view(
    list=extend_schema(summary="月、年空气质量统计", tags=[TAG]),
    retrieve=extend_schema(summary="查看空气质量统计", tags=[TAG]),
)
class AirQualityPeriodViewSet(_AirRowsViewSet):
    """站点、区县、城市的月、年统计（HJ 663），按周期起始排序。"""

    queryset = AirQualityPeriod.objects.all()
    serializer_class = AirQualityPeriodSerializer
    filterset_class = AirQualityPeriodFilterSet

    def bounded(self, queryset):
        return queryset.order_by("period_start", "kind", "scope", "station_id", "region_id")


class AirQualityLatestViewSet(viewsets.ViewSet):
    """最新一小时（有城市结果的最新小时）的城市、区县、站点 AQI。"""

    queryset = AirQualityHour.objects.all()  # the gate's grant check (GatePermission) reads the model from here

    @extend_schema(
        summary="最新空气质量",
        tags=[TAG],
        parameters=[
            OpenApiParameter("hour", OpenApiTypes.STR, description="指定小时起始（北京时间），默认最新。"),
        ],
        responses={
            200: inline_serializer(
                "AirQualityLatest",
                {
                    "period_start": serializers.DateTimeField(allow_null=True),
                    "city": AirQualityHourSerializer(allow_null=True),
                    "districts": AirQualityHourSerializer(many=True),
                    "stations": AirQualityHourSerializer(many=True),
                },
            ),
            **_ERRORS,
        },
    )
    def list(self, request):
        hour_param = request.query_params.get("hour")
        try:
            moment = queries.parse_hour(hour_param) if hour_param else queries.latest_hour()
        except QueryError as exc:
            raise _bad(exc) from None
        if moment is None:
            return Response({"period_start": None, "city": None, "districts": [], "stations": []})
        serializer = AirQualityHourSerializer()
        rows = (
            AirQualityHour.objects.restrict(request.user, "view")
            .filter(period_start=moment)
            .order_by("scope", "region__adcode", "station__code")
            .values(*serializer.value_fields)
        )
        out = {"period_start": moment.astimezone(BEIJING).isoformat(), "city": None, "districts": [], "stations": []}
        for row in rows:
            shown = serializer.to_representation(row)
            if row["scope"] == Scope.CITY:
                out["city"] = shown
            else:
                out["districts" if row["scope"] == Scope.DISTRICT else "stations"].append(shown)
        return Response(out)


class AirQualityRankingViewSet(viewsets.ViewSet):
    """区县、站点按综合指数排名（月或年），含同比、环比。"""

    queryset = AirQualityPeriod.objects.all()

    @extend_schema(
        summary="空气质量排名",
        tags=[TAG],
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=PeriodKind.values, description="month（默认）或 year。"),
            OpenApiParameter(
                "period", OpenApiTypes.STR, description="2026-11（月）或 2026（年）；默认上一个完整月份或其所在年。"
            ),
            OpenApiParameter(
                "stations", OpenApiTypes.STR, enum=["assessment", "all"], description="站点排名范围，默认评价站点。"
            ),
        ],
        responses={
            200: inline_serializer(
                "AirQualityRanking",
                {
                    "kind": serializers.CharField(help_text="month 月 / year 年。"),
                    "period": serializers.CharField(),
                    "districts": RankedSerializer(many=True),
                    "stations": RankedSerializer(many=True),
                },
            ),
            **_ERRORS,
        },
    )
    def list(self, request):
        params = request.query_params
        try:
            period = ranking.parse_period(params.get("kind"), params.get("period"))
        except QueryError as exc:
            raise _bad(exc) from None
        all_stations = params.get("stations") == "all"
        serializer = RankedSerializer()
        return Response(
            {
                "kind": period.kind,
                "period": period.label,
                "districts": [
                    serializer.to_representation(r) for r in ranking.ranking(request.user, period, scope=Scope.DISTRICT)
                ],
                "stations": [
                    serializer.to_representation(r)
                    for r in ranking.ranking(request.user, period, scope=Scope.STATION, all_stations=all_stations)
                ],
            }
        )


def register(router) -> None:
    """The air quality endpoints on the /api/v1/ router."""
    router.register("air-quality/hours", AirQualityHourViewSet, basename="air-quality-hour")
    router.register("air-quality/days", AirQualityDayViewSet, basename="air-quality-day")
    router.register("air-quality/periods", AirQualityPeriodViewSet, basename="air-quality-period")
    router.register("air-quality/latest", AirQualityLatestViewSet, basename="air-quality-latest")
    router.register("air-quality/rankings", AirQualityRankingViewSet, basename="air-quality-ranking")
