"""Platform QC flags: point checks as rows are stored, window checks (flat line, stuck, spike) by the job.

Persona: monitoring staff reviewing station and outlet data, who need suspicious values marked — never
removed — and a corrected value judged afresh.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from ecobrain.core import bulk
from ecobrain.monitoring.choices import QCFlag, Resolution
from ecobrain.monitoring.models import HourObservation, MinuteObservation, QCWatermark, Series
from ecobrain.monitoring.qc import series_rules
from ecobrain.monitoring.qc.checks import (
    context_size,
    point_flags,
    typical_interval,
    window_counts,
    window_flags,
)
from ecobrain.monitoring.qc.rules import (
    AMBIENT,
    DEFAULT_RULES,
    EMISSION,
    FactorRule,
    RuleFileError,
    load_overrides,
    rule_for,
)
from ecobrain.monitoring.qc.windows import COMMIT_LAG, evaluate_received, evaluate_series
from ecobrain.monitoring.services import ObservationRow, store_observations
from ecobrain.registry.models import MonitoringFactor
from ecobrain.standards.factors import factor_table
from tests import factories

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
D = Decimal


def rule(**fields) -> FactorRule:
    """A rule with the given fields; numbers become Decimals except the hour counts."""
    counts = {"stuck_hours", "flat_hours"}
    return FactorRule(**{k: v if k in counts else D(str(v)) for k, v in fields.items()})


def hourly(values) -> tuple[list[datetime], list[Decimal]]:
    return [T0 + i * HOUR for i in range(len(values))], [D(str(v)) for v in values]


def flagged(flags, bit) -> list[int]:
    return [i for i, f in enumerate(flags) if f & bit]


# --- the rule table -------------------------------------------------------------------------------------


def test_every_factor_of_the_table_has_a_rule_in_both_contexts():
    for code in factor_table():
        assert rule_for(code, AMBIENT) is not None, code
        assert rule_for(code, EMISSION) is not None, code


def test_context_changes_the_range_of_one_code():
    """SO2 at an air station is µg/m³; in a stack mg/m³ (standards.md §1.10, ambient units in practice)."""
    assert rule_for("a21026", AMBIENT).maximum == D(2000)
    assert rule_for("a21026", EMISSION).maximum == D(20000)
    assert rule_for("unknown", AMBIENT) is None


def test_overrides_file_changes_fields_per_code_and_context(tmp_path):
    path = tmp_path / "qc.json"
    path.write_text(json.dumps({"a21026": {"maximum": "1800"}, "w01018@emission": {"stuck_hours": 3, "maximum": None}}))
    table = load_overrides(path)
    assert table[("a21026", AMBIENT)].maximum == D(1800)
    assert table[("a21026", EMISSION)].maximum == D(1800)
    assert table[("w01018", EMISSION)].stuck_hours == 3
    assert table[("w01018", EMISSION)].maximum is None
    assert table[("w01018", AMBIENT)] == DEFAULT_RULES[("w01018", AMBIENT)]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"a21026": {"maximun": 1}}, "'a21026'.maximun: unknown field"),
        ({"a21026@stack": {"maximum": 1}}, "context must be one of"),
        ({"a21026": {"stuck_hours": 0}}, "whole number of hours"),
        ({"a21026": {"maximum": "lots"}}, "expected a number"),
        ({"a21026": {"non_negative": "yes"}}, "true or false"),
        ([], "top level must be an object"),
    ],
)
def test_a_bad_overrides_file_names_the_key_and_field(tmp_path, document, message):
    path = tmp_path / "qc.json"
    path.write_text(json.dumps(document))
    with pytest.raises(RuleFileError, match=message):
        load_overrides(path)


def test_a_bad_overrides_file_stops_the_program_at_start(tmp_path):
    from tests.test_cli import ecobrain

    path = tmp_path / "qc.json"
    path.write_text('{"a21026": {"maximum": "lots"}}')
    result = ecobrain(tmp_path, "check", ECOBRAIN_SECRET_KEY="x" * 50, ECOBRAIN_QC_RULES_FILE=str(path))
    assert result.returncode == 2, result.stderr
    assert "ecobrain: configuration error: QC rules file" in result.stderr
    assert "'a21026'.maximum: expected a number" in result.stderr
    assert "Traceback" not in result.stderr


# --- point checks -----------------------------------------------------------------------------------------

SO2 = rule_for("a21026", AMBIENT)
TEMP = rule_for("a01001", AMBIENT)
PH = rule_for("w01001", EMISSION)


@pytest.mark.parametrize(
    ("rule_", "value", "expected"),
    [
        (SO2, "0", 0),  # zero is a value, not a negative one
        (SO2, "-0.001", QCFlag.NEGATIVE),  # and not also out of range: the specific flag says it
        (SO2, "2000", 0),  # the maximum itself is plausible
        (SO2, "2000.000001", QCFlag.OUT_OF_RANGE),
        (TEMP, "-12.5", 0),  # air temperature may be negative
        (TEMP, "-60", 0),
        (TEMP, "-60.1", QCFlag.OUT_OF_RANGE),
        (PH, "14", 0),  # the pH scale
        (PH, "14.01", QCFlag.OUT_OF_RANGE),
        (None, "-5", 0),  # an unknown factor gets no value checks
    ],
)
def test_point_checks_at_their_boundaries(rule_, value, expected):
    assert point_flags(rule_, D(value), "N") == expected


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("N", 0),
        ("C", QCFlag.MAINTENANCE),  # standards.md §1.9: calibration (2017) / 校验 (2005)
        ("M", QCFlag.MAINTENANCE),  # maintenance, both editions
        ("0", QCFlag.MAINTENANCE),  # 2005 ambient-air flag: calibration data
        ("T", QCFlag.OUT_OF_RANGE),  # 超测上限: above the measuring range, both editions
        ("D", 0),  # fault: invalid for completeness, but not a maintenance period
        ("F", 0),
        ("Md", 0),  # local extension flags are kept as sent and not guessed at
    ],
)
def test_device_flags_that_mean_maintenance_or_above_range(flag, expected):
    assert point_flags(SO2, D("10"), flag) == expected
    assert point_flags(None, None, flag) == expected  # even without a value or a rule


# --- window checks (pure) -----------------------------------------------------------------------------------


def test_stuck_allows_the_configured_repeats_and_flags_the_whole_longer_run():
    r = rule(stuck_hours=3)
    assert flagged(window_flags(*hourly([1, 5, 5, 5, 2]), r, HOUR), QCFlag.STUCK) == []
    assert flagged(window_flags(*hourly([1, 5, 5, 5, 5, 2]), r, HOUR), QCFlag.STUCK) == [1, 2, 3, 4]
    # Equal numbers are equal whatever their text: 5 and 5.00.
    assert flagged(window_flags(*hourly([5, "5.00", 5, "5.0"]), r, HOUR), QCFlag.STUCK) == [0, 1, 2, 3]


def test_flat_line_needs_n_values_within_the_tolerance():
    r = rule(flat_hours=4, flat_tolerance="0.2")
    assert flagged(window_flags(*hourly([9, 1, "1.2", "1.1", 9]), r, HOUR), QCFlag.FLAT_LINE) == []  # 3 values
    assert flagged(window_flags(*hourly([9, 1, "1.2", "1.1", 1, 9]), r, HOUR), QCFlag.FLAT_LINE) == [1, 2, 3, 4]
    # Range exactly the tolerance is flat; a hair more is not.
    assert flagged(window_flags(*hourly([1, "1.2", 1, "1.2"]), r, HOUR), QCFlag.FLAT_LINE) == [0, 1, 2, 3]
    assert flagged(window_flags(*hourly([1, "1.2", 1, "1.2001"]), r, HOUR), QCFlag.FLAT_LINE) == []


def test_spike_is_a_jump_against_both_neighbours_beyond_the_threshold():
    r = rule(spike_delta=100, spike_ratio=1)
    # Neighbours 30 and 40: threshold max(100, 1 × 35) = 100.
    assert flagged(window_flags(*hourly([30, 140, 40]), r, HOUR), QCFlag.SPIKE) == []  # 110 and 100: not both >
    assert flagged(window_flags(*hourly([30, "140.01", 40]), r, HOUR), QCFlag.SPIKE) == [1]
    # Heavy pollution: neighbours 300 and 320, threshold 310: 620 is no spike, 631 is.
    assert flagged(window_flags(*hourly([300, 620, 320]), r, HOUR), QCFlag.SPIKE) == []
    assert flagged(window_flags(*hourly([300, 631, 320]), r, HOUR), QCFlag.SPIKE) == [1]
    # A step is not a spike, nor is the first or last value; a drop below both neighbours is.
    assert flagged(window_flags(*hourly([30, 300, 300, 300]), r, HOUR), QCFlag.SPIKE) == []
    assert (
        flagged(window_flags(*hourly([500, 300, 500]), r, rule(spike_delta=100).__class__ and HOUR), QCFlag.SPIKE) == []
    )
    assert flagged(window_flags(*hourly([500, 10, 480]), rule(spike_delta=100), HOUR), QCFlag.SPIKE) == [1]


def test_a_gap_ends_runs_and_neighbourhoods():
    r = rule(stuck_hours=2, spike_delta=10)
    times = [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 6 * HOUR, T0 + 7 * HOUR]  # 4 h gap > 3 intervals
    assert window_flags(times, [D(5)] * 5, r, HOUR) == [QCFlag.STUCK] * 3 + [0, 0]
    spiky = [D(1), D(1), D(50), D(1), D(1)]
    assert flagged(window_flags(times, spiky, r, HOUR), QCFlag.SPIKE) == []  # 50's next neighbour is 4 h away
    times[3] = T0 + 5 * HOUR  # a 3 h gap (3 intervals) still joins them
    assert flagged(window_flags(times, spiky, r, HOUR), QCFlag.SPIKE) == [2]


def test_window_counts_scale_with_the_series_interval():
    r = rule(stuck_hours=5, flat_hours=12)
    assert window_counts(r, HOUR) == (5, 12)
    assert window_counts(r, timedelta(minutes=10)) == (30, 72)
    assert context_size(r, timedelta(minutes=10)) == 72
    assert typical_interval([T0 + timedelta(minutes=m) for m in (0, 5, 10, 15, 60, 65)], HOUR) == timedelta(minutes=5)
    assert typical_interval([T0], timedelta(minutes=10)) == timedelta(minutes=10)


# --- stored rows ----------------------------------------------------------------------------------------------


@pytest.fixture
def station_series(qindu):
    device = factories.device(station=factories.station(qindu))
    return Series.objects.create(device=device, factor=MonitoringFactor.objects.get(code="a21026"))


@pytest.fixture
def outlet_series(enterprise_in_qindu):
    device = factories.device(outlet=factories.outlet(enterprise_in_qindu))
    return Series.objects.create(device=device, factor=MonitoringFactor.objects.get(code="a21026"))


def store(series, values, *, start=T0, flag="N", resolution=Resolution.HOUR, step=HOUR, received_at=None):
    rows = [
        ObservationRow(series.pk, start + i * step, value_text=str(v), device_flag=flag) for i, v in enumerate(values)
    ]
    return store_observations(rows, resolution=resolution, received_at=received_at)


def flags_of(series, model=HourObservation) -> list[int]:
    return list(model.objects.filter(series=series).order_by("period_start").values_list("qc_flags", flat=True))


def test_point_flags_are_set_as_rows_are_stored(station_series, outlet_series):
    store(station_series, ["-1", "2500", "12", "7"], flag="N")
    assert flags_of(station_series) == [QCFlag.NEGATIVE, QCFlag.OUT_OF_RANGE, 0, 0]
    store(outlet_series, ["2500"])  # 2,500 mg/m³ in a stack is plausible
    assert flags_of(outlet_series) == [0]
    store(station_series, ["12"], start=T0 + 10 * HOUR, flag="C")
    assert (
        HourObservation.objects.get(series=station_series, period_start=T0 + 10 * HOUR).qc_flags == QCFlag.MAINTENANCE
    )


def test_a_correction_clears_a_flag_and_a_flag_change_sets_one(station_series):
    store(station_series, ["-1"])
    assert flags_of(station_series) == [QCFlag.NEGATIVE]
    store(station_series, ["3"])  # the logger re-sends a corrected value
    assert flags_of(station_series) == [0]
    store(station_series, ["3"], flag="M")  # same value, now marked maintenance
    assert flags_of(station_series) == [QCFlag.MAINTENANCE]
    assert HourObservation.objects.get(series=station_series).revision == 3


def test_point_rules_cost_no_query_per_row(station_series, django_assert_max_num_queries):
    store(station_series, ["1"])  # the series' rule is now cached
    rows = [ObservationRow(station_series.pk, T0 + i * HOUR, value_text=str(i - 50)) for i in range(3000)]
    # the upsert's statements (SQLite: the cached sizes, 5 × 512 + 256 + 128 + 32 + 16 + 8; PostgreSQL: COPY) and
    # savepoint/release: none per row
    upserts = len(bulk.sqlite_chunks(3000)) if connection.vendor == "sqlite" else 2
    with django_assert_max_num_queries(upserts + 2):
        store_observations(rows, resolution=Resolution.HOUR)
    assert HourObservation.objects.filter(series=station_series, qc_flags=QCFlag.NEGATIVE).count() == 50


def test_the_window_job_flags_incrementally_from_its_watermark(station_series):
    """Rows arriving in two runs form one stuck run: the second run flags the earlier rows too."""
    store(station_series, [10, 11, 7, 7, 7], received_at=T0)
    now = T0 + COMMIT_LAG + timedelta(seconds=1)
    result = evaluate_received(now)[Resolution.HOUR]
    assert result.series == 1
    assert flagged(flags_of(station_series), QCFlag.STUCK) == []  # 3 equal values: SO2 allows 5
    assert QCWatermark.objects.get(resolution=Resolution.HOUR).received_until == now - COMMIT_LAG
    assert evaluate_received(now) == {}  # nothing new since

    store(station_series, [7, 7, 7], start=T0 + 5 * HOUR, received_at=now)
    later = now + COMMIT_LAG + timedelta(seconds=1)
    assert evaluate_received(later)[Resolution.HOUR].rows_changed == 6
    assert flagged(flags_of(station_series), QCFlag.STUCK) == [2, 3, 4, 5, 6, 7]


def test_rows_younger_than_the_commit_lag_wait_for_the_next_run(station_series):
    store(station_series, [7] * 8, received_at=T0)
    assert evaluate_received(T0 + timedelta(seconds=30)) == {}
    assert flagged(flags_of(station_series), QCFlag.STUCK) == []
    evaluate_received(T0 + COMMIT_LAG + timedelta(seconds=1))
    assert len(flagged(flags_of(station_series), QCFlag.STUCK)) == 8


def test_a_correction_that_breaks_a_run_clears_the_window_flags(station_series):
    store(station_series, [7] * 8, received_at=T0)
    evaluate_received(T0 + COMMIT_LAG * 2)
    assert len(flagged(flags_of(station_series), QCFlag.STUCK)) == 8
    # A repeat keeps the window flags (the value is unchanged) ...
    store(station_series, [7], start=T0 + 2 * HOUR, received_at=T0 + COMMIT_LAG * 3)
    assert flagged(flags_of(station_series), QCFlag.STUCK) == list(range(8))
    # ... a correction in the middle drops them for the corrected row, and the job re-judges its neighbours.
    store(station_series, [9], start=T0 + 4 * HOUR, received_at=T0 + COMMIT_LAG * 4)
    assert flags_of(station_series)[4] == 0
    evaluate_received(T0 + COMMIT_LAG * 6)
    assert flagged(flags_of(station_series), QCFlag.STUCK) == []  # runs of 4 and 3 are within 5 allowed


def test_a_spike_is_flagged_once_its_next_neighbour_arrives(station_series):
    store(station_series, [20, 22, 400], received_at=T0)
    evaluate_received(T0 + COMMIT_LAG * 2)
    assert flagged(flags_of(station_series), QCFlag.SPIKE) == []  # 400 is the last value so far
    store(station_series, [25], start=T0 + 3 * HOUR, received_at=T0 + COMMIT_LAG * 3)
    evaluate_received(T0 + COMMIT_LAG * 5)
    assert flagged(flags_of(station_series), QCFlag.SPIKE) == [2]
    assert flags_of(station_series)[3] == 0


def test_window_flags_keep_point_flags_and_no_row_is_ever_deleted(station_series):
    values = [-1, -1, -1, -1, -1, -1, 5, 900, 6, 2500]
    store(station_series, values, received_at=T0)
    before = list(
        HourObservation.objects.filter(series=station_series).order_by("period_start").values_list("pk", "value_text")
    )
    evaluate_received(T0 + COMMIT_LAG * 2)
    flags = flags_of(station_series)
    assert all(f & QCFlag.NEGATIVE and f & QCFlag.STUCK for f in flags[:6])
    assert flags[7] & QCFlag.SPIKE
    assert flags[9] == QCFlag.OUT_OF_RANGE
    after = list(
        HourObservation.objects.filter(series=station_series).order_by("period_start").values_list("pk", "value_text")
    )
    assert after == before  # every value kept, unchanged


def test_minute_data_use_the_series_interval(station_series):
    """At 5-minute data, SO2's 5 allowed hourly repeats are 60 values."""
    step = timedelta(minutes=5)
    store(station_series, [4] * 60 + [5], resolution=Resolution.MINUTE, step=step, received_at=T0)
    evaluate_received(T0 + COMMIT_LAG * 2)
    assert flagged(flags_of(station_series, MinuteObservation), QCFlag.STUCK) == []
    store(station_series, [4] * 61, resolution=Resolution.MINUTE, step=step, received_at=T0 + COMMIT_LAG * 3)
    evaluate_received(T0 + COMMIT_LAG * 5)
    assert len(flagged(flags_of(station_series, MinuteObservation), QCFlag.STUCK)) == 61


