"""The air assessment pipeline: stored hourly values → hourly and daily AQI of stations, districts and the city, and
HJ 663 month/year statistics (issue 4). Numbers are hand-computed; each test cites the clause it checks.

Persona: monitoring staff who publish the city's air quality and need it to match the standards to the digit.
"""

from __future__ import annotations

from datetime import date

import pytest

from ecobrain.assessment.choices import PeriodKind, Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityHour, AirQualityPeriod
from ecobrain.assessment.services import recompute_air
from ecobrain.core.models import Region
from ecobrain.registry.choices import StationStatus
from tests import factories
from tests.assessment.air_data import HOUR, air_station, china, put, put_hours

SIX = {"so2": 6, "no2": 40, "co": 0.8, "o3": 63, "pm10": 120, "pm2_5": 76}


@pytest.fixture
def city(base_data):
    return Region.objects.get(adcode="610400")


def hour_row(station, at) -> AirQualityHour:
    return AirQualityHour.objects.get(scope=Scope.STATION, station=station, period_start=at)


def test_hourly_aqi_and_the_edition_switch_at_the_hour_starting_2026_03_01_0000(qindu):
    """HJ 633-2012 §6 / HJ 633-2026 §4.2.4 (standards.md §2.3): the real-time AQI is the largest IAQI of the 1-h
    values, PM on the 24-h tables; the edition is the one in force on the Beijing date of the hour's start, so the
    hour 2026-02-28 23:00 is judged by 2012 and the hour starting 2026-03-01 00:00 by 2026 (standards.md §0)."""
    station = air_station(qindu)
    last_2012, first_2026 = china(date(2026, 2, 28), 23), china(date(2026, 3, 1), 0)
    put_hours(station, SIX, last_2012, 2)

    recompute_air(start=date(2026, 2, 28), end=date(2026, 3, 1))

    old, new = hour_row(station, last_2012), hour_row(station, first_2026)
    assert (old.edition, old.aqi, old.level, old.primary_pollutants) == ("HJ 633-2012", 102, 3, "pm2_5")
    assert old.iaqi == {"so2": 2, "no2": 20, "co": 8, "o3": 20, "pm10": 85, "pm2_5": 102}
    assert (new.edition, new.aqi, new.primary_pollutants) == ("HJ 633-2026", 115, "pm2_5")
    assert new.iaqi == {"so2": 2, "no2": 20, "co": 8, "o3": 20, "pm10": 100, "pm2_5": 115}
    assert (new.so2, new.co, new.pm2_5, new.station_count) == (6.0, 0.8, 76.0, 1)
    assert AirQualityHour.objects.filter(scope=Scope.STATION, station=station).count() == 2


def test_o3_8h_mean_needs_six_valid_hours_of_eight(qindu):
    """GB 3095-2026 Table 4 (standards.md §3.1): an O3 8-h mean needs ≥ 6 hourly values in its 8 hours; the mean
    labelled hour X covers the hours X−7 … X."""
    station = air_station(qindu)
    day = date(2026, 5, 10)
    put_hours(station, {"no2": 20}, china(day), 10)
    put(station, "o3", {china(day, h): 10 * (h + 1) for h in range(6)})  # hours 0–5: 10 … 60; 6, 7, 8 missing

    recompute_air(start=day, end=day)

    assert hour_row(station, china(day, 7)).o3_8h == 35.0  # (10+20+…+60)/6: six valid of eight
    assert hour_row(station, china(day, 7)).o3 is None
    assert hour_row(station, china(day, 8)).o3_8h is None  # hours 1–8 hold five valid values


