"""Builders for the alarm UI tests: rules and alarms written directly with the models (the rule engine that
raises alarms is tested on its own), and a stand-in work-order page while the work-order pages are elsewhere."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from ecobrain.alarms.choices import AlarmEventKind, AlarmStatus, RuleKind
from ecobrain.alarms.models import Alarm, AlarmEvent, AlarmRule
from ecobrain.alarms.params import PARAMS_BY_KIND, params_json

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
_serial = itertools.count(1)


def rule(kind: str = RuleKind.EMISSION_EXCEEDANCE, *, name: str | None = None, **fields) -> AlarmRule:
    params = fields.pop("params", None)
    obj = AlarmRule.objects.create(
        name=name or f"测试规则{next(_serial)}",
        kind=kind,
        params=params if params is not None else params_json(PARAMS_BY_KIND[kind]()),
        **fields,
    )
    return obj


def alarm(
    alarm_rule: AlarmRule,
    *,
    district=None,
    enterprise=None,
    outlet=None,
    station=None,
    status: str = AlarmStatus.OPEN,
    triggered_at: datetime | None = None,
    title: str | None = None,
    **fields,
) -> Alarm:
    """An alarm as the engine leaves it (with its TRIGGERED timeline row); the district follows the object."""
    at = triggered_at or T0
    if district is None:
        district = (enterprise or getattr(outlet, "enterprise", None) or station or alarm_rule).district
    n = next(_serial)
    obj = Alarm.objects.create(
        rule=alarm_rule,
        kind=alarm_rule.kind,
        severity=fields.pop("severity", alarm_rule.severity),
        status=status,
        object_key=fields.pop("object_key", f"test:{n}"),
        title=title or f"测试报警{n}",
        district=district,
        enterprise=enterprise or getattr(outlet, "enterprise", None),
        outlet=outlet,
        station=station,
        triggered_at=at,
        last_triggered_at=fields.pop("last_triggered_at", at),
        **fields,
    )
    AlarmEvent.objects.create(alarm=obj, kind=AlarmEventKind.TRIGGERED, at=at, message=obj.title)
    return obj
