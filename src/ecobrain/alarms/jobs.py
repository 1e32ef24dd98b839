"""Periodic jobs of the alarm engine (run by ``ecobrain worker`` / ``ecobrain serve``; see core/jobs.py and
docs/alarm-engine.md)."""

from __future__ import annotations

from datetime import datetime

from ecobrain.core.jobs import periodic


@periodic("alarms.sweep", every=60, description="报警规则：按接收时间评价新入库的监测数据（实时评价的兜底）")
def sweep_observations(now: datetime) -> str:
    from ecobrain.alarms.engine import sweep

    return sweep.sweep_observations(now).summary()


@periodic("alarms.offline", every=60, description="报警规则：数采仪离线判定")
def check_offline(now: datetime) -> str:
    from ecobrain.alarms.engine import sweep

    return f"{sweep.check_offline(now)} device checks"


@periodic("alarms.assessment", every=60, description="报警规则：空气质量、断面水质、有效传输率（按计算时间）")
def sweep_assessment(now: datetime) -> str:
    from ecobrain.alarms.engine import sweep

    return sweep.sweep_assessment(now).summary()
