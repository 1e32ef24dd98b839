"""Periodic jobs of the ingest app (run by `ecobrain worker` and `ecobrain serve`; see core/jobs.py)."""

from __future__ import annotations

from datetime import datetime

from ecobrain.core.jobs import periodic
from ecobrain.ingest import sessions


@periodic("ingest.mark_offline", every=60, description="设备离线判定：超过预期间隔 N 倍无数据或心跳")
def mark_offline_devices(now: datetime) -> str:
    count = sessions.mark_offline(now)
    return f"{count} devices went offline"
