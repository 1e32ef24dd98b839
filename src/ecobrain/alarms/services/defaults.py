"""A sensible city-wide rule set for a new deployment (and the demo): ``ensure_default_rules()``.

Idempotent: a rule is looked up by kind and name and created only when missing; a rule an operator changed
(thresholds, counts, scope, disabled) is left as it is. Thresholds that come from a standard say which clause.
"""

from __future__ import annotations

from django.db import transaction

from ecobrain.alarms.choices import RuleKind, Severity
from ecobrain.alarms.models import AlarmRule
from ecobrain.alarms.params import Target, params_json, parse_params
from ecobrain.monitoring.choices import Resolution

DEFAULT_RULES = [
    {
        "name": "排放超标（小时均值）",
        "kind": RuleKind.EMISSION_EXCEEDANCE,
        "severity": Severity.SEVERE,
        "resolution": Resolution.HOUR,
        "params": {"hysteresis": 0.1},
        "description": "排放口监测因子小时均值（按限值要求取折算浓度）超过许可排放限值，或超出 pH 等范围型限值。",
    },
    {
        "name": "排放超标（日均值）",
        "kind": RuleKind.EMISSION_EXCEEDANCE,
        "severity": Severity.SEVERE,
        "resolution": Resolution.DAY,
        "params": {"hysteresis": 0.1},
        "description": "限值口径为日均值的排放口监测因子（多为废水），日均值超过排放限值。",
    },
    {
        "name": "数采仪离线",
        "kind": RuleKind.DEVICE_OFFLINE,
        "severity": Severity.WARNING,
        "params": {"missed_intervals": 3},
        "description": "连续 3 个预期上传周期未收到数采仪的数据；数据恢复后自动恢复。",
    },
    {
        "name": "监测数据异常",
        "kind": RuleKind.SUSPICIOUS_DATA,
        "severity": Severity.WARNING,
        "resolution": Resolution.HOUR,
        "consecutive": 2,
        "clear_after": 2,
        # Calibration and maintenance are declared states (flag C/M), not anomalies: a rule for long maintenance
        # adds "maintenance_values" to its checks.
        "params": {"checks": ["flat_line", "stuck", "negative", "zero_drop"]},
        "description": "小时数据连续 2 小时出现恒值、卡滞、负值或骤降为零。",
    },
    {
        "name": "站点AQI重度污染",
        "kind": RuleKind.AMBIENT_THRESHOLD,
        "severity": Severity.WARNING,
        "params": {"target": Target.STATION, "metric": "aqi", "threshold": 200, "hysteresis": 0.1},
        "description": "空气站小时AQI大于200（HJ 633 五级，重度污染及以上）。",
    },
    {
        "name": "区县AQI重度污染",
        "kind": RuleKind.AMBIENT_THRESHOLD,
        "severity": Severity.SEVERE,
        "params": {"target": Target.DISTRICT, "metric": "aqi", "threshold": 200, "hysteresis": 0.1},
        "description": "区县小时AQI大于200（HJ 633 五级，重度污染及以上）。",
    },
    {
        "name": "站点AQI快速上升",
        "kind": RuleKind.AMBIENT_RISE,
        "severity": Severity.INFO,
        "params": {"target": Target.STATION, "metric": "aqi", "rise": 50, "window_hours": 3},
        "description": "空气站小时AQI在3小时内上升50及以上。",
    },
    {
        "name": "断面水质未达目标",
        "kind": RuleKind.WATER_CLASS,
        "severity": Severity.WARNING,
        "params": {},
        "description": "地表水断面月水质类别劣于考核目标（GB 3838-2002 单因子评价）。",
    },
    {
        "name": "有效传输率低于90%",
        "kind": RuleKind.LOW_COMPLETENESS,
        "severity": Severity.INFO,
        "params": {"min_rate": 0.9},
        "description": "数采仪日有效传输率（有效小时值 ÷ 应传小时值）低于 90%。",
    },
]


@transaction.atomic
def ensure_default_rules() -> list[AlarmRule]:
    """Create the default rules that are missing; returns the rules created now (none on a second call)."""
    created = []
    for spec in DEFAULT_RULES:
        spec = dict(spec)
        name, kind = spec.pop("name"), spec.pop("kind")
        if AlarmRule.objects.filter(kind=kind, name=name).exists():
            continue
        params = params_json(parse_params(kind, spec.pop("params")))
        rule = AlarmRule(name=name, kind=kind, params=params, **spec)
        rule.full_clean()
        rule.save()
        created.append(rule)
    return created
