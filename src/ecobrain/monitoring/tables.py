"""Columns of the monitoring lists and their exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecobrain.core.tables import Column, Table
from ecobrain.monitoring.packets import mask_password, translated
from ecobrain.standards.hj212.codes import command_name

packet_table = Table(
    [
        Column("received_at", _("接收时间")),
        Column("mn", _("MN")),
        Column("cn", _("命令编码")),
        Column("cn_name", _("命令名称"), accessor=lambda p: translated(command_name(p.cn))),
        Column("device", _("数采仪"), accessor=lambda p: p.device.mn if p.device_id else ""),
        Column("peer", _("来源地址")),
        Column("outcome", _("处理结果")),
        Column("values_stored", _("入库数值数")),
        Column("detail", _("说明")),
        Column("qn", _("请求编码 QN"), html=False),
        Column(
            "raw", _("原始报文（PW 已隐藏）"), accessor=lambda p: mask_password(p.raw_text().rstrip("\r\n")), html=False
        ),
    ],
    default_sort="-received_at",
    select_related=("device",),
)
