"""`ecobrain assess recompute`: a JSON summary on stdout, progress on stderr, clear errors for bad input.

Persona: the system administrator who re-runs the assessment of a month after importing a station's history.
"""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ecobrain.assessment.choices import Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityHour
from tests import factories
from tests.assessment.air_data import air_station, china, put_hours


def run(*args: str) -> tuple[dict, str]:
    out, err = StringIO(), StringIO()
    call_command("assess", "recompute", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_recompute_a_span_for_chosen_stations(qindu, binzhou):
    a = air_station(qindu, code="AQ-A")
    b = air_station(binzhou, code="AQ-B")
    for station in (a, b):
        put_hours(station, {"pm2_5": 40, "pm10": 70}, china(date(2026, 4, 1)), 48)

    summary, progress = run("--from", "2026-04-01", "--to", "2026-04-02", "--station", "AQ-A")

    assert summary["first_day"] == "2026-04-01" and summary["last_day"] == "2026-04-02"
    assert summary["rows"]["hour"] == {"station": 48, "district": 48, "city": 48}
    assert summary["rows"]["day"] == {"station": 2, "district": 2, "city": 2}
    assert summary["rows"]["period"] == {"month": 3, "year": 3}  # the station, its district, the city
    assert {"read", "compute", "write_hours", "periods", "total"} <= set(summary["seconds"])
    assert "stations 3/3" not in progress and "stations 2/2" in progress  # a, and b for the city
    assert not AirQualityHour.objects.filter(scope=Scope.STATION, station=b).exists()

    again, _ = run("--from", "2026-04-01", "--to", "2026-04-02", "--no-progress")
    assert again["stations"] == 2 and AirQualityDay.objects.filter(scope=Scope.STATION).count() == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "--from '2026-13-01' is not a date: use YYYY-MM-DD"),
        (["--from", "2026-04-02", "--to", "2026-04-01"], "--to 2026-04-01 is before --from 2026-04-02"),
        (["--station", "NOPE", "ALSO"], "unknown station code(s): NOPE, ALSO"),
        (["--from", "2010-01-01", "--to", "2010-01-02"], "no AQI edition was in force before 2012-02-29"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(base_data, args, message):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert message in str(caught.value)


def test_a_station_that_is_not_an_air_station_is_refused(qindu):
    factories.station(qindu, code="W-1", kind="water_auto")
    with pytest.raises(CommandError, match="not air stations: W-1"):
        run("--station", "W-1")
