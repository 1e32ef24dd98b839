"""The data around an alarm, for the chart on its page: the values that raised it, bounded in time.

- an observation-based alarm (it names a series): the series' values of the alarm's data type from
  ``first_period − margin`` to ``last_period + margin`` (the converted value too when the rows carry one), with
  the threshold as a line;
- an ambient alarm: the stored hourly (or daily) AQI or concentration of its station, district or the city;
- a device-offline alarm: the logger's online/offline history (DeviceStatusChange) as a step line;
- a water-class alarm: the section's monthly class against its target.

Every read passes the gate and is bounded by object and time (``MAX_SPAN`` per data type, ``MAX_POINTS`` rows).
Times are China wall-clock milliseconds, as in the monitoring charts (the chart runs with ``useUTC``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.alarms.choices import RuleKind
from ecobrain.alarms.models import Alarm
from ecobrain.alarms.params import Target, parse_params
from ecobrain.monitoring.choices import Resolution
from ecobrain.standards.hj212 import CHINA_TZ

CHINA_OFFSET_MS = 8 * 3600 * 1000
MAX_POINTS = 5000
# How far either side of the alarm the chart reaches, and the longest window it draws (the end is kept).
MARGIN = {
    Resolution.REALTIME: timedelta(hours=12),
    Resolution.MINUTE: timedelta(hours=12),
    Resolution.HOUR: timedelta(hours=12),
    Resolution.DAY: timedelta(days=7),
}
MAX_SPAN = {
    Resolution.REALTIME: timedelta(days=1),
    Resolution.MINUTE: timedelta(days=3),
    Resolution.HOUR: timedelta(days=62),
    Resolution.DAY: timedelta(days=730),
}
STATUS_MARGIN = timedelta(hours=12)
STATUS_MAX_SPAN = timedelta(days=31)
WATER_CLASS_NUMBER = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "劣V": 6}
AMBIENT_UNITS = {"aqi": "", "co": "mg/m³"}


def china_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000) + CHINA_OFFSET_MS


@dataclass
class Window:
    start: datetime
    end: datetime
    truncated: bool


def event_window(alarm: Alarm, resolution: str) -> Window:
    """[first − margin, last + margin), cut to the newest ``MAX_SPAN`` of the data type."""
    first = alarm.first_period or alarm.triggered_at
    last = alarm.last_period or alarm.last_triggered_at or first
    margin = MARGIN.get(resolution, MARGIN[Resolution.HOUR])
    start, end = first - margin, max(last, first) + margin
    span = MAX_SPAN.get(resolution, MAX_SPAN[Resolution.HOUR])
    if end - start > span:
        return Window(end - span, end, True)
    return Window(start, end, False)


def _number(value):
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def chart_for(alarm: Alarm, user) -> dict | None:
    """The chart's payload (``kind``, ``series``, bounds, threshold, the alarm's span), or None: nothing to draw."""
    if alarm.kind == RuleKind.DEVICE_OFFLINE and alarm.device_id:
        return _status_chart(alarm, user)
    if alarm.kind in (RuleKind.AMBIENT_THRESHOLD, RuleKind.AMBIENT_RISE):
        return _ambient_chart(alarm, user)
    if alarm.kind == RuleKind.WATER_CLASS and alarm.station_id:
        return _water_chart(alarm, user)
    if alarm.series_id:
        return _series_chart(alarm, user)
    return None


def _span_marks(alarm: Alarm) -> dict:
    first = alarm.first_period or alarm.triggered_at
    last = alarm.last_period or alarm.last_triggered_at or first
    return {"first": china_ms(first), "last": china_ms(max(first, last))}


def _series_chart(alarm: Alarm, user) -> dict | None:
    from ecobrain.monitoring.models import OBSERVATION_MODELS

    resolution = alarm.resolution or Resolution.HOUR
    model = OBSERVATION_MODELS.get(resolution)
    if model is None or not user.has_grant(model, "view"):
        return None
    window = event_window(alarm, resolution)
    rows = list(
        model.objects.restrict(user, "view")
        .filter(series_id=alarm.series_id, period_start__gte=window.start, period_start__lte=window.end)
        .order_by("period_start")
        .values_list("period_start", "value", "stats", "device_flag")[:MAX_POINTS]
    )
    measured, converted = [], []
    for period_start, value, stats, flag in rows:
        ms = china_ms(period_start)
        measured.append([ms, _number(value), flag])
        zs = (stats or {}).get("ZsRtd" if resolution == Resolution.REALTIME else "ZsAvg")
        if zs is not None:
            converted.append([ms, _number(zs), flag])
    factor = alarm.factor.name if alarm.factor_id else _("监测值")
    series = [{"name": _("%(factor)s 实测值") % {"factor": factor}, "unit": alarm.unit, "data": measured}]
    if converted:
        series.append({"name": _("%(factor)s 折算值") % {"factor": factor}, "unit": alarm.unit, "data": converted})
    return {
        "kind": "series",
        "title": _("%(resolution)s数据") % {"resolution": Resolution(resolution).label},
        "start": china_ms(window.start),
        "end": china_ms(window.end),
        "truncated": window.truncated or len(rows) >= MAX_POINTS,
        "threshold": alarm.threshold,
        "threshold_label": _("阈值 %(value)g") % {"value": alarm.threshold} if alarm.threshold is not None else "",
        "span": _span_marks(alarm),
        "series": series,
        "points": len(rows),
    }


def _ambient_target(alarm: Alarm) -> tuple[str, str]:
    try:
        params = parse_params(alarm.kind, alarm.rule.params)
    except ValidationError:
        params = None
    metric = getattr(params, "metric", "aqi")
    if alarm.station_id:
        return Target.STATION, metric
    if alarm.district_id:
        return Target.DISTRICT, metric
    return Target.CITY, metric


def _ambient_chart(alarm: Alarm, user) -> dict | None:
    from ecobrain.assessment.models import AirQualityDay, AirQualityHour

    daily = alarm.resolution == Resolution.DAY
    model = AirQualityDay if daily else AirQualityHour
    if not user.has_grant(model, "view"):
        return None
    target, metric = _ambient_target(alarm)
    window = event_window(alarm, Resolution.DAY if daily else Resolution.HOUR)
    rows = model.objects.restrict(user, "view")
    if target == Target.STATION:
        rows = rows.for_station(alarm.station_id)
        where = alarm.station.name
    elif target == Target.DISTRICT:
        rows = rows.for_region(alarm.district_id)
        where = alarm.district.name
    else:
        rows = rows.city()
        where = _("全市")
    if daily:
        first_day = timezone.localtime(window.start, CHINA_TZ).date()
        last_day = timezone.localtime(window.end, CHINA_TZ).date()
        values = rows.filter(day__gte=first_day, day__lte=last_day).order_by("day").values_list("day", metric)
        data = [[china_ms(_day_start(day)), _number(value)] for day, value in values[:MAX_POINTS]]
    else:
        values = (
            rows.filter(period_start__gte=window.start, period_start__lte=window.end)
            .order_by("period_start")
            .values_list("period_start", metric)
        )
        data = [[china_ms(moment), _number(value)] for moment, value in values[:MAX_POINTS]]
    label = model._meta.get_field(metric).verbose_name
    show_threshold = alarm.kind == RuleKind.AMBIENT_THRESHOLD and alarm.threshold is not None
    return {
        "kind": "series",
        "title": _("%(where)s %(metric)s") % {"where": where, "metric": label},
        "start": china_ms(window.start),
        "end": china_ms(window.end),
        "truncated": window.truncated,
        "threshold": alarm.threshold if show_threshold else None,
        "threshold_label": _("阈值 %(value)g") % {"value": alarm.threshold} if show_threshold else "",
        "span": _span_marks(alarm),
        "series": [{"name": f"{where} {label}", "unit": AMBIENT_UNITS.get(metric, "μg/m³"), "data": data}],
        "points": len(data),
    }


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)


def _status_chart(alarm: Alarm, user) -> dict | None:
    from ecobrain.ingest.models import DeviceStatusChange

    if not user.has_grant(DeviceStatusChange, "view"):
        return None
    first = alarm.first_period or alarm.triggered_at
    last = alarm.cleared_at or alarm.last_triggered_at or first
    start, end = first - STATUS_MARGIN, max(first, last) + STATUS_MARGIN
    truncated = end - start > STATUS_MAX_SPAN
    if truncated:
        start = end - STATUS_MAX_SPAN
    changes = DeviceStatusChange.objects.restrict(user, "view").filter(device_id=alarm.device_id)
    before = changes.filter(at__lt=start).order_by("-at", "-pk").values_list("online", flat=True).first()
    inside = list(
        changes.filter(at__gte=start, at__lt=end).order_by("at", "pk").values_list("at", "online")[:MAX_POINTS]
    )
    data = []
    if before is not None:
        data.append([china_ms(start), 1 if before else 0])
    data += [[china_ms(at), 1 if online else 0] for at, online in inside]
    if data:
        data.append([china_ms(min(end, timezone.now())), data[-1][1]])
    return {
        "kind": "status",
        "title": _("数采仪上下线记录"),
        "start": china_ms(start),
        "end": china_ms(end),
        "truncated": truncated,
        "threshold": None,
        "threshold_label": "",
        "span": _span_marks(alarm),
        "series": [{"name": _("在线状态"), "unit": "", "data": data, "step": True}],
        "labels": {"1": _("在线"), "0": _("离线")},
        "points": len(inside),
    }


def _water_chart(alarm: Alarm, user) -> dict | None:
    from ecobrain.assessment.models import WaterQualityMonth

    if not user.has_grant(WaterQualityMonth, "view"):
        return None
    moment = timezone.localtime(alarm.first_period or alarm.triggered_at, CHINA_TZ).date()
    first = date(moment.year - 1, moment.month, 1)
    last = date(moment.year + 1, moment.month, 1)
    rows = list(
        WaterQualityMonth.objects.restrict(user, "view")
        .filter(station_id=alarm.station_id, month__gte=first, month__lt=last)
        .order_by("month")
        .values_list("month", "water_class", "target_class")[:MAX_POINTS]
    )
    data = [[china_ms(_day_start(month)), WATER_CLASS_NUMBER.get(water_class)] for month, water_class, _t in rows]
    targets = [WATER_CLASS_NUMBER.get(t) for _m, _c, t in rows if t]
    return {
        "kind": "water",
        "title": _("%(station)s 月度水质类别") % {"station": alarm.station.name},
        "start": china_ms(_day_start(first)),
        "end": china_ms(_day_start(last)),
        "truncated": False,
        "threshold": targets[-1] if targets else None,
        "threshold_label": _("水质目标"),
        "span": _span_marks(alarm),
        "series": [{"name": _("水质类别"), "unit": "", "data": data, "step": False}],
        "labels": {str(n): label for label, n in (("Ⅰ", 1), ("Ⅱ", 2), ("Ⅲ", 3), ("Ⅳ", 4), ("Ⅴ", 5), ("劣Ⅴ", 6))},
        "points": len(rows),
    }
