"""Monthly class of water sections from stored observations (GB 3838-2002 Table 1, 环办〔2011〕22号, standards.md §5).

Persona: the bureau's water analyst, who reads each section's monthly class and attainment of its target.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ecobrain.assessment.models import RecomputeWatermark, WaterQualityMonth
from ecobrain.assessment.water import recompute_received, recompute_water
from ecobrain.core.jobs import run_job
from ecobrain.monitoring.choices import Resolution
from tests.assessment.water_data import china, section, store

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def month_row(station, month=NOV) -> WaterQualityMonth:
    return WaterQualityMonth.objects.get(station=station, month=month)


def test_river_vector_from_hourly_values(qindu):
    """standards.md §5.3 river vector (GB 3838-2002 Table 1): DO 5.5 → III, CODMn 4.0 → II, NH3-N 1.2 → IV,
    TP 0.15 → III; the section is IV, NH3-N limiting (环办〔2011〕22号: the worst item); target III is missed and
    NH3-N is (1.2 − 1.0)/1.0 = 0.2 times over."""
    station, device = section(qindu, target="III")
    start = china(2026, 11, 3, 8)
    for key, value in {"do": "5.5", "codmn": "4.0", "nh3n": "1.2", "tp": "0.15"}.items():
        store(device, key, start, [value] * 3)
    result = recompute_water(first_month=NOV, last_month=NOV)
    assert result.rows == 1 and result.values == 12
    row = month_row(station)
    assert row.water_class == "IV"
    assert row.worst_factors == ["nh3n"]
    assert row.factor_classes == {"do": "III", "codmn": "II", "nh3n": "IV", "tp": "III"}
    assert row.means == {"do": "5.5", "codmn": "4", "nh3n": "1.2", "tp": "0.15"}
    assert row.samples == 3
    assert row.target_class == "III" and row.attained is False
    assert row.exceedances == {"nh3n": 0.2}
    assert row.edition == "GB 3838-2002"


def test_target_attained_and_no_target(qindu):
    """A class no worse than the target is attained; a section without a target has attained = None."""
    met, met_device = section(qindu, code="W1", target="IV")
    untargeted, free_device = section(qindu, code="W2", target="")
    for device in (met_device, free_device):
        store(device, "nh3n", china(2026, 11, 5), ["1.2"])
    recompute_water(first_month=NOV, last_month=NOV)
    assert month_row(met).attained is True and month_row(met).exceedances == {}
    assert month_row(untargeted).attained is None and month_row(untargeted).target_class == ""


def test_lake_and_river_tp(qindu):
    """GB 3838-2002 Table 1 item 8: TP 0.15 is Class III in a river and Class V in a lake (湖、库 limits
    0.1 for IV, 0.2 for V) — standards.md §5.3."""
    river, river_device = section(qindu, code="R1", waterbody="river", target="III")
    lake, lake_device = section(qindu, code="L1", waterbody="lake", target="III")
    for device in (river_device, lake_device):
        store(device, "tp", china(2026, 11, 2), ["0.15"])
    recompute_water(first_month=NOV, last_month=NOV)
    assert month_row(river).water_class == "III" and month_row(river).attained is True
    assert month_row(lake).water_class == "V" and month_row(lake).attained is False
    # (0.15 − 0.05) / 0.05 = 2 times over the lake Class III limit.
    assert month_row(lake).exceedances == {"tp": 2.0}


def test_monthly_mean_is_exact(qindu):
    """The month's TP mean of 0.15, 0.25 and 0.2 is exactly 0.2: Class III (a float mean would give IV)."""
    station, device = section(qindu)
    store(device, "tp", china(2026, 11, 10), ["0.15", "0.25", "0.2"])
    recompute_water(first_month=NOV, last_month=NOV)
    assert month_row(station).water_class == "III"
    assert month_row(station).means["tp"] == "0.2"


def test_do_minimum_and_excluded_items(qindu):
    """DO 1.9 → 劣V (DO is a minimum, GB 3838 Table 1 item 3); fecal coliform 30000 → V but does not count for the
    class (环办〔2011〕22号 excludes water temperature, TN and fecal coliform)."""
    station, device = section(qindu, target="III")
    store(device, "do", china(2026, 11, 1, 1), ["1.9"])
    store(device, "fecal_coliform", china(2026, 11, 1, 1), ["30000"])
    store(device, "water_temperature", china(2026, 11, 1, 1), ["12.5"])
    recompute_water(first_month=NOV, last_month=NOV)
    row = month_row(station)
    assert row.water_class == "劣V" and row.worst_factors == ["do"]
    assert row.factor_classes["fecal_coliform"] == "V"
    assert row.exceedances == {"do": None}  # the method gives DO no multiple
    assert row.means["water_temperature"] == "12.5"


def test_invalid_values_are_left_out(qindu):
    """Only valid values count, as monitoring counts them: a value flagged by the device (D, M, …) or negative is not
    a measurement of the month."""
    station, device = section(qindu)
    store(device, "nh3n", china(2026, 11, 4), ["0.4", "0.4"])
    store(device, "nh3n", china(2026, 11, 4, 2), ["9.0"], flag="D")  # 故障 (fault)
    store(device, "nh3n", china(2026, 11, 4, 3), ["-0.1"])
    recompute_water(first_month=NOV, last_month=NOV)
    row = month_row(station)
    assert row.water_class == "II" and row.means["nh3n"] == "0.4" and row.samples == 2


