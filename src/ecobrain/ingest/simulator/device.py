"""One simulated data logger on its own TCP connection (asyncio): uploads, acks, re-sends, outages, host commands.

The logger behaves as HJ 212 describes a field device (standards.md §1): it asks for the time at start-up
(1013), uploads real-time (2011), minute (2051) and hourly (2061) data on its own clock, waits for the 9014
data ack of each upload with Flag A=1 and re-sends it with the same QN when none comes within the timeout
(10 s and 3 retries by default, HJ 212-2017 Table 1), keeps minute and hour data it could not deliver and
re-uploads them after reconnecting (real-time data is not re-sent), and answers host commands.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecobrain.standards.hj212 import CRCError, HJ212Error, Packet, decode, parse_data_time

from . import packets
from .noise import stream_key, uniform
from .packets import (
    EXE_CONDITION_ERROR,
    EXE_NO_DATA,
    EXE_OK,
    QN_CRC_ERROR,
    QN_MN_ERROR,
    QN_PW_ERROR,
    QN_READY,
    QN_REJECTED,
)

if TYPE_CHECKING:
    from .runner import Simulator

logger = logging.getLogger(__name__)

HOUR = 3600
DAY = 86400
CHINA_OFFSET = 8 * 3600
REALTIME, MINUTE, HOURLY, DAILY = "2011", "2051", "2061", "2031"
# RtdInterval 30–3600 s and MinInterval (minutes) per HJ 212-2017 Table 9 (1062, 1064), standards.md §1.6.
RTD_INTERVAL_RANGE = (30, 3600)
MIN_INTERVALS = frozenset({1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30})
HISTORY_MAX_PACKETS = 1500  # the most packets one history request is answered with
COMMAND_CALIBRATION_SECONDS = 600  # a commanded zero/span check (3011) flags the factor C for 10 minutes


class ConnectionLost(Exception):
    """The TCP connection closed while an upload waited for its ack."""


@dataclass
class Upload:
    """One data upload: its CN and DataTime (epoch seconds); the frame and QN are fixed at the first send."""

    cn: str
    data_time: float
    frame: bytes | None = None
    qn: str | None = None
    values: int = 0


class SimulatedDevice:
    """A data logger: ``run()`` until cancelled."""

    def __init__(self, spec, simulator: Simulator) -> None:
        self.spec = spec
        self.sim = simulator
        self.stats = simulator.stats
        self.model = simulator.values.device(spec)
        self.rtd_interval = simulator.rtd_interval
        self.min_interval = simulator.min_interval  # minutes
        self.ack_timeout = simulator.ack_timeout
        self.retries = simulator.retries
        self.clock_offset = 0.0  # seconds this logger's clock is ahead of the simulation clock (1012 sets it)
        self.connected = False
        self.writer: asyncio.StreamWriter | None = None
        self.backlog: deque[Upload] = deque()
        self.pending: dict[str, deque[asyncio.Future]] = {}
        self.window = asyncio.Semaphore(simulator.window)
        self.tasks: set[asyncio.Task] = set()
        self._reader_task: asyncio.Task | None = None
        self._last_qn_ms = 0
        self._schedule_changed = False
        self._outage_until = 0.0
        key = stream_key(simulator.seed, spec.mn, "schedule")
        # Loggers are not synchronised: each has its own phase within the real-time interval and a small
        # delay after the end of a period before it uploads that period's data.
        self.phase = uniform(key, 0)
        self.upload_delay = 2.0 + 18.0 * uniform(key, 1)
        self.start_delay = simulator.ramp * uniform(key, 2)

    # --- clock ----------------------------------------------------------------------------------------

    def now(self) -> float:
        """This logger's clock, epoch seconds."""
        return self.sim.clock.now() + self.clock_offset

    async def sleep_until(self, t: float) -> None:
        await asyncio.sleep(max(0.0, (t - self.now()) / self.sim.clock.speed))

    def next_qn(self) -> str:
        ms = max(int(self.now() * 1000), self._last_qn_ms + 1)  # unique per logger even within one millisecond
        self._last_qn_ms = ms
        return packets.qn_text(ms)

    # --- life -----------------------------------------------------------------------------------------

    async def run(self) -> None:
        await asyncio.sleep(self.start_delay / max(self.sim.clock.speed, 1.0))
        started = self.now()
        await self.ensure_connected()
        if self.sim.request_time:
            # Time-calibration request (notification, no reply required): the host may answer with 1012.
            self.send(packets.command_frame(self.spec, "1013", self.next_qn(), []))
        if self.sim.backfill_hours > 0:
            await self.backfill(started)
        await self.live(started)

    async def backfill(self, now: float) -> None:
        """Upload the last hours' hourly and minute data (history that a new platform does not have yet)."""
        period = self.min_interval * 60
        current_hour = math.floor((now + CHINA_OFFSET) / HOUR) * HOUR - CHINA_OFFSET
        first = current_hour - int(self.sim.backfill_hours * HOUR)
        for hour in range(int(first), int(current_hour), HOUR):
            for start in range(hour, hour + HOUR, period):
                await self.submit(Upload(MINUTE, float(start)))
            await self.submit(Upload(HOURLY, float(hour)))
        start = current_hour
        while start + period + self.upload_delay <= now:
            await self.submit(Upload(MINUTE, float(start)))
            start += period

    async def live(self, since: float) -> None:
        period = self.min_interval * 60
        next_rtd = self._next_realtime(since)
        next_min = _next_boundary(since - self.upload_delay, period) + self.upload_delay
        next_hour = _next_boundary(since - self.upload_delay, HOUR) + self.upload_delay
        while True:
            t = min(next_rtd, next_min, next_hour)
            await self.sleep_until(t)
            outage = self.sim.timeline.outage(self.spec.mn, t) if self.sim.outages else None
            if outage is not None and outage[1] > self._outage_until:
                await self.outage(outage)
            await self.ensure_connected()
            if self._schedule_changed:  # 1012 moved the clock, or 1062 / 1064 changed an interval: re-align
                self._schedule_changed = False
                period = self.min_interval * 60
                now = self.now()
                next_rtd = self._next_realtime(now)
                next_min = _next_boundary(now - self.upload_delay, period) + self.upload_delay
                next_hour = _next_boundary(now - self.upload_delay, HOUR) + self.upload_delay
                continue
            if t == next_rtd:
                stamp = math.floor(t)
                # Real-time data is not re-sent: an instant that fell in an outage or lies an interval behind is
                # skipped. The stamp is the scheduled instant itself, whatever the event loop's delay.
                if stamp >= self._outage_until and self.now() - t <= self.rtd_interval:
                    await self.submit(Upload(REALTIME, stamp))
                next_rtd = max(t + self.rtd_interval, self._next_realtime(self.now() - self.rtd_interval))
            elif t == next_min:
                await self.submit(Upload(MINUTE, t - self.upload_delay - period))
                next_min = t + period
            else:
                await self.submit(Upload(HOURLY, t - self.upload_delay - HOUR))
                next_hour = t + HOUR

    def _next_realtime(self, after: float) -> float:
        """The next real-time instant after ``after`` on this logger's phase."""
        interval = self.rtd_interval
        offset = self.phase * interval
        return math.floor((after - offset) / interval + 1) * interval + offset

    async def outage(self, window: tuple[float, float]) -> None:
        """The logger goes silent (power, network) until the window ends; what it missed waits in its memory."""
        self.stats.outages += 1
        self._outage_until = window[1]
        logger.info("simulated outage of %s for %.0f s", self.spec.mn, window[1] - window[0])
        self.disconnect()
        await self.sleep_until(window[1])

    # --- connection -----------------------------------------------------------------------------------

    async def ensure_connected(self) -> None:
        backoff = 1.0
        while not self.connected:
            try:
                reader, writer = await asyncio.open_connection(self.sim.host, self.sim.port, limit=2**16)
            except OSError as exc:
                self.stats.connect_failures += 1
                logger.debug("%s cannot connect: %s", self.spec.mn, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            self.writer = writer
            self.connected = True
            self.stats.connected += 1
            self.stats.connections += 1
            self._reader_task = asyncio.create_task(self.read(reader, writer))
        while self.backlog and self.connected:
            await self.submit(self.backlog.popleft())

    def disconnect(self) -> None:
        if self.connected:
            self.connected = False
            self.stats.connected -= 1
            if not self.sim.stopping:
                self.stats.disconnects += 1
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        for waiting in self.pending.values():
            for future in waiting:
                if not future.done():
                    future.set_exception(ConnectionLost())
        self.pending.clear()

    def send(self, frame: bytes) -> bool:
        if not self.connected or self.writer is None or self.writer.is_closing():
            return False
        self.writer.write(frame)
        return True

    async def flush(self) -> None:
        writer = self.writer
        if writer is not None and not writer.is_closing():
            try:
                await writer.drain()
            except (ConnectionError, OSError):
                self.disconnect()

    # --- uploads --------------------------------------------------------------------------------------

    async def submit(self, upload: Upload) -> None:
        """Hand an upload to a delivery task once the window of unacknowledged uploads has room."""
        await self.window.acquire()
        task = asyncio.create_task(self.deliver(upload))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def build(self, upload: Upload) -> None:
        if upload.cn == REALTIME:
            values = self.model.instant(upload.data_time)
        else:
            values = self.model.period(upload.data_time, _period_seconds(upload.cn, self.min_interval))
        ack = self.spec.version != packets.EDITION_WITHOUT_FLAG
        upload.qn = self.next_qn()
        upload.frame = packets.data_frame(self.spec, upload.cn, upload.data_time, values, qn=upload.qn, ack=ack)
        upload.values = len(values)

    async def deliver(self, upload: Upload) -> None:
        stats = self.stats
        try:
            first = upload.frame is None
            if first:
                self.build(upload)
            wants_ack = self.spec.version != packets.EDITION_WITHOUT_FLAG
            for attempt in range(self.retries + 1):
                if not self.connected:
                    self._keep(upload)
                    return
                future = None
                if wants_ack:
                    future = asyncio.get_running_loop().create_future()
                    self.pending.setdefault(upload.qn, deque()).append(future)
                    stats.pending += 1
                self.send(upload.frame)
                stats.count_sent(upload.cn, upload.values, resend=attempt > 0 or not first)
                await self.flush()
                if future is None:
                    return
                try:
                    await asyncio.wait_for(future, self.ack_timeout)
                except TimeoutError:
                    self._forget(upload.qn, future)
                    continue
                except ConnectionLost:
                    self._keep(upload)
                    return
                finally:
                    stats.pending -= 1
                stats.acked += 1
                return
            stats.gave_up += 1
            logger.info("%s: no 9014 for QN=%s after %d sends", self.spec.mn, upload.qn, self.retries + 1)
        finally:
            self.window.release()

    def _keep(self, upload: Upload) -> None:
        """Keep undelivered minute/hour data for re-upload after reconnecting; real-time data is dropped."""
        if upload.cn != REALTIME:
            self.backlog.append(upload)

    def _forget(self, qn: str, future: asyncio.Future) -> None:
        waiting = self.pending.get(qn)
        if waiting is not None and future in waiting:
            waiting.remove(future)
            if not waiting:
                del self.pending[qn]

    def _acknowledged(self, qn: str | None) -> None:
        waiting = self.pending.get(qn or "")
        while waiting:
            future = waiting.popleft()
            if not future.done():
                future.set_result(None)
                break
        if waiting is not None and not waiting:
            self.pending.pop(qn, None)

    # --- what the host sends --------------------------------------------------------------------------

    async def read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.LimitOverrunError as exc:  # no frame end within 64 KiB: garbage, skip it
                    await reader.readexactly(exc.consumed)
                    continue
                start = line.find(b"##")
                if start < 0:
                    continue
                await self.receive(line[start:])
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            if self.writer is writer:
                self.disconnect()

    async def receive(self, frame: bytes) -> None:
        try:
            packet = decode(frame)
        except CRCError:
            # A request with a bad CRC ends there; it is answered with QnRtn=9 (standards.md §1.1, §1.7).
            qn = _field(frame, b"QN=")
            if qn and _field(frame, b"CN=") not in (b"9011", b"9012", b"9013", b"9014"):
                self.send(packets.request_answer(self.spec, qn.decode("ascii", "replace"), QN_CRC_ERROR))
            self.stats.bad_frames += 1
            return
        except HJ212Error:
            self.stats.bad_frames += 1
            return
        if packet.cn == "9014":
            self._acknowledged(packet.qn)
        elif packet.cn in ("9011", "9012", "9013"):
            self.stats.count_received(packet.cn)
        else:
            task = asyncio.create_task(self.execute(packet))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def execute(self, request: Packet) -> None:
        """Answer a host command: 9011 QnRtn, then the command's own upload (if any), then 9012 ExeRtn."""
        spec = self.spec
        self.stats.count_received(request.cn)
        if request.mn != spec.mn:
            self.send(packets.request_answer(spec, request.qn, QN_MN_ERROR))
            return
        if request.pw != spec.password:
            self.send(packets.request_answer(spec, request.qn, QN_PW_ERROR))
            return
        handler = COMMANDS.get(request.cn)
        if handler is None:
            self.send(packets.request_answer(spec, request.qn, QN_REJECTED))
            return
        if request.flag is None or request.ack_required:
            self.send(packets.request_answer(spec, request.qn, QN_READY))
        result = await handler(self, request)
        self.send(packets.execution_result(spec, request.qn, result))
        await self.flush()

    async def get_time(self, request: Packet) -> int:  # 1011
        items = [("PolId", request.cp["PolId"])] if "PolId" in request.cp else []
        items.append(("SystemTime", packets.data_time_text(self.now())))
        self.send(packets.command_frame(self.spec, "1011", request.qn, items))
        return EXE_OK

    async def set_time(self, request: Packet) -> int:  # 1012
        try:
            wanted = parse_data_time(request.cp.get("SystemTime", "")).timestamp()
        except ValueError:
            return EXE_CONDITION_ERROR
        self.clock_offset = wanted - self.sim.clock.now()
        self._schedule_changed = True  # what falls due now is judged on the new clock, without a burst of catch-up
        return EXE_OK

    async def get_rtd_interval(self, request: Packet) -> int:  # 1061
        self.send(packets.command_frame(self.spec, "1061", request.qn, [("RtdInterval", str(self.rtd_interval))]))
        return EXE_OK

    async def set_rtd_interval(self, request: Packet) -> int:  # 1062
        value = _int(request.cp.get("RtdInterval"))
        if value is None or not RTD_INTERVAL_RANGE[0] <= value <= RTD_INTERVAL_RANGE[1]:
            return EXE_CONDITION_ERROR
        self.rtd_interval = value
        self._schedule_changed = True
        return EXE_OK

    async def get_min_interval(self, request: Packet) -> int:  # 1063
        self.send(packets.command_frame(self.spec, "1063", request.qn, [("MinInterval", str(self.min_interval))]))
        return EXE_OK

    async def set_min_interval(self, request: Packet) -> int:  # 1064
        value = _int(request.cp.get("MinInterval"))
        if value not in MIN_INTERVALS:
            return EXE_CONDITION_ERROR
        self.min_interval = value
        self._schedule_changed = True
        return EXE_OK

    async def set_timeout(self, request: Packet) -> int:  # 1000: OverTime (s), ReCount
        over_time, re_count = _int(request.cp.get("OverTime")), _int(request.cp.get("ReCount"))
        if over_time is None or re_count is None or not 1 <= over_time <= 3600 or not 0 <= re_count <= 99:
            return EXE_CONDITION_ERROR
        self.ack_timeout, self.retries = float(over_time), re_count
        return EXE_OK

    async def history(self, request: Packet) -> int:  # 2031 / 2051 / 2061 with BeginTime and EndTime
        try:
            begin = parse_data_time(request.cp.get("BeginTime", "")).timestamp()
            end = parse_data_time(request.cp.get("EndTime", "")).timestamp()
        except ValueError:
            return EXE_CONDITION_ERROR
        if end < begin:
            return EXE_CONDITION_ERROR
        seconds = _period_seconds(request.cn, self.min_interval)
        # Periods whose start lies in [BeginTime, EndTime] and that have ended on this logger's clock.
        first = _next_boundary(begin - 1, seconds)
        last = min(end, self.now() - seconds)
        if last < first:
            return EXE_NO_DATA
        if (last - first) / seconds + 1 > HISTORY_MAX_PACKETS:
            return EXE_CONDITION_ERROR
        start = first
        while start <= last:
            values = self.model.period(start, seconds)
            # Data in answer to a request carries the request's QN and asks for no ack: the exchange ends with 9012.
            self.send(packets.data_frame(self.spec, request.cn, start, values, qn=request.qn, ack=False))
            self.stats.count_sent(request.cn, len(values), resend=False)
            await self.flush()
            start += seconds
        return EXE_OK

    async def calibrate(self, request: Packet) -> int:  # 3011 zero/span calibration
        codes = None
        if "PolId" in request.cp:
            wanted = request.cp["PolId"]
            codes = frozenset(c for c in self.spec.factors if wanted in (c, packets.wire_code(self.spec, c)))
            if not codes:
                return EXE_CONDITION_ERROR
        now = self.now()
        self.model.add_flag_window(now, now + COMMAND_CALIBRATION_SECONDS, "C", codes)
        return EXE_OK

    async def sample(self, request: Packet) -> int:  # 3012 immediate sampling
        return EXE_OK


COMMANDS = {
    "1000": SimulatedDevice.set_timeout,
    "1011": SimulatedDevice.get_time,
    "1012": SimulatedDevice.set_time,
    "1061": SimulatedDevice.get_rtd_interval,
    "1062": SimulatedDevice.set_rtd_interval,
    "1063": SimulatedDevice.get_min_interval,
    "1064": SimulatedDevice.set_min_interval,
    "2031": SimulatedDevice.history,
    "2051": SimulatedDevice.history,
    "2061": SimulatedDevice.history,
    "3011": SimulatedDevice.calibrate,
    "3012": SimulatedDevice.sample,
}


def _period_seconds(cn: str, min_interval: int) -> int:
    return {MINUTE: min_interval * 60, HOURLY: HOUR, DAILY: DAY}[cn]


def _next_boundary(after: float, seconds: int) -> float:
    """The first period boundary (China time; minutes, hours and days start on the local clock) after ``after``."""
    local = after + CHINA_OFFSET
    return math.floor(local / seconds + 1) * seconds - CHINA_OFFSET


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() and len(text) <= 6 else None


def _field(frame: bytes, name: bytes) -> bytes | None:
    at = frame.find(name)
    if at < 0:
        return None
    end = frame.find(b";", at)
    return frame[at + len(name) : end if end >= 0 else None]
