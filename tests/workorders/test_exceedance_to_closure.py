"""The bureau's core loop end to end (issue 5): a simulated flue-gas outlet exceeds its limit over real HJ 212 TCP
→ the gateway stores and acks the hourly data → the default emission rule opens an alarm right after the commit
→ the city's duty officer acknowledges it and dispatches it to the district branch as a work order → the branch
signs for it, handles it and submits evidence with a photo → the city verifies and closes the order → the alarm is
closed with it, and both timelines show every step, each by its actor."""

from __future__ import annotations

import asyncio
import time

import pytest
from django.utils import timezone

from ecobrain.alarms.choices import AlarmStatus, RuleKind
from ecobrain.alarms.engine import reset_engine
from ecobrain.alarms.engine.live import live_evaluator
from ecobrain.alarms.models import Alarm
from ecobrain.alarms.services.defaults import ensure_default_rules
from ecobrain.ingest.simulator.registry import load_device_specs
from ecobrain.ingest.simulator.runner import Simulator
from ecobrain.ingest.simulator.timeline import Rates
from ecobrain.monitoring.models import HourObservation
from ecobrain.notifications.models import Notification
from ecobrain.workorders.choices import WorkOrderSource, WorkOrderStatus
from ecobrain.workorders.models import WorkOrderAttachment
from tests import factories
from tests.ingest.gateway_helpers import running_gateway
from tests.workorders.conftest import client_for, member, photo

MN = "SIMGAS000000000000000042"
PW = "e2e-pw"
# GB 13223-2011 ultra-low emission limits on the converted (折算) basis, mg/m³: smoke, SO2, NOx.
LIMITS = {"a34013": 10, "a21026": 35, "a21002": 50}
# Every outlet-hour has an exceedance episode: one limited factor runs 1.15–2.5 × its limit for the whole hour.
EXCEEDING = Rates(calibration=0, maintenance=0, exceedance=1.0, outage=0)


@pytest.fixture
def outlet(transactional_db, qindu, enterprise_in_qindu):
    gas = factories.outlet(enterprise_in_qindu, code="DA001", kind="gas", name="1号锅炉烟囱")
    for code in ("a34013", "a21026", "a21002", "a19001", "a00000", "a01012"):
        limit = LIMITS.get(code)
        factories.outlet_factor(
            gas,
            code,
            limit_value=limit,
            uses_converted_value=limit is not None,
            standard="GB 13223-2011；超低排放" if limit else "",
        )
    factories.device(mn=MN, password=PW, outlet=gas, protocol_version="2017")
    return gas


@pytest.fixture
def gateway(outlet):
    with running_gateway(idle_timeout=30.0, frame_timeout=5.0) as gw:
        yield gw


@pytest.fixture
def live_rules(settings, outlet):
    """The demo's default rule set, evaluated on the live path (as in `ecobrain serve`)."""
    settings.ALARMS_LIVE = True
    reset_engine()
    ensure_default_rules()
    yield
    live_evaluator().wait_idle(10)
    reset_engine()


@pytest.fixture
def duty_officer(base_data):
    """监测站 duty officer, city-wide: watches the alarm centre, dispatches and checks the results."""
    return member("duty", "monitoring_staff", "610400-station", city_wide=True, last_name="市局值班员")


@pytest.fixture
def branch_handler(qindu):
    return member("qd", "district_handler", "610402-branch", districts=[qindu], last_name="秦都分局张三")


def run_logger(port: int) -> dict:
    """Two hours of history and a few minutes of live data from the outlet's logger, 60× faster than real time."""
    specs, notes = load_device_specs(mns=[MN])
    assert notes == []
    simulator = Simulator(
        specs,
        port=port,
        seed=7,
        start=time.time(),
        speed=60,
        backfill_hours=2,
        ramp=0.0,
        rates=EXCEEDING,
        request_time=False,
    )
    return asyncio.run(simulator.run(3.0))


