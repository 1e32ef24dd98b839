"""The AQI test vectors of the reference (standards.md §2.6), for both editions, on the exact scalar path."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecobrain.standards.aqi import compute_aqi, iaqi

IAQI_VECTORS = [
    # (table, concentration, HJ 633-2012, HJ 633-2026)
    ("pm2_5_24h", 76, 102, 115),
    ("pm2_5_24h", 75, 100, 114),
    ("pm2_5_24h", 60, 82, 100),
    ("pm2_5_24h", 50, 69, 80),
    ("pm2_5_24h", 40, 57, 60),
    ("pm2_5_24h", 151, 201, 201),
    ("pm10_24h", 150, 100, 112),
    ("pm10_24h", 121, 86, 101),
    ("o3_8h", 161, 101, 101),
    ("co_24h", "4.1", 101, 101),
    ("co_24h", 2.2, 55, 55),
    ("so2_1h", 501, 101, 101),
    ("no2_24h", 81, 101, 101),
    ("pm2_5_24h", 0.4, 1, 1),
]


@pytest.mark.parametrize(("table", "concentration", "expected_2012", "expected_2026"), IAQI_VECTORS)
def test_iaqi_vectors(table, concentration, expected_2012, expected_2026):
    """HJ 633-2012 Table 1 and HJ 633-2026 Table 3 with §4.2.6/§6.2 rounding up: the vectors of reference §2.6."""
    assert iaqi(table, concentration, "2012") == expected_2012
    assert iaqi(table, concentration, "2026") == expected_2026


def test_float_trap_co_2_2():
    """§4.2.6 (2026) / §6.2 (2012): CO 24-h 2.2 mg/m³ gives exactly 55; a float formula gives 55.000…01 → 56."""
    naive = (100 - 50) / (4 - 2) * (2.2 - 2) + 50
    assert naive > 55  # the trap is real on this machine
    assert iaqi("co_24h", 2.2, 2026) == 55
    assert compute_aqi({"co": 2.2}, kind="daily", edition=2026).iaqi["co"] == 55


def test_so2_1h_900():
    """HJ 633-2026 Table 3 note (b): SO2 1-h 900 → IAQI 200; HJ 633-2012 Table 1 note: use the SO2 24-h IAQI."""
    r26 = compute_aqi({"so2": 900}, edition=2026)
    assert r26.iaqi["so2"] == 200
    r12 = compute_aqi({"so2": 900, "so2_24h": 160}, edition=2012)
    assert r12.iaqi["so2"] == iaqi("so2_24h", 160, 2012) == 102


def test_o3_8h_850():
    """HJ 633-2026 Table 3 note (c): O3 8-h 850 → 300; HJ 633-2012 Table 1 note: O3 by its 1-h IAQI instead."""
    r26 = compute_aqi({"o3_8h": 850}, kind="daily", edition=2026)
    assert r26.iaqi["o3_8h"] == 300
    r12 = compute_aqi({"o3_8h": 850, "o3": 900}, kind="daily", edition=2012)
    assert "o3_8h" not in r12.iaqi
    assert r12.iaqi["o3"] == iaqi("o3_1h", 900, 2012) == 350
    assert r12.aqi == 350
    assert r12.primary_pollutants == ("o3",)


DAILY = {"so2": 10, "no2": 45, "co": 0.8, "o3_8h": 170, "pm10": 130, "pm2_5": 80}


def test_daily_example_2012():
    """HJ 633-2012 daily report (reference §2.3, §2.6): IAQIs 10/57/20/110/90/107 → AQI 110, primary O3 8-h."""
    r = compute_aqi({**DAILY, "o3": 150}, kind="daily", edition=2012)
    assert [r.iaqi[k] for k in ("so2", "no2", "co", "o3_8h", "pm10", "pm2_5")] == [10, 57, 20, 110, 90, 107]
    assert r.aqi == 110
    assert r.primary_pollutants == ("o3_8h",)
    assert r.level.number == 3
    assert r.category == "轻度污染"
    assert r.edition == "HJ 633-2012"


def test_daily_example_2026():
    """HJ 633-2026 daily report (reference §2.3, §2.6): IAQIs 10/57/20/110/104/119 → AQI 119, primary PM2.5."""
    r = compute_aqi(DAILY, kind="daily", edition=2026)
    assert [r.iaqi[k] for k in ("so2", "no2", "co", "o3_8h", "pm10", "pm2_5")] == [10, 57, 20, 110, 104, 119]
    assert r.aqi == 119
    assert r.primary_pollutants == ("pm2_5",)
    assert r.level.number == 3
    assert r.edition == "HJ 633-2026"


def test_realtime_example_2026():
    """HJ 633-2026 §4.2.2 and §4.2.4 (reference §2.6): the S19 packet as 1-h values → AQI 31, level I, no primary."""
    r = compute_aqi({"no2": 4, "o3": 63, "so2": 6, "co": 0.427, "pm2_5": 14, "pm10": 31}, edition=2026)
    assert r.concentrations["co"] == Decimal("0.4")
    assert r.iaqi == {"so2": 2, "no2": 2, "co": 4, "o3": 20, "pm10": 31, "pm2_5": 20}
    assert r.aqi == 31
    assert r.level.number == 1
    assert r.category == "优"
    assert r.primary_pollutants == ()