def test_pm_24h_moving_mean_reads_the_lead_in_before_the_span(qindu):
    """HJ 633-2012 real-time report (standards.md §2.3): PM 24-h moving means beside the AQI, ≥ 20 of 24 hours
    (GB 3095 Table 4); the hours before the recomputed span count."""
    station = air_station(qindu)
    day = date(2026, 2, 10)
    put(station, "pm2_5", {china(day) - (20 - i) * HOUR: 30 for i in range(20)})  # 20 hours of the day before
    put(station, "pm2_5", {china(day): 54})

    recompute_air(start=day, end=day)

    row = hour_row(station, china(day))
    assert row.pm2_5_24h == (20 * 30 + 54) / 21  # the window of the 24 hours ending with this one: 21 valid
    assert row.iaqi["pm2_5_24h"] == 45  # 2012 24-h table: 50 · 31.14… / 35 = 44.49 → 45, reported beside the AQI
    assert row.iaqi["pm2_5"] == 74 and row.aqi is None  # 50 + 50·(54 − 35)/40 = 73.75; NA: five pollutants missing


def test_daily_mean_needs_twenty_valid_hours(qindu):
    """GB 3095-2026 Table 4 / HJ 663 (standards.md §3.1): a daily mean needs ≥ 20 hourly values of the natural day
    (00:00–24:00 China time); 19 give none."""
    station = air_station(qindu)
    short, full = date(2026, 4, 1), date(2026, 4, 2)
    put(station, "pm2_5", {china(short, h): 40 for h in range(19)})
    put(station, "pm2_5", {china(full, h): h + 1 for h in range(20)})

    recompute_air(start=short, end=full)

    first = AirQualityDay.objects.get(scope=Scope.STATION, station=station, day=short)
    second = AirQualityDay.objects.get(scope=Scope.STATION, station=station, day=full)
    assert first.pm2_5 is None and first.hours["pm2_5"] == 19 and first.aqi is None
    assert second.pm2_5 == 10.5 and second.hours["pm2_5"] == 20


def test_daily_aqi_uses_the_daily_means_and_mda8_by_the_edition_of_the_day(qindu):
    """HJ 633-2026 daily report (standards.md §2.3, §2.6 daily example): five daily means and the O3 MDA8; SO2 10,
    NO2 45, CO 0.8, O3-8h 170, PM10 130, PM2.5 80 → AQI 119 (2026), primary PM2.5; 2012 adds the daily max 1-h O3
    and gives 110 with primary O3-8h. MDA8 = the largest of the 17 8-h means within the day (GB 3095-2026 §3.9)."""
    station = air_station(qindu)
    values = {"so2": 10, "no2": 45, "co": 0.8, "o3": 170, "pm10": 130, "pm2_5": 80}
    put_hours(station, values, china(date(2026, 2, 28)), 48)

    recompute_air(start=date(2026, 2, 28), end=date(2026, 3, 1))

    old = AirQualityDay.objects.get(scope=Scope.STATION, station=station, day=date(2026, 2, 28))
    new = AirQualityDay.objects.get(scope=Scope.STATION, station=station, day=date(2026, 3, 1))
    assert (old.edition, old.aqi, old.primary_pollutants) == ("HJ 633-2012", 110, "o3_8h")
    assert (new.edition, new.aqi, new.level, new.primary_pollutants) == ("HJ 633-2026", 119, 3, "pm2_5")
    assert (new.o3_8h, new.o3, new.pm10) == (170.0, 170.0, 130.0)
    assert new.hours == {"so2": 24, "no2": 24, "co": 24, "o3": 24, "pm10": 24, "pm2_5": 24, "o3_8h": 17}


