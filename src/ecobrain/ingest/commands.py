"""Host → device commands as HJ 212 defines them: parameters per CN, their checks, QNs and the request frame.

The facts come from standards.md §1.3 (QN), §1.4 (Flag), §1.6 (CN table, RtdInterval 30–3600 s, MinInterval
values), §1.7 (QnRtn/ExeRtn) and §1.8 (BeginTime/EndTime/SystemTime as N14, PolId). Queueing a command is
``ingest.services.queue_device_command``; the gateway's side is ``ingest.dispatch``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from ecobrain.ingest.choices import EXE_RTN_REASONS, QN_RTN_REASONS, CommandKind
from ecobrain.registry.choices import OutletKind, StationKind
from ecobrain.standards.hj212 import CHINA_TZ, encode, packet_from_json

# RtdInterval (s) and MinInterval (min), standards.md §1.6.
RTD_INTERVAL_RANGE = (30, 3600)
MIN_INTERVALS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
# The longest history one re-upload request may ask for; longer spans are split by the operator. The standard
# sets no limit (standards.md is silent): these keep one request to at most ~10,000 minute or 744 hour packets.
MAX_HISTORY_SPAN = {
    CommandKind.DAY_HISTORY: timedelta(days=366),
    CommandKind.MINUTE_HISTORY: timedelta(days=7),
    CommandKind.HOUR_HISTORY: timedelta(days=31),
}
GET_KINDS = {  # "get" commands answered by a data reply with the same CN and QN, and the key that carries it
    CommandKind.GET_TIME: "SystemTime",
    CommandKind.GET_RTD_INTERVAL: "RtdInterval",
    CommandKind.GET_MIN_INTERVAL: "MinInterval",
}
HISTORY_KINDS = frozenset(MAX_HISTORY_SPAN)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "time", "rtd_interval", "min_interval", "factor"
    required: bool = True
    help: str = ""  # shown on the command form; a lazy translation


PARAMS: dict[str, tuple[Param, ...]] = {
    CommandKind.GET_TIME: (Param("PolId", "factor", False, gettext_lazy("仪器对应的监测因子编码（可选）")),),
    CommandKind.SET_TIME: (
        Param("SystemTime", "time", False, gettext_lazy("要设置的时间（北京时间）；不填则为网关下发时的时间")),
        Param("PolId", "factor", False, gettext_lazy("仪器对应的监测因子编码（可选）")),
    ),
    CommandKind.GET_RTD_INTERVAL: (),
    CommandKind.SET_RTD_INTERVAL: (
        Param("RtdInterval", "rtd_interval", True, gettext_lazy("实时数据间隔，30–3600 秒")),
    ),
    CommandKind.GET_MIN_INTERVAL: (),
    CommandKind.SET_MIN_INTERVAL: (
        Param(
            "MinInterval",
            "min_interval",
            True,
            gettext_lazy("分钟数据间隔：1、2、3、4、5、6、10、12、15、20 或 30 分钟"),
        ),
    ),
    CommandKind.DAY_HISTORY: (Param("BeginTime", "time"), Param("EndTime", "time")),
    CommandKind.MINUTE_HISTORY: (Param("BeginTime", "time"), Param("EndTime", "time")),
    CommandKind.HOUR_HISTORY: (Param("BeginTime", "time"), Param("EndTime", "time")),
    CommandKind.CALIBRATE: (Param("PolId", "factor", True, gettext_lazy("要校准的仪器对应的监测因子编码")),),
    CommandKind.SAMPLE: (Param("PolId", "factor", True, gettext_lazy("要采样的仪器对应的监测因子编码")),),
}


def validate_params(kind: str, params: Mapping | None, *, now: datetime) -> dict[str, str]:
    """The parameters of a ``kind`` command as HJ 212 text, or a ValidationError naming each one at fault."""
    from ecobrain.registry.models import MonitoringFactor

    if kind not in PARAMS:
        known = "、".join(CommandKind.values)
        raise ValidationError(
            {"cn": _("不支持的命令编码 %(kind)s；可用：%(known)s。") % {"kind": repr(kind), "known": known}}
        )
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ValidationError({"params": _("参数须为“名称 → 值”的对象。")})
    specs = {spec.name: spec for spec in PARAMS[kind]}
    errors: list[str] = []
    unknown = sorted(str(name) for name in params if name not in specs)
    if unknown:
        allowed = "、".join(specs) or pgettext("no parameters", "无")
        errors.append(
            _("命令 %(kind)s 不接受参数 %(names)s（可用参数：%(allowed)s）。")
            % {"kind": kind, "names": "、".join(unknown), "allowed": allowed}
        )
    clean: dict[str, str] = {}
    times: dict[str, datetime] = {}
    for name, spec in specs.items():
        raw = params.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                errors.append(
                    _("命令 %(kind)s 缺少参数 %(name)s（%(help)s）。")
                    % {"kind": kind, "name": name, "help": spec.help or _("必填")}
                )
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            errors.append(
                _("参数 %(name)s 须为文本或整数，收到 %(type)s。") % {"name": name, "type": type(raw).__name__}
            )
            continue
        text = str(raw).strip()
        if spec.kind == "time":
            moment = parse_command_time(text)
            if moment is None:
                errors.append(
                    _("参数 %(name)s=%(value)s 不是时间：请用 YYYYMMDDhhmmss（北京时间）或 ISO 8601。")
                    % {"name": name, "value": repr(text)}
                )
                continue
            times[name] = moment
            clean[name] = hj212_time(moment)
        elif spec.kind == "rtd_interval":
            low, high = RTD_INTERVAL_RANGE
            if not text.isdigit() or not low <= int(text) <= high:
                errors.append(
                    _("参数 RtdInterval 须为 %(low)d–%(high)d 之间的整数秒（standards.md §1.6），收到 %(value)s。")
                    % {"low": low, "high": high, "value": repr(text)}
                )
                continue
            clean[name] = str(int(text))
        elif spec.kind == "min_interval":
            if not text.isdigit() or int(text) not in MIN_INTERVALS:
                allowed = "、".join(str(m) for m in MIN_INTERVALS)
                errors.append(
                    _("参数 MinInterval 须为 %(allowed)s 分钟之一（standards.md §1.6），收到 %(value)s。")
                    % {"allowed": allowed, "value": repr(text)}
                )
                continue
            clean[name] = str(int(text))
        elif spec.kind == "factor":
            if not MonitoringFactor.objects.filter(Q(code=text) | Q(old_code=text)).exists():
                errors.append(
                    _("参数 PolId=%(value)s 不是已登记的监测因子编码（如 a21026、w01018）。") % {"value": repr(text)}
                )
                continue
            clean[name] = text
    if kind in HISTORY_KINDS and len(times) == 2:
        begin, end = times["BeginTime"], times["EndTime"]
        if end <= begin:
            errors.append(_("结束时间 EndTime 须晚于开始时间 BeginTime。"))
        elif begin > now:
            errors.append(_("开始时间 BeginTime 不能晚于当前时间。"))
        elif end - begin > MAX_HISTORY_SPAN[kind]:
            errors.append(
                _("一次补传最多 %(days)d 天（命令 %(kind)s），请拆分时段。")
                % {"days": MAX_HISTORY_SPAN[kind].days, "kind": kind}
            )
    if errors:
        raise ValidationError({"params": errors})
    return clean


def parse_command_time(text: str) -> datetime | None:
    """``YYYYMMDDhhmmss`` (China time, as HJ 212 sends it) or ISO 8601 (naive means China time) → aware."""
    try:
        if len(text) == 14 and text.isdigit():
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=CHINA_TZ)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=CHINA_TZ) if moment.tzinfo is None else moment


def hj212_time(moment: datetime) -> str:
    """N14 ``YYYYMMDDhhmmss`` in China time (standards.md §1.8)."""
    return moment.astimezone(CHINA_TZ).strftime("%Y%m%d%H%M%S")


def request_cp(cn: str, params: Mapping[str, str], *, now: datetime) -> dict[str, str]:
    """The CP of the request as sent now: a set-time without SystemTime takes the gateway's clock."""
    cp = {name: params[name] for name in (p.name for p in PARAMS.get(cn, ())) if name in params}
    if cn == CommandKind.SET_TIME and "SystemTime" not in cp:
        cp = {"SystemTime": hj212_time(now), **cp}
    return cp


