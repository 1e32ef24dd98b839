"""The gateway's side of host → device commands, run in its writer thread (the thread that owns the database).

Every ``poll`` seconds (about 1) the :class:`CommandDispatcher`

- sends the queued commands of devices connected to this gateway: one query reads the ids of all queued
  commands, and a device has at most one command in flight. The command gets a fresh QN (standards.md §1.3)
  and is claimed with one conditional UPDATE, so two gateways never send the same command;
- re-sends a request (same QN) whose 9011 answer did not come within the timeout, up to the retries
  (HJ 212-2017 Table 1: 10 s, 3 retries), then marks it timed out; a request answered with QnRtn=1 whose
  9012 result does not come within the execution timeout times out too.

After each group commit it reads the batch's replies, matched by (device, QN): 9011 (QnRtn, standards.md §1.7
Table 7), 9012 (ExeRtn, Table 6), data replies that carry the request's CN and QN (1011 SystemTime, 1061
RtdInterval, 1063 MinInterval, and the history data of a 2031/2051/2061 re-upload, which the normal path has
stored), and 1013 time-calibration requests, answered by queueing a 1012 set-time command.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecobrain.ingest import commands, sessions
from ecobrain.ingest.choices import IN_FLIGHT_COMMAND_STATES, OPEN_COMMAND_STATES, CommandKind, CommandState
from ecobrain.ingest.models import DeviceCommand, DeviceSession
from ecobrain.monitoring.choices import PacketOutcome

logger = logging.getLogger(__name__)

REPLY_OUTCOMES = frozenset({PacketOutcome.ACCEPTED, PacketOutcome.STORED, PacketOutcome.DUPLICATE})
# Commands that set or report an interval, and the upload CN whose interval it is (standards.md §1.6).
INTERVAL_COMMANDS = {
    CommandKind.GET_RTD_INTERVAL: ("2011", "RtdInterval", 1),
    CommandKind.SET_RTD_INTERVAL: ("2011", "RtdInterval", 1),
    CommandKind.GET_MIN_INTERVAL: ("2051", "MinInterval", 60),
    CommandKind.SET_MIN_INTERVAL: ("2051", "MinInterval", 60),
}
MAX_QUEUED_READ = 5000  # queued commands looked at per poll (the oldest first)


@dataclass
class InFlight:
    """A command this gateway sent and still tracks."""

    id: int
    device_id: int
    cn: str
    qn: str
    state: str
    attempts: int
    deadline: float  # monotonic: when the awaited reply is late
    frame: bytes | None  # None: adopted from the database (sent by an earlier process), never re-sent
    cp: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    dirty: bool = False  # result changed, not yet written


class CommandDispatcher:
    """Sends queued commands, tracks their replies by QN, re-sends and times out (see the module docstring)."""

    def __init__(
        self,
        writer,
        *,
        poll: float = 1.0,
        timeout: float | None = None,
        retries: int | None = None,
        exec_timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.writer = writer  # the BatchWriter: device_connections, send(), gateway_id
        self.poll_every = poll
        self.timeout = settings.HJ212_COMMAND_TIMEOUT if timeout is None else timeout
        self.retries = settings.HJ212_COMMAND_RETRIES if retries is None else retries
        self.exec_timeout = settings.HJ212_COMMAND_EXEC_TIMEOUT if exec_timeout is None else exec_timeout
        self.clock = clock
        self.in_flight: dict[tuple[int, str], InFlight] = {}
        self.qns = commands.QNClock()
        self.next_poll = 0.0
        self.sent = 0

    # --- polling ----------------------------------------------------------------------------------------------

    def seconds_to_poll(self) -> float:
        return max(0.0, self.next_poll - self.clock())

    def wake(self) -> None:
        """Poll at the next chance (a command was just queued by this process)."""
        self.next_poll = 0.0

    def poll(self) -> None:
        self.next_poll = self.clock() + self.poll_every
        now = timezone.now()
        self._check_deadlines(now)
        self._send_queued(now)

    def _send_queued(self, now) -> None:
        connected = self.writer.device_connections
        if not connected:
            return
        busy = {entry.device_id for entry in self.in_flight.values()}
        queued = (
            DeviceCommand.objects.filter(state=CommandState.QUEUED, expires_at__gt=now)
            .order_by("id")
            .values_list("id", "device_id")[:MAX_QUEUED_READ]
        )
        picked: dict[int, int] = {}
        for command_id, device_id in queued:
            if device_id in connected and device_id not in busy and device_id not in picked:
                picked[device_id] = command_id
        if not picked:
            return
        for command in DeviceCommand.objects.filter(pk__in=picked.values()).select_related(
            "device__session", "device__station", "device__outlet"
        ):
            connection = connected.get(command.device_id)
            if connection is not None:
                self._send(command, connection, now)

    def _send(self, command: DeviceCommand, connection, now) -> None:
        cp = commands.request_cp(command.cn, command.params, now=now)
        for _ in range(3):
            qn = self.qns.next(now)
            try:
                frame = commands.request_frame(command.device, command.cn, cp, qn=qn)
            except Exception as exc:  # no password, a CP the codec refuses: this command cannot go out
                logger.exception("cannot build the request frame of command %s", command.pk)
                DeviceCommand.objects.filter(pk=command.pk, state=CommandState.QUEUED).update(
                    state=CommandState.FAILED, finished_at=now, detail=f"无法生成请求报文：{exc}"
                )
                return
            try:
                with transaction.atomic():
                    claimed = DeviceCommand.objects.filter(pk=command.pk, state=CommandState.QUEUED).update(
                        state=CommandState.SENT,
                        qn=qn,
                        sent_at=now,
                        attempts=1,
                        gateway=self.writer.gateway_id,
                        sent_cp=cp,
                    )
            except IntegrityError:
                continue  # that QN is taken (another gateway, same millisecond): take the next one
            break
        else:
            return
        if not claimed:
            return  # cancelled, expired or sent by another gateway meanwhile
        self.in_flight[(command.device_id, qn)] = InFlight(
            command.pk,
            command.device_id,
            command.cn,
            qn,
            CommandState.SENT,
            1,
            self.clock() + self.timeout,
            frame,
            cp,
            dict(command.result),
        )
        self.sent += 1
        self.writer.send(connection, frame)

    def _check_deadlines(self, now) -> None:
        moment = self.clock()
        for entry in [e for e in self.in_flight.values() if e.deadline <= moment]:
            if entry.state == CommandState.SENT and entry.frame is not None and entry.attempts <= self.retries:
                entry.attempts += 1
                entry.deadline = moment + self.timeout
                connection = self.writer.device_connections.get(entry.device_id)
                if connection is not None:  # a disconnected device's attempt is spent all the same
                    self.writer.send(connection, entry.frame)
                DeviceCommand.objects.filter(pk=entry.id, state=CommandState.SENT).update(attempts=entry.attempts)
                continue
            self._time_out(entry, now)

    def _time_out(self, entry: InFlight, now) -> None:
        reply_key = commands.GET_KINDS.get(entry.cn)
        if reply_key and reply_key in entry.result:
            state, detail = CommandState.SUCCEEDED, "已收到数据应答；未收到执行结果 9012"
        elif entry.state == CommandState.SENT:
            state = CommandState.TIMED_OUT
            detail = f"下发 {entry.attempts} 次，均未在 {self.timeout:g} 秒内收到请求应答 9011（HJ 212-2017 表 1）"
        else:
            state = CommandState.TIMED_OUT
            detail = f"已应答（9011），但 {self.exec_timeout:g} 秒内未收到执行结果 9012"
        self._finish(entry, now, state=state, detail=detail)

    # --- replies ----------------------------------------------------------------------------------------------

    def handle(self, results: list) -> None:
        """Read one committed batch's results for replies to commands and for 1013 requests."""
        now = timezone.now()
        for result in results:
            packet = result.packet
            if packet is None or result.device_id is None or result.outcome not in REPLY_OUTCOMES:
                continue
            if packet.cn == "1013":
                self._time_request(result.device_id, packet)
                continue
            if not packet.qn:
                continue
            key = (result.device_id, packet.qn)
            entry = self.in_flight.get(key)
            if entry is None and packet.cn in ("9011", "9012"):
                entry = self._adopt(key)
            if entry is None:
                continue
            if packet.cn == "9011":
                self._answered(entry, packet, now)
            elif packet.cn == "9012":
                self._executed(entry, packet, now)
            elif packet.cn == entry.cn:
                self._data_reply(entry, packet, result)
        for entry in self.in_flight.values():
            if entry.dirty:
                DeviceCommand.objects.filter(pk=entry.id).update(result=entry.result)
                entry.dirty = False

    def _adopt(self, key: tuple[int, str]) -> InFlight | None:
        """A reply to a command this process does not track (sent before a restart, or by another gateway)."""
        device_id, qn = key
        row = (
            DeviceCommand.objects.filter(device_id=device_id, qn=qn, state__in=IN_FLIGHT_COMMAND_STATES)
            .values("id", "cn", "state", "attempts", "sent_cp", "result")
            .first()
        )
        if row is None:
            return None
        entry = InFlight(
            row["id"],
            device_id,
            row["cn"],
            qn,
            row["state"],
            row["attempts"],
            self.clock() + self.exec_timeout,
            None,
            row["sent_cp"] or {},
            row["result"] or {},
        )
        self.in_flight[key] = entry
        return entry

    def _answered(self, entry: InFlight, packet, now) -> None:
        if entry.state != CommandState.SENT:
            return  # the answer to a re-send, after the first answer
        code = _code(packet.cp.get("QnRtn"))
        if code == 1:
            entry.state = CommandState.ACKNOWLEDGED
            entry.deadline = self.clock() + self.exec_timeout
            DeviceCommand.objects.filter(pk=entry.id, state=CommandState.SENT).update(
                state=CommandState.ACKNOWLEDGED, acknowledged_at=now, qn_rtn=code, detail=commands.qn_rtn_reason(code)
            )
            return
        self._finish(entry, now, state=CommandState.REJECTED, detail=commands.qn_rtn_reason(code), qn_rtn=code)

    def _executed(self, entry: InFlight, packet, now) -> None:
        code = _code(packet.cp.get("ExeRtn"))
        succeeded = code == 1
        state = CommandState.SUCCEEDED if succeeded else CommandState.FAILED
        self._finish(entry, now, state=state, detail=commands.exe_rtn_reason(code), exe_rtn=code)
        if succeeded and entry.cn in (CommandKind.SET_RTD_INTERVAL, CommandKind.SET_MIN_INTERVAL):
            self._learn_interval(entry.device_id, entry.cn, entry.cp)

    def _data_reply(self, entry: InFlight, packet, result) -> None:
        if entry.cn in commands.GET_KINDS:
            entry.result.update({key: value for key, value in packet.cp.items() if key != "DataTime"})
            if entry.cn in INTERVAL_COMMANDS:
                self._learn_interval(entry.device_id, entry.cn, packet.cp)
        elif entry.cn in commands.HISTORY_KINDS:
            entry.result["packets"] = entry.result.get("packets", 0) + 1
            entry.result["values"] = entry.result.get("values", 0) + result.inserted + result.updated
        entry.dirty = True

    def _finish(self, entry: InFlight, now, *, state: str, detail: str, **fields) -> None:
        self.in_flight.pop((entry.device_id, entry.qn), None)
        DeviceCommand.objects.filter(pk=entry.id, state__in=IN_FLIGHT_COMMAND_STATES).update(
            state=state, finished_at=now, detail=detail, result=entry.result, attempts=entry.attempts, **fields
        )

    def _learn_interval(self, device_id: int, cn: str, cp: dict) -> None:
        """A set interval that succeeded, or one the device reported, tells its session what to expect."""
        upload_cn, key, unit = INTERVAL_COMMANDS[cn]
        value = _code(cp.get(key))
        session = DeviceSession.objects.filter(device_id=device_id).first()
        if value is None or value <= 0 or session is None:
            return
        sessions.set_reported_interval(session, upload_cn, value * unit)
        session.save(update_fields=["intervals", "expected_interval", "interval_source", "offline_after"])

    def _time_request(self, device_id: int, packet) -> None:
        """A data logger asks for the time (1013, standards.md §1.6): queue a 1012 with the gateway's clock."""
        from ecobrain.ingest.services import queue_device_command
        from ecobrain.registry.models import Device

        if DeviceCommand.objects.filter(
            device_id=device_id, cn=CommandKind.SET_TIME, state__in=OPEN_COMMAND_STATES
        ).exists():
            return  # one is on its way
        device = Device.objects.get(pk=device_id)
        note = f"现场机请求校时（1013，QN={packet.qn}），自动下发"
        params = {"PolId": packet.cp["PolId"]} if packet.cp.get("PolId") else {}
        try:
            queue_device_command(device, CommandKind.SET_TIME, params=params, actor=None, note=note)
        except ValidationError:
            if not params:
                raise  # a retired device: logged by the writer
            queue_device_command(device, CommandKind.SET_TIME, params={}, actor=None, note=note)  # unknown PolId
        self.wake()


def _code(text) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None
