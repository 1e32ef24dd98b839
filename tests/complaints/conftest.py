"""Complaint personas (the city desk, the district branches) and a builder for filed complaints."""

from __future__ import annotations

import pytest

from ecobrain.complaints.choices import ComplaintChannel
from ecobrain.complaints.services import submit_complaint
from tests.workorders.conftest import (  # noqa: F401  (fixtures)
    binzhou_handler,
    bureau_leader,
    city_staff,
    qindu_handler,
)

# Points inside 秦都区 (610402) and 彬州市 (610482), from the base data's boundaries.
QINDU_POINT = (108.70, 34.35)
BINZHOU_POINT = (108.08, 35.04)


def file_complaint(**overrides):
    fields = {
        "channel": ComplaintChannel.WEB,
        "category": "air",
        "description": "楼下烧烤店油烟直排，窗户都不敢开",
        "longitude": QINDU_POINT[0],
        "latitude": QINDU_POINT[1],
        "phone": "13800295678",
        "address": "秦都区渭阳西路",
    }
    fields.update(overrides)
    return submit_complaint(**fields)


@pytest.fixture
def complaint(base_data):
    """A complaint about cooking fumes in 秦都区, waiting for the desk."""
    return file_complaint()
