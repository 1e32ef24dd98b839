"""GB 3096-2008 acoustic functional-zone limits by day and night, and exceedances in dB.

Persona: the district officer who checks a noise complaint's measurement against the zone's limit. The limits are
the well-known GB 3096-2008 Table 1 values; the reference (standards.md) does not verify them.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from ecobrain.standards.noise import (
    GB_3096_2008,
    assess_night_sudden_max,
    assess_noise,
    noise_limit,
    period_of,
)

TABLE_1 = {"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)}


@pytest.mark.parametrize(("zone", "limits"), TABLE_1.items())
def test_table_1_limits(zone, limits):
    """GB 3096-2008 Table 1: Leq limits in dB(A), day then night, for zones 0, 1, 2, 3, 4a, 4b."""
    assert (noise_limit(zone, "day"), noise_limit(zone, "night")) == limits


def test_every_zone_is_listed():
    assert GB_3096_2008.zones == tuple(TABLE_1)
    assert GB_3096_2008.name == "GB 3096-2008"


@pytest.mark.parametrize(
    ("when", "period"),
    [
        (time(6, 0), "day"),
        (time(5, 59, 59), "night"),
        (time(21, 59, 59), "day"),
        (time(22, 0), "night"),
        (time(0, 0), "night"),
        (datetime(2026, 6, 1, 12, 0), "day"),
        (datetime(2026, 6, 1, 14, 0, tzinfo=UTC), "night"),  # 22:00 in Beijing
        (datetime(2026, 6, 1, 22, 0, tzinfo=UTC), "day"),  # 06:00 in Beijing
    ],
)
def test_day_is_06_to_22(when, period):
    """GB 3096-2008 §3.4–3.5: day 06:00–22:00, night 22:00–06:00, Beijing local time."""
    assert period_of(when) == period


def test_level_at_the_limit_meets_it():
    at = assess_noise("1", "55", period="day")
    assert at.exceedance == 0 and not at.exceeds and at.limit == 55


def test_exceedance_is_exact_db():
    over = assess_noise("4a", "58.3", when=time(23, 30))
    assert (over.period, over.limit, over.exceedance, over.exceeds) == ("night", 55, Decimal("3.3"), True)
    assert over.as_dict() == {
        "zone": "4a",
        "period": "night",
        "level": "58.3",
        "limit": 55,
        "exceedance": "3.3",
        "exceeds": True,
        "standard": "GB 3096-2008",
    }
    assert assess_noise("2", 60.1, period="day").exceedance == Decimal("0.1")  # a float read by its repr
    assert assess_noise("4B", "59", period="night").exceedance == 0  # zone names are case-insensitive


def test_night_sudden_maximum_allowance():
    """GB 3096-2008 §5.4: a sudden noise's maximum at night may exceed the night limit by at most 15 dB(A)."""
    assert assess_night_sudden_max("0", "55").exceedance == 0
    assert assess_night_sudden_max("0", "56.5").exceedance == Decimal("1.5")


def test_bad_inputs():
    with pytest.raises(ValueError, match="zone"):
        noise_limit("5", "day")
    with pytest.raises(ValueError, match="period"):
        noise_limit("1", "evening")
    with pytest.raises(ValueError, match="exactly one"):
        assess_noise("1", "50")
    with pytest.raises(ValueError):
        assess_noise("1", "loud", period="day")
