"""Every breakpoint of every table, both editions; the tops of the tables; concentration rounding; float traps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecobrain.standards.aqi import compute_aqi, get_edition, iaqi, round_concentration
from ecobrain.standards.aqi.editions import hj633_2012, hj633_2026

EDGES = [
    (edition, table, index)
    for edition in ("2012", "2026")
    for table, points in get_edition(edition).breakpoints.items()
    for index in range(len(points))
]


def test_tables_match_the_reference():
    """HJ 633-2026 Table 3 equals HJ 633-2012 Table 1 except PM10 IAQI-100 = 120 (2012: 150), PM2.5 60 (2012: 75)."""
    old, new = hj633_2012.BREAKPOINTS, hj633_2026.BREAKPOINTS
    assert set(old) == set(new) == {
        "so2_24h", "so2_1h", "no2_24h", "no2_1h", "co_24h", "co_1h", "o3_8h", "o3_1h", "pm10_24h", "pm2_5_24h",
    }  # fmt: skip
    differing = {(t, i) for t in old for i, (a, b) in enumerate(zip(old[t], new[t], strict=True)) if a != b}
    assert differing == {("pm10_24h", 2), ("pm2_5_24h", 2)}
    assert old["pm10_24h"][2] == (100, 150) and new["pm10_24h"][2] == (100, 120)
    assert old["pm2_5_24h"][2] == (100, 75) and new["pm2_5_24h"][2] == (100, 60)
    assert new["so2_1h"][-1] == (200, 800) and new["o3_8h"][-1] == (300, 800)


@pytest.mark.parametrize(("edition", "table", "index"), EDGES)
def test_each_breakpoint(edition, table, index):
    """HJ 633-2012 Table 1 / HJ 633-2026 Table 3, §6.2 / §4.2.6: at a breakpoint the IAQI is its level, just above
    it the next integer (rounded up), just below it the level itself."""
    level, bp = get_edition(edition).breakpoints[table][index]
    assert iaqi(table, bp, edition) == level
    if index > 0:
        assert iaqi(table, Decimal(bp) - Decimal("0.001"), edition) == level
    if index < len(get_edition(edition).breakpoints[table]) - 1:
        assert iaqi(table, Decimal(bp) + Decimal("0.001"), edition) == level + 1


@pytest.mark.parametrize("edition", ["2012", "2026"])
@pytest.mark.parametrize("table", ["so2_24h", "no2_24h", "no2_1h", "co_24h", "co_1h", "o3_1h", "pm10_24h", "pm2_5_24h"])
def test_above_the_top_is_capped_at_500(edition, table):
    """Reference §2.2/§2.3: no rule above the top of a table; national practice publishes 500 [I]."""
    top = get_edition(edition).breakpoints[table][-1][1]
    assert iaqi(table, Decimal(top) + Decimal("0.01"), edition) == 500
    assert iaqi(table, top * 3, edition) == 500


def test_so2_1h_above_800():
    """HJ 633-2026 Table 3 note (b): SO2 1-h > 800 → IAQI 200; 800 itself is 200 from the table in both editions."""
    assert iaqi("so2_1h", 800, 2026) == iaqi("so2_1h", 800, 2012) == 200
    assert iaqi("so2_1h", "800.001", 2026) == 200
    assert compute_aqi({"so2": 5000}, edition=2026).iaqi == {"so2": 200}


def test_so2_1h_above_800_in_2012_uses_24h():
    """HJ 633-2012 Table 1 note: SO2 1-h > 800 is not indexed; SO2 takes the IAQI of its 24-h average; without one
    SO2 counts as missing (2026 §5.3.1 practice)."""
    assert iaqi("so2_1h", "800.001", 2012) == "use_other"
    r = compute_aqi({"so2": 801, "so2_24h": 1600, "pm2_5": 10}, edition=2012)
    assert r.iaqi["so2"] == 300
    assert r.aqi == 300 and r.primary_pollutants == ("so2",)
    alone = compute_aqi({"so2": 801, "no2": 10, "co": 1, "o3": 10, "pm10": 10, "pm2_5": 10}, edition=2012)
    assert "so2" not in alone.iaqi and alone.missing == ("so2",)
    assert alone.aqi is None


def test_o3_8h_above_800():
    """HJ 633-2026 Table 3 note (c): O3 8-h > 800 → 300; HJ 633-2012 Table 1 note: not indexed, O3 by 1-h IAQI."""
    assert iaqi("o3_8h", 800, 2026) == iaqi("o3_8h", 800, 2012) == 300
    assert iaqi("o3_8h", "800.5", 2026) == 300
    assert iaqi("o3_8h", "800.5", 2012) == "use_other"
    full = {"so2": 5, "no2": 5, "co": 0.5, "pm10": 20, "pm2_5": 10}
    r = compute_aqi({**full, "o3_8h": 900, "o3": 1000}, kind="daily", edition=2012)
    assert "o3_8h" not in r.iaqi and r.missing == ()
    assert r.aqi == 400


def test_pm_hourly_uses_daily_breakpoints():
    """HJ 633-2026 §4.2.4: PM10 and PM2.5 1-h values are indexed on the 24-h breakpoints in the real-time report."""
    assert compute_aqi({"pm2_5": 60}, edition=2026).iaqi["pm2_5"] == 100
    assert compute_aqi({"pm10": 120}, edition=2026).iaqi["pm10"] == 100
    assert compute_aqi({"pm2_5": 75}, edition=2012).iaqi["pm2_5"] == 100


@pytest.mark.parametrize(
    ("pollutant", "raw", "rounded"),
    [
        ("pm2_5", "75.5", "76"),
        ("pm2_5", "74.5", "74"),
        ("pm2_5", "74.51", "75"),
        ("co", "1.25", "1.2"),
        ("co", 0.15, "0.2"),  # round(0.15, 1) == 0.1 in Python: the binary value is below 0.15
        ("co", 2.45, "2.4"),  # round(2.45, 1) == 2.5
        ("co", 0.05, "0.0"),  # round(0.05, 1) == 0.1
        ("co", 0.427, "0.4"),
        ("o3", 160.5, "160"),
        ("so2", 0.5, "0"),
    ],
)
def test_gb_t_8170_rounding_2026(pollutant, raw, rounded):
    """HJ 633-2026 §4.2.2: concentrations rounded per GB/T 8170 (half-even on the decimal) — CO 0.1, others 1."""
    edition = get_edition(2026)
    assert round_concentration(Decimal(str(raw)), pollutant, edition) == Decimal(rounded)
    assert compute_aqi({pollutant: raw}, edition=edition).concentrations[pollutant] == Decimal(rounded)


def test_rounding_changes_the_iaqi_where_floats_do_not():
    """HJ 633-2026 §4.2.2 with §4.2.6: CO 1-h 2.45 → 2.4 → IAQI 24 (float round() gives 2.5 → 25); CO 24-h 0.15
    → 0.2 → IAQI 5 (float round() gives 0.1 → 3); PM2.5 74.5 → 74 → 113 (half-up would give 75 → 114)."""
    assert compute_aqi({"co": 2.45}, edition=2026).iaqi["co"] == 24
    assert compute_aqi({"co": 0.15}, kind="daily", edition=2026).iaqi["co"] == 5
    assert compute_aqi({"pm2_5": 74.5}, kind="daily", edition=2026).iaqi["pm2_5"] == 113
    assert compute_aqi({"pm2_5": 75.5}, kind="daily", edition=2026).iaqi["pm2_5"] == 115


def test_2012_uses_the_concentration_as_given():
    """HJ 633-2012 prescribes no concentration rounding: PM2.5 74.5 is indexed as 74.5 (→ 100), not as 74."""
    r = compute_aqi({"pm2_5": 74.5}, kind="daily", edition=2012)
    assert r.concentrations["pm2_5"] == Decimal("74.5")
    assert r.iaqi["pm2_5"] == 100
    assert compute_aqi({"pm2_5": "74.01"}, kind="daily", edition=2012).iaqi["pm2_5"] == 99


@pytest.mark.parametrize(
    ("table", "concentration", "expected"),
    [("pm2_5_24h", 4.9, 7), ("o3_8h", 102.4, 52), ("co_24h", 0.28, 7), ("co_1h", 65.4, 218), ("so2_24h", 2120.8, 404)],
)
def test_float_traps_2012(table, concentration, expected):
    """HJ 633-2012 §6.2 (rounding up): values where the float formula lands just above an integer and ceil() is 1
    too high; the exact result is the integer itself."""
    assert iaqi(table, concentration, 2012) == expected


def test_invalid_concentrations():
    """HJ 633 concentrations are non-negative numbers: negative, NaN, infinite and non-numeric values are refused."""
    for bad in (-1, "x", float("nan"), float("inf"), True):
        with pytest.raises(ValueError):
            iaqi("pm2_5_24h", bad, 2026)
    with pytest.raises(ValueError, match="unknown input"):
        compute_aqi({"pm25": 10}, edition=2026)
