"""Periodic work of the monitoring app (run by ``ecobrain worker`` / ``ecobrain serve``; see core/jobs.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ecobrain.core.jobs import periodic
from ecobrain.monitoring.completeness import china_today, compute_range
from ecobrain.monitoring.qc.windows import evaluate_received
from ecobrain.monitoring.retention import MAX_BATCHES_PER_RUN, purge_archive, retention_cutoff


@periodic("monitoring.qc_windows", every=300, description="质控：恒值、卡滞、突变（增量）")
def flag_windows(now: datetime) -> str:
    results = evaluate_received(now)
    if not results:
        return "nothing new"
    return "; ".join(
        f"{resolution}: {r.series} series, {r.rows_read} rows read, {r.rows_changed} flags changed"
        for resolution, r in results.items()
    )


@periodic("monitoring.completeness", every=3600, description="数据完整率（应传/实传/有效）：昨日与今日")
def compute_daily_completeness(now: datetime) -> str:
    today = china_today(now)
    results = compute_range(today - timedelta(days=1), today, now=now)
    return ", ".join(f"{day}: {rows} rows" for day, rows in results.items())


@periodic("monitoring.archive_retention", every=86400, description="原始报文保留期清理")
def purge_old_archive(now: datetime) -> str:
    before = retention_cutoff(now)
    if before is None:
        return "retention off (ECOBRAIN_ARCHIVE_RETENTION_DAYS=0)"
    deleted = purge_archive(before, max_batches=MAX_BATCHES_PER_RUN)
    return f"deleted {deleted} packets received before {before.isoformat()}"
