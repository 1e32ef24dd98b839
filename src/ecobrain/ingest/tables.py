"""Columns of the device-status page and its CSV/Excel export."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.core.tables import Column, Table

STATUS_LABELS = {"online": _("在线"), "offline": _("离线"), "never": _("从未上线")}


def session_of(device):
    """The device's session, or None when it has never been seen (no row yet)."""
    try:
        return device.session
    except ObjectDoesNotExist:
        return None


def local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _session_value(name: str):
    def read(device):
        session = session_of(device)
        return getattr(session, name) if session is not None else None

    return read


def _session_time(name: str):
    def read(device):
        session = session_of(device)
        return local_time(getattr(session, name)) if session is not None else ""

    return read


def device_status(device) -> str:
    session = session_of(device)
    return str(STATUS_LABELS[session.status() if session is not None else "never"])


def _target(device) -> str:
    if device.station_id:
        return str(device.station)
    return f"{device.outlet.enterprise.name} {device.outlet.code}" if device.outlet_id else ""


def _district(device) -> str:
    if device.station_id:
        return str(device.station.district or "")
    return str(device.outlet.enterprise.district or "") if device.outlet_id else ""


device_status_table = Table(
    [
        Column("mn", _("设备编号 MN"), sort="mn", link=True),
        Column("target", _("关联对象"), accessor=_target),
        Column("district", _("区县"), accessor=_district),
        Column("status", _("在线状态"), accessor=device_status, sort="session__online"),
        Column("connected", _("已连接"), accessor=_session_value("connected"), sort="session__connected"),
        Column("last_seen_at", _("最后通信"), accessor=_session_time("last_seen_at"), sort="session__last_seen_at"),
        Column("last_data_at", _("最后数据"), accessor=_session_time("last_data_at"), sort="session__last_data_at"),
        Column("expected_interval", _("预期间隔（秒）"), accessor=_session_value("expected_interval")),
        Column("packets", _("报文数"), accessor=_session_value("packets"), sort="session__packets"),
        Column("errors", _("错误数"), accessor=_session_value("errors"), sort="session__errors"),
        Column("auth_failures", _("认证失败"), accessor=_session_value("auth_failures"), html=False),
        Column("peer", _("来源地址"), accessor=_session_value("peer"), html=False),
        Column("gateway", _("网关实例"), accessor=_session_value("gateway"), html=False),
        Column("connected_at", _("连接时间"), accessor=_session_time("connected_at"), html=False),
    ],
    default_sort="mn",
    select_related=("session", "station", "station__district", "outlet", "outlet__enterprise__district"),
)
