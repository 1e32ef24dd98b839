"""Periodic jobs of the assessment app (core/jobs.py)."""

from __future__ import annotations

from datetime import datetime

from ecobrain.core.jobs import periodic


@periodic("assessment.air_recompute", every=60, description="空气质量评价：新到与迟到小时数据的AQI和统计（增量）")
def recompute_air_received(now: datetime) -> str:
    """Hourly and daily AQI and month/year statistics touched by pollutant values received since the last run."""
    from ecobrain.assessment.services import recompute_received

    return recompute_received(now).summary()


@periodic("assessment.water", every=600, description="断面月水质类别重算（GB 3838-2002）")
def recompute_water_months(now: datetime) -> str:
    """The water-section months touched by water observations received since the last run."""
    from ecobrain.assessment.water import recompute_received

    result = recompute_received(now)
    return f"{result.rows} section-months written, {result.deleted} removed, {result.values} values read"
