"""Data completeness per series and China day: 应传/实传/有效 counts and 有效传输率 (standards.md §8).

Personas: monitoring staff checking which devices report; a district handler who sees only their district;
the bureau's later alarm rule "有效传输率 below 90 %", which reads these rates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.completeness import compute_completeness, compute_range, day_bounds
from ecobrain.monitoring.models import CompletenessRate, DailyCompleteness, Series
from ecobrain.monitoring.services import ObservationRow, store_observations
from ecobrain.registry.choices import DeviceStatus
from ecobrain.registry.models import MonitoringFactor
from tests import factories

DAY = date(2026, 3, 2)
START, END = day_bounds(DAY)  # 2026-03-01 16:00 UTC … 2026-03-02 16:00 UTC
AFTER = END + timedelta(hours=3)  # "now" the day after
HOUR = timedelta(hours=1)


def series_of(device, code="a21026", *, created=datetime(2026, 1, 1, tzinfo=UTC)) -> Series:
    series = Series.objects.create(device=device, factor=MonitoringFactor.objects.get(code=code))
    Series.objects.filter(pk=series.pk).update(created=created)  # first seen before the day
    return series


def send(series, count, *, step=HOUR, resolution=Resolution.HOUR, start=START, flags=None, values=None):
    rows = [
        ObservationRow(
            series.pk,
            start + i * step,
            value_text=(values or {}).get(i, "12"),
            device_flag=(flags or {}).get(i, "N"),
        )
        for i in range(count)
    ]
    store_observations(rows, resolution=resolution)


def row(series, resolution=Resolution.HOUR, day=DAY) -> DailyCompleteness:
    return DailyCompleteness.objects.get(series=series, resolution=resolution, day=day)


@pytest.fixture
def station(qindu):
    return factories.station(qindu)


@pytest.fixture
def air_device(station):
    return factories.device(station=station)


@pytest.fixture
def water_outlet(enterprise_in_qindu):
    return factories.outlet(enterprise_in_qindu, code="DW001", kind="water")


def test_the_reference_vector():
    """standards.md §8: 700 expected, 690 received, 680 valid → 98.57 %, 98.55 %, 97.14 %."""
    rate = CompletenessRate(expected=700, received=690, valid=680)
    assert round(rate.transmission_rate * 100, 2) == 98.57
    assert round(rate.validity_rate * 100, 2) == 98.55
    assert round(rate.effective_rate * 100, 2) == 97.14
    assert rate.effective_rate == pytest.approx(rate.transmission_rate * rate.validity_rate)
    assert CompletenessRate().effective_rate is None


def test_the_day_is_the_china_natural_day():
    assert datetime(2026, 3, 1, 16, 0, tzinfo=UTC) == START
    assert timedelta(days=1) == END - START


def test_hourly_counts_expected_received_and_valid(air_device):
    so2 = series_of(air_device)
    # 22 of 24 hours arrive; of those, one is calibration (C), one a fault (D), one has no value.
    send(so2, 22, flags={3: "C", 4: "D"}, values={5: "", 6: "-3"})
    send(so2, 1, start=END)  # the next day's first hour is not this day's
    compute_completeness(DAY, now=AFTER)
    r = row(so2)
    assert (r.expected, r.received, r.valid, r.interval_seconds) == (24, 22, 19, 3600)
    assert r.flagged == 2  # the calibration value (MAINTENANCE) and the negative one (NEGATIVE)
    assert r.rate().effective_rate == pytest.approx(19 / 24)


@pytest.mark.parametrize("flag", ["M", "C", "D", "F", "B", "T", "P", "0", "2"])
def test_flags_that_make_a_value_invalid(air_device, flag):
    """standards.md §8: values flagged M, C, D, F, B or T are not valid (and 2005's P, 0, 2 by §1.9)."""
    so2 = series_of(air_device)
    send(so2, 2, flags={1: flag})
    compute_completeness(DAY, now=AFTER)
    assert (row(so2).received, row(so2).valid) == (2, 1)


@pytest.mark.parametrize("flag", ["N", "S", "", "1", "3"])
def test_flags_that_leave_a_value_valid(air_device, flag):
    so2 = series_of(air_device)
    send(so2, 1, flags={0: flag})
    compute_completeness(DAY, now=AFTER)
    assert row(so2).valid == 1


def test_a_silent_device_is_expected_and_received_nothing(air_device):
    so2 = series_of(air_device)
    compute_completeness(DAY, now=AFTER)
    r = row(so2)
    assert (r.expected, r.received, r.valid) == (24, 0, 0)
    assert r.rate().effective_rate == 0


def test_today_expects_only_the_hours_that_have_ended(air_device):
    so2 = series_of(air_device)
    send(so2, 10)
    now = START + timedelta(hours=10, minutes=30)  # 10:30 China time
    compute_completeness(DAY, now=now)
    assert (row(so2).expected, row(so2).received) == (10, 10)


def test_minute_data_follow_the_interval_the_series_shows(air_device):
    five = series_of(air_device, "a34004")
    send(five, 288, step=timedelta(minutes=5), resolution=Resolution.MINUTE)
    lone = series_of(air_device, "a34002")
    send(lone, 1, resolution=Resolution.MINUTE)
    compute_completeness(DAY, now=AFTER)
    assert (row(five, Resolution.MINUTE).expected, row(five, Resolution.MINUTE).interval_seconds) == (288, 300)
    # One value shows no interval: the default 10 minutes (144 a day).
    assert (row(lone, Resolution.MINUTE).expected, row(lone, Resolution.MINUTE).received) == (144, 1)


def test_minute_rows_only_for_series_that_send_minute_data(air_device):
    hourly_only = series_of(air_device)
    send(hourly_only, 24)
    minute = series_of(air_device, "a34004")
    send(minute, 144, step=timedelta(minutes=10), resolution=Resolution.MINUTE)
    compute_completeness(DAY, now=AFTER)
    assert not DailyCompleteness.objects.filter(series=hourly_only, resolution=Resolution.MINUTE).exists()
    # The next day the minute series goes silent: it is still expected (it reported within the lookback),
    # at the interval it showed.
    next_day = DAY + timedelta(days=1)
    compute_completeness(next_day, now=AFTER + timedelta(days=1))
    silent = row(minute, Resolution.MINUTE, next_day)
    assert (silent.expected, silent.received, silent.interval_seconds) == (144, 0, 600)
    assert not DailyCompleteness.objects.filter(series=hourly_only, resolution=Resolution.MINUTE).exists()


def test_wastewater_standard_check_hour_leaves_the_expected_count(water_outlet):
    """standards.md §8: COD, NH3-N, TP, TN at a wastewater outlet expect 23 hourly values (one check hour)."""
    device = factories.device(outlet=water_outlet)
    cod, ph = series_of(device, "w01018"), series_of(device, "w01001")
    send(cod, 24, flags={2: "C"})
    send(ph, 24)
    compute_completeness(DAY, now=AFTER)
    assert (row(cod).expected, row(cod).received, row(cod).valid) == (23, 24, 23)
    assert row(cod).rate().effective_rate == 1.0
    assert row(ph).expected == 24


def test_recomputing_is_idempotent_and_drops_rows_no_longer_expected(air_device):
    so2 = series_of(air_device)
    send(so2, 20)
    first = compute_completeness(DAY, now=AFTER)
    before = list(DailyCompleteness.objects.values_list("series_id", "resolution", "expected", "received", "valid"))
    assert compute_completeness(DAY, now=AFTER) == first
    after = list(DailyCompleteness.objects.values_list("series_id", "resolution", "expected", "received", "valid"))
    assert after == before
    send(so2, 24)  # late re-upload of the missing hours
    compute_completeness(DAY, now=AFTER)
    assert row(so2).received == 24
    air_device.status = DeviceStatus.RETIRED
    air_device.save()
    compute_completeness(DAY, now=AFTER)
    assert not DailyCompleteness.objects.filter(day=DAY).exists()
    assert so2.pk in set(Series.objects.values_list("pk", flat=True))  # only derived rows go


def test_series_first_seen_later_are_not_expected_before(air_device):
    so2 = series_of(air_device, created=END + timedelta(days=5))
    compute_completeness(DAY, now=AFTER)
    assert not DailyCompleteness.objects.filter(series=so2).exists()
    send(so2, 3)  # history re-uploaded after the series was created: counted on the day it covers
    compute_completeness(DAY, now=AFTER)
    assert (row(so2).expected, row(so2).received) == (24, 3)


def test_rates_per_device_station_outlet_district_and_month(station, air_device, water_outlet, binzhou):
    so2, pm = series_of(air_device), series_of(air_device, "a34004")
    send(so2, 24)
    send(pm, 12)
    water = factories.device(outlet=water_outlet)
    ph = series_of(water, "w01001")
    send(ph, 24, flags={0: "D", 1: "D"})
    far = factories.device(station=factories.station(binzhou))
    series_of(far)
    compute_range(DAY, DAY + timedelta(days=1), now=AFTER + timedelta(days=1))
    hourly = DailyCompleteness.objects.for_resolution(Resolution.HOUR)
    one_day = hourly.between(DAY, DAY)
    assert one_day.for_device(air_device).rates() == CompletenessRate(48, 36, 36)
    assert one_day.for_station(station).rates() == CompletenessRate(48, 36, 36)
    assert one_day.for_outlet(water_outlet).rates() == CompletenessRate(24, 24, 22)
    assert one_day.for_enterprise(water_outlet.enterprise).rates() == CompletenessRate(24, 24, 22)
    qindu_rate = one_day.for_district(station.district).rates()
    assert qindu_rate == CompletenessRate(72, 60, 58)
    assert one_day.for_district(binzhou).rates() == CompletenessRate(24, 0, 0)
    # The month: day 2 as above, day 3 silent everywhere.
    march = hourly.in_month(2026, 3)
    assert march.for_device(air_device).rates() == CompletenessRate(96, 36, 36)
    by_day = march.for_device(air_device).rates_by("day")
    assert by_day[DAY].effective_rate == 0.75 and by_day[DAY + timedelta(days=1)].effective_rate == 0
    by_device = one_day.rates_by("series__device")
    assert by_device[far.pk].effective_rate == 0
    assert by_device[water.pk].effective_rate == pytest.approx(22 / 24)


def test_a_district_handler_reads_only_their_district(handler, station, air_device, binzhou):
    series_of(air_device)
    far = series_of(factories.device(station=factories.station(binzhou)))
    compute_completeness(DAY, now=AFTER)
    visible = DailyCompleteness.objects.restrict(handler, "view")
    assert set(visible.values_list("series__device", flat=True)) == {air_device.pk}
    assert far.pk not in set(visible.values_list("series", flat=True))


def test_the_job_computes_yesterday_and_today(air_device):
    from ecobrain.core.jobs import run_job

    so2 = series_of(air_device)
    summary = run_job("monitoring.completeness", now=START + timedelta(hours=30))  # 2026-03-03 06:00 China
    assert summary == "2026-03-02: 1 rows, 2026-03-03: 1 rows"
    assert row(so2).expected == 24
    assert row(so2, day=DAY + timedelta(days=1)).expected == 6


def test_the_command_recomputes_a_date_range(air_device, capsys):
    so2 = series_of(air_device)
    send(so2, 24)
    call_command("completeness", "--since", "2026-03-01", "--until", "2026-03-03")
    out = capsys.readouterr().out
    assert out.splitlines() == ["2026-03-01: 1 rows", "2026-03-02: 1 rows", "2026-03-03: 1 rows"]
    assert row(so2).received == 24
    with pytest.raises(CommandError, match="is before"):
        call_command("completeness", "--since", "2026-03-03", "--until", "2026-03-01")
    with pytest.raises(CommandError, match="not a date"):
        call_command("completeness", "--since", "yesterday")


def test_platform_qc_flags_are_counted_but_do_not_invalidate(air_device):
    """Platform flags mark suspicion for review; validity is the device's flag (standards.md §8)."""
    so2 = series_of(air_device)
    send(so2, 3, values={0: "99999"})
    compute_completeness(DAY, now=AFTER)
    assert (row(so2).flagged, row(so2).valid) == (1, 3)
