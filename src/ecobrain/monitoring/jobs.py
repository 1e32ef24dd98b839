"""Periodic work of the monitoring app (run by ``ecobrain worker`` / ``ecobrain serve``; see core/jobs.py)."""

from __future__ import annotations

from datetime import datetime

from ecobrain.core.jobs import periodic
from ecobrain.monitoring.qc.windows import evaluate_received


@periodic("monitoring.qc_windows", every=300, description="质控：恒值、卡滞、突变（增量）")
def flag_windows(now: datetime) -> str:
    results = evaluate_received(now)
    if not results:
        return "nothing new"
    return "; ".join(
        f"{resolution}: {r.series} series, {r.rows_read} rows read, {r.rows_changed} flags changed"
        for resolution, r in results.items()
    )
