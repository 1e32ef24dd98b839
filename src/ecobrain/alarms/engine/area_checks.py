"""Checks on assessment results and device state: ambient AQI/pollutant thresholds and rises (station, district,
city), water sections below their target class, data loggers offline, low 有效传输率.

These run from periodic jobs on a few hundred rows a minute, not on the observation hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext

from ecobrain.alarms.engine.checks import Check, china_time, number
from ecobrain.alarms.engine.objects import DeviceContext
from ecobrain.alarms.engine.state import BAD, GOOD, HOLD
from ecobrain.alarms.params import Target
from ecobrain.alarms.services.raising import AlarmTarget
from ecobrain.monitoring.choices import Resolution
from ecobrain.registry.choices import WaterClass

METRIC_LABELS = {
    "aqi": "AQI",
    "pm2_5": "PM₂.₅",
    "pm10": "PM₁₀",
    "o3": "O₃",
    "o3_8h": "O₃-8h",
    "no2": "NO₂",
    "so2": "SO₂",
    "co": "CO",
}
METRIC_UNITS = {"aqi": "", "co": "mg/m³"}  # the others µg/m³
DEFAULT_METRIC_UNIT = "μg/m³"
# GB 3838-2002 §3: classes from best to worst; a larger index is worse.
WATER_CLASS_ORDER = {cls.value: index for index, cls in enumerate(WaterClass, start=1)}


@dataclass(frozen=True, slots=True)
class AreaObject:
    """What an ambient result is about: a station, a district or the city."""

    scope: str  # params.Target
    object_id: int  # station id or region id
    name: str
    district_id: int | None  # for scope matching and the alarm's district (None for the city)
    station_id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.object_id}"


class AmbientCheck(Check):
    """An ambient metric of one station, district or the city (ambient_threshold / ambient_rise).

    Threshold: BAD above ``threshold``, GOOD at or below threshold × (1 − hysteresis), HOLD between.
    Rise: BAD when the value is at least ``rise`` above the lowest value of the ``window_hours`` hours before it,
    GOOD otherwise, HOLD when none of those hours has a value.
    """

    __slots__ = ("daily", "obj")

    def __init__(self, rule, state, judge, obj: AreaObject, daily: bool) -> None:
        super().__init__(rule, state, judge)
        self.obj = obj
        self.daily = daily

    @property
    def metric(self) -> str:
        return self.rule.params.metric

    @property
    def threshold(self) -> float | None:
        params = self.rule.params
        return params.threshold if hasattr(params, "threshold") else params.rise

    def verdict(self, value: float, period: datetime):
        params = self.rule.params
        if hasattr(params, "threshold"):
            if value > params.threshold:
                return BAD
            return GOOD if value <= params.threshold * (1 - params.hysteresis) else HOLD
        earlier = self.state.values_between(period - timedelta(hours=params.window_hours), period)
        if not earlier:
            return HOLD
        return BAD if value - min(earlier) >= params.rise else GOOD

    def observe(self, value: float | None, period: datetime) -> None:
        if value is None:
            return
        self.judge(self, period, self.verdict(float(value), period), float(value), 0)

    def describe(self, value: float | None, period: datetime) -> AlarmTarget:
        params = self.rule.params
        label = METRIC_LABELS.get(self.metric, self.metric)
        unit = METRIC_UNITS.get(self.metric, DEFAULT_METRIC_UNIT)
        when = china_time(period, Resolution.DAY if self.daily else Resolution.HOUR)
        if hasattr(params, "threshold"):
            title = gettext("%(name)s %(metric)s超过%(threshold)s") % {
                "name": self.obj.name,
                "metric": label,
                "threshold": number(params.threshold),
            }
            message = gettext("%(time)s %(name)s %(metric)s %(value)s %(unit)s，阈值 %(threshold)s。") % {
                "time": when,
                "name": self.obj.name,
                "metric": label,
                "value": number(value),
                "unit": unit,
                "threshold": number(params.threshold),
            }
        else:
            earlier = self.state.values_between(period - timedelta(hours=params.window_hours), period)
            title = gettext("%(name)s %(metric)s %(hours)s小时内快速上升") % {
                "name": self.obj.name,
                "metric": label,
                "hours": params.window_hours,
            }
            message = gettext("%(time)s %(name)s %(metric)s %(value)s %(unit)s，%(hours)s小时内上升 %(rise)s。") % {
                "time": when,
                "name": self.obj.name,
                "metric": label,
                "value": number(value),
                "unit": unit,
                "hours": params.window_hours,
                "rise": number(value - min(earlier)) if earlier and value is not None else "—",
            }
        return AlarmTarget(
            key=self.key,
            title=title,
            message=message,
            district_id=self.obj.district_id if self.obj.scope != Target.CITY else None,
            station_id=self.obj.station_id,
            unit=unit,
            resolution=Resolution.DAY if self.daily else Resolution.HOUR,
        )


class WaterClassCheck(Check):
    """A water section's monthly class against its target (water_class, GB 3838-2002): BAD when not attained."""

    __slots__ = ("district_id", "name", "station_id", "target_class", "water_class")

    def __init__(self, rule, state, judge, *, station_id: int, name: str, district_id: int | None) -> None:
        super().__init__(rule, state, judge)
        self.station_id = station_id
        self.name = name
        self.district_id = district_id
        self.water_class = self.target_class = ""

    @property
    def threshold(self) -> float | None:
        return WATER_CLASS_ORDER.get(self.target_class)

    def observe(self, month: datetime, water_class: str, target_class: str, attained: bool | None) -> None:
        if attained is None or water_class not in WATER_CLASS_ORDER:
            return
        self.water_class, self.target_class = water_class, target_class
        self.judge(self, month, GOOD if attained else BAD, float(WATER_CLASS_ORDER[water_class]), 0)

    def describe(self, value: float | None, period: datetime) -> AlarmTarget:
        labels = dict(WaterClass.choices)
        actual = labels.get(self.water_class, self.water_class)
        target = labels.get(self.target_class, self.target_class)
        title = gettext("%(name)s 水质%(actual)s，未达%(target)s目标") % {
            "name": self.name,
            "actual": actual,
            "target": target,
        }
        message = gettext("%(month)s %(name)s 月均水质%(actual)s，考核目标%(target)s（GB 3838-2002 单因子评价）。") % {
            "month": period.strftime("%Y-%m"),
            "name": self.name,
            "actual": actual,
            "target": target,
        }
        return AlarmTarget(
            key=self.key, title=title, message=message, district_id=self.district_id, station_id=self.station_id
        )