def test_district_and_city_are_the_means_of_their_assessment_stations_only(qindu, binzhou, city):
    """HJ 663 (standards.md §3): a district's (city's) concentration is the arithmetic mean of its assessment
    stations' values of the same statistic; a control station (对照点, is_assessment False) and a station out of
    operation are not in it; a district without an assessment station gets no rows."""
    a = air_station(qindu, pollutants=("pm2_5",))
    b = air_station(qindu, pollutants=("pm2_5",))
    control = air_station(qindu, pollutants=("pm2_5",), is_assessment=False, kind="air_national")
    stopped = air_station(qindu, pollutants=("pm2_5",), status=StationStatus.SUSPENDED)
    e = air_station(binzhou, pollutants=("pm2_5",))
    lonely = air_station(factories.region("610423"), pollutants=("pm2_5",), is_assessment=False, kind="air_micro")
    day = date(2026, 6, 1)
    for station, value in ((a, 30), (b, 50), (control, 500), (stopped, 400), (e, 90), (lonely, 10)):
        put_hours(station, {"pm2_5": value}, china(day), 24)

    recompute_air(start=day, end=day)

    district = AirQualityHour.objects.get(scope=Scope.DISTRICT, region=qindu, period_start=china(day, 5))
    assert (district.pm2_5, district.station_count) == (40.0, 2)
    town = AirQualityHour.objects.get(scope=Scope.CITY, region=city, period_start=china(day, 5))
    assert (round(town.pm2_5, 9), town.station_count) == (round(170 / 3, 9), 3)
    day_row = AirQualityDay.objects.get(scope=Scope.DISTRICT, region=qindu, day=day)
    assert (day_row.pm2_5, day_row.station_count) == (40.0, 2)
    assert AirQualityDay.objects.get(scope=Scope.DISTRICT, region=binzhou, day=day).pm2_5 == 90.0
    assert not AirQualityHour.objects.filter(scope=Scope.DISTRICT, region_id=lonely.district_id).exists()
    assert AirQualityHour.objects.filter(scope=Scope.STATION, station=control).count() == 24  # assessed on its own


def test_values_flagged_invalid_by_the_device_and_negative_values_are_left_out(qindu):
    """docs/monitoring.md "Data completeness": a value whose device flag is D (fault), M, C, F, B, T … is not valid;
    HJ 633 tables start at 0, so a negative concentration is not assessed either."""
    station = air_station(qindu, pollutants=("pm2_5", "no2"))
    day = date(2026, 7, 1)
    put(station, "no2", {china(day, h): 20 for h in range(3)})
    put(station, "pm2_5", {china(day, 0): 40})
    put(station, "pm2_5", {china(day, 1): 400}, flag="D")
    put(station, "pm2_5", {china(day, 2): -3})

    recompute_air(start=day, end=day)

    assert [hour_row(station, china(day, h)).pm2_5 for h in range(3)] == [40.0, None, None]


def test_a_pollutant_the_station_does_not_measure_does_not_block_its_aqi(base_data):
    """HJ 633-2026 §5.3.1/§5.3.2 (standards.md §2.4): a missing pollutant blocks an AQI ≤ 100, unless it is not in
    the station's monitoring plan — a micro station with PM sensors only publishes 60 (PM2.5 40, PM10 60)."""
    micro = air_station(factories.region("610404"), kind="air_micro", is_assessment=False, pollutants=("pm10", "pm2_5"))
    full = air_station(factories.region("610404"), kind="air_city", is_assessment=False)
    at = china(date(2026, 8, 1), 9)
    for station in (micro, full):
        put(station, "pm2_5", {at: 40})
        put(station, "pm10", {at: 60})

    recompute_air(start=date(2026, 8, 1), end=date(2026, 8, 1))

    assert (hour_row(micro, at).aqi, hour_row(micro, at).primary_pollutants) == (60, "pm2_5")
    assert hour_row(full, at).aqi is None  # SO2, NO2, CO, O3 are in its plan but missing, and 60 ≤ 100


