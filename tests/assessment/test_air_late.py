"""Late data: the job ``assessment.air_recompute`` takes in hourly values received since its watermark and
recomputes what they change (issue 4: "recomputed when late data arrive").

Persona: monitoring staff whose station re-sends an hour after an outage; the published AQI and the day and month
statistics must follow, and a run with nothing new must change nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ecobrain.assessment.choices import PeriodKind, Scope
from ecobrain.assessment.jobs import recompute_air_received
from ecobrain.assessment.models import AirQualityDay, AirQualityHour, AirQualityPeriod, RecomputeWatermark
from ecobrain.assessment.services import recompute_received
from ecobrain.assessment.services.late import REREAD
from ecobrain.core.jobs import run_job
from tests.assessment.air_data import air_station, china, put, put_hours

DAY = date(2026, 3, 20)
SIX = {"so2": 10, "no2": 45, "co": 0.8, "o3": 170, "pm10": 130, "pm2_5": 80}


def rows_of(station):
    hours = AirQualityHour.objects.filter(station=station).order_by("period_start")
    hours = list(hours.values_list("period_start", "aqi", "pm2_5"))
    days = list(AirQualityDay.objects.filter(station=station).order_by("day").values_list("day", "aqi", "pm2_5"))
    month = AirQualityPeriod.objects.get(station=station, kind=PeriodKind.MONTH)
    return hours, days, (month.stats, month.good_days, month.days_per_level)


@pytest.fixture
def station(qindu):
    return air_station(qindu)


def test_a_value_that_arrives_late_changes_the_hour_day_and_month_and_a_rerun_changes_nothing(station, qindu):
    t0 = timezone.now() - timedelta(hours=2)
    put_hours(station, SIX, china(DAY), 24, received_at=t0)  # a full day, PM2.5 80 every hour
    put(station, "pm2_5", {china(DAY, 5): None}, received_at=t0)  # hour 05:00 came without a value

    first = recompute_received(t0 + timedelta(minutes=1))
    assert first.station_days == 2  # the day, and the next (its last hours' 24-h means reach into it)
    hour5 = AirQualityHour.objects.get(station=station, period_start=china(DAY, 5))
    # 2026 §5.3.1: PM2.5 missing, the others give more than 100 (PM10 130 → 104), so the AQI is published.
    assert (hour5.pm2_5, hour5.aqi, hour5.primary_pollutants) == (None, 104, "pm10")
    day = AirQualityDay.objects.get(station=station, day=DAY)
    assert (day.hours["pm2_5"], day.pm2_5, day.aqi) == (23, 80.0, 119)
    district_before = AirQualityDay.objects.get(scope=Scope.DISTRICT, region=qindu, day=DAY).pm2_5

    late = t0 + timedelta(hours=1)
    put(station, "pm2_5", {china(DAY, 5): 320}, received_at=late)  # the station re-sends the hour
    second = recompute_received(late + timedelta(minutes=1))

    assert [(r.first_day, r.last_day, r.stations) for r in second.runs] == [(DAY, DAY + timedelta(days=1), 1)]
    hour5 = AirQualityHour.objects.get(station=station, period_start=china(DAY, 5))
    # 2026 24-h table (PM2.5 1-h on it, §4.2.4): 300 + 100·(320 − 250)/100 = 370.
    assert (hour5.pm2_5, hour5.aqi, hour5.primary_pollutants) == (320.0, 370, "pm2_5")
    day = AirQualityDay.objects.get(station=station, day=DAY)
    assert day.hours["pm2_5"] == 24 and day.pm2_5 == 90.0  # (23·80 + 320) / 24
    district = AirQualityDay.objects.get(scope=Scope.DISTRICT, region=qindu, day=DAY)
    assert (district_before, district.pm2_5) == (80.0, 90.0)
    month = AirQualityPeriod.objects.get(station=station, kind=PeriodKind.MONTH)
    assert month.stats["pollutants"]["pm2_5"]["mean"] == 90.0

    before = rows_of(station)
    third = recompute_received(late + timedelta(minutes=2))  # re-reads the rows received just before the mark
    later = recompute_received(late + timedelta(minutes=10))  # nothing new
    assert rows_of(station) == before
    assert later.runs == [] and later.summary() == "nothing new"
    assert third.runs  # the re-read window: recomputed, identical


def test_a_row_committed_after_the_watermark_passed_its_stamp_is_still_taken_in(station):
    """A writer stamps received_at before it commits (the gateway queues frames in between): a row stamped up to
    REREAD before the watermark is read on the next pass."""
    now = timezone.now()
    put_hours(station, {"pm2_5": 30}, china(DAY), 24, received_at=now - timedelta(minutes=5))
    recompute_received(now)
    put(station, "pm2_5", {china(DAY, 3): 60}, received_at=now - REREAD / 2)  # stamped before the mark, seen after

    recompute_received(now + timedelta(minutes=1))

    assert AirQualityHour.objects.get(station=station, period_start=china(DAY, 3)).pm2_5 == 60.0


def test_the_first_run_looks_back_a_few_days_only(station, settings):
    """With no watermark the first pass takes in rows received in the last ECOBRAIN_ASSESSMENT_FIRST_RUN_HOURS."""
    settings.ASSESSMENT_FIRST_RUN_HOURS = 24
    now = timezone.now()
    put_hours(station, {"pm2_5": 30}, china(DAY), 24, received_at=now - timedelta(days=3))
    put_hours(station, {"pm2_5": 40}, china(DAY + timedelta(days=5)), 24, received_at=now - timedelta(hours=1))

    result = recompute_received(now)

    assert [r.first_day for r in result.runs] == [DAY + timedelta(days=5)]
    assert not AirQualityHour.objects.filter(station=station, period_start__lt=china(DAY + timedelta(days=1))).exists()
    assert RecomputeWatermark.objects.get(name="air").received_until == now


def test_separate_spans_are_recomputed_separately(station, qindu):
    """An old correction and today's values do not make one recomputation of everything in between."""
    now = timezone.now()
    put_hours(station, {"pm2_5": 30}, china(date(2025, 6, 1)), 2, received_at=now - timedelta(minutes=3))
    put_hours(station, {"pm2_5": 30}, china(DAY), 2, received_at=now - timedelta(minutes=3))

    result = recompute_received(now)

    assert [(r.first_day, r.last_day) for r in result.runs] == [
        (date(2025, 6, 1), date(2025, 6, 2)),
        (DAY, DAY + timedelta(days=1)),
    ]


def test_the_periodic_job_runs_the_pass(station):
    put_hours(station, {"pm2_5": 30}, china(DAY), 3, received_at=timezone.now() - timedelta(minutes=3))
    summary = run_job("assessment.air_recompute")
    assert "1 stations" in summary and AirQualityHour.objects.filter(station=station).count() == 3
    assert recompute_air_received(timezone.now() + timedelta(minutes=10)) == "nothing new"
