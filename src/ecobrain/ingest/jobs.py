"""Periodic jobs of the ingest app (run by `ecobrain worker` and `ecobrain serve`; see core/jobs.py)."""

from __future__ import annotations

from datetime import datetime

from ecobrain.core.jobs import periodic
from ecobrain.ingest import sessions


@periodic("ingest.mark_offline", every=60, description="设备离线判定：超过预期间隔 N 倍无数据或心跳")
def mark_offline_devices(now: datetime) -> str:
    count = sessions.mark_offline(now)
    return f"{count} devices went offline"


@periodic("ingest.expire_commands", every=60, description="设备命令过期与超时清理")
def expire_commands(now: datetime) -> str:
    from ecobrain.ingest.services import expire_device_commands

    expired, stale = expire_device_commands(now)
    return f"{expired} queued commands expired, {stale} unanswered commands timed out"
