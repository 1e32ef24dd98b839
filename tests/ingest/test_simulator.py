"""The HJ 212 device simulator against a real gateway and database, and against a test socket acting as the host.

Personas: the platform team that points `ecobrain simulate` at the gateway to see data flow end to end, and the
integrator who checks that a simulated logger answers host commands with the layouts of HJ 212-2017
(standards.md §1.6 Table 9, §1.7 Tables 6 and 7).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ecobrain.ingest.simulator.profiles import AIR_POLLUTANTS, DeviceKind, DeviceSpec, Limit
from ecobrain.ingest.simulator.registry import load_device_specs
from ecobrain.ingest.simulator.runner import Simulator
from ecobrain.ingest.simulator.timeline import Rates, Timeline
from ecobrain.ingest.simulator.values import ValueModel
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket, HourObservation, MinuteObservation, RealtimeObservation
from ecobrain.registry.models import MonitoringFactor
from ecobrain.standards.hj212 import CHINA_TZ, Packet, decode, encode, parse_data_time
from tests import factories
from tests.ingest.gateway_helpers import running_gateway

SEED = 42
PW = "sim123"
MN_AIR, MN_GAS, MN_WATER = "SIMAIR000000000000000001", "SIMGAS000000000000000001", "61040200991002"
START = datetime(2026, 1, 15, 10, 5, tzinfo=CHINA_TZ).timestamp()  # a heating-season morning
QUIET = Rates(calibration=0, maintenance=0, exceedance=0, outage=0)
WAIT = 5.0
GAS_LIMITS = {"a34013": 10, "a21026": 35, "a21002": 50}  # ultra-low emission, on the converted basis


def china(*args) -> float:
    return datetime(*args, tzinfo=CHINA_TZ).timestamp()


@pytest.fixture
def registered(transactional_db, qindu, enterprise_in_qindu):
    """An air station logger (2017), a flue-gas CEMS logger (2025) and a wastewater logger (HJ/T 212-2005)."""
    station = factories.station(qindu, code="SIM-AIR", kind="air_national")
    station.factors.set(MonitoringFactor.objects.filter(code__in=AIR_POLLUTANTS))
    factories.device(mn=MN_AIR, password=PW, station=station, protocol_version="2017")
    gas = factories.outlet(enterprise_in_qindu, code="DA001", kind="gas")
    for code in ("a34013", "a21026", "a21002", "a19001", "a00000", "a01012"):
        limit = GAS_LIMITS.get(code)
        factories.outlet_factor(
            gas,
            code,
            limit_value=limit,
            uses_converted_value=limit is not None,
            standard="GB 13223-2011；超低排放" if limit else "",
        )
    factories.device(mn=MN_GAS, password=PW, outlet=gas, protocol_version="2025")
    water = factories.outlet(enterprise_in_qindu, code="DW001", kind="water", name="废水总排口")
    for code, limit in (("w01018", 50), ("w21003", 5), ("w21011", 0.5), ("w21001", 15), ("w00000", None)):
        factories.outlet_factor(water, code, limit_value=limit, standard="GB 18918-2002 一级A" if limit else "")
    factories.outlet_factor(water, "w01001", limit_min=6, limit_value=9, standard="GB 18918-2002 一级A")
    factories.device(mn=MN_WATER, password=PW, outlet=water, protocol_version="2005")


@pytest.fixture
def gateway(registered):
    with running_gateway(idle_timeout=30.0, frame_timeout=5.0) as gw:
        yield gw


def simulate(specs, port: int, *, duration: float, **options) -> dict:
    # The loggers run on a fixed simulated clock; they do not ask for the time (1013), since a platform that
    # answers with 1012 would move their clocks to today.
    options = {"seed": SEED, "start": START, "ramp": 0.0, "rates": QUIET, "request_time": False, **options}
    return asyncio.run(Simulator(specs, port=port, **options).run(duration))


def specs_for(*mns: str) -> list[DeviceSpec]:
    specs, notes = load_device_specs(mns=list(mns))
    assert notes == []
    return specs


def hour_rows(mn: str, start: float) -> dict[str, HourObservation]:
    rows = HourObservation.objects.filter(
        series__device__mn=mn, period_start=datetime.fromtimestamp(start, UTC)
    ).select_related("series__factor")
    return {row.series.factor.code: row for row in rows}


# --- against the gateway --------------------------------------------------------------------------------


def test_loggers_upload_minute_hour_and_realtime_data_that_is_stored_and_acked(gateway):
    specs = specs_for(MN_AIR, MN_GAS, MN_WATER)
    assert {s.mn: (s.kind, s.version) for s in specs} == {
        MN_AIR: (DeviceKind.AIR, "2017"),
        MN_GAS: (DeviceKind.FLUE_GAS, "2025"),
        MN_WATER: (DeviceKind.WASTEWATER, "2005"),
    }
    summary = simulate(specs, gateway.port, speed=30, backfill_hours=1, duration=3.0)

    assert (summary["errors"], summary["gave_up"], summary["resent"], summary["pending"]) == (0, 0, 0, 0)
    # Backfill from 10:05: minute data 09:00–09:50 and the 09:00 hour, then real-time data every 30 s.
    assert summary["sent_by_cn"]["2051"] == 18 and summary["sent_by_cn"]["2061"] == 3
    assert summary["sent_by_cn"]["2011"] >= 3
    for mn, factors in ((MN_AIR, 6), (MN_GAS, 6), (MN_WATER, 6)):
        assert MinuteObservation.objects.filter(series__device__mn=mn).count() == 6 * factors
        assert len(hour_rows(mn, china(2026, 1, 15, 9))) == factors
        assert RealtimeObservation.objects.filter(series__device__mn=mn).count() >= factors
    # Every upload of the 2017 and 2025 loggers was acked after it was stored; the 2005 logger asks for no ack.
    acked_devices = ArchivedPacket.objects.filter(mn__in=[MN_AIR, MN_GAS], cn__in=["2011", "2051", "2061"])
    assert set(acked_devices.values_list("outcome", flat=True)) == {PacketOutcome.STORED}
    assert summary["acked"] == acked_devices.count()

    gas = hour_rows(MN_GAS, china(2026, 1, 15, 9))
    assert set(gas) == {"a34013", "a21026", "a21002", "a19001", "a00000", "a01012"}
    for code in GAS_LIMITS:  # converted values at the reference O2 of GB 13223 (6 %), and the emission amount
        assert {"ZsAvg", "Cou", "Min", "Max"} <= set(gas[code].stats)
        expected = gas[code].value * Decimal(15) / (Decimal(21) - gas["a19001"].value)
        assert abs(Decimal(gas[code].stats["ZsAvg"]) - expected) <= expected * Decimal("0.03") + Decimal("0.5")
        assert Decimal(gas[code].stats["ZsAvg"]) < GAS_LIMITS[code]  # no exceedance at this rate
    assert "ZsAvg" not in gas["a19001"].stats and "Cou" in gas["a00000"].stats
    assert all(row.device_flag == "N" for row in gas.values())

    # The stored values are the generator's, whichever way they travelled (determinism from the seed).
    model = ValueModel(SEED, Timeline(SEED, QUIET)).device(next(s for s in specs if s.mn == MN_GAS))
    expected = model.period(china(2026, 1, 15, 9), 3600)
    assert {code: row.value_text for code, row in gas.items()} == {code: v["Avg"] for code, v in expected.items()}

    raw_2005 = bytes(ArchivedPacket.objects.filter(mn=MN_WATER, cn="2061").get().raw)
    assert (decode(raw_2005).qn, decode(raw_2005).flag) == (None, None) and b";011-Cou=" in raw_2005  # old COD code
    assert set(hour_rows(MN_WATER, china(2026, 1, 15, 9))) == {
        "w01018",
        "w21003",
        "w21011",
        "w21001",
        "w01001",
        "w00000",
    }
    assert "Flag=9;" in ArchivedPacket.objects.filter(mn=MN_GAS, cn="2061").get().raw_text()  # 2025, A=1


class AckDroppingProxy:
    """A TCP relay between the loggers and the gateway that swallows the first ``drop`` 9014 acks."""

    def __init__(self, upstream_port: int, drop: int = 1) -> None:
        self.upstream_port = upstream_port
        self.drop = drop
        self.dropped: list[Packet] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                device, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(device, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, device, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, filtering: bool) -> None:
        buffer = b""
        try:
            while chunk := source.recv(65536):
                if not filtering:
                    target.sendall(chunk)
                    continue
                buffer += chunk
                while b"\r\n" in buffer:
                    frame, buffer = buffer.split(b"\r\n", 1)
                    if b"CN=9014" in frame and len(self.dropped) < self.drop:
                        self.dropped.append(decode(frame + b"\r\n"))
                        continue
                    target.sendall(frame + b"\r\n")
        except OSError:
            pass
        finally:
            target.close()

    def close(self) -> None:
        self.listener.close()


def test_an_ack_that_never_comes_causes_a_resend_that_updates_the_same_row(gateway):
    proxy = AckDroppingProxy(gateway.port, drop=1)
    try:
        summary = simulate(specs_for(MN_GAS), proxy.port, speed=1, backfill_hours=1, duration=3.0, ack_timeout=0.5)
    finally:
        proxy.close()
    (lost,) = proxy.dropped
    # The first upload (minute data 09:00) was stored and acked, but the ack was lost: re-sent with the same QN.
    assert summary["resent"] == 1 and summary["gave_up"] == 0
    assert summary["acked"] == summary["packets_sent"] - 1
    archived = ArchivedPacket.objects.filter(mn=MN_GAS, qn=lost.qn).order_by("received_at")
    assert [a.outcome for a in archived] == [PacketOutcome.STORED, PacketOutcome.DUPLICATE]
    first = MinuteObservation.objects.filter(
        series__device__mn=MN_GAS, period_start=datetime.fromtimestamp(china(2026, 1, 15, 9), UTC)
    )
    assert first.count() == 6  # one row per factor: the re-send updated them (revision 2), it added none
    assert set(first.values_list("revision", flat=True)) == {2}
    assert set(MinuteObservation.objects.exclude(pk__in=first).values_list("revision", flat=True)) == {1}


def test_an_outage_disconnects_and_the_missed_minute_data_is_uploaded_after_reconnecting(gateway):
    rates = Rates(calibration=0, maintenance=0, exceedance=0, outage=1.0)
    start, end = Timeline(SEED, rates).outage_in_hour(MN_AIR, int(china(2026, 1, 15, 10) // 3600))
    speed = 600.0
    summary = simulate(
        specs_for(MN_AIR),
        gateway.port,
        speed=speed,
        start=start - 60,
        rates=rates,
        duration=(end - start + 900) / speed,
    )
    assert summary["outages"] == 1 and summary["disconnects"] == 1 and summary["connections"] == 2
    assert summary["gave_up"] == 0 and summary["backlog"] == 0
    minutes = MinuteObservation.objects.filter(series__device__mn=MN_AIR, series__factor__code="a21026")
    stored = sorted(row.period_start.timestamp() for row in minutes)
    # Minute periods that ended while the logger was away (it uploads up to 20 s after a period ends).
    missed = [boundary - 600 for boundary in range(int(start // 600 + 1) * 600, int(end) - 20, 600)]
    assert missed
    assert set(missed) <= set(stored)  # uploaded once the logger was back
    assert set(minutes.values_list("revision", flat=True)) == {1}
    during = RealtimeObservation.objects.filter(
        series__device__mn=MN_AIR,
        period_start__gte=datetime.fromtimestamp(start + 30, UTC),
        period_start__lt=datetime.fromtimestamp(end, UTC),
    )
    assert not during.exists()  # real-time data is not re-sent


def test_simulate_command_prints_status_and_a_json_summary(gateway):
    out = StringIO()
    call_command(
        "simulate",
        "--mn",
        MN_AIR,
        "--port",
        str(gateway.port),
        "--seed",
        "3",
        "--duration",
        "1.5",
        "--backfill-hours",
        "1",
        "--status-every",
        "0.5",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("HJ 212 simulator: 1 devices (air 1)")
    assert any("connected 1/1" in line for line in lines[1:-1])
    summary = json.loads(lines[-1])
    assert summary["devices"] == 1 and summary["seed"] == 3 and summary["errors"] == 0
    assert summary["sent_by_cn"]["2061"] == 1 and summary["acked"] >= 7


def test_simulate_command_rejects_an_unknown_mn_and_bad_rates(registered):
    with pytest.raises(CommandError, match="MN not registered: NOPE"):
        call_command("simulate", "--mn", "NOPE", "--duration", "1")
    with pytest.raises(CommandError, match=r"outage rate 2\.0 is not a probability"):
        call_command("simulate", "--outage-rate", "2", "--duration", "1")
    with pytest.raises(CommandError, match="minute-data interval must be one of 1, 2, 3, 4, 5, 6, 10, 12"):
        call_command("simulate", "--min-interval", "7", "--duration", "1")
    with pytest.raises(CommandError, match="real-time interval must be 30–3600 s"):
        call_command("simulate", "--rtd-interval", "5", "--duration", "1")


def test_devices_without_a_value_model_are_skipped_with_a_reason(registered, qindu):
    soil = factories.station(qindu, code="SIM-SOIL", kind="soil")
    factories.device(mn="SIMSOIL1", password=PW, station=soil)
    specs, notes = load_device_specs(mns=["SIMSOIL1", MN_AIR])
    assert [s.mn for s in specs] == [MN_AIR]
    assert notes == ["SIMSOIL1: no value model for a 土壤监测点 station"]
    first_two, _ = load_device_specs(count=2)
    assert [s.mn for s in first_two] == sorted([MN_WATER, MN_AIR, MN_GAS])[:2]  # stable order: by MN


# --- values ----------------------------------------------------------------------------------------------

AIR = DeviceSpec("SIMAIR", PW, "2017", DeviceKind.AIR, AIR_POLLUTANTS)
GAS = DeviceSpec(
    "SIMGAS",
    PW,
    "2017",
    DeviceKind.FLUE_GAS,
    ("a34013", "a21026", "a21002", "a19001", "a00000", "a01012"),
    limits={code: Limit(limit, None, True, "GB 13223-2011") for code, limit in GAS_LIMITS.items()},
)


def test_same_seed_same_values_in_any_order_and_another_seed_other_values():
    t = china(2026, 1, 15, 9)
    first = ValueModel(7).device(AIR)
    again = ValueModel(7).device(AIR)
    minute = again.period(t + 600, 600)  # asked in another order
    assert again.period(t, 3600) == first.period(t, 3600)
    assert first.period(t + 600, 600) == minute
    assert first.instant(t + 30) == again.instant(t + 30)
    assert ValueModel(8).device(AIR).period(t, 3600) != first.period(t, 3600)


def test_air_values_follow_the_heating_season_and_the_time_of_day():
    model = ValueModel(1).device(AIR)

    def mean(code, days, hour):
        values = [float(model.period(china(*day, hour), 3600)[code]["Avg"]) for day in days]
        return sum(values) / len(values)

    january = [(2026, 1, d) for d in range(1, 29)]
    july = [(2026, 7, d) for d in range(1, 29)]
    # Heating season (15 Nov – 15 Mar): much more PM2.5 and SO2 than in summer.
    assert mean("a34004", january, 22) > 2.5 * mean("a34004", july, 22)
    assert mean("a21026", january, 11) > 2 * mean("a21026", july, 11)
    # O3 peaks in the summer afternoon; PM is higher at night than at midday.
    assert mean("a05024", july, 15) > 2 * mean("a05024", july, 6)
    assert mean("a34004", january, 23) > 1.2 * mean("a34004", january, 12)
    # NO2 has its rush hours.
    assert mean("a21004", january, 8) > mean("a21004", january, 14)


def test_exceedance_hours_go_over_the_limit_and_events_set_the_data_flags():
    always = ValueModel(3, Timeline(3, Rates(calibration=1, maintenance=0, exceedance=1, outage=0))).device(GAS)
    hour = china(2026, 3, 20, 14)
    code, _ = always.timeline.exceedance(GAS.mn, int(hour // 3600), always.limited)
    values = always.period(hour, 3600)
    assert float(values[code]["ZsAvg"]) > GAS_LIMITS[code]  # judged on the converted value, as its limit says
    others = [c for c in GAS_LIMITS if c != code]
    assert all(float(values[c]["ZsAvg"]) < GAS_LIMITS[c] for c in others)
    # Over the analyser's range (2.5 × the limit) the flag is T (standards.md §1.9).
    expect_t = float(values[code]["Avg"]) > 2.5 * GAS_LIMITS[code]
    assert (values[code]["Flag"] == "T") == expect_t
    # The daily zero/span check: one hour between 01:00 and 05:00 is flagged C for the analysers only.
    flags = {h: always.period(china(2026, 3, 20, h), 3600) for h in range(24)}
    calibrated = [h for h, v in flags.items() if v["a21026"]["Flag"] == "C"]
    assert len(calibrated) == 1 and 1 <= calibrated[0] <= 4
    assert flags[calibrated[0]]["a00000"]["Flag"] == "N"  # flow is not an analyser
    maintained = ValueModel(3, Timeline(3, Rates(calibration=0, maintenance=1, exceedance=0, outage=0))).device(GAS)
    m_flags = [maintained.period(china(2026, 3, 20, h), 3600)["a34013"]["Flag"] for h in range(24)]
    assert 1 <= m_flags.count("M") <= 3 and set(m_flags) == {"M", "N"}


# --- answering the host --------------------------------------------------------------------------------


class FakeHost:
    """A test socket acting as the platform: sends commands, reads what the logger answers."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.buffer = b""
        self.seen: list[Packet] = []

    def next_frame(self) -> Packet:
        deadline = time.monotonic() + WAIT
        while b"\r\n" not in self.buffer:
            self.connection.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.connection.recv(65536)
            assert chunk, "the logger closed the connection"
            self.buffer += chunk
        frame, self.buffer = self.buffer.split(b"\r\n", 1)
        packet = decode(frame + b"\r\n")
        self.seen.append(packet)
        return packet

    def command(self, cn: str, cp: dict, *, qn: str, pw: str = PW, mn: str = "SIMHOST", raw: bytes = b"") -> list:
        """Send a request (Flag=5: answer wanted) and collect the frames with its QN until the exchange ends."""
        groups = tuple(((key, value),) for key, value in cp.items())
        request = Packet(version="2017", qn=qn, st="22", cn=cn, pw=pw, mn=mn, flag=5, cp_groups=groups)
        self.connection.sendall(raw or encode(request))
        replies = []
        while True:
            packet = self.next_frame()
            if packet.qn != qn:
                continue  # the logger's own uploads go on meanwhile
            replies.append(packet)
            if packet.cn == "9012" or (packet.cn == "9011" and packet.cp["QnRtn"] != "1"):
                return replies


