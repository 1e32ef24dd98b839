"""The frames a simulated data logger sends, built with the codec (plain Python, no Django).

Layouts follow standards.md §1: field order QN;ST;CN;PW;MN;Flag;CP (§1.3); an HJ/T 212-2005 logger sends no QN
and no Flag and uses the 2005 factor codes of pollution sources (§1.10 "Old"); 2017 and 2025 loggers set the
version bits of Flag (§1.4: 4/5 and 8/9) and A=1 on uploads that want a 9014 data ack. Replies to the host
(9011 request answer, 9012 execution result) carry the request's QN, ST=91 and Flag without A (§1.4, §1.7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from ecobrain.standards.factors import factor_table
from ecobrain.standards.hj212 import CHINA_TZ, LengthError, Packet, encode
from ecobrain.standards.hj212.versions import make_flag

from .profiles import DeviceKind, DeviceSpec

EDITION_WITHOUT_FLAG = "2005"
REPLY_ST = "91"  # 系统交互 (HJ 212-2017 Table 5)

# QnRtn (HJ 212-2017 Table 7) and ExeRtn (Table 6), standards.md §1.7.
QN_READY, QN_REJECTED, QN_PW_ERROR, QN_MN_ERROR, QN_CRC_ERROR = 1, 2, 3, 4, 9
EXE_OK, EXE_CONDITION_ERROR, EXE_NO_DATA = 1, 3, 100
_OPTIONAL_SUFFIXES = ("Min", "Max")  # dropped first when a packet would pass the 1024-byte limit


def china_time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, CHINA_TZ)


def data_time_text(epoch: float) -> str:
    """DataTime / SystemTime: YYYYMMDDhhmmss in China time (standards.md §1.8)."""
    return china_time(epoch).strftime("%Y%m%d%H%M%S")


def qn_text(epoch_ms: int) -> str:
    """QN: YYYYMMDDhhmmsszzz, the sender's clock to the millisecond (standards.md §1.3)."""
    return china_time(epoch_ms // 1000).strftime("%Y%m%d%H%M%S") + f"{epoch_ms % 1000:03d}"


def wire_code(spec: DeviceSpec, code: str) -> str:
    """The factor code the logger sends: a 2005 pollution-source logger uses the old code where there is one."""
    if spec.version != EDITION_WITHOUT_FLAG or spec.kind not in (DeviceKind.FLUE_GAS, DeviceKind.WASTEWATER):
        return code
    factor = factor_table().get(code)
    return factor.old_code if factor is not None and factor.old_code else code


def flag_for(spec: DeviceSpec, *, ack: bool) -> int | None:
    """Flag of a packet from this logger (None: a 2005 logger sends no Flag)."""
    if spec.version == EDITION_WITHOUT_FLAG:
        return None
    return make_flag(spec.version, ack=ack)


def data_frame(
    spec: DeviceSpec,
    cn: str,
    data_time: float,
    values: Mapping[str, Mapping[str, str]],
    *,
    qn: str | None,
    ack: bool,
) -> bytes:
    """An upload of values (2011/2051/2061/2031): DataTime first, then one `;` group per factor."""
    drop: tuple[str, ...] = ()
    while True:
        groups = [(("DataTime", data_time_text(data_time)),)]
        for code, suffixes in values.items():
            name = wire_code(spec, code)
            groups.append(tuple((f"{name}-{suffix}", text) for suffix, text in suffixes.items() if suffix not in drop))
        packet = Packet(
            version=spec.version,
            qn=None if spec.version == EDITION_WITHOUT_FLAG else qn,
            st=spec.st,
            cn=cn,
            pw=spec.password,
            mn=spec.mn,
            flag=flag_for(spec, ack=ack),
            cp_groups=tuple(groups),
        )
        try:
            return encode(packet)
        except LengthError:
            if drop:
                raise
            drop = _OPTIONAL_SUFFIXES


def command_frame(
    spec: DeviceSpec, cn: str, qn: str | None, items: Iterable[tuple[str, str]], *, st: str = ""
) -> bytes:
    """A logger-to-host packet that answers or notifies (1011 SystemTime, 1061, 1063, 1013, 9011, 9012)."""
    items = tuple(items)
    packet = Packet(
        version=spec.version,
        qn=qn,
        st=st or spec.st,
        cn=cn,
        pw=spec.password,
        mn=spec.mn,
        flag=flag_for(spec, ack=False),
        cp_groups=(items,) if items else (),
    )
    return encode(packet)


def request_answer(spec: DeviceSpec, qn: str | None, code: int) -> bytes:
    """9011 请求应答 with QnRtn (HJ 212-2017 Table 7)."""
    return command_frame(spec, "9011", qn, [("QnRtn", str(code))], st=REPLY_ST)


def execution_result(spec: DeviceSpec, qn: str | None, code: int) -> bytes:
    """9012 执行结果 with ExeRtn (HJ 212-2017 Table 6)."""
    return command_frame(spec, "9012", qn, [("ExeRtn", str(code))], st=REPLY_ST)
