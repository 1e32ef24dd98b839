"""HJ 663 editions as data and the edition in force by Beijing date."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ecobrain.standards.hj663 import EDITIONS, POLLUTANTS, edition_for, get_edition
from ecobrain.standards.hj663.editions import hj663_2013, hj663_2026


def test_editions_by_name_year_and_object():
    e13, e26 = hj663_2013.EDITION, hj663_2026.EDITION
    assert EDITIONS[0] is e13 and EDITIONS[1] is e26 and len(EDITIONS) == 2
    for key in ("HJ 663-2013", "HJ663-2013", "2013", 2013, e13):
        assert get_edition(key) is e13
    for key in ("HJ 663-2026", " 2026 ", 2026, e26):
        assert get_edition(key) is e26
    with pytest.raises(ValueError, match="unknown HJ 663 edition"):
        get_edition("HJ 633-2026")


def test_edition_for_beijing_date():
    """standards.md §0: HJ 663-2026 from 2026-03-01; the date is the Beijing date, as for the AQI editions."""
    assert edition_for(date(2026, 2, 28)).name == "HJ 663-2013"
    assert edition_for(date(2026, 3, 1)).name == "HJ 663-2026"
    # 2026-02-28T16:00Z is 2026-03-01 00:00 in Beijing; a naive datetime is Beijing time already.
    assert edition_for(datetime(2026, 2, 28, 16, 0, tzinfo=UTC)).name == "HJ 663-2026"
    assert edition_for(datetime(2026, 2, 28, 15, 59, tzinfo=UTC)).name == "HJ 663-2013"
    assert edition_for(datetime(2026, 2, 28, 23, 59)).name == "HJ 663-2013"
    # Before HJ 663-2013 itself (e.g. the Beijing PRSA data of 2013-03): the first edition, HJ 663 had none before.
    assert edition_for(date(2013, 3, 1)).name == "HJ 663-2013"


def test_validity_minimums():
    """GB 3095-2026 Table 4 / standards.md §3.1: daily ≥ 20 h, O3 8-h ≥ 6 of 8, MDA8 ≥ 14 of the 17 windows labelled
    08:00–24:00, month ≥ 27 days (February ≥ 25), year ≥ 324 days."""
    for e in EDITIONS:
        assert (e.daily_min_hours, e.o3_8h_window, e.o3_8h_min_hours) == (20, 8, 6)
        assert e.mda8_window_ends == tuple(range(7, 24)) and len(e.mda8_window_ends) == 17
        assert (e.mda8_min_windows, e.mda8_valid_above_limit, e.o3_8h_limit) == (14, True, Decimal(160))
        assert (e.month_min_days, e.february_min_days, e.year_min_days) == (27, 25, 324)
        assert [e.month_minimum(m) for m in (1, 2, 3, 12)] == [27, 25, 27, 27]


def test_annual_statistics_items():
    """standards.md §3.2: SO2/NO2 mean + P98, PM10/PM2.5 mean + P95, CO P95 of daily means, O3 P90 of MDA8."""
    for e in EDITIONS:
        assert e.percentiles == {"so2": 98, "no2": 98, "pm10": 95, "pm2_5": 95, "co": 95, "o3_8h": 90}
        assert e.concentration_statistic == {
            "so2": "mean", "no2": "mean", "pm10": "mean", "pm2_5": "mean", "co": "p95", "o3_8h": "p90",
        }  # fmt: skip
        assert e.percentile_name("so2") == "p98" and e.percentile_name("o3") is None


def test_comprehensive_index_definitions():
    """standards.md §3.3 / §4.1: 2013 weights 1 on GB 3095-2012 grade II (60/40/70/35, O3 160, CO 4); 2026 weights
    PM2.5 3, NO2 2, O3 2, others 1 on the GB 3095-2026 transition grade II limits (PM2.5 30, PM10 60)."""
    e13, e26 = get_edition(2013), get_edition(2026)
    limits13 = {"so2": 60, "no2": 40, "pm10": 70, "pm2_5": 35, "o3_8h": 160, "co": 4}
    assert e13.index_limits == {k: Decimal(v) for k, v in limits13.items()}
    assert set(e13.index_weights.values()) == {1}
    limits26 = {"so2": 60, "no2": 40, "pm10": 60, "pm2_5": 30, "o3_8h": 160, "co": 4}
    assert e26.index_limits == {k: Decimal(v) for k, v in limits26.items()}
    assert e26.index_weights == {"pm2_5": 3, "no2": 2, "o3_8h": 2, "so2": 1, "pm10": 1, "co": 1}
    assert set(e26.index_limits) == set(POLLUTANTS)


def test_unverified_rules_are_marked_in_the_data():
    """standards.md §3.1 and §3.3 mark the MDA8 rule and the 2026 weights UNVERIFIED: the editions say so."""
    e13, e26 = get_edition(2013), get_edition(2026)
    for e in (e13, e26):
        assert {"mda8_min_windows", "mda8_valid_above_limit"} <= set(e.unverified)
    assert "index_weights" in e26.unverified and "index_weights" not in e13.unverified
    assert "percentiles" in e13.unverified  # the 98th/95th pair for 2013 (§3.2)


def test_inconsistent_edition_data_is_refused():
    e = get_edition(2026)
    with pytest.raises(ValueError, match="not the percentile"):
        dataclasses.replace(e, concentration_statistic={**e.concentration_statistic, "co": "p98"})
    with pytest.raises(ValueError, match="index_weights"):
        dataclasses.replace(e, index_weights={"pm2_5": 3})
    with pytest.raises(ValueError, match="within the natural day"):
        dataclasses.replace(e, mda8_window_ends=(5, 6, 7))
    with pytest.raises(ValueError, match="unknown field"):
        dataclasses.replace(e, unverified={"weights": "typo"})
    assert str(e) == "HJ 663-2026"


def test_hj663_imports_no_django():
    """Issue 4 (calculators in `standards/`, no Django): the HJ 663 package and its NumPy path load no Django."""
    code = "import sys, ecobrain.standards.hj663, ecobrain.standards.hj663.aggregate; print('django' in sys.modules)"
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)  # noqa: S603 - fixed code
    assert result.stdout.strip() == "False"
