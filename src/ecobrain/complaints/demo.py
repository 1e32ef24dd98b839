"""Demo complaints (``ecobrain demo``): about forty complaints over the last four weeks across the counties and the
categories, filed through ``submit_complaint`` (so triage runs) and taken on through the services with past times:
confirmed, dispatched as work orders, replied, closed through the work order, some published, some rejected.
Idempotent: nothing is added when any complaint exists."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from ecobrain.accounts.models import User
from ecobrain.complaints.choices import ComplaintChannel, ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services import (
    anonymise_text,
    confirm_triage,
    dispatch_complaint,
    publish_complaint,
    reject_complaint,
    reply_complaint,
    submit_complaint,
)
from ecobrain.complaints.triage.classifier import read_labelled
from ecobrain.core import geo
from ecobrain.core.models import Region, RegionLevel
from ecobrain.workorders.services import (
    accept_workorder,
    start_workorder,
    submit_workorder,
    verify_and_close_workorder,
)

COUNT = 40
FRESH = 4
# Roughly the share of each kind among 12369 calls: noise and air lead.
CATEGORY_WEIGHTS = {
    "air": 12,
    "noise": 10,
    "water": 6,
    "solid_waste": 5,
    "ecology": 3,
    "radiation": 2,
    "other": 2,
}
RESULTS = [
    "经现场核查，投诉情况属实，已责令当事单位立即整改，复查时已整改到位。",
    "执法人员已到现场检查，当事单位已安装污染防治设施，排放符合标准。",
    "经核查，现场未发现投诉所述问题，将加强日常巡查。",
    "已对违法行为立案调查，依法下达责令改正违法行为决定书。",
]
REPLIES = [
    "您好，您反映的问题我局已安排执法人员到现场核查，已责令整改，感谢您对生态环境保护工作的支持。",
    "您好，经现场检查，相关单位已停止违法行为，我们将持续跟踪。",
]


def _point_in(region: Region, rng: random.Random) -> tuple[float, float]:
    """A point in ``region``: its representative point moved by up to about a kilometre, checked to stay inside."""
    lon, lat = geo.representative_point(region)
    for _attempt in range(5):
        candidate = (round(lon + rng.uniform(-0.01, 0.01), 6), round(lat + rng.uniform(-0.01, 0.01), 6))
        if geo.locate_district_id(*candidate) == region.pk:
            return candidate
    return lon, lat


def _close_through_workorder(complaint: Complaint, *, branch, desk, at: datetime, rng: random.Random) -> datetime:
    order = complaint.workorder
    accept_workorder(order, actor=branch, now=at)
    at += timedelta(hours=rng.uniform(1, 12))
    start_workorder(order, actor=branch, now=at)
    at += timedelta(days=rng.uniform(0.5, 4))
    submit_workorder(order, actor=branch, result=rng.choice(RESULTS), now=at)
    at += timedelta(hours=rng.uniform(2, 20))
    verify_and_close_workorder(order, actor=desk, note="同意办结。", now=at)
    return at


def load_demo_complaints(seed: int = 2026) -> dict[str, int]:
    if Complaint.objects.exists():
        return {"complaints": 0}
    users = {u.username: u for u in User.objects.filter(username__in=["officer", "qindu", "binzhou"])}
    if len(users) < 3:
        return {"complaints": 0}
    desk = users["officer"]
    branches = {users[name].districts.first(): users[name] for name in ("qindu", "binzhou")}
    rng = random.Random(seed)  # noqa: S311 - demo data
    now = timezone.now()
    texts: dict[str, list[str]] = {}
    for text, category in read_labelled():
        texts.setdefault(category, []).append(text)
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).defer("boundary").order_by("adcode"))
    categories, weights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    made = 0
    # Four filed in the last hours (waiting for the desk), the rest over four weeks.
    times = sorted(
        [now - timedelta(days=rng.uniform(1.2, 28)) for _ in range(COUNT - FRESH)]
        + [now - timedelta(hours=rng.uniform(0.5, 20)) for _ in range(FRESH)]
    )
    for index, filed_at in enumerate(times):
        category = rng.choices(categories, weights)[0]
        district = rng.choice(list(branches)) if index % 3 else rng.choice(counties)
        lon, lat = _point_in(district, rng)
        anonymous = rng.random() < 0.3
        complaint = submit_complaint(
            channel=rng.choice(
                [ComplaintChannel.WEB, ComplaintChannel.WEB, ComplaintChannel.MOBILE, ComplaintChannel.PHONE]
            ),
            # Now and then the complainant picks the wrong category: the suggestion shows it.
            category=category if rng.random() > 0.15 else "other",
            description=rng.choice(texts[category]),
            address=f"{district.name}（演示地点 {index + 1}）",
            longitude=lon,
            latitude=lat,
            phone="" if anonymous else f"1380000{rng.randint(0, 9999):04d}",
            anonymous=anonymous,
            actor=desk if index % 7 == 0 else None,
            now=filed_at,
        )
        Complaint.objects.filter(pk=complaint.pk).update(created=filed_at)
        made += 1
        age = now - filed_at
        if age < timedelta(days=1):
            continue  # today's: waiting for the desk
        at = filed_at + timedelta(hours=rng.uniform(0.5, 6))
        if category == "other":
            reject_complaint(
                complaint, actor=desk, reason="您反映的问题不属于生态环境部门职责，请向相关部门反映。", now=at
            )
            continue
        complaint = confirm_triage(
            complaint,
            actor=desk,
            category=complaint.suggested_category or category,
            district=district,
            duplicate_of=complaint.duplicate_of,
            now=at,
        )
        at += timedelta(hours=rng.uniform(0.2, 3))
        complaint = dispatch_complaint(complaint, actor=desk, now=at)
        branch = branches.get(district)
        if branch is None or age < timedelta(days=3):
            continue  # in hand at a branch without a demo login, or still fresh
        if complaint.duplicate_of_id and complaint.workorder.source_ref != f"complaint:{complaint.pk}":
            continue  # joined its original's order: it closes with that one
        at += timedelta(hours=rng.uniform(2, 30))
        if rng.random() < 0.5:
            complaint = reply_complaint(complaint, actor=branch, text=rng.choice(REPLIES), now=at)
        if age < timedelta(days=7) and rng.random() < 0.5:
            continue
        at = _close_through_workorder(complaint, branch=branch, desk=desk, at=at, rng=rng)
        if rng.random() < 0.5:
            complaint.refresh_from_db()
            if complaint.status == ComplaintStatus.CLOSED:
                publish_complaint(
                    complaint,
                    actor=desk,
                    public_text=anonymise_text(complaint.description),
                    public_reply=anonymise_text(complaint.reply or rng.choice(RESULTS)),
                    now=at + timedelta(hours=2),
                )
    return {"complaints": made}
