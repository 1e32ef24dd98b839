"""Primary and exceedance pollutants, missing data, levels and texts, and the edition in force by Beijing date."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ecobrain.standards.aqi import LEVELS, compute_aqi, edition_for, get_edition, level_for

FULL_HOURLY = {"so2": 5, "no2": 10, "co": 0.5, "o3": 20, "pm10": 30, "pm2_5": 10}


def test_primary_pollutants_tied_are_all_listed():
    """HJ 633-2026 §2.4 (首要污染物, reference §2.4): ties are listed together, PM10, PM2.5, O3 first [I]."""
    # PM10 150 and PM2.5 75 both give 100 in 2012; O3 1-h 200 gives 100 too.
    r = compute_aqi({**FULL_HOURLY, "o3": 200, "pm10": 150, "pm2_5": 75}, edition=2012)
    assert r.aqi == 100
    assert r.primary_pollutants == ("pm10", "pm2_5", "o3")
    r26 = compute_aqi({**FULL_HOURLY, "pm10": 120, "pm2_5": 60, "no2": 200}, edition=2026)
    assert r26.primary_pollutants == ("pm10", "pm2_5", "no2")


def test_no_primary_pollutant_at_or_below_50():
    """Reference §2.4: a primary pollutant is named only when AQI > 50; at 50 there is none, at 51 there is."""
    assert compute_aqi({**FULL_HOURLY, "pm2_5": 35}, edition=2026).primary_pollutants == ()
    r = compute_aqi({**FULL_HOURLY, "pm10": 51}, edition=2026)
    assert r.aqi == 51 and r.primary_pollutants == ("pm10",)


def test_exceedance_pollutants_2012_only():
    """HJ 633-2012 超标污染物: IAQI > 100; HJ 633-2026 deleted the concept (None, not an empty list)."""
    values = {**FULL_HOURLY, "pm2_5": 76, "pm10": 151, "no2": 200}
    r12 = compute_aqi(values, edition=2012)
    assert r12.iaqi["no2"] == 100
    assert r12.exceedance_pollutants == ("pm10", "pm2_5")
    assert compute_aqi(FULL_HOURLY, edition=2012).exceedance_pollutants == ()
    assert compute_aqi(values, edition=2026).exceedance_pollutants is None


def test_missing_pollutant_with_aqi_at_most_100_is_na():
    """HJ 633-2026 §5.3.1: with a pollutant missing and AQI ≤ 100 from the others, AQI, primary, level, category are
    NA, while the single-pollutant IAQIs are still published."""
    values = dict(FULL_HOURLY, pm2_5=None, pm10=100)
    r = compute_aqi(values, edition=2026)
    assert r.missing == ("pm2_5",)
    assert r.aqi is None and r.level is None and r.category is None and r.primary_pollutants == ()
    assert r.iaqi["pm10"] == 86
    assert r.as_dict()["level"] is None


def test_missing_pollutant_with_aqi_above_100_is_published():
    """HJ 633-2026 §5.3.1: if the AQI from the others exceeds 100 it is published."""
    r = compute_aqi({"pm2_5": 76}, edition=2026)
    assert set(r.missing) == {"so2", "no2", "co", "o3", "pm10"}
    assert r.aqi == 115 and r.level.number == 3 and r.primary_pollutants == ("pm2_5",)
    edge = compute_aqi({"pm2_5": 60}, edition=2026)
    assert edge.aqi is None  # exactly 100 is not above 100


def test_exempt_pollutant_does_not_block():
    """HJ 633-2026 §5.3.2: a pollutant outside the monitoring plan (exempt) does not block publication."""
    values = dict(FULL_HOURLY)
    del values["co"]
    assert compute_aqi(values, edition=2026).aqi is None
    r = compute_aqi(values, edition=2026, exempt={"co"})
    assert r.aqi == 30 and r.missing == ()


def test_no_values_at_all():
    """HJ 633-2026 §5.3.1: nothing measured gives no AQI."""
    r = compute_aqi({}, edition=2026)
    assert r.aqi is None and r.iaqi == {} and len(r.missing) == 6


def test_realtime_2012_reports_moving_means_beside_the_aqi():
    """Reference §2.3 (HJ 633-2012 real-time report, national practice [I]): O3 8-h and PM 24-h moving means are
    published but do not enter the real-time AQI."""
    r = compute_aqi({**FULL_HOURLY, "o3_8h": 300, "pm10_24h": 400, "pm2_5_24h": 200}, edition=2012)
    assert r.aqi == 30
    assert dict(r.reported_iaqi) == {"o3_8h": 207, "pm10_24h": 272, "pm2_5_24h": 250}
    assert "o3_8h" not in r.iaqi


def test_daily_inputs_per_edition():
    """Reference §2.3: the 2012 daily AQI includes O3 daily max 1-h; the 2026 daily AQI does not (6 indicators)."""
    daily = {"so2": 5, "no2": 10, "co": 0.5, "o3_8h": 50, "pm10": 30, "pm2_5": 10, "o3": 400}
    assert compute_aqi(daily, kind="daily", edition=2012).aqi == 200
    r26 = compute_aqi(daily, kind="daily", edition=2026)
    assert r26.aqi == 30 and "o3" not in r26.iaqi
    assert len(get_edition(2012).daily_inputs) == 7 and len(get_edition(2026).daily_inputs) == 6
    assert compute_aqi({k: v for k, v in daily.items() if k != "o3"}, kind="daily", edition=2012).aqi is None


def test_aqi_range_starts_at_1_in_2026():
    """HJ 633-2026 §4.1.1: the AQI ranges over 1–500 (level I is 1–50); 2012 level I is 0–50."""
    zeros = dict.fromkeys(FULL_HOURLY, 0)
    assert compute_aqi(zeros, edition=2026).aqi == 1
    assert compute_aqi(zeros, edition=2012).aqi == 0
    assert compute_aqi({**zeros, "pm2_5": 0.4}, edition=2026).iaqi["pm2_5"] == 0  # rounded to 0 first (§4.2.2)


@pytest.mark.parametrize(
    ("aqi", "number", "category", "colour"),
    [
        (0, 1, "优", "#00E400"),
        (50, 1, "优", "#00E400"),
        (51, 2, "良", "#FFFF00"),
        (100, 2, "良", "#FFFF00"),
        (101, 3, "轻度污染", "#FF7E00"),
        (150, 3, "轻度污染", "#FF7E00"),
        (151, 4, "中度污染", "#FF0000"),
        (200, 4, "中度污染", "#FF0000"),
        (201, 5, "重度污染", "#99004C"),
        (300, 5, "重度污染", "#99004C"),
        (301, 6, "严重污染", "#7E0023"),
        (500, 6, "严重污染", "#7E0023"),
    ],
)
def test_levels_categories_colours(aqi, number, category, colour):
    """HJ 633-2026 Table 1 / Appendix A (colours unchanged from 2012): levels, categories and China's colours."""
    level = level_for(aqi)
    assert (level.number, level.category, level.colour_hex) == (number, category, colour)