def test_an_exceedance_becomes_an_alarm_a_work_order_and_is_closed_by_the_city(
    gateway, live_rules, duty_officer, branch_handler, qindu, outlet
):
    summary = run_logger(gateway.port)
    assert summary["gave_up"] == 0 and summary["acked"] > 0
    assert HourObservation.objects.filter(series__device__mn=MN).exists()
    assert live_evaluator().wait_idle(15)

    # 1. The alarm: opened by the default hourly emission rule from the committed data, no sweep involved.
    alarm = Alarm.objects.get(kind=RuleKind.EMISSION_EXCEEDANCE, outlet=outlet, status=AlarmStatus.OPEN)
    assert alarm.district == qindu and alarm.enterprise == outlet.enterprise
    assert alarm.factor.code in LIMITS and alarm.threshold == LIMITS[alarm.factor.code]
    assert alarm.last_value > alarm.threshold
    # The branch is told at once (in-app; the outbox holds the email/SMS deliveries per preferences).
    assert Notification.objects.filter(recipient=branch_handler, event_key=f"alarm:{alarm.pk}:opened").exists()

    # 2. The city's duty officer sees it in the alarm centre, acknowledges it and dispatches it.
    city = client_for(duty_officer)
    assert alarm.title in city.get("/alarms/").content.decode()
    response = city.post(f"/alarms/{alarm.pk}/acknowledge/", {"acknowledge-note": "已电话联系企业"})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = city.post(
        f"/alarms/{alarm.pk}/dispatch/",
        {"dispatch-title": "", "dispatch-description": "", "dispatch-priority": "3", "dispatch-deadline": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.DISPATCHED
    workorder = alarm.workorder
    assert workorder.source == WorkOrderSource.ALARM and workorder.source_ref == f"alarm:{alarm.pk}"
    assert workorder.district == qindu and workorder.assignee_org.code == "610402-branch"
    assert workorder.deadline > timezone.now()
    assert Notification.objects.filter(recipient=branch_handler, event_key=f"workorder:{workorder.pk}:dispatched")

    # 3. The district branch signs for it, handles it and submits its result with a photo as evidence.
    branch = client_for(branch_handler)
    assert workorder.number in branch.get("/workorders/").content.decode()
    assert branch.post(f"/workorders/{workorder.pk}/accept/", {"accept-message": "已签收"}).status_code == 302
    assert branch.post(f"/workorders/{workorder.pk}/start/", {"start-message": "已赴现场"}).status_code == 302
    response = branch.post(
        f"/workorders/{workorder.pk}/submit/",
        {
            "submit-result": "现场核查：脱硫塔循环泵故障，已停炉抢修并恢复，企业已提交整改报告。",
            "submit-attachments": [photo("整改后现场.jpg")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    workorder.refresh_from_db()
    assert workorder.status == WorkOrderStatus.SUBMITTED
    assert WorkOrderAttachment.objects.filter(workorder=workorder, name="整改后现场.jpg").exists()
    # The branch cannot check its own work; the city does.
    assert branch.post(f"/workorders/{workorder.pk}/close/").status_code == 403

    # 4. The city verifies and closes the order; the closed hook closes the alarm in the same transaction.
    response = city.post(f"/workorders/{workorder.pk}/close/", {"close-note": "核查属实，同意办结"})
    assert response.status_code == 302, response.content.decode()[:3000]
    workorder.refresh_from_db()
    alarm.refresh_from_db()
    assert workorder.status == WorkOrderStatus.CLOSED and workorder.closed_on_time is True
    assert alarm.status == AlarmStatus.CLOSED and alarm.closed_at is not None

    # 5. The timelines show every step, with who took it.
    steps = list(alarm.events.order_by("at", "pk").values_list("kind", "actor__username"))
    kinds = [kind for kind, _ in steps]
    assert kinds[0] == "triggered" and steps[0][1] is None  # the rule engine
    assert ("acknowledged", "duty") in steps and ("dispatched", "duty") in steps
    assert kinds[-1] == "closed"
    assert kinds.index("acknowledged") < kinds.index("dispatched") < kinds.index("closed")
    assert list(workorder.events.order_by("at", "pk").values_list("kind", "actor__username")) == [
        ("created", "duty"),
        ("accepted", "qd"),
        ("started", "qd"),
        ("submitted", "qd"),
        ("verified", "duty"),
    ]
    alarm_page = city.get(f"/alarms/{alarm.pk}/").content.decode()
    assert workorder.number in alarm_page
    order_page = city.get(f"/workorders/{workorder.pk}/").content.decode()
    assert "脱硫塔循环泵故障" in order_page and "整改后现场.jpg" in order_page