def default_st(device) -> str:
    """The system code (ST, standards.md §1.5) for a device that has not told us its own yet."""
    if device.outlet_id:
        return "32" if device.outlet.kind == OutletKind.WATER else "31"
    kind = device.station.kind if device.station_id else ""
    by_kind = {StationKind.VOCS: "27", StationKind.SOIL: "25", StationKind.NOISE: "23"}
    if kind in (StationKind.WATER_AUTO, StationKind.WATER_SECTION):
        return "21"
    return by_kind.get(kind, "22")


def request_frame(device, cn: str, cp: Mapping[str, str], *, qn: str) -> bytes:
    """The request frame: the device's own ST and edition (as last seen), its PW, Flag with A=1 (§1.4)."""
    try:
        session = device.session
    except ObjectDoesNotExist:
        session = None
    edition = (session.edition if session is not None else "") or device.protocol_version or "2017"
    st = (session.st if session is not None else "") or default_st(device)
    password = device.access_password()
    if password is None:
        raise ValueError(f"device {device.mn} has no access password")
    document = {
        "qn": qn,
        "st": st,
        "cn": cn,
        "pw": password,
        "mn": device.mn,
        "version": edition,
        "ack_required": True,
        "cp": dict(cp),
    }
    return encode(packet_from_json(document))


def qn_rtn_reason(code: int | None) -> str:
    return f"QnRtn={code}：{QN_RTN_REASONS.get(code, '未定义的返回码')}（standards.md §1.7）"


def exe_rtn_reason(code: int | None) -> str:
    return f"ExeRtn={code}：{EXE_RTN_REASONS.get(code, '未定义的返回码')}（standards.md §1.7）"


class QNClock:
    """QNs for host requests: ``YYYYMMDDhhmmsszzz`` (standards.md §1.3) in China time, strictly increasing in
    this process (two requests in one millisecond get consecutive numbers)."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self, now: datetime) -> str:
        local = now.astimezone(CHINA_TZ)
        value = int(local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}")
        with self._lock:
            value = max(value, self._last + 1)
            self._last = value
        return str(value)