class DeviceCheck(Check):
    """Base of the checks on one data logger."""

    __slots__ = ("device",)

    def __init__(self, rule, state, judge, device: DeviceContext) -> None:
        super().__init__(rule, state, judge)
        self.device = device

    def _target(self, title: str, message: str, unit: str) -> AlarmTarget:
        device = self.device
        return AlarmTarget(
            key=self.key,
            title=title,
            message=message,
            district_id=device.district_id,
            enterprise_id=device.enterprise_id,
            outlet_id=device.outlet_id,
            station_id=device.station_id,
            device_id=device.device_id,
            unit=unit,
        )


class OfflineCheck(DeviceCheck):
    """No data from a logger for ``missed_intervals`` of its expected intervals (device_offline).

    The value is the minutes since its last data; a period is one expected interval (the evaluation's time
    rounded down to the interval), so ``consecutive`` and ``clear_after`` count intervals.
    """

    __slots__ = ("interval", "last_data_at")

    def __init__(self, rule, state, judge, device) -> None:
        super().__init__(rule, state, judge, device)
        self.interval = 3600
        self.last_data_at: datetime | None = None

    @property
    def threshold(self) -> float | None:
        return self.rule.params.missed_intervals * self.interval / 60

    def observe(self, now: datetime, last_data_at: datetime, interval: int) -> None:
        self.interval = max(1, int(interval))
        self.last_data_at = last_data_at
        silent = (now - last_data_at).total_seconds()
        slot = int(now.timestamp()) // self.interval * self.interval
        period = datetime.fromtimestamp(slot, tz=now.tzinfo)
        verdict = BAD if silent >= self.rule.params.missed_intervals * self.interval else GOOD
        self.judge(self, period, verdict, round(silent / 60, 1), 0)

    def describe(self, value: float | None, period: datetime) -> AlarmTarget:
        device = self.device
        title = gettext("%(place)s 数采仪 %(mn)s 离线") % {"place": device.place, "mn": device.mn}
        message = gettext(
            "数采仪 %(mn)s 自 %(last)s 起无数据，已 %(minutes)s 分钟"
            "（预期间隔 %(interval)s 秒，连续 %(missed)s 个周期无数据即判离线）。"
        ) % {
            "mn": device.mn,
            "last": china_time(self.last_data_at) if self.last_data_at else "—",
            "minutes": number(value),
            "interval": self.interval,
            "missed": self.rule.params.missed_intervals,
        }
        return self._target(title, message, gettext("分钟"))


class CompletenessCheck(DeviceCheck):
    """A logger's daily 有效传输率 (valid ÷ expected hourly values, standards.md §8) below ``min_rate``
    (low_completeness): BAD below, GOOD at or above. Values are percentages."""

    __slots__ = ("counts",)

    def __init__(self, rule, state, judge, device) -> None:
        super().__init__(rule, state, judge, device)
        self.counts = (0, 0, 0)

    @property
    def threshold(self) -> float | None:
        return round(self.rule.params.min_rate * 100, 2)

    def observe(self, day_start: datetime, expected: int, received: int, valid: int) -> None:
        if not expected:
            return
        self.counts = (expected, received, valid)
        rate = round(valid / expected * 100, 2)
        self.judge(self, day_start, BAD if rate < self.threshold else GOOD, rate, 0)

    def describe(self, value: float | None, period: datetime) -> AlarmTarget:
        device = self.device
        expected, received, valid = self.counts
        title = gettext("%(place)s 数采仪 %(mn)s 有效传输率偏低") % {"place": device.place, "mn": device.mn}
        message = gettext(
            "%(day)s 有效传输率 %(rate)s%%，低于 %(threshold)s%%"
            "（应传 %(expected)s，实传 %(received)s，有效 %(valid)s 个小时值）。"
        ) % {
            "day": china_time(period, Resolution.DAY),
            "rate": number(value),
            "threshold": number(self.threshold),
            "expected": expected,
            "received": received,
            "valid": valid,
        }
        return self._target(title, message, "%")
