"""The parameters of each rule kind (``AlarmRule.params``): defaults, validation with clear messages, and a
typed view the evaluators read. The rule form (pages and API) and the engine both go through :func:`parse_params`.

- emission_exceedance (``hysteresis``): an outlet factor's value (the converted ``Zs…`` value where the limit
  requires it) above its OutletFactor limit, or outside a range limit such as pH 6–9, on the data type matching
  the limit basis (hourly limit: hour data; daily limit: day data).
- ambient_threshold (``target``, ``metric``, ``threshold``, ``hysteresis``): a station's, district's or the city's
  hourly (or daily) AQI or pollutant concentration above ``threshold``.
- ambient_rise (``target``, ``metric``, ``rise``, ``window_hours``): the metric rose by ``rise`` or more within
  ``window_hours`` hours.
- device_offline (``missed_intervals``): no data from a data logger for that many of its expected intervals.
- suspicious_data (``checks``, ``zero_drop_from``): values flagged by QC (flat line, negative, stuck, values sent
  during calibration or maintenance) or a sudden drop to zero.
- water_class (no parameters): a section's monthly class worse than its target class (GB 3838-2002).
- low_completeness (``min_rate``): a device's daily 有效传输率 below ``min_rate`` (standards.md §8).

``consecutive`` and ``clear_after`` (on the rule) count evaluated periods for every kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from ecobrain.alarms.choices import RuleKind


class Target:
    STATION = "station"
    DISTRICT = "district"
    CITY = "city"
    CHOICES = (STATION, DISTRICT, CITY)


# Metrics of the ambient rules: AQI or a pollutant concentration column of AirQualityHour / AirQualityDay.
AMBIENT_METRICS = ("aqi", "pm2_5", "pm10", "o3", "o3_8h", "no2", "so2", "co")
SUSPICIOUS_CHECKS = ("flat_line", "negative", "stuck", "maintenance_values", "zero_drop")


@dataclass(frozen=True)
class EmissionParams:
    hysteresis: float = 0.1  # clears when the value is back below limit × (1 − hysteresis)


@dataclass(frozen=True)
class AmbientThresholdParams:
    target: str = Target.STATION
    metric: str = "aqi"
    threshold: float = 200.0
    hysteresis: float = 0.1


@dataclass(frozen=True)
class AmbientRiseParams:
    target: str = Target.STATION
    metric: str = "aqi"
    rise: float = 50.0
    window_hours: int = 3


@dataclass(frozen=True)
class DeviceOfflineParams:
    missed_intervals: int = 3


@dataclass(frozen=True)
class SuspiciousParams:
    checks: tuple[str, ...] = field(default=SUSPICIOUS_CHECKS)
    zero_drop_from: float = 10.0  # a value of 0 right after one at least this high


@dataclass(frozen=True)
class WaterClassParams:
    pass


@dataclass(frozen=True)
class CompletenessParams:
    min_rate: float = 0.9


PARAMS_BY_KIND = {
    RuleKind.EMISSION_EXCEEDANCE: EmissionParams,
    RuleKind.AMBIENT_THRESHOLD: AmbientThresholdParams,
    RuleKind.AMBIENT_RISE: AmbientRiseParams,
    RuleKind.DEVICE_OFFLINE: DeviceOfflineParams,
    RuleKind.SUSPICIOUS_DATA: SuspiciousParams,
    RuleKind.WATER_CLASS: WaterClassParams,
    RuleKind.LOW_COMPLETENESS: CompletenessParams,
}

# Human names of the parameters, for error messages and form labels.
PARAM_LABELS = {
    "hysteresis": gettext_lazy("恢复回差（比例）"),
    "target": gettext_lazy("评价对象"),
    "metric": gettext_lazy("指标"),
    "threshold": gettext_lazy("阈值"),
    "rise": gettext_lazy("上升幅度"),
    "window_hours": gettext_lazy("时间窗（小时）"),
    "missed_intervals": gettext_lazy("缺报周期数"),
    "checks": gettext_lazy("检查项"),
    "zero_drop_from": gettext_lazy("骤降为零的前值下限"),
    "min_rate": gettext_lazy("有效传输率下限"),
}


def _number(name: str, value, *, low: float, high: float, integer: bool = False):
    label = PARAM_LABELS[name]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError({"params": _("%(label)s（%(name)s）须为数字。") % {"label": label, "name": name}})
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        message = (
            _("%(label)s（%(name)s）须为整数，收到 %(value)r。")
            if integer
            else _("%(label)s（%(name)s）须为数字，收到 %(value)r。")
        )
        raise ValidationError({"params": message % {"label": label, "name": name, "value": value}}) from None
    if integer and float(value) != number:
        raise ValidationError(
            {
                "params": _("%(label)s（%(name)s）须为整数，收到 %(value)r。")
                % {"label": label, "name": name, "value": value}
            }
        )
    if not low <= number <= high:
        raise ValidationError(
            {
                "params": _("%(label)s（%(name)s）须在 %(low)g–%(high)g 之间，收到 %(number)g。")
                % {"label": label, "name": name, "low": low, "high": high, "number": number}
            }
        )
    return number


def _choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValidationError(
            {
                "params": _("%(label)s（%(name)s）须为 %(choices)s 之一，收到 %(value)r。")
                % {"label": PARAM_LABELS[name], "name": name, "choices": ", ".join(choices), "value": value}
            }
        )
    return value


def parse_params(kind: str, raw: dict | None):
    """The typed parameters of a rule of ``kind`` from its JSON (missing keys take defaults).

    Raises ValidationError({"params": message}) naming the parameter at fault; unknown keys are refused too.
    """
    if kind not in PARAMS_BY_KIND:
        raise ValidationError({"kind": _("未知的规则类型 %(kind)r。") % {"kind": kind}})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError({"params": _("参数须为 JSON 对象。")})
    cls = PARAMS_BY_KIND[kind]
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        allowed = pgettext("list separator", "、").join(sorted(names)) or pgettext("no parameters", "无")
        raise ValidationError(
            {
                "params": _("该规则类型不支持参数 %(unknown)s（可用：%(allowed)s）。")
                % {"unknown": ", ".join(unknown), "allowed": allowed}
            }
        )
    values = {}
    for name, value in raw.items():
        if name == "hysteresis":
            values[name] = _number(name, value, low=0, high=0.9)
        elif name == "target":
            values[name] = _choice(name, value, Target.CHOICES)
        elif name == "metric":
            values[name] = _choice(name, value, AMBIENT_METRICS)
        elif name in ("threshold", "rise"):
            values[name] = _number(name, value, low=0.001, high=100000)
        elif name == "window_hours":
            values[name] = _number(name, value, low=1, high=72, integer=True)
        elif name == "missed_intervals":
            values[name] = _number(name, value, low=1, high=1000, integer=True)
        elif name == "zero_drop_from":
            values[name] = _number(name, value, low=0, high=1e9)
        elif name == "min_rate":
            values[name] = _number(name, value, low=0.01, high=1)
        elif name == "checks":
            if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
                raise ValidationError(
                    {"params": _("%(label)s（checks）须为非空列表。") % {"label": PARAM_LABELS[name]}}
                )
            values[name] = tuple(_choice(name, item, SUSPICIOUS_CHECKS) for item in value)
    return cls(**values)


def params_json(params) -> dict:
    """The JSON stored in ``AlarmRule.params`` for typed parameters (every value, defaults included)."""
    data = {}
    for f in fields(params):
        value = getattr(params, f.name)
        data[f.name] = list(value) if isinstance(value, tuple) else value
    return data
