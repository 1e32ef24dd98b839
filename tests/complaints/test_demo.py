"""The demo's complaints: filed through the service, taken through the states, added once."""

from __future__ import annotations

from ecobrain.accounts.demo import create_demo_users
from ecobrain.complaints.demo import COUNT, load_demo_complaints
from ecobrain.complaints.models import Complaint
from ecobrain.workorders.choices import WorkOrderSource


def test_demo_complaints(base_data):
    create_demo_users()
    assert load_demo_complaints(seed=2026) == {"complaints": COUNT}
    states = set(Complaint.objects.values_list("status", flat=True))
    assert {"received", "dispatched", "closed", "rejected"} <= states
    assert Complaint.objects.published().exists()
    assert Complaint.objects.filter(duplicate_of__isnull=False).exists()
    assert Complaint.objects.values("district").distinct().count() >= 5
    assert Complaint.objects.exclude(workorder=None).filter(workorder__source=WorkOrderSource.COMPLAINT).exists()
    for complaint in Complaint.objects.all():
        assert list(complaint.events.order_by("at", "pk").values_list("kind", flat=True)[:2]) == [
            "submitted",
            "triaged",
        ]
    assert load_demo_complaints(seed=2026) == {"complaints": 0}  # idempotent
    assert Complaint.objects.count() == COUNT
