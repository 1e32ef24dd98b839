"""Builders for the monitoring page and API tests: loggers with series and stored values, archived frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecobrain.ingest.services import ingest_packet
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.models import Series
from ecobrain.monitoring.services import ObservationRow, store_observations
from ecobrain.registry.models import MonitoringFactor
from ecobrain.standards.hj212 import CHINA_TZ, Packet, encode
from tests import factories

# standards.md §1.11 vectors.
FRAME_2017_HOUR = (  # vector 10: flue-gas hourly data, HJ 212-2017 (Flag=5)
    b"##0330QN=20260101080000000;ST=31;CN=2061;PW=123456;MN=010000A8900016F000169DC0;Flag=5;"
    b"CP=&&DataTime=20260101070000;a00000-Cou=36000.0,a00000-Avg=10.0,a00000-Flag=N;"
    b"a34013-Avg=8.5,a34013-ZsAvg=9.1,a34013-Flag=N;a21026-Avg=20.1,a21026-ZsAvg=21.5,a21026-Flag=N;"
    b"a21002-Avg=45.0,a21002-ZsAvg=48.2,a21002-Flag=N;a19001-Avg=7.2,a19001-Flag=N&&4E00\r\n"
)
FRAME_2005_REALTIME = (  # vector 8: HJ/T 212-2005, no QN/Flag, old codes B01/011/060
    b"##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;"
    b"B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n"
)
FRAME_2025_REALTIME = (  # vector 3: surface water real-time data, Flag=8 (HJ 212-2025), lower-case CRC
    b"##0435QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=ZLDSZ20210127;Flag=8;CP=&&DataTime=20210301111100;"
    b"w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N;w01010-Rtd=9.7,w01010-Flag=N;"
    b"w01014-Rtd=1425,w01014-Flag=N;w01003-Rtd=13.10,w01003-Flag=N;w21011-Rtd=0,w21011-Flag=N;"
    b"w21001-Rtd=3.563168,w21001-Flag=N;w21003-Rtd=0.09055002,w21003-Flag=N;w01019-Rtd=4.102818,"
    b"w01019-Flag=N;w01008-Rtd=0,w01008-Flag=N;w23002-Rtd=0,w23002-Flag=N&&7d00\r\n"
)
FRAME_BAD_CRC = FRAME_2005_REALTIME.replace(b"&&4980", b"&&4981")  # §1.11 item 9: must be rejected

NOW = datetime(2026, 3, 10, 4, 30, tzinfo=UTC)  # 12:30 China time
CHINA = CHINA_TZ


def series(device, code: str) -> Series:
    return Series.objects.create(device=device, factor=MonitoringFactor.objects.get(code=code))


def store(series_obj: Series, resolution: str, start: datetime, values, *, step: timedelta, flag="N", qc=0):
    """Store ``values`` (texts) at ``start``, ``start + step``, … for one series."""
    rows = [
        ObservationRow(series_obj.pk, start + step * i, value_text=text, device_flag=flag, qc_flags=qc)
        for i, text in enumerate(values)
    ]
    return store_observations(rows, resolution=resolution, received_at=start)


def hourly(series_obj: Series, hours: int, *, end: datetime = NOW, value="12.5", flag="N", qc=0):
    start = end.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours)
    return store(series_obj, Resolution.HOUR, start, [value] * hours, step=timedelta(hours=1), flag=flag, qc=qc)


def station_logger(district, *, code=None, mn=None, kind="air_city", factors=("a34004", "a21026")):
    station = factories.station(district, code=code, kind=kind, name=f"测试站{code or ''}")
    device = factories.device(mn=mn, station=station)
    return station, device, [series(device, c) for c in factors]


def outlet_logger(enterprise, *, code="DA001", kind="gas", mn=None, factors=("a21026", "a34013")):
    outlet = factories.outlet(enterprise, code=code, kind=kind)
    device = factories.device(mn=mn, outlet=outlet)
    return outlet, device, [series(device, c) for c in factors]


def frame(mn: str, *, cn="2061", data_time: datetime, factors: dict[str, dict[str, str]], pw="123456") -> bytes:
    """A 2017 frame with ack (Flag=5) carrying ``factors`` at ``data_time``."""
    stamp = data_time.astimezone(UTC) + timedelta(hours=8)
    groups = [(("DataTime", stamp.strftime("%Y%m%d%H%M%S")),)]
    for code, values in factors.items():
        groups.append(tuple((f"{code}-{suffix}", text) for suffix, text in values.items()))
    return encode(
        Packet(
            version="2017",
            st="31",
            cn=cn,
            pw=pw,
            mn=mn,
            qn=stamp.strftime("%Y%m%d%H%M%S") + "000",
            flag=5,
            cp_groups=tuple(groups),
        )
    )


def archive(raw: bytes, *, peer="10.0.0.9:40001", received_at: datetime | None = None):
    """Through the real ingest path: decode, authenticate, archive (and store the values when valid)."""
    return ingest_packet(raw, peer=peer, received_at=received_at or NOW)