def test_long_ranges_are_read_in_chunks_with_the_same_result(station_series, monkeypatch):
    """A history re-upload spanning more than one chunk gives the flags a single read would."""
    from ecobrain.monitoring.qc import windows

    values = ([3] * 9 + [4, 200, 5]) * 20
    store(station_series, values, received_at=T0)
    evaluate_series(Resolution.HOUR, station_series.pk, T0, T0 + len(values) * HOUR)
    single = flags_of(station_series)
    HourObservation.objects.filter(series=station_series).update(qc_flags=0)
    monkeypatch.setattr(windows, "CHUNK_ROWS", 17)
    evaluate_series(Resolution.HOUR, station_series.pk, T0, T0 + len(values) * HOUR)
    assert flags_of(station_series) == single
    assert single.count(QCFlag.STUCK) == 9 * 20
    assert single.count(QCFlag.SPIKE) == 20


def test_reads_are_bounded_per_series(station_series, django_assert_max_num_queries):
    """An incremental run reads a bounded window around the new rows, however long the history."""
    store(station_series, [1, 2] * 500, received_at=T0)
    evaluate_received(T0 + COMMIT_LAG * 2)
    store(station_series, [9], start=T0 + 1000 * HOUR, received_at=T0 + COMMIT_LAG * 3)
    result = evaluate_received(T0 + COMMIT_LAG * 5)[Resolution.HOUR]
    assert result.rows_read <= 1 + 2 * context_size(series_rules([station_series.pk])[station_series.pk], HOUR)


def test_the_job_is_registered_and_runs_from_the_command(station_series):
    store(station_series, [7] * 8, received_at=datetime(2020, 1, 1, tzinfo=UTC))
    call_command("jobs", "run", "monitoring.qc_windows")
    assert len(flagged(flags_of(station_series), QCFlag.STUCK)) == 8
