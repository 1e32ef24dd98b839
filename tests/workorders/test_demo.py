"""The demo's work orders: a real history through the services, in several states, added once."""

from __future__ import annotations

from ecobrain.accounts.demo import create_demo_users
from ecobrain.registry.demo import load_demo_registry
from ecobrain.workorders.demo import load_demo_workorders
from ecobrain.workorders.models import WorkOrder, WorkOrderEvent


def test_demo_work_orders(base_data):
    load_demo_registry(seed=2026)
    create_demo_users()
    assert load_demo_workorders(seed=2026) == {"work orders": 36}
    states = set(WorkOrder.objects.values_list("status", flat=True))
    assert {"dispatched", "closed", "submitted"} <= states
    assert WorkOrder.objects.filter(escalated_at__isnull=False).exists()
    # Every order's timeline starts with its creation and runs through the services' steps.
    firsts = {
        wo.pk: wo.events.order_by("at", "pk").values_list("kind", flat=True).first() for wo in WorkOrder.objects.all()
    }
    assert set(firsts.values()) == {"created"}
    assert WorkOrderEvent.objects.filter(kind="verified").exists()
    assert load_demo_workorders(seed=2026) == {"work orders": 0}  # idempotent
    assert WorkOrder.objects.count() == 36