def test_micrograms_are_converted(qindu):
    """HJ 212 sends mercury in µg/L; GB 3838 Table 1 item 15 is in mg/L: 0.05 µg/L = 0.00005 mg/L → Class I
    (inclusive, standards.md §5.3), 0.5 µg/L = 0.0005 mg/L → Class IV."""
    clean, clean_device = section(qindu, code="H1")
    dirty, dirty_device = section(qindu, code="H2")
    store(clean_device, "hg", china(2026, 11, 6), ["0.05"])
    store(dirty_device, "hg", china(2026, 11, 6), ["0.5"])
    recompute_water(first_month=NOV, last_month=NOV)
    assert month_row(clean).water_class == "I" and month_row(clean).means["hg"] == "0.00005"
    assert month_row(dirty).water_class == "IV"


def test_daily_values_when_no_hourly(qindu):
    """A manual section reporting daily values (CN 2031) is classed from them; an item with hourly values that month
    ignores its daily values (they are derived from the same hours)."""
    station, device = section(qindu, kind="water_section")
    store(device, "codmn", china(2026, 11, 1), ["5.0", "7.0"], resolution=Resolution.DAY)
    store(device, "nh3n", china(2026, 11, 1), ["0.3"], resolution=Resolution.HOUR)
    store(device, "nh3n", china(2026, 11, 1), ["1.8"], resolution=Resolution.DAY)
    recompute_water(first_month=NOV, last_month=NOV)
    row = month_row(station)
    assert row.means == {"codmn": "6", "nh3n": "0.3"}
    assert row.water_class == "III"  # CODMn 6 is the Class III limit (inclusive)


def test_month_is_a_china_month(qindu):
    """A value of 31 Oct 23:00 Beijing time (15:00 UTC) belongs to October, one of 1 Nov 00:00 to November."""
    station, device = section(qindu)
    store(device, "nh3n", china(2026, 10, 31, 23), ["1.8"])
    store(device, "nh3n", china(2026, 11, 1, 0), ["0.1"])
    recompute_water(first_month=date(2026, 10, 1), last_month=NOV)
    assert month_row(station, date(2026, 10, 1)).water_class == "V"
    assert month_row(station).water_class == "I"


def test_recompute_is_idempotent_and_follows_corrections(qindu):
    """A re-run writes the same rows and never a second one; a corrected value changes the class; a month whose
    values are all gone has no row."""
    station, device = section(qindu)
    store(device, "nh3n", china(2026, 11, 8), ["1.2"])
    recompute_water(first_month=NOV, last_month=NOV)
    first = month_row(station)
    again = recompute_water(first_month=NOV, last_month=NOV)
    assert again.rows == 1 and WaterQualityMonth.objects.count() == 1
    second = month_row(station)
    assert (second.water_class, second.means, second.exceedances) == (first.water_class, first.means, first.exceedances)
    store(device, "nh3n", china(2026, 11, 8), ["0.4"])  # the logger re-sends a corrected value
    recompute_water(first_month=NOV, last_month=NOV)
    assert month_row(station).water_class == "II"
    store(device, "nh3n", china(2026, 11, 8), ["0.4"], flag="M")  # now marked as maintenance
    result = recompute_water(first_month=NOV, last_month=NOV)
    assert result.deleted == 1 and not WaterQualityMonth.objects.exists()


def test_air_stations_are_not_sections(qindu):
    from tests import factories

    factories.station(qindu, kind="air_city")
    assert recompute_water(first_month=NOV, last_month=NOV).stations == 0


def test_job_first_run_then_late_data(qindu):
    """The job (every 10 minutes): a first run classes the current and previous month; later runs recompute only
    the months of values received since the watermark — a late value for an old month changes that month."""
    station, device = section(qindu)
    now = datetime(2026, 11, 20, 4, tzinfo=UTC)
    store(device, "nh3n", china(2026, 10, 5), ["0.4"], received=now - timedelta(days=40))
    store(device, "nh3n", china(2026, 11, 5), ["0.4"], received=now - timedelta(days=10))
    summary = run_job("assessment.water", now)
    assert "2 section-months written" in summary
    assert RecomputeWatermark.objects.get(name="water").received_until == now - timedelta(minutes=2)
    assert month_row(station, date(2026, 10, 1)).water_class == "II"

    # A late corrected value for August arrives; September (never computed) stays empty.
    later = now + timedelta(minutes=10)
    store(device, "nh3n", china(2026, 8, 15), ["1.8"], received=later - timedelta(minutes=5))
    result = recompute_received(later)
    assert result.months == 1 and result.rows == 1
    assert month_row(station, date(2026, 8, 1)).water_class == "V"
    assert not WaterQualityMonth.objects.filter(month=date(2026, 9, 1)).exists()
    # Nothing new received: nothing recomputed.
    assert recompute_received(later + timedelta(minutes=10)).rows == 0


def test_cli(qindu):
    station, device = section(qindu, code="SEC-1")
    store(device, "tp", china(2026, 11, 2), ["0.25"])
    out = StringIO()
    call_command("assess_water", "--from", "2026-10", "--to", "2026-11", "--station", "SEC-1", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["from"] == "2026-10" and summary["to"] == "2026-11"
    assert summary["rows"] == 1 and summary["stations"] == 1 and summary["months"] == 2
    assert month_row(station).water_class == "IV"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13"], "应为 YYYY-MM"),
        (["--from", "2026-11", "--to", "2026-10"], "早于"),
        (["--station", "NOPE"], "未找到地表水站点：NOPE"),
    ],
)
def test_cli_errors(base_data, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("assess_water", *args, stdout=StringIO())
