"""The time-series store: idempotent bulk upserts keyed by (series, period start), revisions, bounded reads.

Persona: the gateway writing what data loggers send, including re-sends when an ack was lost.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from ecobrain.core import bulk
from ecobrain.core.gate import scope_filter
from ecobrain.monitoring.choices import QCFlag, Resolution
from ecobrain.monitoring.models import DayObservation, HourObservation, MinuteObservation, RealtimeObservation, Series
from ecobrain.monitoring.qc import series_rules
from ecobrain.monitoring.services import (
    ObservationRow,
    ensure_series,
    parse_value,
    store_observations,
    store_value_rows,
    value_row,
)
from ecobrain.registry.models import MonitoringFactor
from tests import factories

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def station_device(qindu):
    return factories.device(station=factories.station(qindu))


@pytest.fixture
def series(station_device):
    factor = MonitoringFactor.objects.get(code="a21026")
    return Series.objects.create(device=station_device, factor=factor)


def hours(series, n, *, text="12.5", flag="N", start=T0):
    return [
        ObservationRow(series.pk, start + timedelta(hours=i), value_text=text, stats={"Max": "20"}, device_flag=flag)
        for i in range(n)
    ]


def test_first_write_inserts_with_revision_one(series):
    result = store_observations(hours(series, 3), resolution=Resolution.HOUR)
    assert (result.inserted, result.updated) == (3, 0)
    row = HourObservation.objects.for_series(series).between(T0, T0 + timedelta(hours=1)).get()
    assert row.value == Decimal("12.5")
    assert row.value_text == "12.5"
    assert row.device_flag == "N"
    assert row.stats == {"Max": "20"}
    assert row.revision == 1
    assert row.period_start == T0


def test_same_values_resent_update_the_row_and_count_the_revision(series):
    store_observations(hours(series, 3), resolution=Resolution.HOUR)
    result = store_observations(hours(series, 3), resolution=Resolution.HOUR)
    assert (result.inserted, result.updated) == (0, 3)
    rows = list(HourObservation.objects.for_series(series).between(T0, T0 + timedelta(days=1)))
    assert len(rows) == 3
    assert {r.revision for r in rows} == {2}


def test_changed_value_replaces_the_old_one(series):
    store_observations(hours(series, 1, text="12.5"), resolution=Resolution.HOUR)
    result = store_observations(hours(series, 1, text="13.000", flag="C"), resolution=Resolution.HOUR)
    assert (result.inserted, result.updated) == (0, 1)
    row = HourObservation.objects.get(series=series, period_start=T0)
    assert (row.value, row.value_text, row.device_flag, row.revision) == (Decimal("13"), "13.000", "C", 2)


def test_mixed_batch_counts_inserted_and_updated(series):
    store_observations(hours(series, 2), resolution=Resolution.HOUR)
    result = store_observations(hours(series, 5), resolution=Resolution.HOUR)
    assert (result.inserted, result.updated) == (3, 2)
    assert HourObservation.objects.for_series(series).between(T0, T0 + timedelta(days=1)).count() == 5


def test_a_key_twice_in_one_call_keeps_the_last_row(series):
    rows = [*hours(series, 1, text="1"), *hours(series, 1, text="2")]
    result = store_observations(rows, resolution=Resolution.HOUR)
    assert (result.inserted, result.updated) == (1, 0)
    assert HourObservation.objects.get(series=series).value_text == "2"


def test_window_flags_survive_a_repeat_but_not_a_correction(series):
    """Window flags (set by the QC job) stay on a repeat; point flags are recomputed from every version."""
    store_observations(hours(series, 1), resolution=Resolution.HOUR)
    HourObservation.objects.filter(series=series).update(qc_flags=QCFlag.SPIKE | QCFlag.STUCK | QCFlag.NEGATIVE)
    store_observations(hours(series, 1), resolution=Resolution.HOUR)
    row = HourObservation.objects.get(series=series)
    assert row.has_qc_flag(QCFlag.SPIKE) and row.has_qc_flag(QCFlag.STUCK)
    assert not row.has_qc_flag(QCFlag.NEGATIVE)  # 12.5 is not negative, whatever the row said before
    assert len(row.qc_flag_labels()) == 2
    store_observations(hours(series, 1, text="99"), resolution=Resolution.HOUR)
    row.refresh_from_db()
    assert row.qc_flags == 0
    assert row.revision == 3


def test_resolutions_are_separate_tables(series):
    for resolution in Resolution.values:
        store_observations(hours(series, 1), resolution=resolution)
    for model in (RealtimeObservation, MinuteObservation, HourObservation, DayObservation):
        assert model.objects.get(series=series).revision == 1


def test_flag_only_and_non_numeric_values_are_kept_as_text(series):
    rows = [
        ObservationRow(series.pk, T0, value_text="", device_flag="D"),
        ObservationRow(series.pk, T0 + timedelta(hours=1), value_text="abc", device_flag="N"),
        ObservationRow(series.pk, T0 + timedelta(hours=2), value_text="1" * 40),
    ]
    store_observations(rows, resolution=Resolution.HOUR)
    flag_only, text, long = HourObservation.objects.for_series(series).between(T0, T0 + timedelta(hours=3))
    assert (flag_only.value, flag_only.value_text, flag_only.device_flag) == (None, "", "D")
    assert (text.value, text.value_text) == (None, "abc")
    assert (long.value, long.value_text, long.stats) == (None, "", {"_value": "1" * 40})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.803", Decimal("1.803")),
        ("-0.5", Decimal("-0.5")),
        ("00012", Decimal("12")),
        ("1.1234567", Decimal("1.123457")),
        ("12345678901234", Decimal("12345678901234")),
        ("123456789012345", None),
        ("NaN", None),
        ("1e5", None),
        ("", None),
    ],
)
def test_parse_value(text, expected):
    assert parse_value(text) == expected


def test_naive_times_are_refused(series):
    with pytest.raises(ValueError, match="naive"):
        store_observations([ObservationRow(series.pk, datetime(2026, 3, 1))], resolution=Resolution.HOUR)
    with pytest.raises(ValueError, match="aware"):
        HourObservation.objects.for_series(series).between(datetime(2026, 3, 1), datetime(2026, 3, 2))


def test_ten_thousand_rows_in_a_few_statements(series, django_assert_max_num_queries):
    other = Series.objects.create(device=series.device, factor=MonitoringFactor.objects.get(code="a34004"))
    rows = hours(series, 5000) + hours(other, 5000)
    # PostgreSQL: one COPY upsert (4 statements); SQLite: statements of 512 rows and a few smaller ones of the cached
    # sizes (19 × 512 + 256 + 16); plus savepoint/release and the QC rule lookup.
    statements = len(bulk.sqlite_chunks(10000)) if connection.vendor == "sqlite" else 4
    assert statements == 21 or connection.vendor != "sqlite"
    with django_assert_max_num_queries(statements + 4):
        result = store_observations(rows, resolution=Resolution.HOUR)
    assert (result.inserted, result.updated) == (10000, 0)
    with django_assert_max_num_queries(statements + 4):
        result = store_observations(rows, resolution=Resolution.HOUR)
    assert (result.inserted, result.updated) == (0, 10000)
    assert HourObservation.objects.filter(series__in=[series, other]).count() == 10000
    assert HourObservation.objects.filter(series__in=[series, other], revision=2).count() == 10000


def test_reads_are_bounded_by_series_and_half_open_time(series):
    other = Series.objects.create(device=series.device, factor=MonitoringFactor.objects.get(code="a34004"))
    store_observations(hours(series, 24) + hours(other, 24), resolution=Resolution.HOUR)
    window = HourObservation.objects.for_series(series).between(T0 + timedelta(hours=3), T0 + timedelta(hours=6))
    assert [r.period_start.hour for r in window] == [3, 4, 5]
    assert HourObservation.objects.for_series([series, other]).between(T0, T0 + timedelta(hours=2)).count() == 4
    sql = str(window.query)
    assert "series_id" in sql and "period_start" in sql


def test_ensure_series_creates_once(station_device, django_assert_max_num_queries):
    ids = list(MonitoringFactor.objects.filter(code__in=["a21026", "a34004"]).values_list("pk", flat=True))
    first = ensure_series(station_device.pk, ids)
    with django_assert_max_num_queries(1):
        again = ensure_series(station_device.pk, ids)
    assert first == again and len(first) == 2
    assert Series.objects.filter(device=station_device).count() == 2


def test_series_and_observations_are_gated_by_the_device_district(series, handler, binzhou):
    far = Series.objects.create(device=factories.device(station=factories.station(binzhou)), factor=series.factor)
    store_observations(hours(series, 1) + hours(far, 1), resolution=Resolution.HOUR)
    visible = Series.objects.filter(scope_filter(Series, handler))
    assert list(visible) == [series]
    rows = HourObservation.objects.filter(scope_filter(HourObservation, handler))
    assert [r.series_id for r in rows] == [series.pk]


def test_observations_follow_the_device_scope_for_each_role(base_data, handler, enterprise_user, consumer, binzhou):
    """Role grants for monitoring data (accounts/roles.py) with the device's district and enterprise scope."""
    from ecobrain.monitoring.models import HourObservation, Series
    from ecobrain.registry.models import MonitoringFactor
    from tests import factories

    own_outlet = factories.outlet(enterprise_user.enterprise)
    other_outlet = factories.outlet(factories.enterprise(binzhou))
    so2 = MonitoringFactor.objects.get(code="a21026")
    own = Series.objects.create(device=factories.device(outlet=own_outlet), factor=so2)
    other = Series.objects.create(device=factories.device(outlet=other_outlet), factor=so2)
    assert set(Series.objects.restrict(handler)) == {own}  # 秦都区 handler: the 秦都区 enterprise's series only
    assert set(Series.objects.restrict(enterprise_user)) == {own}
    assert not Series.objects.restrict(consumer).exists()
    assert not HourObservation.objects.restrict(enterprise_user, "export").exists()
    assert other not in Series.objects.restrict(handler)


