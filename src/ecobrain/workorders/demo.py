"""Demo work orders (``ecobrain demo``): a few weeks of the city ⇄ district flow, taken step by step through the
services with past times, so the pages, the timelines, the overdue board and the statistics have something to
show. Idempotent: nothing is added when demo orders exist."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from ecobrain.accounts.models import User
from ecobrain.core.models import Region, RegionLevel
from ecobrain.registry.models import Enterprise
from ecobrain.workorders.choices import Priority, WorkOrderSource
from ecobrain.workorders.jobs import escalate_overdue_workorders
from ecobrain.workorders.models import WorkOrder
from ecobrain.workorders.services import (
    accept_workorder,
    create_workorder,
    request_extension,
    return_workorder,
    start_workorder,
    submit_workorder,
    verify_and_close_workorder,
)

TITLES = [
    ("夜间异味投诉核查", WorkOrderSource.COMPLAINT),
    ("废气排放超标原因排查", WorkOrderSource.ALARM),
    ("扬尘污染防治检查发现问题整改", WorkOrderSource.INSPECTION),
    ("秸秆禁烧巡查", WorkOrderSource.INSTRUCTION),
    ("噪声扰民投诉核查", WorkOrderSource.COMPLAINT),
    ("在线监测设备离线核查", WorkOrderSource.ALARM),
    ("危险废物贮存场所检查", WorkOrderSource.MANUAL),
    ("河道排污口排查", WorkOrderSource.MANUAL),
]
RESULTS = [
    "已现场核查，企业已按要求整改。",
    "经核查情况属实，已责令停产整改并立案调查。",
    "经核查未发现问题，已向投诉人反馈。",
]


def load_demo_workorders(seed: int = 2026) -> dict[str, int]:
    if WorkOrder.objects.filter(source_ref__startswith="demo:").exists():
        return {"work orders": 0}
    users = {u.username: u for u in User.objects.filter(username__in=["officer", "leader", "qindu", "binzhou"])}
    if len(users) < 4:
        return {"work orders": 0}
    rng = random.Random(seed)  # noqa: S311 - demo data
    now = timezone.now()
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode"))
    handled = {users["qindu"].districts.first(): users["qindu"], users["binzhou"].districts.first(): users["binzhou"]}
    made = 0
    for n in range(36):
        title, source = TITLES[n % len(TITLES)]
        district = rng.choice(list(handled)) if n % 3 else rng.choice(counties)
        dispatcher = users["leader"] if source == WorkOrderSource.INSTRUCTION else users["officer"]
        start = now - timedelta(days=rng.uniform(1, 60), hours=rng.uniform(0, 8))
        enterprise = Enterprise.objects.filter(district=district, is_demo=True).order_by("?").first()
        order = create_workorder(
            actor=dispatcher,
            title=f"{district.name}{title}",
            source=source,
            source_ref=f"demo:{n}",
            priority=rng.choice(Priority.values),
            district=district,
            enterprise=enterprise,
            description="演示数据：请核查并反馈处理结果。",
            now=start,
        )
        made += 1
        branch = handled.get(district)
        if branch is None:
            continue  # no demo login in that branch: it stays dispatched (and may run overdue)
        steps = rng.random()
        at = start + timedelta(hours=rng.uniform(1, 20))
        if at > now or steps < 0.1:
            continue
        accept_workorder(order, actor=branch, now=at)
        at += timedelta(hours=rng.uniform(1, 24))
        if at > now or steps < 0.2:
            continue
        start_workorder(order, actor=branch, now=at)
        if steps < 0.3:
            at += timedelta(hours=1)
            request_extension(
                order,
                actor=branch,
                requested_deadline=order.deadline + timedelta(days=5),
                reason="等待检测报告",
                now=at,
            )
            continue
        at += timedelta(days=rng.uniform(0.5, 9))
        if at > now:
            continue
        submit_workorder(order, actor=branch, result=rng.choice(RESULTS), now=at)
        at += timedelta(hours=rng.uniform(2, 30))
        if at > now or steps < 0.45:
            continue
        if steps < 0.55:
            return_workorder(order, actor=dispatcher, reason="请补充整改前后的现场照片。", now=at)
            continue
        verify_and_close_workorder(order, actor=dispatcher, note="同意办结。", now=at)
    escalate_overdue_workorders(now)
    return {"work orders": made}
