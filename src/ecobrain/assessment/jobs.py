"""Periodic work of the assessment app (run by ``ecobrain worker`` / ``ecobrain serve``; see core/jobs.py)."""

from __future__ import annotations

from datetime import datetime

from ecobrain.core.jobs import periodic


@periodic("assessment.air_recompute", every=60, description="空气质量评价：新到与迟到小时数据的AQI和统计（增量）")
def recompute_air_received(now: datetime) -> str:
    from ecobrain.assessment.services import recompute_received

    return recompute_received(now).summary()