def test_store_value_rows_returns_only_the_updated_keys(series):
    """The gateway's batch path: rows built by value_row, the updated keys back with their revision."""
    received = T0 + timedelta(days=1)

    def rows(n, text):
        return [
            value_row(series.pk, T0 + timedelta(hours=i), text, {"Max": "20"}, "N", 0, None, received) for i in range(n)
        ]

    assert store_value_rows(rows(3, "12.5"), resolution=Resolution.HOUR) == {}
    again = store_value_rows(rows(2, "13.0") + rows(4, "13.0")[3:], resolution=Resolution.HOUR)
    assert again == {(series.pk, T0): 2, (series.pk, T0 + timedelta(hours=1)): 2}  # hour 3 was new
    stored = {r.period_start: (r.value_text, r.revision) for r in HourObservation.objects.filter(series=series)}
    assert stored == {
        T0: ("13.0", 2),
        T0 + timedelta(hours=1): ("13.0", 2),
        T0 + timedelta(hours=2): ("12.5", 1),
        T0 + timedelta(hours=3): ("13.0", 1),
    }


def test_value_row_keeps_the_text_parses_the_number_and_sets_point_flags(series):
    rule = series_rules([series.pk])[series.pk]
    row = value_row(series.pk, T0, "-3.5", {}, "N", 0, rule, T0)
    assert row[:4] == (series.pk, T0, Decimal("-3.5"), "-3.5")
    assert row[6] & QCFlag.NEGATIVE
    long_text = "1" * 40  # longer than the text column: kept in the stats, no number
    row = value_row(series.pk, T0, long_text, {"Max": "2"}, "Nxxxxxxxxx", 0, rule, T0)
    assert (row[2], row[3], row[4], row[5]) == (None, "", {"Max": "2", "_value": long_text}, "Nxxxxxxx")
