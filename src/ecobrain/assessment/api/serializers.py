"""Serializers of the air quality API. The fields are declared for the schema; rows come as dicts from
``values(*VALUE_FIELDS)`` and are written out by hand (`to_representation`): a year of daily rows must be served
in well under 100 ms, and model instances (a row, its station, its district) would cost most of that."""

from __future__ import annotations

from rest_framework import serializers

from ecobrain.assessment.choices import Scope
from ecobrain.assessment.queries import level_display
from ecobrain.standards.aqi import BEIJING

CONCENTRATIONS = ("so2", "no2", "co", "o3", "o3_8h", "pm10", "pm2_5")


def _number(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class _ObjectFields(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=Scope.choices, help_text="station 站点 / district 区县 / city 城市。")
    station = serializers.IntegerField(allow_null=True, help_text="站点 ID（区县、城市行为 null）。")
    station_code = serializers.CharField(allow_null=True)
    station_name = serializers.CharField(allow_null=True)
    region_adcode = serializers.CharField(
        allow_null=True, help_text="区县或城市的行政区划代码（站点行为站点所在区县）。"
    )
    region_name = serializers.CharField(allow_null=True)

    value_fields = (
        "id",
        "scope",
        "station_id",
        "station__code",
        "station__name",
        "station__district__adcode",
        "station__district__name",
        "region__adcode",
        "region__name",
    )

    @staticmethod
    def object_fields(row: dict) -> dict:
        if row["scope"] == Scope.STATION:
            adcode, name = row["station__district__adcode"], row["station__district__name"]
        else:
            adcode, name = row["region__adcode"], row["region__name"]
        return {
            "id": row["id"],
            "scope": row["scope"],
            "station": row["station_id"],
            "station_code": row["station__code"],
            "station_name": row["station__name"],
            "region_adcode": adcode,
            "region_name": name,
        }


class _AirQualityFields(_ObjectFields):
    so2 = _number("SO₂ µg/m³")
    no2 = _number("NO₂ µg/m³")
    co = _number("CO mg/m³")
    o3 = _number("O₃ µg/m³：小时行为 1 小时均值，日行为日最大 1 小时均值")
    o3_8h = _number("O₃ 8 小时均值 µg/m³：小时行为滑动均值，日行为日最大 8 小时均值 (MDA8)")
    pm10 = _number("PM₁₀ µg/m³")
    pm2_5 = _number("PM₂.₅ µg/m³")
    aqi = serializers.IntegerField(allow_null=True, help_text="AQI；null 表示数据不足不发布 (NA)。")
    level = serializers.IntegerField(allow_null=True, help_text="级别 1–6。")
    category = serializers.CharField(allow_null=True, help_text="类别（优、良、轻度污染…），按评价标准的文字。")
    colour = serializers.CharField(allow_null=True, help_text="级别颜色，如 #00E400。")
    primary_pollutants = serializers.ListField(child=serializers.CharField(), help_text="首要污染物键，如 pm2_5。")
    iaqi = serializers.DictField(child=serializers.IntegerField(), help_text="分指数。")
    edition = serializers.CharField(help_text="评价标准，如 HJ 633-2026。")
    station_count = serializers.IntegerField(help_text="参与计算的站点数。")
    computed_at = serializers.DateTimeField()

    value_fields = (
        *_ObjectFields.value_fields,
        *CONCENTRATIONS,
        "aqi",
        "level",
        "primary_pollutants",
        "iaqi",
        "edition",
        "station_count",
        "computed_at",
    )

    def air_fields(self, row: dict) -> dict:
        shown = level_display(row["level"], row["edition"])
        out = self.object_fields(row)
        for key in CONCENTRATIONS:
            out[key] = row[key]
        out.update(
            aqi=row["aqi"],
            level=row["level"],
            category=shown.category if shown else None,
            colour=shown.colour if shown else None,
            primary_pollutants=[key for key in row["primary_pollutants"].split(",") if key],
            iaqi=row["iaqi"],
            edition=row["edition"],
            station_count=row["station_count"],
            computed_at=row["computed_at"].astimezone(BEIJING).isoformat(),
        )
        return out


class AirQualityHourSerializer(_AirQualityFields):
    """实时（小时）空气质量：一个站点、区县或城市一小时的 AQI。"""

    period_start = serializers.DateTimeField(help_text="小时起始，北京时间 +08:00（起始 08:00 的小时通常标为 09 时）。")
    pm10_24h = _number("PM₁₀ 24 小时滑动均值 µg/m³")
    pm2_5_24h = _number("PM₂.₅ 24 小时滑动均值 µg/m³")

    value_fields = (*_AirQualityFields.value_fields, "period_start", "pm10_24h", "pm2_5_24h")

    def to_representation(self, row: dict) -> dict:
        out = self.air_fields(row)
        out["period_start"] = row["period_start"].astimezone(BEIJING).isoformat()
        out["pm10_24h"] = row["pm10_24h"]
        out["pm2_5_24h"] = row["pm2_5_24h"]
        return out


class AirQualityDaySerializer(_AirQualityFields):
    """日空气质量：一个站点、区县或城市一个自然日（北京时间）的日 AQI。"""

    day = serializers.DateField()
    hours = serializers.DictField(child=serializers.IntegerField(), help_text="各污染物有效小时数。")

    value_fields = (*_AirQualityFields.value_fields, "day", "hours")

    def to_representation(self, row: dict) -> dict:
        out = self.air_fields(row)
        out["day"] = row["day"].isoformat()
        out["hours"] = row["hours"]
        return out


class AirQualityPeriodSerializer(_ObjectFields):
    """月、年统计（HJ 663）：评价浓度、综合指数、优良天数比例、各级别天数。"""

    kind = serializers.CharField(help_text="month 月 / year 年。")
    period_start = serializers.DateField(help_text="月或年的第一天。")
    stats = serializers.DictField(help_text="各污染物统计量：天数、均值、百分位数、评价浓度、是否有效。")
    comprehensive_index = serializers.FloatField(allow_null=True)
    index_primary = serializers.CharField(help_text="单项指数最大的污染物。")
    valid_days = serializers.IntegerField()
    good_days = serializers.IntegerField()
    good_ratio = serializers.FloatField(allow_null=True, help_text="优良天数比例，0–1。")
    days_per_level = serializers.DictField(child=serializers.IntegerField(), help_text='级别 "1"…"6" → 天数。')
    edition = serializers.CharField(help_text="评价标准，如 HJ 663-2026。")
    computed_at = serializers.DateTimeField()

    value_fields = (
        *_ObjectFields.value_fields,
        "kind",
        "period_start",
        "stats",
        "comprehensive_index",
        "index_primary",
        "valid_days",
        "good_days",
        "good_ratio",
        "days_per_level",
        "edition",
        "computed_at",
    )

    def to_representation(self, row: dict) -> dict:
        out = self.object_fields(row)
        for key in self.value_fields[len(_ObjectFields.value_fields) :]:
            out[key] = row[key]
        out["period_start"] = row["period_start"].isoformat()
        out["computed_at"] = row["computed_at"].astimezone(BEIJING).isoformat()
        return out


class RankedSerializer(serializers.Serializer):
    """一个区县或站点在排名中的一行。"""

    rank = serializers.IntegerField(allow_null=True, help_text="名次；综合指数（两位小数）相同者并列；无指数为 null。")
    scope = serializers.ChoiceField(choices=Scope.choices)
    code = serializers.CharField(help_text="区县的行政区划代码或站点编码。")
    name = serializers.CharField()
    district = serializers.CharField(allow_blank=True, help_text="站点所在区县名称。")
    comprehensive_index = serializers.FloatField(allow_null=True, help_text="综合指数（两位小数）。")
    index_primary = serializers.CharField()
    single_indices = serializers.DictField(child=serializers.FloatField())
    concentrations = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text="评价浓度。")
    valid_days = serializers.IntegerField()
    good_days = serializers.IntegerField()
    good_ratio = serializers.FloatField(allow_null=True)
    days_per_level = serializers.ListField(child=serializers.IntegerField(), help_text="级别 1–6 的天数。")
    index_yoy = serializers.FloatField(allow_null=True, help_text="综合指数同比变化率（0.05 = +5%）。")
    index_mom = serializers.FloatField(allow_null=True, help_text="综合指数环比变化率（年排名为 null）。")
    pm2_5_yoy = serializers.FloatField(allow_null=True)
    pm2_5_mom = serializers.FloatField(allow_null=True)
    invalid = serializers.ListField(child=serializers.CharField(), help_text="有效天数不足、统计无效的污染物。")
    edition = serializers.CharField()

    def to_representation(self, row) -> dict:
        from ecobrain.assessment.ranking import INDEX_POLLUTANTS

        period = row.period
        return {
            "rank": row.rank,
            "scope": period.scope,
            "code": row.code,
            "name": row.name,
            "district": row.district_name,
            "comprehensive_index": float(row.index) if row.index is not None else None,
            "index_primary": period.index_primary,
            "single_indices": row.single_indices(),
            "concentrations": {k: row.concentration(k) for k in INDEX_POLLUTANTS},
            "valid_days": period.valid_days,
            "good_days": period.good_days,
            "good_ratio": period.good_ratio,
            "days_per_level": row.days_per_level(),
            "index_yoy": row.index_yoy,
            "index_mom": row.index_mom,
            "pm2_5_yoy": row.pm2_5_yoy,
            "pm2_5_mom": row.pm2_5_mom,
            "invalid": row.invalid,
            "edition": period.edition,
        }