def test_purple_is_china_not_epa():
    """HJ 633 Appendix A: level V purple is RGB 153,0,76 (#99004C), not the US EPA #8F3F97."""
    assert LEVELS[4].rgb == (153, 0, 76) and LEVELS[4].cmyk == (10, 100, 40, 30)


def test_health_texts_per_edition():
    """HJ 633-2026 Table 1 vs HJ 633-2012 (reference §2.5): 2026 says 青少年儿童 and 敏感人群; 2012 儿童 and 心脏病."""
    r12 = compute_aqi({"pm2_5": 100}, edition=2012)
    r26 = compute_aqi({"pm2_5": 100}, edition=2026)
    assert r12.level.number == r26.level.number == 3
    assert "心脏病" in r12.advice and "青少年" not in r12.advice
    assert "青少年儿童" in r26.advice and "敏感人群" in r26.health_effect
    assert compute_aqi({**FULL_HOURLY}, edition=2026).advice == "各类人群可正常活动"
    assert get_edition(2026).sensitive_groups["co"] == "心血管疾病患者"


def test_result_is_frozen_and_records_the_edition():
    """Architecture rule (reference §0): a result records the edition that produced it and cannot be altered."""
    r = compute_aqi(FULL_HOURLY, edition=2026)
    assert r.edition == "HJ 633-2026"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.aqi = 1
    with pytest.raises(TypeError):
        r.iaqi["pm2_5"] = 1


BEIJING = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (date(2026, 2, 28), "HJ 633-2012"),
        (date(2026, 3, 1), "HJ 633-2026"),
        (datetime(2026, 2, 28, 23, 59, tzinfo=BEIJING), "HJ 633-2012"),
        (datetime(2026, 3, 1, 0, 0, tzinfo=BEIJING), "HJ 633-2026"),
        (datetime(2026, 2, 28, 15, 59, tzinfo=UTC), "HJ 633-2012"),  # 23:59 in Beijing
        (datetime(2026, 2, 28, 16, 0, tzinfo=UTC), "HJ 633-2026"),  # 00:00 on 1 March in Beijing
        (datetime(2026, 2, 28, 23, 0), "HJ 633-2012"),  # naive: Beijing local time
        (date(2013, 1, 1), "HJ 633-2012"),
    ],
)
def test_edition_by_beijing_date(when, expected):
    """Reference §0: HJ 633-2026 is in force from 2026-03-01 (Beijing date); HJ 633-2012 before."""
    assert edition_for(when).name == expected
    assert compute_aqi({"pm2_5": 76}, at=when).edition == expected


def test_edition_named_or_unknown():
    """Reference §0: an edition may be named explicitly; an unknown name or a date before HJ 633-2012 is refused."""
    assert get_edition("HJ 633-2026") is get_edition(2026) is get_edition("2026")
    with pytest.raises(ValueError):
        get_edition("2019")
    with pytest.raises(ValueError):
        edition_for(date(2010, 1, 1))
    with pytest.raises(ValueError, match="name an edition"):
        compute_aqi({"pm2_5": 1})


def test_calculator_imports_no_django():
    """Issue 4 (calculators in `standards/`, no Django): importing the AQI package and its vectorised path loads
    no Django module."""
    code = "import sys, ecobrain.standards.aqi, ecobrain.standards.aqi.vectorised; print('django' in sys.modules)"
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)  # noqa: S603 - fixed code
    assert result.stdout.strip() == "False"
