"""Builders shared by the engine tests (tests/alarms/test_engine_*.py): rules, outlets with limits, stored rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from ecobrain.alarms.choices import RuleKind, Severity
from ecobrain.alarms.engine import Engine
from ecobrain.alarms.models import AlarmRule
from ecobrain.alarms.params import params_json, parse_params
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.models import OBSERVATION_MODELS
from ecobrain.monitoring.services import ObservationRow, ensure_series, store_observations
from ecobrain.registry.models import MonitoringFactor
from tests import factories

HOUR = timedelta(hours=1)
OBS_FIELDS = ("series_id", "period_start", "value", "value_text", "stats", "device_flag", "qc_flags")


def recent_hour(hours_ago: int = 30) -> datetime:
    """A whole hour ``hours_ago`` hours back (inside the engine's max data age)."""
    now = timezone.now().astimezone(UTC)
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_ago)


def engine() -> Engine:
    """A fresh engine that re-reads rules and open alarms on every call (no caching between steps)."""
    return Engine(refresh_seconds=0, open_refresh_seconds=0)


def rule(kind: str, *, name: str = "测试规则", params: dict | None = None, **fields) -> AlarmRule:
    obj = AlarmRule(
        name=name,
        kind=kind,
        params=params_json(parse_params(kind, params or {})),
        severity=fields.pop("severity", Severity.WARNING),
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


def emission_rule(**fields) -> AlarmRule:
    return rule(RuleKind.EMISSION_EXCEEDANCE, name=fields.pop("name", "排放超标"), **fields)


def gas_outlet(enterprise, *, code: str = "DA001", factor: str = "a21026", limit=35, **limit_fields):
    """An outlet with one limited factor and its data logger; returns (outlet, device, series id)."""
    out = factories.outlet(enterprise, code=code)
    factories.outlet_factor(out, factor, limit_value=limit, **limit_fields)
    dev = factories.device(outlet=out)
    factor_id = MonitoringFactor.objects.get(code=factor).pk
    return out, dev, ensure_series(dev.pk, [factor_id])[factor_id]


def series_of(device, factor: str) -> int:
    factor_id = MonitoringFactor.objects.get(code=factor).pk
    return ensure_series(device.pk, [factor_id])[factor_id]


def store(series_id: int, values, *, start: datetime, step=HOUR, resolution=Resolution.HOUR, flag="N", stats=None):
    """Store ``values`` (text or None) at start, start + step, …; returns the rows as the engine reads them."""
    rows = [
        ObservationRow(
            series_id,
            start + step * i,
            value_text="" if v is None else str(v),
            stats=dict(stats or {}),
            device_flag=flag,
        )
        for i, v in enumerate(values)
    ]
    store_observations(rows, resolution=resolution)
    return read(series_id, start, start + step * len(values), resolution=resolution)


def read(series_id: int, start: datetime, end: datetime, *, resolution=Resolution.HOUR) -> list[tuple]:
    model = OBSERVATION_MODELS[resolution]
    return list(
        model.objects.filter(series_id=series_id, period_start__gte=start, period_start__lt=end)
        .order_by("period_start")
        .values_list(*OBS_FIELDS)
    )


def evaluate_each(eng: Engine, rows: list[tuple], *, resolution=Resolution.HOUR, final=True, now=None):
    """Evaluate rows one at a time, as a stream of live batches would."""
    for row in rows:
        eng.evaluate_observations(resolution, [row], final=final, now=now)