def test_month_and_year_statistics_from_the_day_rows(qindu, city):
    """HJ 663 (standards.md §3.2–3.3): period statistics of the daily values, the comprehensive index of the edition
    in force (March 2026: HJ 663-2026, weighted: 3·80/30 + 130/60 + 10/60 + 2·45/40 + 2·170/160 + 0.8/4 = 14.91),
    the excellent-good ratio over valid days and the days per level; a month with 3 daily values is not valid
    (≥ 27 needed, GB 3095-2026 Table 4)."""
    station = air_station(qindu)
    values = {"so2": 10, "no2": 45, "co": 0.8, "o3": 170, "pm10": 130, "pm2_5": 80}
    put_hours(station, values, china(date(2026, 3, 10)), 72)

    recompute_air(start=date(2026, 3, 10), end=date(2026, 3, 12))

    month = AirQualityPeriod.objects.get(scope=Scope.STATION, station=station, kind=PeriodKind.MONTH)
    assert month.period_start == date(2026, 3, 1) and month.edition == "HJ 663-2026"
    assert (month.valid_days, month.good_days, month.good_ratio) == (3, 0, 0.0)
    assert month.days_per_level == {"1": 0, "2": 0, "3": 3, "4": 0, "5": 0, "6": 0}
    assert (month.comprehensive_index, month.index_primary) == (14.91, "pm2_5")
    pm = month.stats["pollutants"]["pm2_5"]
    assert (pm["days"], pm["mean"], pm["p95"], pm["valid"]) == (3, 80.0, 80.0, False)
    assert month.stats["pollutants"]["o3_8h"]["concentration"] == 170.0  # P90 of the MDA8
    year = AirQualityPeriod.objects.get(scope=Scope.STATION, station=station, kind=PeriodKind.YEAR)
    assert year.period_start == date(2026, 1, 1) and year.valid_days == 3
    for scope, region in ((Scope.DISTRICT, qindu), (Scope.CITY, city)):
        row = AirQualityPeriod.objects.get(scope=scope, region=region, kind=PeriodKind.MONTH)
        assert row.comprehensive_index == 14.91


def test_a_rerun_writes_identical_rows_and_never_duplicates(qindu, binzhou):
    """Idempotence: the recomputation replaces exactly the rows of the objects and days it covers."""
    a, b = air_station(qindu), air_station(binzhou)
    put_hours(a, SIX, china(date(2026, 3, 1)), 30)
    put_hours(b, {**SIX, "pm2_5": 30}, china(date(2026, 3, 1)), 26)

    def snapshot():
        fields = ("scope", "station_id", "region_id", "aqi", "pm2_5", "iaqi", "edition", "station_count")
        hours = sorted(AirQualityHour.objects.values_list(*fields, "pm2_5_24h", "period_start"), key=str)
        days = sorted(AirQualityDay.objects.values_list(*fields, "hours", "day"), key=str)
        periods = sorted(AirQualityPeriod.objects.values_list("scope", "kind", "stats", "good_days"), key=str)
        return hours, days, periods

    recompute_air(start=date(2026, 3, 1), end=date(2026, 3, 2))
    first = snapshot()
    again = recompute_air(start=date(2026, 3, 1), end=date(2026, 3, 2))
    assert snapshot() == first
    assert again.rows["hour"] == {"station": 56, "district": 56, "city": 30}
    assert len(first[0]) == 56 + 56 + 30


def test_a_station_subset_recomputes_its_district_and_the_city_and_leaves_others(qindu, binzhou, city):
    """recompute_air(stations=…) replaces those stations' rows, their districts' and the city's; other stations'
    rows stay as they are."""
    a, b = air_station(qindu, pollutants=("pm2_5",)), air_station(binzhou, pollutants=("pm2_5",))
    day = date(2026, 9, 1)
    put_hours(a, {"pm2_5": 30}, china(day), 24)
    put_hours(b, {"pm2_5": 90}, china(day), 24)
    recompute_air(start=day, end=day)
    put(a, "pm2_5", {china(day, 3): 60})
    put(b, "pm2_5", {china(day, 3): 120})

    result = recompute_air(start=day, end=day, stations=[a])

    assert (result.stations, result.districts, result.city) == (1, 1, 1)
    assert hour_row(a, china(day, 3)).pm2_5 == 60.0
    assert hour_row(b, china(day, 3)).pm2_5 == 90.0  # not recomputed
    town = AirQualityHour.objects.get(scope=Scope.CITY, region=city, period_start=china(day, 3))
    assert town.pm2_5 == 90.0  # (60 + 120) / 2: the city reads every assessment station again


def test_bad_spans_are_refused(base_data):
    with pytest.raises(ValueError, match="before it starts"):
        recompute_air(start=date(2026, 3, 2), end=date(2026, 3, 1))
    with pytest.raises(ValueError, match="2012-02-29"):
        recompute_air(start=date(2011, 1, 1), end=date(2011, 1, 2))