@pytest.fixture
def host():
    """Start a logger (2017, air) that connects to a test listener; yields (FakeHost, its SimulatedDevice)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(WAIT)
    spec = DeviceSpec("SIMHOST", PW, "2017", DeviceKind.AIR, AIR_POLLUTANTS)
    simulator = Simulator([spec], port=listener.getsockname()[1], seed=SEED, ramp=0.0, rates=QUIET)
    thread = threading.Thread(target=lambda: asyncio.run(simulator.run()), daemon=True)
    thread.start()
    connection, _ = listener.accept()
    fake = FakeHost(connection)
    notice = fake.next_frame()  # at start-up the logger asks for the time (1013, a notification)
    assert (notice.cn, notice.mn, notice.pw, notice.flag) == ("1013", "SIMHOST", PW, 4)
    yield fake, simulator.devices[0]
    simulator.stop()
    thread.join(WAIT)
    connection.close()
    listener.close()


def reply_layout(packet: Packet) -> tuple:
    return packet.cn, packet.st, packet.pw, packet.mn, packet.flag, dict(packet.cp)


def test_get_and_set_time_answer_9011_the_upload_and_9012(host):
    fake, device = host
    answer, upload, result = fake.command("1011", {}, qn="20260115100000001")
    # standards.md §1.6/§1.7: request answer, the field time with the device's own ST, execution result; the
    # replies carry the request's QN, ST=91 for 9011/9012, and Flag=4 (2017, no ack wanted).
    assert reply_layout(answer) == ("9011", "91", PW, "SIMHOST", 4, {"QnRtn": "1"})
    assert (upload.cn, upload.st, upload.flag, list(upload.cp)) == ("1011", "22", 4, ["SystemTime"])
    assert abs(parse_data_time(upload.cp["SystemTime"]).timestamp() - time.time()) < 5
    assert reply_layout(result) == ("9012", "91", PW, "SIMHOST", 4, {"ExeRtn": "1"})

    replies = fake.command("1012", {"SystemTime": "20260301120000"}, qn="20260115100000002")
    assert [(r.cn, dict(r.cp)) for r in replies] == [("9011", {"QnRtn": "1"}), ("9012", {"ExeRtn": "1"})]
    assert abs(device.now() - china(2026, 3, 1, 12)) < 5
    _, upload, _ = fake.command("1011", {}, qn="20260115100000003")
    assert upload.cp["SystemTime"].startswith("2026030112")


def test_intervals_are_read_and_set_within_the_standards_ranges(host):
    fake, device = host
    assert fake.command("1061", {}, qn="1")[1].cp == {"RtdInterval": "30"}
    assert fake.command("1062", {"RtdInterval": "60"}, qn="2")[-1].cp == {"ExeRtn": "1"}
    assert fake.command("1061", {}, qn="3")[1].cp == {"RtdInterval": "60"}
    assert fake.command("1062", {"RtdInterval": "10"}, qn="4")[-1].cp == {"ExeRtn": "3"}  # below 30 s
    assert fake.command("1063", {}, qn="5")[1].cp == {"MinInterval": "10"}
    assert fake.command("1064", {"MinInterval": "5"}, qn="6")[-1].cp == {"ExeRtn": "1"}
    assert fake.command("1064", {"MinInterval": "7"}, qn="7")[-1].cp == {"ExeRtn": "3"}  # not in the allowed set
    assert (device.rtd_interval, device.min_interval) == (60, 5)


def test_history_request_is_answered_with_the_generators_data_between_9011_and_9012(host):
    fake, device = host
    now = device.now()
    first_hour = (int(now // 3600) - 3) * 3600
    begin = datetime.fromtimestamp(first_hour, CHINA_TZ).strftime("%Y%m%d%H%M%S")
    end = datetime.fromtimestamp(first_hour + 2 * 3600 + 59 * 60, CHINA_TZ).strftime("%Y%m%d%H%M%S")
    replies = fake.command("2061", {"BeginTime": begin, "EndTime": end}, qn="20260115100000010")
    assert [r.cn for r in replies] == ["9011", "2061", "2061", "2061", "9012"]
    assert replies[-1].cp == {"ExeRtn": "1"}
    data = replies[1:-1]
    assert [p.data_time.timestamp() for p in data] == [first_hour, first_hour + 3600, first_hour + 7200]
    assert all(p.flag == 4 and p.st == "22" for p in data)  # answers carry the request's QN and want no ack
    expected = ValueModel(SEED, Timeline(SEED, QUIET)).device(device.spec).period(first_hour, 3600)
    assert data[0].factors == expected

    future = datetime.fromtimestamp(now + 86400, CHINA_TZ).strftime("%Y%m%d%H%M%S")
    later = datetime.fromtimestamp(now + 2 * 86400, CHINA_TZ).strftime("%Y%m%d%H%M%S")
    replies = fake.command("2051", {"BeginTime": future, "EndTime": later}, qn="11")
    assert [(r.cn, dict(r.cp)) for r in replies] == [("9011", {"QnRtn": "1"}), ("9012", {"ExeRtn": "100"})]
    assert fake.command("2061", {"BeginTime": later, "EndTime": future}, qn="12")[-1].cp == {"ExeRtn": "3"}


def test_calibration_and_sampling_commands_and_rejections(host):
    fake, device = host
    replies = fake.command("3011", {"PolId": "a21026"}, qn="20")
    assert [(r.cn, dict(r.cp)) for r in replies] == [("9011", {"QnRtn": "1"}), ("9012", {"ExeRtn": "1"})]
    now = device.now()
    assert device.model.flag("a21026", now + 1) == "C" and device.model.flag("a34004", now + 1) == "N"
    assert [r.cn for r in fake.command("3012", {}, qn="21")] == ["9011", "9012"]
    # An unknown command: 9011 with QnRtn=2 (rejected), and no 9012 follows (HJ 212-2017 Table 7).
    assert [(r.cn, dict(r.cp)) for r in fake.command("1072", {"NewPW": "x"}, qn="22")] == [("9011", {"QnRtn": "2"})]
    assert fake.command("1061", {}, qn="23")[0].cp == {"QnRtn": "1"}
    assert not [p for p in fake.seen if p.qn == "22" and p.cn == "9012"]
    assert fake.command("1061", {}, qn="24", pw="wrong")[0].cp == {"QnRtn": "3"}  # PW error
    bad_crc = (
        encode(Packet(version="2017", qn="25", st="22", cn="1061", pw=PW, mn="SIMHOST", flag=5))[:-6] + b"0000\r\n"
    )
    assert fake.command("1061", {}, qn="25", raw=bad_crc)[0].cp == {"QnRtn": "9"}  # CRC error
