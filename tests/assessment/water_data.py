"""Builders for the water-section tests: a section with a logger, and its stored hourly or daily values."""

from __future__ import annotations

from datetime import datetime, timedelta

from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.models import Series
from ecobrain.monitoring.services import ObservationRow, store_observations
from ecobrain.registry.models import MonitoringFactor
from ecobrain.standards.hj212 import CHINA_TZ
from tests import factories

CODES = {"ph": "w01001", "do": "w01009", "codmn": "w01019", "nh3n": "w21003", "tp": "w21011", "tn": "w21001"}
CODES |= {"hg": "w20111", "fecal_coliform": "w02003", "water_temperature": "w01010", "cod": "w01018"}


def section(district, *, code=None, kind="water_auto", waterbody="river", target="III", name="测试断面"):
    station = factories.station(
        district, code=code, kind=kind, name=name, waterbody=waterbody, water_target_class=target
    )
    device = factories.device(station=station)
    return station, device


def series(device, key: str) -> Series:
    return Series.objects.get_or_create(device=device, factor=MonitoringFactor.objects.get(code=CODES[key]))[0]


def china(year, month, day, hour=0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA_TZ)


def store(device, key: str, start: datetime, values, *, resolution=Resolution.HOUR, flag="N", received=None):
    """Store value texts for one item at ``start``, ``start + 1 h`` (or 1 day), …"""
    step = timedelta(days=1) if resolution == Resolution.DAY else timedelta(hours=1)
    obj = series(device, key)
    rows = [ObservationRow(obj.pk, start + step * i, str(text), device_flag=flag) for i, text in enumerate(values)]
    return store_observations(rows, resolution=resolution, received_at=received or start)
