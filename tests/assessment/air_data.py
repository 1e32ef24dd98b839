"""Helpers to put hourly pollutant values into the store for the assessment tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ecobrain.assessment.choices import POLLUTANT_FACTOR_CODES
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.services import ObservationRow, ensure_series, store_observations
from ecobrain.registry.models import MonitoringFactor
from ecobrain.standards.hj212 import CHINA_TZ
from tests import factories

HOUR = timedelta(hours=1)


def china(day: date, hour: int = 0) -> datetime:
    """The UTC start of the hour whose China-time period starts at ``hour`` on ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ).astimezone(UTC) + hour * HOUR


def air_station(district, *, kind="air_provincial", is_assessment=True, pollutants=tuple(POLLUTANT_FACTOR_CODES), **kw):
    """An air station with a data logger and a series for each pollutant key in ``pollutants``."""
    station = factories.station(district, kind=kind, is_assessment=is_assessment, **kw)
    device = factories.device(station=station)
    codes = [POLLUTANT_FACTOR_CODES[key] for key in pollutants]
    factor_ids = dict(MonitoringFactor.objects.filter(code__in=codes).values_list("code", "pk"))
    made = ensure_series(device.pk, factor_ids.values())
    station.series_by_key = {key: made[factor_ids[POLLUTANT_FACTOR_CODES[key]]] for key in pollutants}
    return station


def put(station, key: str, values: dict[datetime, object], *, flag: str = "N", received_at: datetime | None = None):
    """Store hourly values of one pollutant: {UTC hour start: value text or number} (None = no value sent)."""
    rows = [
        ObservationRow(station.series_by_key[key], start, value_text="" if v is None else str(v), device_flag=flag)
        for start, v in values.items()
    ]
    store_observations(rows, resolution=Resolution.HOUR, received_at=received_at)


def put_hours(station, values: dict[str, object], first: datetime, hours: int, **kw):
    """The same value of each pollutant in ``values`` for ``hours`` consecutive hours from ``first``."""
    for key, value in values.items():
        put(station, key, {first + i * HOUR: value for i in range(hours)}, **kw)
